-- Upper secondary completion per municipality series and year.
SELECT
    municipality,
    year,
    max(pupils) FILTER (WHERE measure = 'Elever som startet') AS started,
    max(pupils) FILTER (WHERE measure = 'Fullført og bestått innen 5 år') AS completed
FROM raw.vgs_completion
WHERE municipality IS NOT NULL
GROUP BY municipality, year
