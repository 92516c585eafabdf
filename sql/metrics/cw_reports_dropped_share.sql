-- Dropped (henlagte) reports over all reports.
SELECT 'baerum' AS area_code, year, NULL AS school_level, NULL AS gender,
       reports_dropped AS numerator, reports_total AS denominator
FROM staging.stg_child_welfare_key_figures
WHERE municipality = 'baerum'
