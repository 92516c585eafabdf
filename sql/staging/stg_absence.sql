-- Absence per school and school year; year = the school year's first calendar year (2014 = 2014/15).
SELECT
    CAST(left(school_year, 4) AS INTEGER) AS year,
    school_year,
    'skole:' || school_number AS area_code,
    pupils,
    pupils_high_absence,
    pupils_high_absence_low_mastery
FROM raw.absence
