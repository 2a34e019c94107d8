-- name: ListOrgMembers :many
-- Memberships of an org, filtered, most recent change first (joining,
-- applying, leaving or the decision, as the status says), one page of them
-- with each volunteer's groups in the org and service totals: every record,
-- and those from the org's own projects.
WITH page AS (
    SELECT m.org_id, m.volunteer_id, m.status, m.source, m.joined_at, m.applied_at, m.decided_at,
           m.feedback, m.left_at, m.left_reason, m.tags,
           v.volunteer_no, v.political_status, v.service_categories,
           p.name, p.id_number_masked, p.phone_masked,
           coalesce(CASE m.status WHEN 'pending' THEN m.applied_at WHEN 'left' THEN m.left_at
                                  WHEN 'rejected' THEN m.decided_at END, m.joined_at) AS status_at
    FROM volunteer.membership m
    JOIN volunteer.volunteer v ON v.id = m.volunteer_id
    JOIN identity.person p ON p.id = v.person_id
    WHERE m.org_id = @org_id
      AND (@status::text = '' OR m.status = @status::text)
      AND (NOT @by_volunteer::bool OR m.volunteer_id = @volunteer_id::uuid)
      AND (@name_contains::text = '' OR strpos(p.name, @name_contains::text) > 0)
      AND (NOT @by_group::bool OR EXISTS (
            SELECT 1 FROM volunteer.member_group_member gm
            WHERE gm.group_id = @group_id::uuid AND gm.org_id = m.org_id AND gm.volunteer_id = m.volunteer_id))
      AND (@tag::text = '' OR @tag::text = ANY (m.tags))
      AND (@political_status::text = '' OR v.political_status = @political_status::text)
      AND (@service_category::text = '' OR @service_category::text = ANY (v.service_categories))
    ORDER BY status_at DESC NULLS LAST, m.volunteer_id
    LIMIT @lim OFFSET @off
)
SELECT page.org_id, page.volunteer_id, page.status, page.source, page.joined_at, page.applied_at, page.decided_at,
       page.feedback, page.left_at, page.left_reason, page.tags,
       page.volunteer_no, page.political_status, page.service_categories,
       page.name, page.id_number_masked, page.phone_masked,
       ARRAY(SELECT g.id FROM volunteer.member_group_member gm JOIN volunteer.member_group g ON g.id = gm.group_id
             WHERE gm.org_id = page.org_id AND gm.volunteer_id = page.volunteer_id ORDER BY g.name, g.id)::uuid[] AS group_ids,
       ARRAY(SELECT g.name FROM volunteer.member_group_member gm JOIN volunteer.member_group g ON g.id = gm.group_id
             WHERE gm.org_id = page.org_id AND gm.volunteer_id = page.volunteer_id ORDER BY g.name, g.id)::text[] AS group_names,
       coalesce(s.seconds, 0)::bigint AS service_seconds,
       coalesce(s.org_seconds, 0)::bigint AS org_service_seconds,
       coalesce(s.records, 0)::bigint AS record_count
FROM page
LEFT JOIN LATERAL (
    SELECT sum(r.duration_seconds) AS seconds,
           sum(r.duration_seconds) FILTER (WHERE pr.org_id = page.org_id) AS org_seconds,
           count(*) AS records
    FROM record.service_record r
    JOIN project.project pr ON pr.id = r.project_id
    WHERE r.volunteer_id = page.volunteer_id
) s ON true
ORDER BY page.status_at DESC NULLS LAST, page.volunteer_id;

-- name: GetMembership :one
SELECT * FROM volunteer.membership WHERE org_id = @org_id AND volunteer_id = @volunteer_id;

-- name: FindVolunteerByIDNumber :one
-- The volunteer a person is, found by the blind index of their ID number;
-- volunteer_id is NULL for a person who has not registered as a volunteer.
SELECT p.id AS person_id, v.id AS volunteer_id
FROM identity.person p
LEFT JOIN volunteer.volunteer v ON v.person_id = p.id
WHERE p.id_number_idx = @id_number_idx;

-- name: AddMembership :one
-- Makes the volunteer a member, added by the org: a new row, or one that had
-- left or been rejected. No row when they are a member or applying already.
INSERT INTO volunteer.membership AS m (org_id, volunteer_id, status, source, joined_at, decided_at, decided_by)
VALUES (@org_id, @volunteer_id, 'member', 'added_by_org', @at, @at, @decided_by)
ON CONFLICT (org_id, volunteer_id) DO UPDATE
SET status = 'member', source = 'added_by_org', joined_at = @at, applied_at = NULL, decided_at = @at,
    decided_by = @decided_by, feedback = '', left_at = NULL, left_reason = ''
WHERE m.status IN ('left', 'rejected')
RETURNING *;

-- name: ApplyMembership :one
-- Files the volunteer's application to join: a new row, or one that had
-- left or been rejected. No row when they are a member or applying already.
INSERT INTO volunteer.membership AS m (org_id, volunteer_id, status, source, joined_at, applied_at)
VALUES (@org_id, @volunteer_id, 'pending', 'applied', NULL, @at)
ON CONFLICT (org_id, volunteer_id) DO UPDATE
SET status = 'pending', source = 'applied', applied_at = @at, decided_at = NULL, decided_by = NULL,
    feedback = '', left_at = NULL, left_reason = ''
