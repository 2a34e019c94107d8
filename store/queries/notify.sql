-- Notifications: messages, their recipients, the outbox sweep and the dev
-- SMS gateway's log.

-- name: LockNotifySender :exec
-- Serializes the rate-limit check and insert of one sender's messages.
SELECT pg_advisory_xact_lock(hashtextextended('notify.sender:' || @sender_key::text, 0));

-- name: NotifySenderUsage :one
-- How much a sender (an org, or a staff account) sent recently: messages
-- accepted since hour_since and SMS recipients since day_since.
SELECT (count(*) FILTER (WHERE created_at >= @hour_since::timestamptz))::bigint AS messages,
       (coalesce(sum(recipient_count) FILTER (WHERE sms), 0))::bigint AS sms_recipients
FROM notify.message
WHERE created_at >= @day_since::timestamptz AND status <> 'cancelled'
  AND CASE WHEN sqlc.narg(org_id)::uuid IS NOT NULL THEN sender_org_id = sqlc.narg(org_id)::uuid
           ELSE sender_kind = 'staff' AND sender_account_id = @account_id::uuid END;

-- name: InsertNotifyMessage :one
INSERT INTO notify.message (id, sender_kind, sender_org_id, sender_account_id, sender_person_id, sender_department_id,
    sender_name, title, body, sms, in_app, audience, audience_label, status, send_at, released_at, recipient_count, created_at)
VALUES (@id, @sender_kind, sqlc.narg(sender_org_id), sqlc.narg(sender_account_id), sqlc.narg(sender_person_id),
    sqlc.narg(sender_department_id), @sender_name, @title, @body, @sms, @in_app, @audience, @audience_label, @status,
    @send_at::timestamptz, sqlc.narg(released_at), @recipient_count, @created_at::timestamptz)
RETURNING *;

-- name: InsertNotifyRecipients :exec
INSERT INTO notify.recipient (message_id, person_id, name, phone_masked, status, note, in_app, next_attempt_at, updated_at)
SELECT @message_id::uuid, unnest(@person_ids::uuid[]), unnest(@names::text[]), unnest(@phones_masked::text[]),
    unnest(@statuses::text[]), unnest(@notes::text[]), unnest(@in_apps::boolean[]), @next_attempt_at::timestamptz, @now::timestamptz;

-- name: MarkNotifyEnqueued :exec
-- Records that the work items of these recipients reached the stream.
UPDATE notify.recipient SET enqueued_at = @now::timestamptz
WHERE message_id = @message_id AND person_id = ANY(@person_ids::uuid[]) AND enqueued_at IS NULL;

-- name: ListNotifyQueued :many
-- The recipients of a released message still waiting for the gateway.
SELECT person_id, enqueues FROM notify.recipient
WHERE message_id = @message_id AND status = 'queued' AND enqueued_at IS NULL;

-- name: ReleaseDueNotifyMessages :many
-- Releases scheduled messages whose time has come; nodes racing skip each
-- other's rows.
UPDATE notify.message m SET status = 'released', released_at = @now::timestamptz
FROM (SELECT id FROM notify.message WHERE status = 'scheduled' AND send_at <= @now::timestamptz
      ORDER BY send_at LIMIT @lim FOR UPDATE SKIP LOCKED) due
WHERE m.id = due.id
RETURNING m.id, m.sms;

-- name: ClaimStuckNotifyRecipients :many
-- Takes recipients whose work item never reached the stream (enqueued_at
-- NULL past short_cutoff) or seems lost (due before long_cutoff), gives
-- each a new work item number and returns them for publishing.
UPDATE notify.recipient r SET enqueues = r.enqueues + 1, enqueued_at = NULL, next_attempt_at = @now::timestamptz, updated_at = @now::timestamptz
FROM (SELECT r2.message_id, r2.person_id FROM notify.recipient r2
      JOIN notify.message m ON m.id = r2.message_id
      WHERE r2.status IN ('queued', 'sending') AND r2.next_attempt_at < @short_cutoff::timestamptz AND m.status = 'released'
        AND ((r2.status = 'queued' AND (r2.enqueued_at IS NULL OR r2.next_attempt_at < @long_cutoff::timestamptz))
          OR (r2.status = 'sending' AND r2.lease_until < @long_cutoff::timestamptz))
      ORDER BY r2.next_attempt_at LIMIT @lim
      FOR UPDATE OF r2 SKIP LOCKED) stuck
