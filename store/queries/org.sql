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
