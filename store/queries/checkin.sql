-- name: SweepOverdueSessions :many
-- Closes up to lim open sessions that are overdue at now: their project
-- ended (end_time + scan_after_seconds has passed), or they ran longer than
-- the project's max_session_seconds. Each is closed at the project's end or
-- at started_at + max_session_seconds, whichever is earlier (never before it
-- began), and flagged for review.
WITH due AS (
    SELECT s.id,
           greatest(s.started_at, CASE
               WHEN p.max_session_seconds > 0
                    AND s.started_at + make_interval(secs => p.max_session_seconds) < p.end_time
               THEN s.started_at + make_interval(secs => p.max_session_seconds)
               ELSE p.end_time
           END) AS ended_at,
           CASE
               WHEN p.max_session_seconds > 0
                    AND s.started_at + make_interval(secs => p.max_session_seconds) < p.end_time
               THEN 'MAX_LENGTH'
               ELSE 'PROJECT_ENDED'
           END AS reason
    FROM checkin.session s
    JOIN project.project p ON p.id = s.project_id
    WHERE s.status = 'open'
      AND (p.end_time + make_interval(secs => p.scan_after_seconds) <= @now::timestamptz
           OR (p.max_session_seconds > 0 AND s.started_at + make_interval(secs => p.max_session_seconds) <= @now::timestamptz))
    ORDER BY s.started_at
    LIMIT @lim
    FOR UPDATE OF s SKIP LOCKED
)
UPDATE checkin.session s
SET status = 'closed', closed_by = 'auto', ended_at = due.ended_at,
    duration_seconds = floor(extract(epoch FROM due.ended_at - s.started_at))::int,
    flagged = true, flag_reason = due.reason
FROM due
WHERE s.id = due.id AND s.status = 'open'
RETURNING s.id, s.project_id, s.position_id, s.volunteer_id, s.started_at, s.ended_at::timestamptz AS ended_at,
          s.duration_seconds::int AS duration_seconds, s.flag_reason;

-- name: CloseProjectSessions :many
-- Closes every open session of a project at at (never before it began),
-- flagged for review: the project was closed while they ran.
UPDATE checkin.session
SET status = 'closed', closed_by = 'close', ended_at = greatest(started_at, @at::timestamptz),
    duration_seconds = floor(extract(epoch FROM greatest(started_at, @at::timestamptz) - started_at))::int,
    flagged = true, flag_reason = 'PROJECT_CLOSED'
WHERE project_id = @project_id AND status = 'open'
RETURNING id, project_id, position_id, volunteer_id, started_at, ended_at::timestamptz AS ended_at,
          duration_seconds::int AS duration_seconds, flag_reason;
