-- name: ListProjectSignUps :many
-- A project's sign-ups, oldest first, with who applied and for which
-- position; statuses empty keeps all, by_position keeps one position.
SELECT s.id, s.project_id, s.position_id, s.volunteer_id, s.status, s.created_at,
       p.name AS volunteer_name, v.volunteer_no, v.service_categories,
       pos.name AS position_name
FROM project.sign_up s
JOIN volunteer.volunteer v ON v.id = s.volunteer_id
JOIN identity.person p ON p.id = v.person_id
JOIN project.position pos ON pos.id = s.position_id
WHERE s.project_id = @project_id
  AND (cardinality(@statuses::text[]) = 0 OR s.status = ANY(@statuses::text[]))
  AND (NOT @by_position::bool OR s.position_id = @position_id::uuid)
ORDER BY s.created_at, s.id
LIMIT @lim OFFSET @off;

-- name: ListVolunteerSignUps :many
-- A volunteer's sign-ups, latest first, with their projects and orgs;
-- statuses empty keeps all.
SELECT s.id, s.project_id, s.position_id, s.volunteer_id, s.status, s.created_at,
       pr.title AS project_title, pr.status AS project_status, pr.start_time, pr.end_time,
       pr.address, pr.org_id, o.name AS org_name, pos.name AS position_name
FROM project.sign_up s
JOIN project.project pr ON pr.id = s.project_id
JOIN org.org o ON o.id = pr.org_id
JOIN project.position pos ON pos.id = s.position_id
WHERE s.volunteer_id = @volunteer_id
  AND (cardinality(@statuses::text[]) = 0 OR s.status = ANY(@statuses::text[]))
ORDER BY s.created_at DESC, s.id DESC
LIMIT @lim OFFSET @off;

-- name: ListRosterWithHours :many
-- A project's hired volunteers, by position and then sign-up time, with
-- the service records they earned on it and the rating given there, if
-- any (the rating columns are null then).
SELECT s.id, s.volunteer_id, s.position_id, pos.name AS position_name,
       p.name AS volunteer_name, v.volunteer_no,
       coalesce(h.seconds, 0)::bigint AS service_seconds, coalesce(h.sessions, 0)::int AS sessions,
       r.punctuality, r.attitude, r.skill, r.comment, r.updated_at AS rated_at
FROM project.sign_up s
JOIN project.position pos ON pos.id = s.position_id
JOIN volunteer.volunteer v ON v.id = s.volunteer_id
JOIN identity.person p ON p.id = v.person_id
LEFT JOIN LATERAL (
    SELECT sum(sr.duration_seconds) AS seconds, count(*) AS sessions
    FROM record.service_record sr
    WHERE sr.project_id = s.project_id AND sr.volunteer_id = s.volunteer_id
) h ON true
LEFT JOIN project.rating r ON r.project_id = s.project_id AND r.volunteer_id = s.volunteer_id
WHERE s.project_id = @project_id AND s.status = 'hired'
ORDER BY pos.sort, pos.id, s.created_at, s.id
LIMIT @lim OFFSET @off;

-- name: ListProjectsInScope :many
-- Projects of the orgs in a scope (every org when all_orgs, else those
-- under one of roots, roots included), latest start first, filtered:
-- statuses are effective ones at now (project.EffectiveStatus), by_org
-- keeps org_id's subtree (below: without org_id's own projects),
-- title_contains a title fragment, tag one tag.
SELECT sqlc.embed(pr), o.name AS org_name
FROM project.project pr
JOIN org.org o ON o.id = pr.org_id
WHERE (@all_orgs::bool OR o.path && @roots::uuid[])
  AND (NOT @by_org::bool OR o.path @> ARRAY[@org_id::uuid])
  AND (NOT @below::bool OR pr.org_id <> @org_id::uuid)
  AND (cardinality(@statuses::text[]) = 0
       OR (CASE WHEN pr.status = 'recruiting' AND pr.start_time <= @now::timestamptz THEN 'running' ELSE pr.status END)
          = ANY(@statuses::text[]))
  AND (@title_contains::text = '' OR strpos(pr.title, @title_contains::text) > 0)
  AND (@tag::text = '' OR @tag::text = ANY(pr.tags))
ORDER BY pr.start_time DESC, pr.id
LIMIT @lim OFFSET @off;

-- name: GetProjectOrgContact :one
-- The organizing org's name and contact, for a project's detail.
SELECT o.name, o.contact_name, o.contact_phone_masked
FROM project.project pr JOIN org.org o ON o.id = pr.org_id
WHERE pr.id = $1;

-- name: SetProjectExtras :one
-- Sets what CreateProject and UpdateProjectFields leave alone: the
-- recruitment window and the tags.
UPDATE project.project
SET recruit_start = @recruit_start, recruit_end = @recruit_end, tags = @tags
WHERE id = @id
RETURNING *;

-- name: SetProjectTags :one
UPDATE project.project
SET tags = @tags,
    service_categories = CASE WHEN @set_service_categories::bool THEN @service_categories::text[] ELSE service_categories END,
    updated_at = @at
WHERE id = @id
RETURNING *;
