-- All metric cells before suppression: the base cells of every metric (marts.metric_base) summed up
-- the area hierarchy and over survey groups. Only additive parts (numerator, denominator) are summed,
-- so a municipality = the sum of its parts holds by construction and survey groups are combined with respondent
-- weights. The value follows from the unit.
WITH rolled AS (
    SELECT
        b.metric_id,
        anc.ancestor_code AS area_code,
        b.year,
        coalesce(b.school_level, 'alle') AS school_level,
        coalesce(b.gender, 'alle') AS gender,
        sum(b.numerator) AS numerator,
        sum(b.denominator) AS denominator
    FROM marts.metric_base b
    JOIN marts.area_ancestors anc ON anc.area_code = b.area_code
    GROUP BY GROUPING SETS (
        (b.metric_id, anc.ancestor_code, b.year, b.school_level, b.gender),
        (b.metric_id, anc.ancestor_code, b.year, b.school_level),
        (b.metric_id, anc.ancestor_code, b.year, b.gender),
        (b.metric_id, anc.ancestor_code, b.year)
    )
), distinct_cells AS (
    -- Metrics without survey groups fall in all four grouping sets with the same cells: keep one.
    SELECT metric_id, area_code, year, school_level, gender,
           any_value(numerator) AS numerator, any_value(denominator) AS denominator
    FROM rolled
    GROUP BY metric_id, area_code, year, school_level, gender
)
SELECT
    c.metric_id,
    c.area_code,
    a.area_name,
    a.area_level,
    a.parent_code,
    c.school_level,
    c.gender,
    c.year,
    CASE m.period_type WHEN 'skoleår' THEN c.year || '/' || right(CAST(c.year + 1 AS VARCHAR), 2)
                       ELSE CAST(c.year AS VARCHAR) END AS period,
    m.period_type,
    m.unit,
    c.numerator,
    c.denominator,
    CASE m.unit
        WHEN 'percent' THEN 100.0 * c.numerator / nullif(c.denominator, 0)
        WHEN 'per_1000' THEN 1000.0 * c.numerator / nullif(c.denominator, 0)
        WHEN 'years' THEN c.numerator / nullif(c.denominator, 0)
        ELSE c.numerator
    END AS value
FROM distinct_cells c
JOIN marts.areas a ON a.area_code = c.area_code
JOIN marts.metric_catalogue m ON m.metric_id = c.metric_id
ORDER BY c.metric_id, a.area_level, c.area_code, c.school_level, c.gender, c.year
