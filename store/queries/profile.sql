-- name: GetVolunteerCard :one
-- A volunteer's profile fields with the person's masked name, ID and phone.
SELECT v.id, v.person_id, v.volunteer_no, v.political_status, v.service_categories, v.district_code,
       v.tags, v.available_slots, v.available_note, v.registered_at,
       p.name, p.id_number_masked, p.phone_masked
FROM volunteer.volunteer v
JOIN identity.person p ON p.id = v.person_id
WHERE v.id = $1;

-- name: UpdateVolunteerProfile :one
UPDATE volunteer.volunteer
SET political_status = @political_status, service_categories = @service_categories, tags = @tags,
    available_slots = @available_slots, available_note = @available_note, updated_at = @at
WHERE id = @id
RETURNING id;

-- name: VolunteerServiceTotals :one
-- A volunteer's credited service: seconds, records and projects served.
SELECT coalesce(sum(duration_seconds), 0)::bigint AS seconds,
       count(*)::int AS records,
       count(DISTINCT project_id)::int AS projects
FROM record.service_record WHERE volunteer_id = $1;

-- name: VolunteerLiveSignUps :many
-- A volunteer's pending and hired sign-ups with their projects' stored
-- status and start, for counting by progress.
SELECT s.status, pr.status AS project_status, pr.start_time
FROM project.sign_up s
JOIN project.project pr ON pr.id = s.project_id
WHERE s.volunteer_id = $1 AND s.status IN ('pending', 'hired');

-- name: ListVolunteerOrgs :many
-- The orgs a volunteer is a member of or has applied to, members first.
SELECT m.org_id, o.name AS org_name, m.status, m.joined_at, m.applied_at
FROM volunteer.membership m
JOIN org.org o ON o.id = m.org_id
WHERE m.volunteer_id = $1 AND m.status IN ('member', 'pending')
ORDER BY m.status DESC, o.name, m.org_id;

-- name: ListVolunteerProjectSignUps :many
-- A volunteer's sign-ups of any status with their projects, latest first.
SELECT s.id, s.project_id, s.status, s.created_at, pr.title AS project_title, pr.status AS project_status,
       pr.start_time, pr.end_time, pos.name AS position_name, o.name AS org_name
FROM project.sign_up s
JOIN project.project pr ON pr.id = s.project_id
JOIN project.position pos ON pos.id = s.position_id
JOIN org.org o ON o.id = pr.org_id
WHERE s.volunteer_id = $1
ORDER BY s.created_at DESC, s.id
LIMIT 100;

-- name: VolunteerCertificateCounts :one
-- A volunteer's service certificate applications by status.
SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
       count(*) FILTER (WHERE status = 'issued')::int AS issued,
       count(*) FILTER (WHERE status = 'rejected')::int AS rejected
FROM certificate.application WHERE volunteer_id = $1;

-- name: ListVolunteerCertificates :many
-- A volunteer's issued service certificates, latest first.
SELECT c.id, c.number, c.project_id, pr.title AS project_title, c.issuer_name, c.service_seconds, c.issued_on
FROM certificate.certificate c
JOIN project.project pr ON pr.id = c.project_id
WHERE c.volunteer_id = $1
ORDER BY c.issued_at DESC, c.id
LIMIT 100;

-- name: ScopeDistricts :many
-- The district codes of the district (or city) orgs among roots: staff
-- scoped to such an org also see the volunteers who live in its district.
SELECT DISTINCT district_code FROM org.org
WHERE id = ANY (@roots::uuid[]) AND level IN ('city', 'district') AND district_code <> '';

-- name: ListVolunteersInScope :many
-- Volunteers matching the filters that the caller's scope covers: all, or
-- those who are members (or applicants) of an org under roots, were hired
-- on a project of one, or live in one of districts. Newest first.
SELECT v.id, v.volunteer_no, v.political_status, v.service_categories, v.district_code, v.tags, v.registered_at,
       p.name, p.id_number_masked, p.phone_masked,
       coalesce((SELECT sum(r.duration_seconds) FROM record.service_record r WHERE r.volunteer_id = v.id), 0)::bigint AS seconds
FROM volunteer.volunteer v
JOIN identity.person p ON p.id = v.person_id
WHERE (@all_volunteers::bool
       OR v.district_code = ANY (@districts::text[])
       OR EXISTS (SELECT 1 FROM volunteer.membership m JOIN org.org o ON o.id = m.org_id
                  WHERE m.volunteer_id = v.id AND m.status IN ('member', 'pending') AND o.path && @roots::uuid[])
       OR EXISTS (SELECT 1 FROM project.sign_up s JOIN project.project pr ON pr.id = s.project_id
                  JOIN org.org o ON o.id = pr.org_id
                  WHERE s.volunteer_id = v.id AND s.status = 'hired' AND o.path && @roots::uuid[]))
  AND (@name_contains::text = '' OR strpos(p.name, @name_contains::text) > 0)
  AND (@id_number_idx::bytea IS NULL OR p.id_number_idx = @id_number_idx::bytea)
  AND (@district_code::text = '' OR v.district_code = @district_code::text)
  AND (@category::text = '' OR @category::text = ANY (v.service_categories))
  AND (@tag::text = '' OR @tag::text = ANY (v.tags))
ORDER BY v.registered_at DESC, v.id
LIMIT @lim OFFSET @off;

-- name: VolunteerInScope :one
-- Whether the scope (see ListVolunteersInScope) covers the volunteer.
SELECT EXISTS (
    SELECT 1 FROM volunteer.volunteer v
    WHERE v.id = @volunteer_id
      AND (v.district_code = ANY (@districts::text[])
           OR EXISTS (SELECT 1 FROM volunteer.membership m JOIN org.org o ON o.id = m.org_id
                      WHERE m.volunteer_id = v.id AND m.status IN ('member', 'pending') AND o.path && @roots::uuid[])
           OR EXISTS (SELECT 1 FROM project.sign_up s JOIN project.project pr ON pr.id = s.project_id
                      JOIN org.org o ON o.id = pr.org_id
                      WHERE s.volunteer_id = v.id AND s.status = 'hired' AND o.path && @roots::uuid[])))::bool AS covered;
