-- name: SearchPublicOrgs :many
-- Active orgs below the root with their public counts. sort is 'distance'
-- (needs a location; orgs without one are left out), 'founded_newest' or
-- 'founded_oldest'; distance_m is 0 without a location.
SELECT o.id, o.name, o.level, o.founded_on, o.district_code, o.service_categories, o.address, o.lat, o.lng,
       o.intro, o.contact_name, o.contact_phone_masked,
       coalesce(par.name, '')::text AS parent_name,
       coalesce(lg.hash, '')::text AS logo_hash,
       (SELECT count(*) FROM volunteer.membership m WHERE m.org_id = o.id AND m.status = 'member') AS member_count,
       (SELECT count(*) FROM project.project p WHERE p.org_id = o.id AND p.status IN ('recruiting', 'running', 'closed')) AS project_count,
       (SELECT coalesce(sum(r.duration_seconds), 0) FROM record.service_record r
        JOIN project.project p ON p.id = r.project_id WHERE p.org_id = o.id)::bigint AS service_seconds,
       (CASE WHEN sqlc.narg(lat)::float8 IS NULL OR o.lat IS NULL THEN 0
             ELSE earth_distance(ll_to_earth(sqlc.narg(lat)::float8, sqlc.narg(lng)::float8), ll_to_earth(o.lat, o.lng)) END)::float8 AS distance_m
FROM org.org o
LEFT JOIN org.org par ON par.id = o.parent_id
LEFT JOIN org.logo lg ON lg.org_id = o.id
WHERE o.status = 'active' AND o.parent_id IS NOT NULL
  AND (sqlc.narg(id)::uuid IS NULL OR o.id = sqlc.narg(id))
  AND (@district_code::text = '' OR o.district_code = @district_code)
  AND (@category::text = '' OR @category = ANY(o.service_categories))
  AND (@name_contains::text = '' OR strpos(o.name, @name_contains) > 0)
  AND (@sort::text <> 'distance' OR o.lat IS NOT NULL)
ORDER BY
  CASE WHEN @sort = 'distance' THEN earth_distance(ll_to_earth(sqlc.narg(lat)::float8, sqlc.narg(lng)::float8), ll_to_earth(o.lat, o.lng)) END,
  CASE WHEN @sort = 'founded_newest' THEN o.founded_on END DESC NULLS LAST,
  CASE WHEN @sort = 'founded_oldest' THEN o.founded_on END ASC NULLS LAST,
  o.name, o.id
LIMIT @lim OFFSET @off;
