-- home_visits_newborn: newborns the health centre visited at home within 14 days of birth, over all
-- newborns, per part of the municipality (the services' template names the part as its unit).
SELECT a.area_code, s.year, NULL AS school_level, NULL AS gender,
       s.numerator AS numerator, s.denominator AS denominator
FROM staging.stg_services s
JOIN marts.areas a ON a.area_name = s.unit_name
WHERE s.indicator_id = 'home_visit'
