-- Children with a finished investigation, in percent of residents aged 0-17 (dekningsgrad), for the
-- plan's municipality and each comparator (marts.compared_regions: a series per area; a group's
-- members are summed, and a group cell needs every member).
WITH residents AS (
    SELECT r.area_code, s.year, sum(s.persons) AS persons
    FROM staging.stg_population s
    JOIN marts.compared_regions r ON s.municipality = r.series
    WHERE s.age BETWEEN 0 AND 17
    GROUP BY r.area_code, s.year
    HAVING count(DISTINCT s.municipality) = any_value(r.members)
), investigated AS (
    SELECT r.area_code, k.year, sum(k.children_investigated) AS children
    FROM staging.stg_child_welfare_key_figures k
    JOIN marts.compared_regions r ON k.municipality = r.series
    GROUP BY r.area_code, k.year
    HAVING count(DISTINCT k.municipality) = any_value(r.members)
)
SELECT i.area_code, i.year, NULL AS school_level, NULL AS gender,
       i.children AS numerator, p.persons AS denominator
FROM investigated i
JOIN residents p USING (area_code, year)
