-- Children and youth with special-education decisions per 1000 residents aged 0-17 (municipality level:
-- the population comes from SSB per municipality).
WITH decisions AS (
    SELECT year, sum(children_with_decisions) AS children FROM staging.stg_ppt GROUP BY year
), residents AS (
    SELECT year, sum(persons) AS persons FROM staging.stg_population
    WHERE municipality = 'baerum' AND age BETWEEN 0 AND 17 GROUP BY year
)
SELECT 'baerum' AS area_code, d.year, NULL AS school_level, NULL AS gender,
       d.children AS numerator, r.persons AS denominator
FROM decisions d JOIN residents r USING (year)
