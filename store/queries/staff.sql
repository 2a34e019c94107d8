-- The attendance desk (O6): a project's scan log and sessions, reviews,
-- manual hours, scanner devices; and code activation (M1).

-- name: GetStaffProject :one
-- A project with what the attendance desk and the printed code show, and
-- the org path that decides who manages it.
SELECT p.id, p.org_id, p.status, p.title, p.start_time, p.end_time, p.address,
       p.scan_before_seconds, p.scan_after_seconds, o.name AS org_name, o.path AS org_path
FROM project.project p
JOIN org.org o ON o.id = p.org_id
WHERE p.id = $1;

-- name: ListProjectScans :many
-- A project's scan log, newest first, filtered by outcome, volunteer and a
-- range of received_at (the partition key, so old months are pruned).
SELECT s.scan_id, s.received_at, s.scanned_at, s.volunteer_id, coalesce(pe.name, '')::text AS volunteer_name,
       s.position_id, coalesce(pos.name, '')::text AS position_name, s.method, s.outcome, s.reason,
       s.session_id, s.duration_seconds, s.device_id, coalesce(d.name, '')::text AS device_name,
       s.gate, s.by_account
FROM checkin.scan s
LEFT JOIN volunteer.volunteer v ON v.id = s.volunteer_id
LEFT JOIN identity.person pe ON pe.id = v.person_id
LEFT JOIN project.position pos ON pos.id = s.position_id
LEFT JOIN checkin.device d ON d.id = s.device_id
WHERE s.project_id = @project_id::uuid
  AND (sqlc.narg('outcome')::text IS NULL OR s.outcome = sqlc.narg('outcome')::text)
  AND (sqlc.narg('volunteer_id')::uuid IS NULL OR s.volunteer_id = sqlc.narg('volunteer_id')::uuid)
  AND (sqlc.narg('since')::timestamptz IS NULL OR s.received_at >= sqlc.narg('since')::timestamptz)
  AND (sqlc.narg('until')::timestamptz IS NULL OR s.received_at < sqlc.narg('until')::timestamptz)
ORDER BY s.received_at DESC, s.scan_id DESC
LIMIT @lim OFFSET @off;

-- name: ListProjectSessions :many
-- A project's sessions, newest start first, with the names the desk shows.
SELECT s.id, s.project_id, s.volunteer_id, coalesce(pe.name, '')::text AS volunteer_name,
       s.position_id, coalesce(pos.name, '')::text AS position_name,
       s.started_at, s.ended_at, s.duration_seconds, s.status, s.closed_by, s.flagged, s.flag_reason,
       s.review_action, s.review_reason, s.reviewed_at, coalesce(rp.name, '')::text AS reviewer_name
FROM checkin.session s
LEFT JOIN volunteer.volunteer v ON v.id = s.volunteer_id
LEFT JOIN identity.person pe ON pe.id = v.person_id
LEFT JOIN project.position pos ON pos.id = s.position_id
LEFT JOIN identity.person rp ON rp.id = s.reviewed_by
WHERE s.project_id = @project_id
  AND (sqlc.narg('status')::text IS NULL OR s.status = sqlc.narg('status')::text)
  AND (NOT @flagged_only::boolean OR s.flagged)
  AND (NOT @unreviewed_only::boolean OR s.reviewed_at IS NULL)
  AND (sqlc.narg('volunteer_id')::uuid IS NULL OR s.volunteer_id = sqlc.narg('volunteer_id')::uuid)
ORDER BY s.started_at DESC, s.id DESC
LIMIT @lim OFFSET @off;

-- name: GetAttendanceSession :one
-- One session as ListProjectSessions shows it.
SELECT s.id, s.project_id, s.volunteer_id, coalesce(pe.name, '')::text AS volunteer_name,
       s.position_id, coalesce(pos.name, '')::text AS position_name,
       s.started_at, s.ended_at, s.duration_seconds, s.status, s.closed_by, s.flagged, s.flag_reason,
       s.review_action, s.review_reason, s.reviewed_at, coalesce(rp.name, '')::text AS reviewer_name
FROM checkin.session s
LEFT JOIN volunteer.volunteer v ON v.id = s.volunteer_id
LEFT JOIN identity.person pe ON pe.id = v.person_id
LEFT JOIN project.position pos ON pos.id = s.position_id
LEFT JOIN identity.person rp ON rp.id = s.reviewed_by
WHERE s.id = $1;

-- name: LockSessionForReview :one
-- A session under review, locked against the ledger and other reviewers,
-- with its project's window and org path and whether a service record was
-- made from it already.
SELECT s.id, s.project_id, s.volunteer_id, s.status, s.started_at, s.ended_at, s.duration_seconds,
       p.status AS project_status, p.start_time, p.end_time, p.scan_before_seconds, p.scan_after_seconds,
       o.path AS org_path,
       EXISTS (SELECT 1 FROM record.service_record r WHERE r.session_id = s.id) AS has_record
FROM checkin.session s
JOIN project.project p ON p.id = s.project_id
JOIN org.org o ON o.id = p.org_id
WHERE s.id = $1
FOR UPDATE OF s;

-- name: ReviewSession :exec
-- Writes a review decision: times (unchanged unless adjusted), status
-- (invalidated or unchanged), who, when, what and why.
UPDATE checkin.session
SET started_at = @started_at, ended_at = @ended_at::timestamptz, duration_seconds = @duration_seconds::int,
    status = @status, reviewed_at = @reviewed_at::timestamptz, reviewed_by = @reviewed_by,
    review_action = @review_action::text, review_reason = @review_reason
WHERE id = @id;

