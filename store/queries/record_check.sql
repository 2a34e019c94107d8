-- No-criminal-record checks (V6): applications, the sweeper's claims and
-- the dev department's case file.

-- name: CreateRecordCheck :one
INSERT INTO recordcheck.application (id, volunteer_id, person_id, purpose, status, next_attempt_at, submitted_at)
VALUES (@id, @volunteer_id, @person_id, @purpose, 'submitted', @at, @at)
RETURNING *;

-- name: ListRecordChecksByVolunteer :many
SELECT * FROM recordcheck.application
WHERE volunteer_id = @volunteer_id
ORDER BY submitted_at DESC, id
LIMIT @lim OFFSET @off;

-- name: GetRecordCheck :one
SELECT * FROM recordcheck.application WHERE id = @id;

-- name: ClaimDueRecordChecks :many
-- Leases due open applications to one sweeper: other nodes skip the rows
-- while they are locked and, once committed, until lease_until.
WITH due AS (
    SELECT id FROM recordcheck.application
    WHERE status IN ('submitted', 'sent') AND next_attempt_at <= @now::timestamptz
    ORDER BY next_attempt_at
    LIMIT @lim
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE recordcheck.application a
    SET next_attempt_at = @lease_until::timestamptz
    FROM due
    WHERE a.id = due.id
    RETURNING a.id, a.person_id, a.status, a.purpose, a.attempts
)
SELECT c.id, c.status, c.purpose, c.attempts, p.name, p.id_number_enc
FROM claimed c JOIN identity.person p ON p.id = c.person_id;

-- name: MarkRecordCheckSent :execrows
UPDATE recordcheck.application
SET status = 'sent', sent_at = @at::timestamptz, dept_case_id = @dept_case_id, attempts = 0, last_error = '', next_attempt_at = @next_at
WHERE id = @id AND status = 'submitted';

-- name: RetryRecordCheck :execrows
-- Records a failed submission or poll and when to try again.
UPDATE recordcheck.application
SET attempts = attempts + 1, last_error = @last_error, next_attempt_at = @next_at
WHERE id = @id AND status = @status;

-- name: DecideRecordCheck :execrows
UPDATE recordcheck.application
SET status = @new_status, reason = @reason, decided_at = @at::timestamptz,
    sent_at = coalesce(sent_at, @at::timestamptz), last_error = ''
WHERE id = @id AND status IN ('submitted', 'sent');

-- name: InsertDevRecordSubmission :one
INSERT INTO recordcheck.dev_submission (reference, case_id, name_masked, id_number_masked, purpose, status, received_at)
VALUES (@reference, @case_id, @name_masked, @id_number_masked, @purpose, 'pending', @received_at)
ON CONFLICT (reference) DO NOTHING
RETURNING *;

-- name: GetDevRecordSubmission :one
SELECT * FROM recordcheck.dev_submission WHERE reference = @reference;

-- name: ListPendingDevRecordSubmissions :many
SELECT * FROM recordcheck.dev_submission
WHERE status = 'pending'
ORDER BY received_at, reference
LIMIT @lim OFFSET @off;

-- name: DecideDevRecordSubmission :execrows
UPDATE recordcheck.dev_submission
SET status = @status, reason = @reason, decided_at = @at::timestamptz, decided_by = @decided_by
WHERE reference = @reference AND status = 'pending';

-- name: PollRecordCheckAt :execrows
-- Sets when the sweeper next looks at an open application: later after a
-- pending answer, now when the department says it decided.
UPDATE recordcheck.application
SET next_attempt_at = @next_at
WHERE id = @id AND status IN ('submitted', 'sent');
