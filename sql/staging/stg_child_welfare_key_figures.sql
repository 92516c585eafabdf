-- KOSTRA key figures, one row per municipality and year.
SELECT
    municipality,
    year,
    max(value) FILTER (WHERE measure = 'Meldinger') AS reports_total,
    max(value) FILTER (WHERE measure = 'Henlagte') AS reports_dropped,
    max(value) FILTER (WHERE measure = 'Undersokelser') AS children_investigated
FROM raw.child_welfare_key_figures
WHERE municipality IS NOT NULL AND value IS NOT NULL
GROUP BY municipality, year
