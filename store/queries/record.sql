-- name: GenerateServiceRecords :execrows
-- Makes a record of every closed session of the project that counts: not
-- invalidated, reviewed if it was flagged, at least the project's minimum
-- share of the shift, and crediting more than nothing once rounded. A
-- session that has its record already is skipped, so this can run again.
INSERT INTO record.service_record (volunteer_id, project_id, position_id, session_id, started_at, ended_at,
                                   duration_seconds, created_at)
SELECT s.volunteer_id, s.project_id, s.position_id, s.id, s.started_at, s.ended_at,
       checkin.credit_seconds(s.duration_seconds, p.round_seconds, p.round_mode), @now::timestamptz
FROM checkin.session s
JOIN project.project p ON p.id = s.project_id
WHERE s.project_id = @project_id
  AND s.status = 'closed'
  AND (NOT s.flagged OR s.reviewed_at IS NOT NULL)
  AND s.duration_seconds * 100 >= p.min_share_percent * extract(epoch FROM p.end_time - p.start_time)
  AND checkin.credit_seconds(s.duration_seconds, p.round_seconds, p.round_mode) > 0
ON CONFLICT (session_id) DO NOTHING;

-- name: RecordVolunteerOfPerson :one
SELECT id FROM volunteer.volunteer WHERE person_id = $1;

-- name: ListVolunteerServiceRecords :many
SELECT r.id, r.project_id, r.position_id, r.started_at, r.ended_at, r.duration_seconds,
       p.title AS project_title, pos.name AS position_name
FROM record.service_record r
JOIN project.project p ON p.id = r.project_id
JOIN project.position pos ON pos.id = r.position_id
WHERE r.volunteer_id = @volunteer_id
ORDER BY r.started_at DESC, r.id DESC
LIMIT @lim OFFSET @off;
