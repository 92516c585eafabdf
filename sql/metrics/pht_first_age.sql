-- Mean age at first consultation in the psychic health team: the template gives the count (Nevner)
-- and the mean age (Verdi); the sum of ages is count x mean.
SELECT a.area_code, s.year, NULL AS school_level, NULL AS gender,
       s.denominator * s.value AS numerator, s.denominator AS denominator
FROM staging.stg_services s JOIN marts.areas a ON a.area_name = s.unit_name
WHERE s.indicator_id = 'pht_first_consult'
