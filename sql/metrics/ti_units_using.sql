-- Kindergartens and schools that used a Tidlig innsatsteam during the year, over all of them, per part
-- of the municipality.
SELECT a.area_code, s.year, NULL AS school_level, NULL AS gender,
       s.numerator AS numerator, s.denominator AS denominator
FROM staging.stg_services s JOIN marts.areas a ON a.area_name = s.unit_name
WHERE s.indicator_id = 'ti_units'
