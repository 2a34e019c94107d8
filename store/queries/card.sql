-- name: InsertVolunteerCard :execrows
-- Enters a volunteer's card unless they hold one: a backfill racing the
-- registration (or another node's backfill) writes nothing.
INSERT INTO volunteer.card (volunteer_id, volunteer_no, name, gender, birth_date, id_number_enc, id_number_masked,
                            registered_on, issuer, issued_on, issued_at, payload, key_id, signature)
VALUES (@volunteer_id, @volunteer_no, @name, @gender, @birth_date, @id_number_enc, @id_number_masked,
        @registered_on, @issuer, @issued_on, @issued_at, @payload, @key_id, @signature)
ON CONFLICT (volunteer_id) DO NOTHING;

-- name: GetCardSubject :one
-- What a volunteer's card states, as it stands now.
SELECT v.id, v.volunteer_no, v.registered_at, p.name, p.id_number_enc
FROM volunteer.volunteer v
JOIN identity.person p ON p.id = v.person_id
WHERE v.id = $1;

-- name: GetCard :one
SELECT * FROM volunteer.card WHERE volunteer_id = $1;

-- name: GetCardByNumber :one
SELECT * FROM volunteer.card WHERE volunteer_no = $1;

-- name: ListVolunteersWithoutCard :many
-- Volunteers with an ID number on file and no card yet, in id order after
-- @after, for the backfill to walk in batches.
SELECT v.id
FROM volunteer.volunteer v
JOIN identity.person p ON p.id = v.person_id
WHERE v.id > @after AND p.id_number_enc IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM volunteer.card c WHERE c.volunteer_id = v.id)
ORDER BY v.id
LIMIT @lim;

-- name: ListCardsInScope :many
-- The cards of the volunteers whose archive the caller's scope covers
-- (the rule of ListVolunteersInScope: all, or members or applicants of an
-- org under roots, hired on a project of one, or living in one of
-- districts), with their e-license sync, newest volunteer first.
SELECT c.volunteer_id, c.volunteer_no, c.name, c.gender, c.birth_date, c.id_number_masked, c.registered_on,
       c.issuer, c.issued_on, c.issued_at, c.key_id, c.signature, v.district_code,
       coalesce(s.state, '')::text AS sync_state, coalesce(s.license_id, '')::text AS license_id,
       coalesce(s.attempts, 0)::int AS sync_attempts, coalesce(s.last_error, '')::text AS sync_error,
       s.synced_at
FROM volunteer.card c
JOIN volunteer.volunteer v ON v.id = c.volunteer_id
LEFT JOIN elicense.submission s ON s.volunteer_id = c.volunteer_id
WHERE (@all_volunteers::bool
       OR v.district_code = ANY (@districts::text[])
       OR EXISTS (SELECT 1 FROM volunteer.membership m JOIN org.org o ON o.id = m.org_id
                  WHERE m.volunteer_id = v.id AND m.status IN ('member', 'pending') AND o.path && @roots::uuid[])
       OR EXISTS (SELECT 1 FROM project.sign_up su JOIN project.project pr ON pr.id = su.project_id
                  JOIN org.org o ON o.id = pr.org_id
                  WHERE su.volunteer_id = v.id AND su.status = 'hired' AND o.path && @roots::uuid[]))
  AND (@name_contains::text = '' OR strpos(c.name, @name_contains::text) > 0)
  AND (@volunteer_no::text = '' OR starts_with(c.volunteer_no, @volunteer_no::text))
  AND (@district_code::text = '' OR v.district_code = @district_code::text)
ORDER BY v.registered_at DESC, v.id
LIMIT @lim OFFSET @off;
