-- Dropped (henlagte) reports over all reports, for the plan's municipality and each comparator
-- (marts.compared_regions; a group's members are summed, and a group cell needs every member).
SELECT r.area_code, k.year, NULL AS school_level, NULL AS gender,
       sum(k.reports_dropped) AS numerator, sum(k.reports_total) AS denominator
FROM staging.stg_child_welfare_key_figures k
JOIN marts.compared_regions r ON k.municipality = r.series
GROUP BY r.area_code, k.year
HAVING count(DISTINCT k.municipality) = any_value(r.members)
