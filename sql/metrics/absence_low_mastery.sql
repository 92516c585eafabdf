-- Pupils with more than 10 % absence AND at the lowest mastery level, over all pupils, per school
-- and school year.
SELECT area_code, year, NULL AS school_level, NULL AS gender,
       pupils_high_absence_low_mastery AS numerator, pupils AS denominator
FROM staging.stg_absence
