-- Decisions in kindergarten and grades 1-4 over all special-education decisions.
SELECT area_code, year, NULL AS school_level, NULL AS gender,
       sum(children_with_decisions) FILTER (WHERE is_young) AS numerator,
       sum(children_with_decisions) AS denominator
FROM staging.stg_ppt
GROUP BY area_code, year
