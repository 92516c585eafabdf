-- Decisions in kindergarten and grades 1-4 over all special-education decisions.
SELECT a.area_code, p.year, NULL AS school_level, NULL AS gender,
       sum(p.children_with_decisions) FILTER (WHERE p.is_young) AS numerator,
       sum(p.children_with_decisions) AS denominator
FROM staging.stg_ppt p
JOIN marts.areas a ON a.area_name = p.district  -- the plan's part of the municipality, by name
GROUP BY a.area_code, p.year
