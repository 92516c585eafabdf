-- youth_homeless: a count the services report in the yearly template (indicator 'youth_homeless').
SELECT a.area_code, s.year, NULL AS school_level, NULL AS gender,
       s.numerator AS numerator, NULL AS denominator
FROM staging.stg_services s JOIN marts.areas a ON a.area_name = s.unit_name
WHERE s.indicator_id = 'youth_homeless'
