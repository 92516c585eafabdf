-- Reports to child welfare by reporting source (SSB 12870). Municipality codes that changed in the reforms are one
-- series (from catalogue/region_codes.csv); a file carrying two codes for one year has
-- already been reduced to one at validation. The five "early" reporters of the plan:
-- helsestasjon/skolehelsetjeneste, fastlege, barnehage and skole (codes 04-07).
SELECT
    municipality,
    year,
    reporter_code,
    reporter_label,
    reporter_code = '00' AS is_total,
    reporter_code IN ('04', '05', '06', '07') AS is_early,
    reports,
    reports_status
FROM raw.child_welfare_reports
WHERE municipality IS NOT NULL AND NOT (reports IS NULL AND reports_status = '.')
