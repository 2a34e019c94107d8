-- name: GetOrgAccount :one
-- A leader or admin account with its person, for the delegation use cases.
SELECT a.id, a.person_id, a.kind, a.org_id::uuid AS org_id, a.valid_from, a.valid_until, a.disabled,
       pe.name AS person_name, pe.id_number_masked
FROM identity.account a
JOIN identity.person pe ON pe.id = a.person_id
WHERE a.id = @id AND a.kind IN ('org_leader', 'org_admin');

-- name: LockOrgAccount :one
SELECT id, person_id, kind, org_id::uuid AS org_id, valid_from, valid_until, disabled
FROM identity.account
WHERE id = @id AND kind IN ('org_leader', 'org_admin')
FOR UPDATE;

-- name: LockPersonOrgAccount :one
-- The person's account of kind for org, locked; no row when there is none.
SELECT id, person_id, kind, org_id::uuid AS org_id, valid_from, valid_until, disabled
FROM identity.account
WHERE person_id = @person_id AND kind = @kind AND org_id = @org_id
FOR UPDATE;

-- name: CreateOrgAdminAccount :one
INSERT INTO identity.account (person_id, kind, org_id, valid_from, valid_until)
VALUES (@person_id, 'org_admin', @org_id, @valid_from, @valid_until)
RETURNING id;

-- name: SetOrgAdminValidity :exec
-- Enables an admin account for a validity period.
UPDATE identity.account SET valid_from = @valid_from, valid_until = @valid_until, disabled = false
WHERE id = @id AND kind = 'org_admin';

-- name: DisableOrgAdmin :exec
UPDATE identity.account SET disabled = true WHERE id = @id AND kind = 'org_admin';

-- name: UpsertAccountGrant :exec
-- Records a (re)grant: duties, contact phone, by whom and when; a previous
-- revocation is cleared.
INSERT INTO org.account_profile (account_id, duties, phone_enc, phone_masked, granted_by, granted_at, updated_at)
VALUES (@account_id, @duties, @phone_enc, @phone_masked, @granted_by, @at::timestamptz, @at::timestamptz)
ON CONFLICT (account_id) DO UPDATE SET
    duties = excluded.duties, phone_enc = excluded.phone_enc, phone_masked = excluded.phone_masked,
    granted_by = excluded.granted_by, granted_at = excluded.granted_at,
    revoked_by = NULL, revoked_at = NULL, updated_at = excluded.updated_at;

-- name: UpsertAccountContact :exec
INSERT INTO org.account_profile (account_id, duties, phone_enc, phone_masked, updated_at)
VALUES (@account_id, @duties, @phone_enc, @phone_masked, @at)
ON CONFLICT (account_id) DO UPDATE SET
    duties = excluded.duties, phone_enc = excluded.phone_enc, phone_masked = excluded.phone_masked,
    updated_at = excluded.updated_at;

-- name: MarkAccountRevoked :exec
INSERT INTO org.account_profile (account_id, revoked_by, revoked_at, updated_at)
VALUES (@account_id, @revoked_by, @at::timestamptz, @at::timestamptz)
ON CONFLICT (account_id) DO UPDATE SET
    revoked_by = excluded.revoked_by, revoked_at = excluded.revoked_at, updated_at = excluded.updated_at;

-- name: RecordAuthorizationEvent :exec
INSERT INTO org.authorization_event (org_id, account_id, person_id, action, valid_from, valid_until, by_person, reason, at)
VALUES (@org_id, @account_id, @person_id, @action, @valid_from, @valid_until, @by_person, @reason, @at);

-- name: RecordAdminExpiries :exec
-- Writes the expiry of every admin delegation of orgs (all of them when
-- all_orgs, else those of the listed orgs) or of one account (by_account)
-- that ended by now and is not written yet. An expiry happened at
-- valid_until, whenever it is written.
INSERT INTO org.authorization_event (org_id, account_id, person_id, action, valid_from, valid_until, at)
SELECT a.org_id, a.id, a.person_id, 'expire', a.valid_from, a.valid_until, a.valid_until
FROM identity.account a
WHERE a.kind = 'org_admin' AND NOT a.disabled AND a.valid_until <= @now::timestamptz
  AND (@all_orgs::bool OR a.org_id = ANY(@org_ids::uuid[]))
  AND (NOT @by_account::bool OR a.id = @account_id::uuid)
