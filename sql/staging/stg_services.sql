-- The services' yearly template. The unit is matched to an area by its name (marts.areas is built
-- from catalogue/areas.yaml, which names the municipality, its two parts and the seven teams).
SELECT
    year,
    service,
    indicator_id,
    unit_name,
    numerator,
    denominator,
    value
FROM raw.services
