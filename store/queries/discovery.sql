-- Project discovery (V3): approved projects not yet ended (stored
-- recruiting or running, end_time after now) a volunteer may join, with the
-- filters of SearchProjects. Distances are metres on the earthdistance
-- sphere. Each sort, with or without a radius, has its own query so that
-- every plan, generic ones included, can use its index.

-- name: SearchProjectsNearest :many
-- Nearest first from (lat, lng), any distance: cube's <-> walks the GiST
-- index in distance order (a KNN scan), so a page costs the rows it returns
-- plus those the other filters drop. No tie-breaker: a second sort key
-- would turn the KNN scan into a full sort; two projects at the very same
-- point may swap between pages. Run it after PlanDiscovery in the same
-- transaction.
SELECT sqlc.embed(p), o.name AS org_name,
       earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng))::float8 AS distance_m
FROM project.project p
JOIN org.org o ON o.id = p.org_id
WHERE p.status IN ('recruiting', 'running')
  AND p.lat IS NOT NULL AND p.lng IS NOT NULL
  AND p.end_time > @now::timestamptz
  AND (cardinality(@categories::text[]) = 0 OR p.service_categories && @categories::text[])
  AND (@district_code::text = '' OR p.district_code = @district_code::text)
  AND (NOT @by_org::bool OR p.org_id = @org_id::uuid)
  AND (NOT @has_from::bool OR p.end_time > @from_time::timestamptz)
  AND (NOT @has_to::bool OR p.start_time < @to_time::timestamptz)
  AND (@title::text = '' OR p.title ILIKE '%' || @title::text || '%')
  AND (NOT @free_only::bool OR EXISTS (
        SELECT 1 FROM project.position pos
        WHERE pos.project_id = p.id
          AND pos.quota > (SELECT count(*) FROM project.sign_up s
                           WHERE s.project_id = p.id AND s.position_id = pos.id AND s.status = 'hired')))
ORDER BY ll_to_earth(p.lat, p.lng) <-> ll_to_earth(@lat::float8, @lng::float8)
LIMIT @lim OFFSET @off;

-- name: SearchProjectsNearestWithin :many
-- Nearest first from (lat, lng) within radius_m: earth_box bounds the
-- GiST index scan, earth_distance trims the box's corners, and <-> orders
-- the scan, so it stops at the page's end or the box's. Run it after
-- PlanDiscovery in the same transaction (see there why).
SELECT sqlc.embed(p), o.name AS org_name,
       earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng))::float8 AS distance_m
FROM project.project p
JOIN org.org o ON o.id = p.org_id
WHERE p.status IN ('recruiting', 'running')
  AND p.lat IS NOT NULL AND p.lng IS NOT NULL
  AND p.end_time > @now::timestamptz
  AND earth_box(ll_to_earth(@lat::float8, @lng::float8), @radius_m::float8) @> ll_to_earth(p.lat, p.lng)
  AND earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng)) <= @radius_m::float8
  AND (cardinality(@categories::text[]) = 0 OR p.service_categories && @categories::text[])
  AND (@district_code::text = '' OR p.district_code = @district_code::text)
  AND (NOT @by_org::bool OR p.org_id = @org_id::uuid)
  AND (NOT @has_from::bool OR p.end_time > @from_time::timestamptz)
  AND (NOT @has_to::bool OR p.start_time < @to_time::timestamptz)
  AND (@title::text = '' OR p.title ILIKE '%' || @title::text || '%')
  AND (NOT @free_only::bool OR EXISTS (
        SELECT 1 FROM project.position pos
        WHERE pos.project_id = p.id
          AND pos.quota > (SELECT count(*) FROM project.sign_up s
                           WHERE s.project_id = p.id AND s.position_id = pos.id AND s.status = 'hired')))
ORDER BY ll_to_earth(p.lat, p.lng) <-> ll_to_earth(@lat::float8, @lng::float8)
LIMIT @lim OFFSET @off;

-- name: SearchProjectsByStart :many
-- Earliest start first, along project_discovery_start; distance_m is -1
-- without a location (has_loc false) or for a project without one. within
-- applies the radius (projects without a location are then left out).
SELECT sqlc.embed(p), o.name AS org_name,
       (CASE WHEN @has_loc::bool AND p.lat IS NOT NULL AND p.lng IS NOT NULL
             THEN earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng))
             ELSE -1 END)::float8 AS distance_m
