-- Extra resources (NOK) used on children under 10, over all extra resources to children and youth.
SELECT a.area_code, s.year, NULL AS school_level, NULL AS gender,
       s.numerator AS numerator, s.denominator AS denominator
FROM staging.stg_services s JOIN marts.areas a ON a.area_name = s.unit_name
WHERE s.indicator_id = 'extra_resources'
