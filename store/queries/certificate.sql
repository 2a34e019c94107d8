-- name: SumCertificateService :one
-- The service records of a volunteer on a project: how many, the seconds
-- they credit, and the time they span (the epoch when there are none).
SELECT count(*)::int AS record_count,
       coalesce(sum(duration_seconds), 0)::bigint AS service_seconds,
       coalesce(min(started_at), 'epoch')::timestamptz AS first_started,
       coalesce(max(ended_at), 'epoch')::timestamptz AS last_ended
FROM record.service_record
WHERE volunteer_id = @volunteer_id AND project_id = @project_id;

-- name: CreateCertificateApplication :one
INSERT INTO certificate.application (volunteer_id, project_id, org_id, status, note, created_at)
VALUES (@volunteer_id, @project_id, @org_id, 'pending', @note, @at)
RETURNING *;

-- name: GetCertificateApplicationView :one
-- An application with what lists and the review show of it.
SELECT a.*, pe.name AS volunteer_name, pe.id_number_masked, v.volunteer_no, v.person_id AS volunteer_person_id,
       pr.title AS project_title, pr.start_time AS project_start, pr.end_time AS project_end, pr.address AS project_address,
       o.name AS org_name, o.path AS org_path,
       coalesce(h.record_count, 0)::int AS record_count, coalesce(h.service_seconds, 0)::bigint AS service_seconds,
       c.id AS certificate_id, coalesce(c.number, '')::text AS certificate_number
FROM certificate.application a
JOIN volunteer.volunteer v ON v.id = a.volunteer_id
JOIN identity.person pe ON pe.id = v.person_id
JOIN project.project pr ON pr.id = a.project_id
JOIN org.org o ON o.id = a.org_id
LEFT JOIN LATERAL (
    SELECT count(*) AS record_count, sum(r.duration_seconds) AS service_seconds
    FROM record.service_record r WHERE r.volunteer_id = a.volunteer_id AND r.project_id = a.project_id
) h ON true
LEFT JOIN certificate.certificate c ON c.application_id = a.id
WHERE a.id = @id;

-- name: ListOrgCertificateApplications :many
-- An org's applications, newest first, optionally of one status.
SELECT a.*, pe.name AS volunteer_name, pr.title AS project_title, o.name AS org_name,
       coalesce(h.record_count, 0)::int AS record_count, coalesce(h.service_seconds, 0)::bigint AS service_seconds,
       c.id AS certificate_id, coalesce(c.number, '')::text AS certificate_number
FROM certificate.application a
JOIN volunteer.volunteer v ON v.id = a.volunteer_id
JOIN identity.person pe ON pe.id = v.person_id
JOIN project.project pr ON pr.id = a.project_id
JOIN org.org o ON o.id = a.org_id
LEFT JOIN LATERAL (
    SELECT count(*) AS record_count, sum(r.duration_seconds) AS service_seconds
    FROM record.service_record r WHERE r.volunteer_id = a.volunteer_id AND r.project_id = a.project_id
) h ON true
LEFT JOIN certificate.certificate c ON c.application_id = a.id
WHERE a.org_id = @org_id AND (@status::text = '' OR a.status = @status::text)
ORDER BY a.created_at DESC, a.id
LIMIT @lim OFFSET @off;

-- name: ListVolunteerCertificateApplications :many
-- A volunteer's own applications, newest first.
SELECT a.*, pe.name AS volunteer_name, pr.title AS project_title, o.name AS org_name,
       coalesce(h.record_count, 0)::int AS record_count, coalesce(h.service_seconds, 0)::bigint AS service_seconds,
       c.id AS certificate_id, coalesce(c.number, '')::text AS certificate_number
FROM certificate.application a
JOIN volunteer.volunteer v ON v.id = a.volunteer_id
JOIN identity.person pe ON pe.id = v.person_id
JOIN project.project pr ON pr.id = a.project_id
JOIN org.org o ON o.id = a.org_id
LEFT JOIN LATERAL (
    SELECT count(*) AS record_count, sum(r.duration_seconds) AS service_seconds
    FROM record.service_record r WHERE r.volunteer_id = a.volunteer_id AND r.project_id = a.project_id
) h ON true
LEFT JOIN certificate.certificate c ON c.application_id = a.id
WHERE a.volunteer_id = @volunteer_id
ORDER BY a.created_at DESC, a.id
LIMIT @lim OFFSET @off;

