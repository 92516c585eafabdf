-- Reports from helsestasjon/skolehelsetjeneste, fastlege, barnehage and skole over all reports, in
-- the plan's municipality and each comparator (marts.compared_regions; a group's members are summed,
-- and a group cell needs every member).
SELECT c.area_code, r.year, NULL AS school_level, NULL AS gender,
       sum(r.reports) FILTER (WHERE r.is_early) AS numerator,
       sum(r.reports) FILTER (WHERE r.is_total) AS denominator
FROM staging.stg_child_welfare_reports r
JOIN marts.compared_regions c ON r.municipality = c.series
GROUP BY c.area_code, r.year
HAVING count(DISTINCT r.municipality) = any_value(c.members)
