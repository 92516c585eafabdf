-- Schools as areas below their part of the municipality.
SELECT
    'skole:' || school_number AS area_code,
    school_name AS area_name,
    CASE district WHEN 'Østre Bærum' THEN 'ostre' WHEN 'Vestre Bærum' THEN 'vestre' END AS parent_code,
    school_type
FROM raw.school_register
