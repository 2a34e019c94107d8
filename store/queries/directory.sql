-- name: ListVolunteerNames :many
-- The person's names of volunteers, for yima/directory, which masks and
-- caches them; ids without a volunteer are left out.
SELECT v.id, p.name
FROM volunteer.volunteer v JOIN identity.person p ON p.id = v.person_id
WHERE v.id = ANY(@ids::uuid[]);

-- name: ListPositionLabels :many
-- Positions' names with their projects' titles, for yima/directory;
-- unknown ids are left out.
SELECT pos.id, pos.name AS position_name, pr.title AS project_title
FROM project.position pos JOIN project.project pr ON pr.id = pos.project_id
WHERE pos.id = ANY(@ids::uuid[]);
