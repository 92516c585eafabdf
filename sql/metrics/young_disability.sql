-- Residents aged 18-29 receiving disability benefit (a count), in the plan's municipality.
SELECT p.root_area_code AS area_code, d.year, NULL AS school_level, NULL AS gender,
       d.recipients AS numerator, NULL AS denominator
FROM staging.stg_young_disability d
JOIN marts.plan p ON d.municipality = p.municipality_series
