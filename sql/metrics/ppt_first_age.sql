-- Mean age at first PPT consultation: sum of ages (count x mean age per age group) over the count,
-- per part of the municipality and year.
SELECT area_code, year, NULL AS school_level, NULL AS gender,
       sum(sum_age_first_consultation) AS numerator, sum(first_consultations) AS denominator
FROM staging.stg_ppt
WHERE first_consultations > 0
GROUP BY area_code, year