WHERE m.status IN ('left', 'rejected')
RETURNING *;

-- name: DecideMembership :one
-- Decides a pending application: member (joined now) or rejected. No row
-- when it is not pending.
UPDATE volunteer.membership
SET status = @status::text, decided_at = @at, decided_by = @decided_by, feedback = @feedback,
    joined_at = CASE WHEN @status::text = 'member' THEN @at ELSE joined_at END
WHERE org_id = @org_id AND volunteer_id = @volunteer_id AND status = 'pending'
RETURNING *;

-- name: LeaveMembership :one
-- Ends a membership or withdraws an application. No row when the
-- volunteer is neither a member nor applying (from_pending false: not a
-- member).
UPDATE volunteer.membership
SET status = 'left', left_at = @at, left_reason = @reason
WHERE org_id = @org_id AND volunteer_id = @volunteer_id
  AND (status = 'member' OR (@from_pending::bool AND status = 'pending'))
RETURNING *;

-- name: RemoveFromOrgGroups :exec
DELETE FROM volunteer.member_group_member WHERE org_id = @org_id AND volunteer_id = @volunteer_id;

-- name: SetMembershipTags :one
UPDATE volunteer.membership SET tags = @tags
WHERE org_id = @org_id AND volunteer_id = @volunteer_id AND status = 'member'
RETURNING *;

-- name: ListOrgMemberTags :many
-- The personal tags on an org's members, most used first.
SELECT t.tag::text AS tag, count(*)::bigint AS member_count
FROM volunteer.membership m, unnest(m.tags) AS t(tag)
WHERE m.org_id = @org_id AND m.status = 'member'
GROUP BY t.tag
ORDER BY member_count DESC, t.tag
LIMIT @lim;

-- name: ListMyMemberships :many
-- A volunteer's memberships and applications with their orgs, most recent
-- change first.
SELECT m.org_id, m.status, m.source, m.joined_at, m.applied_at, m.decided_at, m.feedback, m.left_at, m.left_reason,
       o.name AS org_name, o.status AS org_status
FROM volunteer.membership m
JOIN org.org o ON o.id = m.org_id
WHERE m.volunteer_id = @volunteer_id
  AND (@status::text = '' OR m.status = @status::text)
ORDER BY coalesce(CASE m.status WHEN 'pending' THEN m.applied_at WHEN 'left' THEN m.left_at
                                WHEN 'rejected' THEN m.decided_at END, m.joined_at) DESC NULLS LAST, m.org_id
LIMIT @lim OFFSET @off;

-- name: CreateMemberGroup :one
INSERT INTO volunteer.member_group (org_id, name, description, created_by, created_at, updated_at)
VALUES (@org_id, @name, @description, @created_by, @at, @at)
RETURNING *;

-- name: GetMemberGroup :one
SELECT * FROM volunteer.member_group WHERE id = $1;

-- name: CountMemberGroups :one
SELECT count(*) FROM volunteer.member_group WHERE org_id = $1;

-- name: UpdateMemberGroup :one
UPDATE volunteer.member_group SET name = @name, description = @description, updated_at = @at
WHERE id = @id
RETURNING *;

-- name: DeleteMemberGroup :execrows
DELETE FROM volunteer.member_group WHERE id = $1;

-- name: LockOrgMembers :many
-- Locks the memberships among volunteer_ids that are current members of
-- the org, against a concurrent removal, and returns their volunteers.
SELECT volunteer_id FROM volunteer.membership
WHERE org_id = @org_id AND volunteer_id = ANY (@volunteer_ids::uuid[]) AND status = 'member'
FOR SHARE;

-- name: AssignGroupMembers :execrows
INSERT INTO volunteer.member_group_member (group_id, org_id, volunteer_id, added_at)
SELECT @group_id, @org_id, unnest(@volunteer_ids::uuid[]), @at
ON CONFLICT (group_id, volunteer_id) DO NOTHING;

-- name: UnassignGroupMembers :execrows
DELETE FROM volunteer.member_group_member
WHERE group_id = @group_id AND volunteer_id = ANY (@volunteer_ids::uuid[]);

-- name: ListMemberGroupStats :many
-- An org's member groups with their statistics, by name: members, and the
-- service records of the members in the org's own projects — seconds,
-- records and distinct projects.
SELECT g.id, g.org_id, g.name, g.description, g.created_at, g.updated_at,
       (SELECT count(*) FROM volunteer.member_group_member gm WHERE gm.group_id = g.id)::bigint AS member_count,
       coalesce(s.seconds, 0)::bigint AS service_seconds,
       coalesce(s.records, 0)::bigint AS record_count,
       coalesce(s.projects, 0)::bigint AS project_count
FROM volunteer.member_group g
LEFT JOIN LATERAL (
    SELECT sum(r.duration_seconds) AS seconds, count(*) AS records, count(DISTINCT r.project_id) AS projects
    FROM volunteer.member_group_member gm
    JOIN record.service_record r ON r.volunteer_id = gm.volunteer_id
    JOIN project.project pr ON pr.id = r.project_id
    WHERE gm.group_id = g.id AND pr.org_id = g.org_id
) s ON true
WHERE g.org_id = @org_id
  AND (NOT @by_id::bool OR g.id = @id::uuid)
ORDER BY g.name, g.id
LIMIT @lim OFFSET @off;
