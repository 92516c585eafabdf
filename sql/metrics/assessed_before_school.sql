-- Children fully assessed by PPT before school start (a count).
SELECT area_code, year, NULL AS school_level, NULL AS gender,
       sum(assessed_before_school) AS numerator, NULL AS denominator
FROM staging.stg_ppt
GROUP BY area_code, year
HAVING count(assessed_before_school) > 0
