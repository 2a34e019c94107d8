-- name: ListOrgsInScope :many
-- Orgs in the caller's scope (every org when all_orgs, else those under one
-- of roots, roots included), filtered, with their member and project counts.
SELECT o.*,
       (SELECT count(*) FROM volunteer.membership m WHERE m.org_id = o.id AND m.status = 'member')::bigint AS member_count,
       (SELECT count(*) FROM project.project p WHERE p.org_id = o.id)::bigint AS project_count
FROM org.org o
WHERE (@all_orgs::bool OR o.path && @roots::uuid[])
  AND (NOT @by_parent::bool OR o.parent_id = @parent_id::uuid)
  AND (@level::text = '' OR o.level = @level::text)
  AND (@status::text = '' OR o.status = @status::text)
  AND (@name_contains::text = '' OR strpos(o.name, @name_contains::text) > 0)
ORDER BY cardinality(o.path), o.name, o.id
LIMIT @lim OFFSET @off;

-- name: ListOrgSubtree :many
-- The org root and its descendants down to max_depth levels below it, at
-- most lim rows, shallowest first.
SELECT * FROM org.org
WHERE path @> ARRAY[@root::uuid] AND cardinality(path) <= @max_len::int
ORDER BY cardinality(path), name, id
LIMIT @lim;

-- name: UpdateOrgProfile :one
UPDATE org.org SET name = @name, supervising_unit = @supervising_unit, address = @address,
       lat = @lat, lng = @lng, service_categories = @service_categories, intro = @intro,
       contact_name = @contact_name, updated_at = @at
WHERE id = @id
RETURNING *;

-- name: CountLiveSiblingsNamed :one
-- Other orgs under parent with this name that are not rejected.
SELECT count(*) FROM org.org
WHERE parent_id = @parent_id AND name = @name AND status <> 'rejected' AND id <> @id;

-- name: SetOrgStatusFrom :one
-- Moves an org from one status to another; no row when it is not in from.
UPDATE org.org SET status = @to_status, updated_at = @at
WHERE id = @id AND status = @from_status
RETURNING *;

-- name: ListOrgStatusChanges :many
SELECT * FROM org.status_change WHERE org_id = $1 ORDER BY at, id;
