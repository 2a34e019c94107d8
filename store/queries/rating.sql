-- name: RateHiredVolunteers :many
-- Gives the same scores to the volunteers among volunteer_ids hired on the
-- project, replacing earlier ratings (created_at kept, updated_at set);
-- ids not hired there get no row, so the caller compares counts.
INSERT INTO project.rating AS r (project_id, volunteer_id, punctuality, attitude, skill, comment, rated_by, created_at, updated_at)
SELECT @project_id, ids.id, @punctuality, @attitude, @skill, @comment, @rated_by, @at, @at
FROM unnest(@volunteer_ids::uuid[]) AS ids(id)
WHERE EXISTS (SELECT 1 FROM project.sign_up s
              WHERE s.project_id = @project_id AND s.volunteer_id = ids.id AND s.status = 'hired')
ON CONFLICT (project_id, volunteer_id) DO UPDATE
SET punctuality = excluded.punctuality, attitude = excluded.attitude, skill = excluded.skill,
    comment = excluded.comment, rated_by = excluded.rated_by, updated_at = excluded.updated_at
RETURNING r.*;

-- name: VolunteerRatingSummary :one
-- A volunteer's rating count and averages (0 when unrated).
SELECT count(*)::int AS count,
       coalesce(avg(punctuality), 0)::float8 AS punctuality,
       coalesce(avg(attitude), 0)::float8 AS attitude,
       coalesce(avg(skill), 0)::float8 AS skill
FROM project.rating WHERE volunteer_id = $1;

-- name: ListVolunteerRatings :many
-- A volunteer's ratings, latest first, with the projects' titles.
SELECT r.project_id, r.volunteer_id, r.punctuality, r.attitude, r.skill, r.comment, r.updated_at,
       pr.title AS project_title
FROM project.rating r JOIN project.project pr ON pr.id = r.project_id
WHERE r.volunteer_id = @volunteer_id
ORDER BY r.updated_at DESC, r.project_id
LIMIT @lim OFFSET @off;

-- name: VolunteerServedUnder :one
-- Whether the volunteer was hired on a project of, or is a member of, an
-- org under one of roots (roots included).
SELECT (EXISTS (
           SELECT 1 FROM project.sign_up s
           JOIN project.project pr ON pr.id = s.project_id
           JOIN org.org o ON o.id = pr.org_id
           WHERE s.volunteer_id = @volunteer_id AND s.status = 'hired' AND o.path && @roots::uuid[])
    OR EXISTS (
           SELECT 1 FROM volunteer.membership m
           JOIN org.org o ON o.id = m.org_id
           WHERE m.volunteer_id = @volunteer_id AND m.status = 'member' AND o.path && @roots::uuid[]))::bool AS served;

-- name: GetRating :one
SELECT * FROM project.rating WHERE project_id = @project_id AND volunteer_id = @volunteer_id;