ON CONFLICT (account_id, valid_until) WHERE action = 'expire' DO NOTHING;

-- name: ListAuthorizationEvents :many
-- The authorization log of an org, newest first, with the people's names
-- and masked ID numbers for the caller to mask further.
SELECT e.id, e.org_id, e.account_id, e.action, e.valid_from, e.valid_until, e.reason, e.at,
       pe.name AS person_name, pe.id_number_masked,
       coalesce(b.name, '')::text AS by_name, e.by_person
FROM org.authorization_event e
JOIN identity.person pe ON pe.id = e.person_id
LEFT JOIN identity.person b ON b.id = e.by_person
WHERE e.org_id = @org_id
  AND (@action::text = '' OR e.action = @action::text)
ORDER BY e.at DESC, e.id DESC
LIMIT @lim OFFSET @off;

-- name: ListOrgUsers :many
-- Leader and admin accounts of orgs in the caller's scope (every org when
-- all_orgs, else those under one of roots), or of one org (by_org), with
-- their people and what the org recorded; or one account (by_account).
-- Status is computed at now:
-- revoked, expired, pending (not yet valid) or active.
SELECT a.id, a.kind, a.org_id::uuid AS org_id, o.name AS org_name, o.status AS org_status,
       a.valid_from, a.valid_until, a.created_at,
       pe.name AS person_name, pe.id_number_masked, pe.phone_masked AS person_phone_masked,
       coalesce(pr.duties, '')::text AS duties, coalesce(pr.phone_masked, '')::text AS contact_phone_masked,
       pr.granted_at, pr.revoked_at,
       (CASE WHEN a.disabled THEN 'revoked'
             WHEN a.valid_until IS NOT NULL AND a.valid_until <= @now::timestamptz THEN 'expired'
             WHEN a.valid_from IS NOT NULL AND a.valid_from > @now::timestamptz THEN 'pending'
             ELSE 'active' END)::text AS status
FROM identity.account a
JOIN org.org o ON o.id = a.org_id
JOIN identity.person pe ON pe.id = a.person_id
LEFT JOIN org.account_profile pr ON pr.account_id = a.id
WHERE a.kind IN ('org_leader', 'org_admin')
  AND (@all_orgs::bool OR o.path && @roots::uuid[])
  AND (NOT @by_org::bool OR a.org_id = @org_id::uuid)
  AND (NOT @by_account::bool OR a.id = @account_id::uuid)
  AND (@kind::text = '' OR a.kind = @kind::text)
  AND (@status::text = '' OR @status::text = (CASE WHEN a.disabled THEN 'revoked'
             WHEN a.valid_until IS NOT NULL AND a.valid_until <= @now::timestamptz THEN 'expired'
             WHEN a.valid_from IS NOT NULL AND a.valid_from > @now::timestamptz THEN 'pending'
             ELSE 'active' END))
ORDER BY cardinality(o.path), o.name, o.id, a.kind DESC, a.created_at, a.id
LIMIT @lim OFFSET @off;

-- name: RevokeAccountSessions :many
-- Revokes every live session of an account (found through its person's
-- index) and returns them, for the nodes' in-memory revocation sets.
UPDATE identity.session SET revoked_at = @at::timestamptz
WHERE person_id = @person_id AND account_id = @account_id AND revoked_at IS NULL AND expires_at > @at::timestamptz
RETURNING id, expires_at;

-- name: ListOrgTags :many
SELECT source, tag FROM org.tag WHERE org_id = @org_id ORDER BY source, sort, tag;

-- name: DeleteOrgTags :exec
DELETE FROM org.tag WHERE org_id = @org_id AND source = @source;

