-- Reports from helsestasjon/skolehelsetjeneste, fastlege, barnehage and skole over all reports.
SELECT 'baerum' AS area_code, year, NULL AS school_level, NULL AS gender,
       sum(reports) FILTER (WHERE is_early) AS numerator,
       sum(reports) FILTER (WHERE is_total) AS denominator
FROM staging.stg_child_welfare_reports
WHERE municipality = 'baerum'
GROUP BY year
