-- name: UpsertOrgLogo :exec
INSERT INTO org.logo (org_id, png, hash, updated_at)
VALUES (@org_id, @png, @hash, @at)
ON CONFLICT (org_id) DO UPDATE SET png = excluded.png, hash = excluded.hash, updated_at = excluded.updated_at;

-- name: DeleteOrgLogo :exec
DELETE FROM org.logo WHERE org_id = @org_id;

-- name: GetOrgLogo :one
-- The logo of an org anyone may see: an active org's (deactivated,
-- pending and rejected orgs have no public page, so no public logo).
SELECT l.png, l.hash, l.updated_at
FROM org.logo l JOIN org.org o ON o.id = l.org_id
WHERE l.org_id = @org_id AND o.status = 'active';

-- name: GetOrgLogoHash :one
SELECT hash FROM org.logo WHERE org_id = @org_id;
