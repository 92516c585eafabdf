-- Disability-benefit recipients 18-29 per municipality series and year.
SELECT municipality, year, recipients
FROM raw.young_disability
WHERE municipality IS NOT NULL AND recipients IS NOT NULL
