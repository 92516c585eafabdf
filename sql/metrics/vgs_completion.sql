-- Pupils who completed upper secondary school within five years over pupils who started, in the
-- plan's municipality.
SELECT p.root_area_code AS area_code, v.year, NULL AS school_level, NULL AS gender,
       v.completed AS numerator, v.started AS denominator
FROM staging.stg_vgs_completion v
JOIN marts.plan p ON v.municipality = p.municipality_series