WHERE r.message_id = stuck.message_id AND r.person_id = stuck.person_id
RETURNING r.message_id, r.person_id, r.enqueues;

-- name: LockNotifyRecipient :one
-- A recipient with its message and the person's current phone, locked for
-- the dispatcher's decision.
SELECT r.status, r.attempts, r.next_attempt_at, r.lease_until, r.in_app,
       m.status AS message_status, m.sms, m.body, p.phone_enc, p.phone_idx, p.phone_masked
FROM notify.recipient r
JOIN notify.message m ON m.id = r.message_id
JOIN identity.person p ON p.id = r.person_id
WHERE r.message_id = @message_id AND r.person_id = @person_id
FOR UPDATE OF r;

-- name: LockNotifyPhone :exec
-- Serializes the per-phone limit check of one number across nodes.
SELECT pg_advisory_xact_lock(@key::bigint);

-- name: NotifyPhoneUsage :one
-- SMS handed to the gateway for a number since each cut-off, other than
-- the recipient asking.
SELECT (count(*) FILTER (WHERE claimed_at >= @minute_since::timestamptz))::bigint AS last_minute,
       (count(*) FILTER (WHERE claimed_at >= @hour_since::timestamptz))::bigint AS last_hour
FROM notify.recipient
WHERE phone_idx = @phone_idx AND claimed_at >= @hour_since::timestamptz AND status IN ('sending', 'sent')
  AND NOT (message_id = @message_id AND person_id = @person_id);

-- name: ClaimNotifyRecipient :exec
UPDATE notify.recipient SET status = 'sending', attempts = attempts + 1, claimed_at = @now::timestamptz, lease_until = @lease_until::timestamptz,
    phone_idx = @phone_idx, phone_masked = @phone_masked, updated_at = @now::timestamptz
WHERE message_id = @message_id AND person_id = @person_id;

-- name: DeferNotifyRecipient :exec
-- Puts a recipient back in the queue until next_attempt_at.
UPDATE notify.recipient SET status = 'queued', next_attempt_at = @next_attempt_at::timestamptz, lease_until = NULL,
    note = @note, error = @error, updated_at = @now::timestamptz
WHERE message_id = @message_id AND person_id = @person_id
  AND (status = 'queued' OR (status = 'sending' AND attempts = @attempts));

-- name: FinishNotifyRecipient :execrows
-- Ends a recipient's delivery; for 'sent' rows only while the caller's
-- claim (attempts) still holds.
UPDATE notify.recipient SET status = @status, note = @note, error = @error, gateway_msg_id = @gateway_msg_id,
    sent_at = sqlc.narg(sent_at), in_app = in_app OR @in_app, lease_until = NULL, updated_at = @now::timestamptz
WHERE message_id = @message_id AND person_id = @person_id
  AND (status = 'queued' OR (status = 'sending' AND attempts = @attempts));

-- name: CancelNotifyMessage :one
UPDATE notify.message SET status = 'cancelled', cancelled_at = @now::timestamptz
WHERE id = @id AND status = 'scheduled'
RETURNING *;

-- name: CancelNotifyRecipients :exec
UPDATE notify.recipient SET status = 'cancelled', updated_at = @now::timestamptz
WHERE message_id = @message_id AND status = 'queued';

-- name: GetNotifyMessage :one
SELECT * FROM notify.message WHERE id = $1;

-- name: ListSentNotifyMessages :many
-- Messages a caller may see, with their recipients counted by status: an
-- org's own (org_id), or for staff those sent by staff of the visible
-- departments and by orgs under the scope roots (all_scope: every message).
SELECT m.*,
    (count(*) FILTER (WHERE r.status = 'queued'))::bigint AS queued,
    (count(*) FILTER (WHERE r.status = 'sending'))::bigint AS sending,
    (count(*) FILTER (WHERE r.status = 'sent'))::bigint AS sent,
    (count(*) FILTER (WHERE r.status = 'failed'))::bigint AS failed,
    (count(*) FILTER (WHERE r.status = 'rate_limited'))::bigint AS rate_limited,
    (count(*) FILTER (WHERE r.status = 'in_app_only'))::bigint AS in_app_only,
    (count(*) FILTER (WHERE r.status = 'cancelled'))::bigint AS cancelled,
    (count(*) FILTER (WHERE r.read_at IS NOT NULL))::bigint AS read
