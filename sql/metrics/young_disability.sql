-- Residents aged 18-29 receiving disability benefit (a count).
SELECT 'baerum' AS area_code, year, NULL AS school_level, NULL AS gender,
       recipients AS numerator, NULL AS denominator
FROM staging.stg_young_disability
WHERE municipality = 'baerum'
