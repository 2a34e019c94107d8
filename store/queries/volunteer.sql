-- name: CreateVolunteer :one
INSERT INTO volunteer.volunteer (person_id, volunteer_no, political_status, service_categories, registered_at)
VALUES (@person_id, volunteer.next_volunteer_no(), @political_status, @service_categories, @registered_at)
RETURNING *;

-- name: CreateVolunteerAccount :one
INSERT INTO identity.account (person_id, kind) VALUES ($1, 'volunteer')
RETURNING id;

-- name: ActAsVolunteer :execrows
-- Moves the registering session to the new volunteer account, so that its
-- token acts as the volunteer from the next request on, on every node.
UPDATE identity.session SET account_id = @volunteer_account
WHERE id = @session_id AND person_id = @person_id;

-- name: GetVolunteerProfile :one
SELECT v.id, v.person_id, v.volunteer_no, v.political_status, v.service_categories, v.registered_at,
       p.name, p.id_number_masked
FROM volunteer.volunteer v
JOIN identity.person p ON p.id = v.person_id
WHERE v.person_id = $1;

-- name: GetVolunteerIDByPerson :one
SELECT id FROM volunteer.volunteer WHERE person_id = $1;
