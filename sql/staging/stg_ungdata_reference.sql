-- FHI Statistikk's Ungdata indicators per municipality series (Hele landet: 'norge'), period and
-- measure (TELLER = count, MEIS/RATE = percent), from fetched or hand-exported FHI files. ``year``
-- is the period's last year (FHI's '2022_2024' is 2022-2024). It is the national reference the
-- survey metrics are compared with (catalogue/metrics.yaml national_reference; the comparisons asset).
SELECT indicator, municipality, region_code, period, period_start, year, gender, measure, value, value_status
FROM raw.ungdata_reference
WHERE municipality IS NOT NULL