-- name: AddOrgTags :exec
INSERT INTO org.tag (org_id, source, tag, sort, set_by, set_at)
SELECT @org_id, @source, t.tag, t.ord::int, @set_by, @at
FROM unnest(@tags::text[]) WITH ORDINALITY AS t(tag, ord);

-- name: CountSubordinateOrgs :one
-- How many of ids name orgs strictly below owner.
SELECT count(*) FROM org.org
WHERE id = ANY(@ids::uuid[]) AND path @> ARRAY[@owner::uuid] AND id <> @owner::uuid;

-- name: CreateOrgGroup :one
INSERT INTO org.org_group (id, owner_org_id, name, description, created_by, created_at, updated_at)
VALUES (@id, @owner_org_id, @name, @description, @created_by, @at, @at)
RETURNING *;

-- name: GetOrgGroup :one
SELECT * FROM org.org_group WHERE id = @id AND merged_into IS NULL;

-- name: LockOrgGroup :one
SELECT * FROM org.org_group WHERE id = @id AND merged_into IS NULL FOR UPDATE;

-- name: UpdateOrgGroup :one
UPDATE org.org_group SET name = @name, description = @description, updated_at = @at
WHERE id = @id AND merged_into IS NULL
RETURNING *;

-- name: TouchOrgGroup :exec
UPDATE org.org_group SET updated_at = @at WHERE id = @id;

-- name: AddOrgGroupMembers :execrows
INSERT INTO org.org_group_member (group_id, org_id, added_at)
SELECT @group_id, unnest(@org_ids::uuid[]), @at
ON CONFLICT DO NOTHING;

-- name: RemoveOrgGroupMembers :exec
DELETE FROM org.org_group_member WHERE group_id = @group_id AND org_id = ANY(@org_ids::uuid[]);

-- name: MoveOrgGroupMembers :execrows
-- Adds the members of from_group to into_group (those it lacks).
INSERT INTO org.org_group_member (group_id, org_id, added_at)
SELECT @into_group::uuid, m.org_id, @at FROM org.org_group_member m WHERE m.group_id = @from_group::uuid
ON CONFLICT DO NOTHING;

-- name: ClearOrgGroupMembers :exec
DELETE FROM org.org_group_member WHERE group_id = @group_id;

-- name: MarkOrgGroupMerged :exec
UPDATE org.org_group SET merged_into = @into_group, merged_at = @at::timestamptz, updated_at = @at::timestamptz WHERE id = @id;

-- name: RecordOrgGroupMerge :exec
INSERT INTO org.org_group_merge (into_group_id, from_group_id, from_name, orgs_added, by_person, at)
VALUES (@into_group_id, @from_group_id, @from_name, @orgs_added, @by_person, @at);

-- name: ListOrgGroups :many
-- Live groups owned by owner, by name, with their member counts.
SELECT g.*, (SELECT count(*) FROM org.org_group_member m WHERE m.group_id = g.id)::bigint AS member_count
FROM org.org_group g
WHERE g.owner_org_id = @owner_org_id AND g.merged_into IS NULL
  AND (@name_contains::text = '' OR strpos(g.name, @name_contains::text) > 0)
ORDER BY g.name, g.id
LIMIT @lim OFFSET @off;

-- name: ListOrgGroupMembers :many
SELECT o.id, o.name, o.level, o.status, m.added_at
FROM org.org_group_member m
JOIN org.org o ON o.id = m.org_id
WHERE m.group_id = @group_id
ORDER BY cardinality(o.path), o.name, o.id;

-- name: ListOrgGroupMerges :many
SELECT gm.from_group_id, gm.from_name, gm.orgs_added, gm.at, coalesce(pe.name, '')::text AS by_name
FROM org.org_group_merge gm
LEFT JOIN identity.person pe ON pe.id = gm.by_person
WHERE gm.into_group_id = @into_group_id
ORDER BY gm.at, gm.id;

-- name: CountOrgGroupMembers :one
SELECT count(*) FROM org.org_group_member WHERE group_id = @group_id;
