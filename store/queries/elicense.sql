-- The city e-license library (V1): the outbox of volunteer cards to push,
-- the sweeper's claims, and the dev library's register.

-- name: EnqueueElicense :exec
-- Marks the volunteer's card as to be pushed, in the caller's transaction.
-- A row not yet tried keeps its reference (nothing went out under it);
-- any other draws a new one, so the library takes the reissued card
-- instead of answering the license it holds for the old reference.
INSERT INTO elicense.submission AS s (volunteer_id, reference, state, next_at)
VALUES (@volunteer_id, gen_random_uuid(), 'pending', now())
ON CONFLICT (volunteer_id) DO UPDATE
SET reference   = CASE WHEN s.state = 'pending' AND s.attempts = 0 AND s.lease_token IS NULL
                       THEN s.reference ELSE gen_random_uuid() END,
    state       = 'pending',
    license_id  = '',
    attempts    = 0,
    next_at     = now(),
    lease_token = NULL,
    lease_until = NULL,
    last_error  = '',
    synced_at   = NULL,
    updated_at  = now();

-- name: GetElicenseSubmission :one
SELECT * FROM elicense.submission WHERE volunteer_id = @volunteer_id;

-- name: ClaimDueElicenses :many
-- Leases due rows to one sweeper: other nodes skip them while they are
-- locked and, once committed, until lease_until.
WITH due AS (
    SELECT volunteer_id FROM elicense.submission
    WHERE next_at <= @now::timestamptz AND (lease_until IS NULL OR lease_until <= @now::timestamptz)
    ORDER BY next_at
    LIMIT @lim
    FOR UPDATE SKIP LOCKED
)
UPDATE elicense.submission s
SET lease_token = gen_random_uuid(), lease_until = @lease_until::timestamptz
FROM due
WHERE s.volunteer_id = due.volunteer_id
RETURNING s.volunteer_id, s.reference, s.state, s.attempts, s.lease_token::uuid AS lease_token;

-- name: MarkElicenseSynced :execrows
UPDATE elicense.submission
SET state = 'synced', license_id = @license_id, synced_at = @at::timestamptz, last_error = '',
    next_at = NULL, lease_token = NULL, lease_until = NULL, updated_at = now()
WHERE volunteer_id = @volunteer_id AND lease_token = @lease_token::uuid;

-- name: RecordElicenseFailure :execrows
-- Records a failed attempt: pending or failed, and when to try again
-- (NULL: not until a staff member says so).
UPDATE elicense.submission
SET state = @state, attempts = attempts + 1, last_error = @last_error, next_at = sqlc.narg(next_at)::timestamptz,
    lease_token = NULL, lease_until = NULL, updated_at = now()
WHERE volunteer_id = @volunteer_id AND lease_token = @lease_token::uuid;

-- name: RetryFailedElicense :one
-- A staff member's retry of a failed row: due now, counting afresh. A
-- sweeper still holding it loses its lease and writes nothing.
UPDATE elicense.submission
SET state = 'pending', attempts = 0, next_at = @now::timestamptz, lease_token = NULL, lease_until = NULL, updated_at = now()
WHERE volunteer_id = @volunteer_id AND state = 'failed'
RETURNING *;

-- name: ListElicenseSubmissions :many
-- The outbox for the console, latest change first; state '' and
-- volunteer_no '' list all.
SELECT s.*, v.volunteer_no, p.name
FROM elicense.submission s
JOIN volunteer.volunteer v ON v.id = s.volunteer_id
JOIN identity.person p ON p.id = v.person_id
WHERE (@state::text = '' OR s.state = @state::text)
  AND (@volunteer_no::text = '' OR v.volunteer_no = @volunteer_no::text)
ORDER BY s.updated_at DESC, s.volunteer_id
LIMIT @lim OFFSET @off;

-- name: InsertDevLicense :one
INSERT INTO elicense.dev_license (reference, license_id, volunteer_no, name_masked, id_number_masked, issuer, issued_at, key_id, payload_sha256, received_at)
VALUES (@reference, @license_id, @volunteer_no, @name_masked, @id_number_masked, @issuer, @issued_at, @key_id, @payload_sha256, @received_at)
ON CONFLICT (reference) DO NOTHING
RETURNING *;

-- name: GetDevLicense :one
SELECT * FROM elicense.dev_license WHERE reference = @reference;

-- name: ListDevLicenses :many
SELECT * FROM elicense.dev_license
WHERE @volunteer_no::text = '' OR volunteer_no = @volunteer_no::text
ORDER BY received_at DESC, reference
LIMIT @lim OFFSET @off;

-- name: TakeDevElicenseFault :one
-- Spends one of the failures the console asked for; no row when none is
-- left.
UPDATE elicense.dev_fault SET remaining = remaining - 1
WHERE remaining > 0
RETURNING permanent;

-- name: SetDevElicenseFault :one
UPDATE elicense.dev_fault SET remaining = @remaining, permanent = @permanent
RETURNING *;

-- name: GetDevElicenseFault :one
SELECT * FROM elicense.dev_fault;
