-- Every area paired with itself and each of its ancestors (school -> bydel -> kommune).
WITH RECURSIVE up(area_code, ancestor_code, depth) AS (
    SELECT area_code, area_code, 0 FROM marts.areas
    UNION ALL
    SELECT up.area_code, a.parent_code, up.depth + 1
    FROM up JOIN marts.areas a ON a.area_code = up.ancestor_code
    WHERE a.parent_code IS NOT NULL
)
SELECT area_code, ancestor_code, depth FROM up
