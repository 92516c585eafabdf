-- Children with a finished investigation, in percent of residents aged 0-17 (dekningsgrad), for the
-- plan's municipality (marts.plan: its series in the region-code table and its area code).
WITH residents AS (
    SELECT year, sum(persons) AS persons FROM staging.stg_population
    JOIN marts.plan p ON municipality = p.municipality_series
    WHERE age BETWEEN 0 AND 17 GROUP BY year
)
SELECT p.root_area_code AS area_code, k.year, NULL AS school_level, NULL AS gender,
       k.children_investigated AS numerator, r.persons AS denominator
FROM staging.stg_child_welfare_key_figures k
JOIN marts.plan p ON k.municipality = p.municipality_series
JOIN residents r USING (year)
