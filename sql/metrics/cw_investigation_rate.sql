-- Children with a finished investigation, in percent of residents aged 0-17 (dekningsgrad).
WITH residents AS (
    SELECT year, sum(persons) AS persons FROM staging.stg_population
    WHERE municipality = 'baerum' AND age BETWEEN 0 AND 17 GROUP BY year
)
SELECT 'baerum' AS area_code, k.year, NULL AS school_level, NULL AS gender,
       k.children_investigated AS numerator, r.persons AS denominator
FROM staging.stg_child_welfare_key_figures k JOIN residents r USING (year)
WHERE k.municipality = 'baerum'
