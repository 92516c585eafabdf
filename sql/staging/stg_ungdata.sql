-- Ungdata shares per school, level and gender. The export gives the share with one decimal and
-- the respondents; the count of "yes" answers is recovered as round(share * n / 100), exact for n < 1000.
SELECT
    survey_year AS year,
    'skole:' || school_number AS area_code,
    CASE school_level WHEN 'Ungdomsskole' THEN 'uks' WHEN 'Videregående' THEN 'vgs' END AS school_level,
    lower(gender) AS gender,
    indicator_id,
    respondents,
    share_pct,
    CAST(round(share_pct * respondents / 100) AS BIGINT) AS positives
FROM raw.ungdata
