-- name: WithdrawProject :one
-- Withdraws a project that is draft, pending review, or recruiting and not
-- yet started at @at; no row otherwise.
UPDATE project.project SET status = 'withdrawn', review_reason = @reason, updated_at = @at
WHERE id = @id
  AND (status IN ('draft', 'pending_review') OR (status = 'recruiting' AND start_time > @at))
RETURNING *;

-- name: CreateHiredSignUp :one
INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status, created_at, reviewed_at, reviewed_by)
VALUES (@project_id, @position_id, @volunteer_id, 'hired', @at, @at, @reviewed_by)
RETURNING *;

-- name: MoveLiveSignUp :one
-- Moves a pending or hired sign-up to another position; no row when it is
-- not in status @status (any more).
UPDATE project.sign_up SET position_id = @position_id
WHERE id = @id AND status = @status
RETURNING *;

-- name: UnhireSignUp :one
-- Moves a hired sign-up back to pending; no row when it is not hired (any
-- more).
UPDATE project.sign_up SET status = 'pending', reviewed_at = @at, reviewed_by = @reviewed_by
WHERE id = @id AND status = 'hired'
RETURNING *;

-- name: VolunteerExists :one
SELECT EXISTS (SELECT 1 FROM volunteer.volunteer WHERE id = $1);

-- name: UpdateProjectFields :one
-- Replaces a project's editable fields and moves it to @to_status; no row
-- when it is not in @from_status (any more).
UPDATE project.project
SET title = @title, description = @description, start_time = @start_time, end_time = @end_time,
    address = @address, lat = @lat, lng = @lng, service_categories = @service_categories,
    status = @to_status, updated_at = @at
WHERE id = @id AND status = @from_status
RETURNING *;

-- name: DeleteProjectPositions :exec
-- Removes a project's positions; only for projects that never took
-- sign-ups (draft, pending review, rejected).
DELETE FROM project.position WHERE project_id = $1;

-- name: ListOrgProjectsByStage :many
-- An org's projects in a stage at @now, latest start first; the stages are
-- those of project.Stage.
SELECT * FROM project.project
WHERE org_id = @org_id
  AND CASE @stage::text
        WHEN 'to_recruit' THEN status = 'recruiting' AND start_time > @now::timestamptz
                               AND recruit_start IS NOT NULL AND recruit_start > @now::timestamptz
        WHEN 'recruiting' THEN status = 'recruiting' AND start_time > @now::timestamptz
                               AND (recruit_start IS NULL OR recruit_start <= @now::timestamptz)
        WHEN 'running' THEN status = 'running' OR (status = 'recruiting' AND start_time <= @now::timestamptz)
        ELSE status = @stage::text
      END
ORDER BY start_time DESC, id
LIMIT @lim OFFSET @off;
