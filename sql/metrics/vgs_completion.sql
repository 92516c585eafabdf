-- Pupils who completed upper secondary school within five years over pupils who started.
SELECT 'baerum' AS area_code, year, NULL AS school_level, NULL AS gender,
       completed AS numerator, started AS denominator
FROM staging.stg_vgs_completion
WHERE municipality = 'baerum'
