-- Mean age at first PPT consultation: sum of ages (count x mean age per age group) over the count,
-- per part of the municipality and year.
SELECT a.area_code, p.year, NULL AS school_level, NULL AS gender,
       sum(p.sum_age_first_consultation) AS numerator, sum(p.first_consultations) AS denominator
FROM staging.stg_ppt p
JOIN marts.areas a ON a.area_name = p.district  -- the plan's part of the municipality, by name
WHERE p.first_consultations > 0
GROUP BY a.area_code, p.year