-- name: ListCertificateServiceRecords :many
-- The service records a certificate of a volunteer on a project counts,
-- in order of service.
SELECT r.id, r.position_id, pos.name AS position_name, r.started_at, r.ended_at, r.duration_seconds
FROM record.service_record r
JOIN project.position pos ON pos.id = r.position_id
WHERE r.volunteer_id = @volunteer_id AND r.project_id = @project_id
ORDER BY r.started_at, r.id;

-- name: LockCertificateApplication :one
SELECT * FROM certificate.application WHERE id = $1 FOR UPDATE;

-- name: GetCertificateSubject :one
-- The person a certificate is about, with the sealed ID number it prints.
SELECT pe.id AS person_id, pe.name, pe.id_number_enc, pe.id_number_masked, v.volunteer_no
FROM volunteer.volunteer v
JOIN identity.person pe ON pe.id = v.person_id
WHERE v.id = $1;

-- name: GetCertificatePersonName :one
SELECT name FROM identity.person WHERE id = $1;

-- name: NextCertificateSeq :one
-- The next number of year; the counter row stays locked until the
-- transaction ends, so numbers are gap-free and in order of issue.
INSERT INTO certificate.counter (year, last) VALUES (@year, 1)
ON CONFLICT (year) DO UPDATE SET last = certificate.counter.last + 1
RETURNING last;

-- name: InsertCertificate :one
INSERT INTO certificate.certificate (
    id, application_id, number, year, seq, volunteer_id, project_id, org_id,
    volunteer_name, id_type, id_number_enc, id_number_masked, volunteer_no,
    service_seconds, service_content, service_from, service_until,
    issuer_name, handler_name, handler_id, issued_on, issued_at, key_id, signature
) VALUES (
    @id, @application_id, @number, @year, @seq, @volunteer_id, @project_id, @org_id,
    @volunteer_name, @id_type, @id_number_enc, @id_number_masked, @volunteer_no,
    @service_seconds, @service_content, @service_from, @service_until,
    @issuer_name, @handler_name, @handler_id, @issued_on, @issued_at, @key_id, @signature
)
RETURNING *;

-- name: DecideCertificateApplication :one
-- Moves a pending application to issued or rejected; no row when it is
-- not pending.
UPDATE certificate.application
SET status = @status, reject_reason = @reject_reason, decided_at = @at, decided_by = @by
WHERE id = @id AND status = 'pending'
RETURNING *;

-- name: GetCertificateView :one
-- A certificate with who may see it: the volunteer's person and the
-- issuing org's path.
SELECT c.*, v.person_id AS volunteer_person_id, o.path AS org_path
FROM certificate.certificate c
JOIN volunteer.volunteer v ON v.id = c.volunteer_id
JOIN org.org o ON o.id = c.org_id
WHERE c.id = $1;

-- name: GetCertificateByNumber :one
SELECT * FROM certificate.certificate WHERE number = $1;

-- name: ListIssuedCertificates :many
-- The register: certificates of orgs in scope (every org when all_orgs,
-- else under one of roots), optionally under org_id, by number prefix and
-- issue time, newest first.
SELECT c.*
FROM certificate.certificate c
JOIN org.org o ON o.id = c.org_id
WHERE (@all_orgs::bool OR o.path && @roots::uuid[])
  AND (NOT @by_org::bool OR o.path @> ARRAY[@org_id::uuid])
  AND (@number_prefix::text = '' OR starts_with(c.number, @number_prefix::text))
  AND (NOT @by_from::bool OR c.issued_at >= @issued_from::timestamptz)
  AND (NOT @by_until::bool OR c.issued_at < @issued_until::timestamptz)
ORDER BY c.issued_at DESC, c.id
LIMIT @lim OFFSET @off;
