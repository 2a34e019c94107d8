-- name: GetVolunteerName :one
-- The person's name of a volunteer, for the live pages (masked there).
SELECT p.name FROM volunteer.volunteer v JOIN identity.person p ON p.id = v.person_id
WHERE v.id = $1;

-- name: GetPositionLabel :one
-- A position's name and its project's title, for the live pages.
SELECT pos.name AS position_name, pr.title AS project_title
FROM project.position pos JOIN project.project pr ON pr.id = pos.project_id
WHERE pos.id = $1;
