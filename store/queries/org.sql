-- name: GetRootOrg :one
SELECT * FROM org.org WHERE parent_id IS NULL;

-- name: CreateRootOrg :one
INSERT INTO org.org (id, parent_id, path, level, name, status, address, lat, lng, district_code, founded_on)
VALUES (@id, NULL, ARRAY[@id::uuid], 'city', @name, 'active', @address, @lat, @lng, '310000', @founded_on)
RETURNING *;

-- name: GetOrg :one
SELECT * FROM org.org WHERE id = $1;

-- name: RecordOrgStatus :exec
INSERT INTO org.status_change (org_id, from_status, to_status, reason, by_person)
VALUES ($1, $2, $3, $4, $5);

-- name: LockOrg :one
SELECT * FROM org.org WHERE id = $1 FOR UPDATE;

-- name: CountLiveChildrenNamed :one
-- Orgs under parent with this name that are not rejected.
SELECT count(*) FROM org.org WHERE parent_id = @parent_id AND name = @name AND status <> 'rejected';

-- name: CreateOrg :one
INSERT INTO org.org (id, parent_id, path, level, name, status, supervising_unit, address, lat, lng,
                     district_code, service_categories, created_by, created_at, updated_at)
VALUES (@id, @parent_id, @path, @level, @name, 'pending', @supervising_unit, @address, @lat, @lng,
        @district_code, @service_categories, @created_by, @at, @at)
RETURNING *;

-- name: CreateOrgAccount :one
INSERT INTO identity.account (person_id, kind, org_id) VALUES (@person_id, @kind, @org_id)
RETURNING id;

-- name: DecidePendingOrg :one
-- Moves a pending org to status; no row when it is not pending (any more).
UPDATE org.org SET status = @status, review_reason = @reason, updated_at = @at
WHERE id = @id AND status = 'pending'
RETURNING *;

-- name: RecordOrgStatusAt :exec
INSERT INTO org.status_change (org_id, from_status, to_status, reason, by_person, at)
VALUES (@org_id, @from_status, @to_status, @reason, @by_person, @at);

-- name: ListOrgAccountIDs :many
SELECT id FROM identity.account WHERE org_id = $1 AND kind IN ('org_leader', 'org_admin');

-- name: ListDepartmentOrgs :many
-- The orgs departments act for: each department's own org, or the nearest
-- mapped department's above it.
SELECT DISTINCT m.org_id::uuid AS org_id
FROM rbac.department d
CROSS JOIN LATERAL (
    SELECT a.org_id FROM rbac.department a
    WHERE a.id = ANY(d.path) AND a.org_id IS NOT NULL
    ORDER BY cardinality(a.path) DESC LIMIT 1
) m
WHERE d.id = ANY(@ids::uuid[]);
