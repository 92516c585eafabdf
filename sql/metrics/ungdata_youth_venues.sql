-- ungdata_youth_venues: Ungdata indicator 'youth_venues', per school, school level and gender.
-- numerator = pupils answering yes, denominator = respondents. Combined groups are summed with
-- respondent weights by the engine.
SELECT area_code, year, school_level, gender, positives AS numerator, respondents AS denominator
FROM staging.stg_ungdata
WHERE indicator_id = 'youth_venues'