FROM project.project p
JOIN org.org o ON o.id = p.org_id
WHERE p.status IN ('recruiting', 'running')
  AND p.end_time > @now::timestamptz
  AND (NOT @within::bool OR (p.lat IS NOT NULL AND p.lng IS NOT NULL
       AND earth_box(ll_to_earth(@lat::float8, @lng::float8), @radius_m::float8) @> ll_to_earth(p.lat, p.lng)
       AND earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng)) <= @radius_m::float8))
  AND (cardinality(@categories::text[]) = 0 OR p.service_categories && @categories::text[])
  AND (@district_code::text = '' OR p.district_code = @district_code::text)
  AND (NOT @by_org::bool OR p.org_id = @org_id::uuid)
  AND (NOT @has_from::bool OR p.end_time > @from_time::timestamptz)
  AND (NOT @has_to::bool OR p.start_time < @to_time::timestamptz)
  AND (@title::text = '' OR p.title ILIKE '%' || @title::text || '%')
  AND (NOT @free_only::bool OR EXISTS (
        SELECT 1 FROM project.position pos
        WHERE pos.project_id = p.id
          AND pos.quota > (SELECT count(*) FROM project.sign_up s
                           WHERE s.project_id = p.id AND s.position_id = pos.id AND s.status = 'hired')))
ORDER BY p.start_time, p.id
LIMIT @lim OFFSET @off;

-- name: SearchProjectsNewest :many
-- Latest created first, along project_discovery_created; distance_m and
-- within as SearchProjectsByStart.
SELECT sqlc.embed(p), o.name AS org_name,
       (CASE WHEN @has_loc::bool AND p.lat IS NOT NULL AND p.lng IS NOT NULL
             THEN earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng))
             ELSE -1 END)::float8 AS distance_m
FROM project.project p
JOIN org.org o ON o.id = p.org_id
WHERE p.status IN ('recruiting', 'running')
  AND p.end_time > @now::timestamptz
  AND (NOT @within::bool OR (p.lat IS NOT NULL AND p.lng IS NOT NULL
       AND earth_box(ll_to_earth(@lat::float8, @lng::float8), @radius_m::float8) @> ll_to_earth(p.lat, p.lng)
       AND earth_distance(ll_to_earth(@lat::float8, @lng::float8), ll_to_earth(p.lat, p.lng)) <= @radius_m::float8))
  AND (cardinality(@categories::text[]) = 0 OR p.service_categories && @categories::text[])
  AND (@district_code::text = '' OR p.district_code = @district_code::text)
  AND (NOT @by_org::bool OR p.org_id = @org_id::uuid)
  AND (NOT @has_from::bool OR p.end_time > @from_time::timestamptz)
  AND (NOT @has_to::bool OR p.start_time < @to_time::timestamptz)
  AND (@title::text = '' OR p.title ILIKE '%' || @title::text || '%')
  AND (NOT @free_only::bool OR EXISTS (
        SELECT 1 FROM project.position pos
        WHERE pos.project_id = p.id
          AND pos.quota > (SELECT count(*) FROM project.sign_up s
                           WHERE s.project_id = p.id AND s.position_id = pos.id AND s.status = 'hired')))
ORDER BY p.created_at DESC, p.id
LIMIT @lim OFFSET @off;

-- name: GetPublicProjectPlace :one
-- A project's org name and district, for public pages.
SELECT o.name AS org_name, p.district_code
FROM project.project p
JOIN org.org o ON o.id = p.org_id
WHERE p.id = @id;

-- name: PlanDiscovery :exec
-- For the rest of the transaction: generic plans, no bitmap scans, no JIT.
-- The nearest-first searches then skip planning (a few ms for these
-- queries) and walk project_discovery_earth in distance order — inside the
-- radius's box when there is one — stopping at the page's end. Measured on
-- 100,000 projects: about 2-3 ms a search, where custom plans spend about
-- 4 ms planning and, with a radius, fetch the whole box by bitmap and sort
-- it (about 10 ms). A generic plan does not know the LIMIT, so its cost
-- looks high enough to JIT-compile it (250 ms): hence jit off.
SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
       set_config('enable_bitmapscan', 'off', true),
       set_config('jit', 'off', true);

-- name: ListPositionsOfFound :many
-- The positions of a page of found projects with their hired counts, as
-- ListPositionsOfProjects gives them, counted along sign_up_roster
-- (project_id, position_id).
SELECT pos.id, pos.project_id, pos.name, pos.quota, pos.sign_in_methods, pos.skills, pos.sort,
       (SELECT count(*) FROM project.sign_up s
        WHERE s.project_id = pos.project_id AND s.position_id = pos.id AND s.status = 'hired')::int AS hired
FROM project.position pos
WHERE pos.project_id = ANY(@project_ids::uuid[])
ORDER BY pos.project_id, pos.sort, pos.id;
