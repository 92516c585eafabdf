-- Residents by single year of age per municipality series and year.
SELECT municipality, year, age, persons
FROM raw.population
WHERE municipality IS NOT NULL AND persons IS NOT NULL
