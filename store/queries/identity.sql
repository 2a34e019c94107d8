-- name: GetPersonByIDNumber :one
SELECT * FROM identity.person WHERE id_number_idx = $1;

-- name: GetPersonBySubject :one
SELECT * FROM identity.person WHERE oidc_issuer = $1 AND oidc_subject = $2;

-- name: GetPerson :one
SELECT * FROM identity.person WHERE id = $1;

-- name: CreatePerson :one
INSERT INTO identity.person (
    name, id_number_enc, id_number_idx, id_number_masked,
    phone_enc, phone_idx, phone_masked, birth_date, oidc_issuer, oidc_subject
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING *;

-- name: UpdatePersonIdentity :one
UPDATE identity.person SET
    name = $2, phone_enc = $3, phone_idx = $4, phone_masked = $5,
    oidc_issuer = $6, oidc_subject = $7, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: EnsureCitizenAccount :exec
INSERT INTO identity.account (person_id, kind) VALUES ($1, 'citizen')
ON CONFLICT DO NOTHING;

-- name: ListPersonAccounts :many
SELECT a.id, a.person_id, a.kind, a.org_id, a.username, a.department_id,
       a.valid_from, a.valid_until, a.disabled,
       coalesce(o.name, '')::text AS org_name, coalesce(o.status, '')::text AS org_status
FROM identity.account a
LEFT JOIN org.org o ON o.id = a.org_id
WHERE a.person_id = $1
ORDER BY CASE a.kind WHEN 'citizen' THEN 0 WHEN 'volunteer' THEN 1 WHEN 'org_leader' THEN 2 WHEN 'org_admin' THEN 3 ELSE 4 END, o.name, a.created_at;

-- name: GetAccountDetail :one
SELECT a.id, a.person_id, a.kind, a.org_id, a.username, a.department_id,
       a.valid_from, a.valid_until, a.disabled,
       coalesce(o.name, '')::text AS org_name, coalesce(o.status, '')::text AS org_status
FROM identity.account a
LEFT JOIN org.org o ON o.id = a.org_id
WHERE a.id = $1;

-- name: GetStaffAccountByUsername :one
SELECT * FROM identity.account WHERE username = $1 AND kind = 'staff';

-- name: CreateSession :exec
INSERT INTO identity.session (id, person_id, account_id, issued_at, expires_at, client_addr, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: RevokeSession :one
UPDATE identity.session SET revoked_at = $2
WHERE id = $1 AND revoked_at IS NULL
RETURNING expires_at;

-- name: ListRevokedSessions :many
SELECT id, expires_at FROM identity.session
WHERE revoked_at IS NOT NULL AND expires_at > $1;

-- name: GetSessionAccount :one
-- The account a session acts as now; registering as a volunteer moves the
-- registering session from the citizen account to the volunteer account.
SELECT account_id FROM identity.session WHERE id = $1;
