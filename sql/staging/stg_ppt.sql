-- PP-tjenesten per year, part of the municipality and age group.
SELECT
    year,
    district,  -- the part of the municipality by name; metrics match it to the plan's areas
    age_group,
    age_group IN ('0-5 år (barnehage)', '6-9 år (1.-4. trinn)') AS is_young,
    first_consultations,
    mean_age_first_consultation,
    first_consultations * mean_age_first_consultation AS sum_age_first_consultation,
    children_with_decisions,
    assessed_before_school
FROM raw.ppt
