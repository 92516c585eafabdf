-- Reports from helsestasjon/skolehelsetjeneste, fastlege, barnehage and skole over all reports, in
-- the plan's municipality.
SELECT p.root_area_code AS area_code, r.year, NULL AS school_level, NULL AS gender,
       sum(r.reports) FILTER (WHERE r.is_early) AS numerator,
       sum(r.reports) FILTER (WHERE r.is_total) AS denominator
FROM staging.stg_child_welfare_reports r
JOIN marts.plan p ON r.municipality = p.municipality_series
GROUP BY p.root_area_code, r.year
