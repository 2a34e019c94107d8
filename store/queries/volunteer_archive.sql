-- The back office's volunteer archive (S1): how a service record came
-- about.

-- name: GetServiceRecordSession :one
-- A service record with its project and the session it was made from. A
-- record's session is closed, so its end is never null; the coalesce only
-- tells sqlc so.
SELECT r.id, r.volunteer_id, r.project_id, r.started_at, r.ended_at, r.duration_seconds,
       p.title AS project_title, pos.name AS position_name, o.name AS org_name,
       s.started_at AS session_started_at, coalesce(s.ended_at, r.ended_at)::timestamptz AS session_ended_at,
       coalesce(s.duration_seconds, 0)::int AS session_seconds, coalesce(s.closed_by, '')::text AS closed_by,
       s.flag_reason, coalesce(s.review_action, '')::text AS review_action, s.review_reason, s.reviewed_at,
       coalesce(rp.name, '')::text AS reviewer_name,
       coalesce(s.start_scan_id, '')::text AS start_scan_id, coalesce(s.end_scan_id, '')::text AS end_scan_id
FROM record.service_record r
JOIN project.project p ON p.id = r.project_id
JOIN org.org o ON o.id = p.org_id
JOIN project.position pos ON pos.id = r.position_id
JOIN checkin.session s ON s.id = r.session_id
LEFT JOIN identity.person rp ON rp.id = s.reviewed_by
WHERE r.id = $1;

-- name: GetScansByID :many
-- Scans by id, found through scan_key so that only the partitions holding
-- them are read, with the device and the name of who submitted them.
SELECT s.scan_id::text AS scan_id, s.scanned_at, s.received_at, coalesce(s.method, '')::text AS method,
       coalesce(d.name, '')::text AS device_name, s.gate, coalesce(pe.name, '')::text AS by_name
FROM checkin.scan_key k
JOIN checkin.scan s ON s.received_at = k.received_at AND s.scan_id = k.scan_id
LEFT JOIN checkin.device d ON d.id = s.device_id
LEFT JOIN identity.account a ON a.id = s.by_account
LEFT JOIN identity.person pe ON pe.id = a.person_id
WHERE k.scan_id = ANY (@scan_ids::text[]);
