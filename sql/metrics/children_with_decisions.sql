-- Children with special-education decisions per 1000 residents aged 0-15 (municipality level: the
-- population comes from SSB per municipality). Numerator and denominator cover the same ages: PPT
-- reports decisions in the age groups 0-5, 6-9, 10-12 and 13-15 år, together exactly ages 0-15, and
-- "16 år og eldre", which has no upper age (pupils and adults of any age above 15), so no population
-- count matches it; that group is left out of the rate.
WITH decisions AS (
    SELECT year, sum(children_with_decisions) AS children FROM staging.stg_ppt
    WHERE age_group <> '16 år og eldre' GROUP BY year
), residents AS (
    SELECT year, sum(persons) AS persons FROM staging.stg_population
    JOIN marts.plan p ON municipality = p.municipality_series
    WHERE age BETWEEN 0 AND 15 GROUP BY year
)
SELECT p.root_area_code AS area_code, d.year, NULL AS school_level, NULL AS gender,
       d.children AS numerator, r.persons AS denominator
FROM decisions d JOIN residents r USING (year) CROSS JOIN marts.plan p
