-- Pupils who completed upper secondary school within five years over pupils who started, in the
-- plan's municipality and each comparator (marts.compared_regions; a group's members are summed, and
-- a group cell needs every member).
SELECT r.area_code, v.year, NULL AS school_level, NULL AS gender,
       sum(v.completed) AS numerator, sum(v.started) AS denominator
FROM staging.stg_vgs_completion v
JOIN marts.compared_regions r ON v.municipality = r.series
GROUP BY r.area_code, v.year
HAVING count(DISTINCT v.municipality) = any_value(r.members)
