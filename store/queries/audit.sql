-- name: LockAuditHead :one
SELECT seq, hash FROM audit.head FOR UPDATE;

-- name: InsertAuditEntry :exec
INSERT INTO audit.entry (seq, at, person_id, account_id, procedure, target, result, request_id, client_addr, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: SetAuditHead :exec
UPDATE audit.head SET seq = $1, hash = $2;

-- name: GetAuditHead :one
SELECT seq, hash FROM audit.head;

-- name: ListAuditChain :many
SELECT * FROM audit.entry WHERE seq > @after ORDER BY seq LIMIT @lim;

-- name: ListAuditEntries :many
SELECT * FROM audit.entry
WHERE (@procedure::text = '' OR procedure = @procedure)
  AND (sqlc.narg(person_id)::uuid IS NULL OR person_id = sqlc.narg(person_id))
  AND (@before::bigint = 0 OR seq < @before)
ORDER BY seq DESC
LIMIT @lim;

-- name: EnsureAuditPartition :exec
SELECT audit.ensure_month_partition(@month::date);
