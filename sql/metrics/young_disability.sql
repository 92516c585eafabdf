-- Residents aged 18-29 receiving disability benefit (a count), in the plan's municipality and each
-- comparator (marts.compared_regions; a group's members are summed, and a group cell needs every
-- member). A count is compared as it is: the comparison class needs a rate, so the pages show a
-- comparator's count beside the municipality's without a class.
SELECT r.area_code, d.year, NULL AS school_level, NULL AS gender,
       sum(d.recipients) AS numerator, NULL AS denominator
FROM staging.stg_young_disability d
JOIN marts.compared_regions r ON d.municipality = r.series
GROUP BY r.area_code, d.year
HAVING count(DISTINCT d.municipality) = any_value(r.members)
