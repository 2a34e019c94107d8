-- Queries of the check-in engine: what grains load on activation and what
-- the scan path looks up.

-- name: GetVolunteerByPerson :one
SELECT id, code_epoch, code_active FROM volunteer.volunteer WHERE person_id = $1;

-- name: GetVolunteerCodeState :one
SELECT id, code_epoch, code_active FROM volunteer.volunteer WHERE id = $1;

-- name: GetProjectOrg :one
SELECT p.id, p.org_id, p.status, o.path AS org_path
FROM project.project p JOIN org.org o ON o.id = p.org_id
WHERE p.id = $1;

-- name: ListProjectPositions :many
SELECT id, sign_in_methods FROM project.position WHERE project_id = $1;

-- name: ListProjectRoster :many
SELECT s.volunteer_id, s.position_id, v.code_epoch
FROM project.sign_up s JOIN volunteer.volunteer v ON v.id = s.volunteer_id
WHERE s.project_id = $1 AND s.status = 'hired';

-- name: GetRosterEntry :one
SELECT s.position_id, v.code_epoch
FROM project.sign_up s JOIN volunteer.volunteer v ON v.id = s.volunteer_id
WHERE s.project_id = $1 AND s.volunteer_id = $2 AND s.status = 'hired';

-- name: GetProjectRules :one
SELECT status, start_time, end_time, scan_before_seconds, scan_after_seconds,
       geofence_meters, lat, lng
FROM project.project WHERE id = $1;

-- name: ListOpenSessionsOfProject :many
SELECT volunteer_id, id, position_id, started_at
FROM checkin.session WHERE project_id = $1 AND status = 'open';

-- name: InsertCodeShown :exec
INSERT INTO checkin.code_event (at, kind, volunteer_id) VALUES ($1, 'shown', $2);

-- name: MarkProjectClosed :one
-- Closing is idempotent: a closed project keeps its first closing time.
UPDATE project.project
SET status = 'closed', closed_at = coalesce(closed_at, @at::timestamptz), updated_at = now()
WHERE id = @id AND status IN ('recruiting', 'running', 'closed')
RETURNING closed_at;

-- name: GetVolunteerState :one
SELECT v.code_epoch, v.code_active, s.id AS open_session_id, s.project_id AS open_project_id,
       s.position_id AS open_position_id, s.started_at AS open_started_at
FROM volunteer.volunteer v
LEFT JOIN checkin.session s ON s.volunteer_id = v.id AND s.status = 'open'
WHERE v.id = $1;

-- name: ListOverdueProjects :many
-- Approved projects whose scan window closed more than @grace ago.
SELECT id FROM project.project
WHERE status IN ('recruiting', 'running')
  AND end_time + make_interval(secs => scan_after_seconds) + @grace::interval < @now::timestamptz
ORDER BY end_time
LIMIT 100;
