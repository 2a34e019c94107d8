-- name: GetVolunteerOpenSession :one
-- The volunteer's open session, if any (at most one, across projects), for
-- the volunteer's own check-in status.
SELECT id, project_id, position_id, started_at
FROM checkin.session WHERE volunteer_id = $1 AND status = 'open';