FROM notify.message m
JOIN notify.recipient r ON r.message_id = m.id
WHERE CASE WHEN sqlc.narg(org_id)::uuid IS NOT NULL THEN m.sender_org_id = sqlc.narg(org_id)::uuid
           WHEN @all_scope::boolean THEN true
           ELSE (m.sender_kind = 'staff' AND m.sender_department_id = ANY(@departments::uuid[]))
             OR EXISTS (SELECT 1 FROM org.org o WHERE o.id = m.sender_org_id AND o.path && @roots::uuid[]) END
  AND (sqlc.narg(status)::text IS NULL OR m.status = sqlc.narg(status)::text)
GROUP BY m.id
ORDER BY m.created_at DESC, m.id
LIMIT @lim OFFSET @off;

-- name: NotifyMessageCounts :one
SELECT (count(*) FILTER (WHERE status = 'queued'))::bigint AS queued,
    (count(*) FILTER (WHERE status = 'sending'))::bigint AS sending,
    (count(*) FILTER (WHERE status = 'sent'))::bigint AS sent,
    (count(*) FILTER (WHERE status = 'failed'))::bigint AS failed,
    (count(*) FILTER (WHERE status = 'rate_limited'))::bigint AS rate_limited,
    (count(*) FILTER (WHERE status = 'in_app_only'))::bigint AS in_app_only,
    (count(*) FILTER (WHERE status = 'cancelled'))::bigint AS cancelled,
    (count(*) FILTER (WHERE read_at IS NOT NULL))::bigint AS read
FROM notify.recipient WHERE message_id = $1;

-- name: ListNotifyDeliveries :many
SELECT person_id, name, phone_masked, status, note, error, in_app, attempts, gateway_msg_id, sent_at, read_at, updated_at
FROM notify.recipient
WHERE message_id = @message_id
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY name, person_id
LIMIT @lim OFFSET @off;

-- name: ListMyNotifyMessages :many
SELECT m.id, m.sender_name, m.title, m.body, m.sms, m.released_at::timestamptz AS released_at, r.read_at
FROM notify.recipient r
JOIN notify.message m ON m.id = r.message_id
WHERE r.person_id = @person_id AND r.in_app AND m.status = 'released'
  AND (NOT @unread_only::boolean OR r.read_at IS NULL)
ORDER BY m.released_at DESC, m.id
LIMIT @lim OFFSET @off;

-- name: CountMyUnreadNotifyMessages :one
SELECT count(*) FROM notify.recipient r
JOIN notify.message m ON m.id = r.message_id
WHERE r.person_id = @person_id AND r.in_app AND m.status = 'released' AND r.read_at IS NULL;

-- name: MarkNotifyRead :execrows
-- Marks the person's messages read: those listed, or all when all_messages.
UPDATE notify.recipient r SET read_at = @now::timestamptz
FROM notify.message m
WHERE m.id = r.message_id AND m.status = 'released'
  AND r.person_id = @person_id AND r.in_app AND r.read_at IS NULL
  AND (@all_messages::boolean OR r.message_id = ANY(@message_ids::uuid[]));

-- Audiences. Each returns persons with their name, masked phone and
-- whether a phone is on file.

-- name: NotifyOrgMembers :many
SELECT DISTINCT p.id, p.name, p.phone_masked, (p.phone_enc IS NOT NULL)::boolean AS has_phone
FROM volunteer.membership ms
JOIN volunteer.volunteer v ON v.id = ms.volunteer_id
JOIN identity.person p ON p.id = v.person_id
WHERE ms.org_id = @org_id AND ms.status = 'member'
  AND (sqlc.narg(group_id)::uuid IS NULL OR EXISTS (
        SELECT 1 FROM volunteer.member_group_member gm
        WHERE gm.group_id = sqlc.narg(group_id) AND gm.org_id = ms.org_id AND gm.volunteer_id = ms.volunteer_id));

-- name: NotifyMemberGroupName :one
SELECT name FROM volunteer.member_group WHERE id = @id AND org_id = @org_id;

