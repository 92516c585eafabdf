-- Children fully assessed by PPT before school start (a count).
SELECT a.area_code, p.year, NULL AS school_level, NULL AS gender,
       sum(p.assessed_before_school) AS numerator, NULL AS denominator
FROM staging.stg_ppt p
JOIN marts.areas a ON a.area_name = p.district  -- the plan's part of the municipality, by name
GROUP BY a.area_code, p.year
HAVING count(p.assessed_before_school) > 0
