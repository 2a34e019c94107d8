-- name: CreateProject :one
INSERT INTO project.project (org_id, title, description, status, start_time, end_time, address, lat, lng,
                             district_code, service_categories, created_by, created_at, updated_at)
VALUES (@org_id, @title, @description, 'draft', @start_time, @end_time, @address, @lat, @lng,
        @district_code, @service_categories, @created_by, @at, @at)
RETURNING *;

-- name: CreatePosition :one
INSERT INTO project.position (project_id, name, quota, sign_in_methods, skills, sort)
VALUES (@project_id, @name, @quota, @sign_in_methods, @skills, @sort)
RETURNING *;

-- name: GetProject :one
SELECT * FROM project.project WHERE id = $1;

-- name: ListPositionsWithHired :many
SELECT pos.id, pos.project_id, pos.name, pos.quota, pos.sign_in_methods, pos.skills, pos.sort,
       (SELECT count(*) FROM project.sign_up s
        WHERE s.project_id = pos.project_id AND s.position_id = pos.id AND s.status = 'hired')::int AS hired
FROM project.position pos
WHERE pos.project_id = $1
ORDER BY pos.sort, pos.id;

-- name: MoveProjectStatus :one
-- Moves a project from status from to status to; no row when it is not in
-- from (any more).
UPDATE project.project SET status = @to_status, review_reason = @reason, updated_at = @at
WHERE id = @id AND status = @from_status
RETURNING *;

-- name: AdvanceRunningProjects :execrows
UPDATE project.project SET status = 'running', updated_at = @now
WHERE status = 'recruiting' AND start_time <= @now;

-- name: GetPosition :one
SELECT * FROM project.position WHERE id = $1;

-- name: LockPosition :one
-- Serializes hiring onto a position, so that the hired count read next is
-- the one the hire builds on.
SELECT * FROM project.position WHERE id = $1 FOR UPDATE;

-- name: CountHired :one
SELECT count(*)::int FROM project.sign_up WHERE position_id = $1 AND status = 'hired';

-- name: CreateSignUp :one
INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status, created_at)
VALUES (@project_id, @position_id, @volunteer_id, 'pending', @at)
RETURNING *;

-- name: GetSignUp :one
SELECT * FROM project.sign_up WHERE id = $1;

-- name: CancelLiveSignUp :one
-- Withdraws a volunteer's own live sign-up; no row when it is not theirs or
-- not live (any more).
UPDATE project.sign_up SET status = 'cancelled'
WHERE id = @id AND volunteer_id = @volunteer_id AND status IN ('pending', 'hired')
RETURNING *;

-- name: DecidePendingSignUp :one
-- Moves a pending sign-up to status; no row when it is not pending (any
-- more).
UPDATE project.sign_up SET status = @status, reviewed_at = @at, reviewed_by = @reviewed_by
WHERE id = @id AND status = 'pending'
RETURNING *;

-- name: ListRoster :many
-- The hired volunteers of a project with their positions' sign-in methods.
SELECT s.volunteer_id, s.position_id, pos.sign_in_methods
FROM project.sign_up s
JOIN project.position pos ON pos.id = s.position_id
WHERE s.project_id = $1 AND s.status = 'hired'
ORDER BY s.position_id, s.volunteer_id;