-- name: NotifyProjectSignUps :many
SELECT DISTINCT p.id, p.name, p.phone_masked, (p.phone_enc IS NOT NULL)::boolean AS has_phone
FROM project.sign_up s
JOIN volunteer.volunteer v ON v.id = s.volunteer_id
JOIN identity.person p ON p.id = v.person_id
WHERE s.project_id = @project_id AND s.status = ANY(@statuses::text[]);

-- name: NotifyOrgVolunteers :many
-- The listed volunteers who are members of the org or signed up for one of
-- its projects; others are left out (the caller compares counts).
SELECT DISTINCT p.id, p.name, p.phone_masked, (p.phone_enc IS NOT NULL)::boolean AS has_phone
FROM volunteer.volunteer v
JOIN identity.person p ON p.id = v.person_id
WHERE v.id = ANY(@volunteer_ids::uuid[])
  AND (EXISTS (SELECT 1 FROM volunteer.membership ms WHERE ms.volunteer_id = v.id AND ms.org_id = @org_id AND ms.status = 'member')
    OR EXISTS (SELECT 1 FROM project.sign_up s JOIN project.project pr ON pr.id = s.project_id
               WHERE s.volunteer_id = v.id AND pr.org_id = @org_id));

-- name: NotifyOrgUsers :many
-- The leaders and admins of the orgs whose accounts are usable at now.
SELECT DISTINCT p.id, p.name, p.phone_masked, (p.phone_enc IS NOT NULL)::boolean AS has_phone
FROM identity.account a
JOIN identity.person p ON p.id = a.person_id
WHERE a.org_id = ANY(@org_ids::uuid[]) AND a.kind IN ('org_leader', 'org_admin') AND NOT a.disabled
  AND (a.valid_from IS NULL OR a.valid_from <= @now::timestamptz) AND (a.valid_until IS NULL OR a.valid_until > @now::timestamptz);

-- name: NotifyAccountsPersons :many
-- Org leader and admin accounts by id, with the org each belongs to.
SELECT a.id AS account_id, a.org_id, o.path, p.id, p.name, p.phone_masked, (p.phone_enc IS NOT NULL)::boolean AS has_phone
FROM identity.account a
JOIN identity.person p ON p.id = a.person_id
JOIN org.org o ON o.id = a.org_id
WHERE a.id = ANY(@account_ids::uuid[]) AND a.kind IN ('org_leader', 'org_admin');

-- name: NotifyOrgPaths :many
SELECT id, path, name FROM org.org WHERE id = ANY(@ids::uuid[]);

-- name: NotifyOrgsBelow :many
-- Orgs strictly below org (for an org sender), or every org in a staff
-- scope (all_scope, or under roots).
SELECT id FROM org.org
WHERE CASE WHEN sqlc.narg(org_id)::uuid IS NOT NULL THEN sqlc.narg(org_id)::uuid = ANY(path) AND id <> sqlc.narg(org_id)::uuid
           ELSE @all_scope::boolean OR path && @roots::uuid[] END
  AND status IN ('active', 'deactivated')
ORDER BY cardinality(path), name
LIMIT @lim;

-- name: NotifyProjectOrg :one
SELECT org_id, title FROM project.project WHERE id = $1;

-- The dev SMS gateway.

-- name: InsertDevText :one
INSERT INTO notify.dev_text (out_id, gateway_id, phone_masked, text, received_at)
VALUES (@out_id, @gateway_id, @phone_masked, @text, @received_at::timestamptz)
ON CONFLICT (out_id) DO NOTHING
RETURNING *;

-- name: GetDevTextByOutID :one
SELECT * FROM notify.dev_text WHERE out_id = $1;

-- name: ListDevTexts :many
SELECT * FROM notify.dev_text
WHERE (@phone_masked::text = '' OR phone_masked = @phone_masked)
ORDER BY seq DESC
LIMIT @lim OFFSET @off;

-- name: NotifyPersons :many
SELECT id, name, phone_masked, (phone_enc IS NOT NULL)::boolean AS has_phone
FROM identity.person WHERE id = ANY(@ids::uuid[]);

-- name: NotifyVolunteerPerson :one
SELECT person_id FROM volunteer.volunteer WHERE id = $1;
