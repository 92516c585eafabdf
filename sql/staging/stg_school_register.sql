-- Schools as areas below their part of the municipality (by name: the areas asset matches it to
-- the plan's areas).
SELECT
    'skole:' || school_number AS area_code,
    school_name AS area_name,
    district,
    school_type
FROM raw.school_register
