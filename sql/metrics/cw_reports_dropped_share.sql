-- Dropped (henlagte) reports over all reports, for the plan's municipality.
SELECT p.root_area_code AS area_code, k.year, NULL AS school_level, NULL AS gender,
       k.reports_dropped AS numerator, k.reports_total AS denominator
FROM staging.stg_child_welfare_key_figures k
JOIN marts.plan p ON k.municipality = p.municipality_series
