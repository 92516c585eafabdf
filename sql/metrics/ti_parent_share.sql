-- Tidlig innsatsteam cases where the parents took part, over all cases, per team.
SELECT a.area_code, s.year, NULL AS school_level, NULL AS gender,
       s.numerator AS numerator, s.denominator AS denominator
FROM staging.stg_services s JOIN marts.areas a ON a.area_name = s.unit_name
WHERE s.indicator_id = 'ti_cases'