-- name: GetHiredPosition :one
-- The position a volunteer is hired for on a project.
SELECT position_id FROM project.sign_up
WHERE project_id = $1 AND volunteer_id = $2 AND status = 'hired';

-- name: ProjectHasPosition :one
SELECT EXISTS (SELECT 1 FROM project.position WHERE id = @position_id AND project_id = @project_id);

-- name: InsertManualSession :exec
-- A closed session entered by staff: closed_by 'staff', review_action
-- 'manual', reviewed at once, so it counts without a further review.
INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds,
                             status, closed_by, reviewed_at, reviewed_by, review_action, review_reason)
VALUES (@id, @project_id, @position_id, @volunteer_id, @started_at, @ended_at::timestamptz, @duration_seconds::int,
        'closed', 'staff', @reviewed_at::timestamptz, @reviewed_by, 'manual', @review_reason);

-- name: GetOrgPath :one
SELECT path FROM org.org WHERE id = $1;

-- name: InsertDevice :one
INSERT INTO checkin.device (org_id, name, created_by, created_at)
VALUES (@org_id, @name, @created_by, @created_at)
RETURNING id, org_id, name, created_at, revoked_at;

-- name: ListDevicesOfOrg :many
SELECT id, org_id, name, created_at, revoked_at FROM checkin.device
WHERE org_id = @org_id
ORDER BY created_at, id
LIMIT @lim OFFSET @off;

-- name: GetDeviceWithOrgPath :one
-- A device, its state and its org's path (who may manage it, and which
-- projects it may scan for).
SELECT d.id, d.org_id, d.name, d.created_at, d.revoked_at, o.path AS org_path
FROM checkin.device d
JOIN org.org o ON o.id = d.org_id
WHERE d.id = $1;

-- name: MarkDeviceRevoked :one
-- Revokes a device; no row when it is revoked already.
UPDATE checkin.device SET revoked_at = @revoked_at::timestamptz
WHERE id = @id AND revoked_at IS NULL
RETURNING id, org_id, name, created_at, revoked_at;

-- name: DeactivateIdleCodes :many
-- Deactivates up to lim volunteer codes idle since before: no sign-in
-- (last_active_at, else registration), no code shown and no session open
-- or ended since then. The epoch bump revokes every code outstanding; each
-- deactivation goes to the code-scene trail.
WITH idle AS (
    SELECT v.id FROM volunteer.volunteer v
    WHERE v.code_active
      AND coalesce(v.last_active_at, v.registered_at) < @before::timestamptz
      AND NOT EXISTS (SELECT 1 FROM checkin.session s
                      WHERE s.volunteer_id = v.id AND (s.status = 'open' OR s.ended_at >= @before::timestamptz))
      AND NOT EXISTS (SELECT 1 FROM checkin.code_event e
                      WHERE e.volunteer_id = v.id AND e.kind = 'shown' AND e.at >= @before::timestamptz)
    ORDER BY coalesce(v.last_active_at, v.registered_at), v.id
    LIMIT @lim
    FOR UPDATE OF v SKIP LOCKED
), done AS (
    UPDATE volunteer.volunteer v
    SET code_active = false, code_epoch = v.code_epoch + 1
    FROM idle
    WHERE v.id = idle.id
    RETURNING v.id, v.code_epoch
), logged AS (
    INSERT INTO checkin.code_event (at, kind, volunteer_id, reason)
    SELECT @now::timestamptz, 'deactivated', done.id, 'IDLE' FROM done
)
SELECT id, code_epoch FROM done;

-- name: OpenProjectsOfVolunteers :many
-- Projects taking scans on whose roster any of the volunteers is: their
-- grains cache code epochs and must reload after a bump.
SELECT DISTINCT s.project_id
FROM project.sign_up s
JOIN project.project p ON p.id = s.project_id
WHERE s.volunteer_id = ANY(@volunteer_ids::uuid[]) AND s.status = 'hired'
  AND p.status IN ('recruiting', 'running');

-- name: ActivateCodeOfPerson :one
-- A sign-in: records the person's volunteer activity and brings back a
-- deactivated code, logging the activation. No row when the person is not
-- a volunteer.
WITH old AS (
    SELECT v.id, v.code_active FROM volunteer.volunteer v WHERE v.person_id = @person_id FOR UPDATE
), upd AS (
    UPDATE volunteer.volunteer v SET last_active_at = @now::timestamptz, code_active = true
    FROM old WHERE v.id = old.id
    RETURNING v.id
), logged AS (
    INSERT INTO checkin.code_event (at, kind, volunteer_id, reason)
    SELECT @now::timestamptz, 'activated', old.id, 'SIGN_IN' FROM old WHERE NOT old.code_active
)
SELECT old.id, (NOT old.code_active)::boolean AS activated FROM old JOIN upd ON upd.id = old.id;

-- name: ActivateCode :one
-- As ActivateCodeOfPerson, by volunteer id. No row when there is no such
-- volunteer.
WITH old AS (
    SELECT v.id, v.code_active FROM volunteer.volunteer v WHERE v.id = @volunteer_id FOR UPDATE
), upd AS (
    UPDATE volunteer.volunteer v SET last_active_at = @now::timestamptz, code_active = true
    FROM old WHERE v.id = old.id
    RETURNING v.id
), logged AS (
    INSERT INTO checkin.code_event (at, kind, volunteer_id, reason)
    SELECT @now::timestamptz, 'activated', old.id, @reason::text FROM old WHERE NOT old.code_active
)
SELECT old.id, (NOT old.code_active)::boolean AS activated FROM old JOIN upd ON upd.id = old.id;
