-- Org members (O2): a membership keeps how it began (the org added the
-- volunteer, or the volunteer applied), the application and its decision
-- with the org's feedback, and why and when it ended; the org's personal
-- tags on the member; and member groups, each of one org, whose members must
-- be that org's members.
--
-- One row per org and volunteer: applying again after a rejection, or
-- joining again after leaving, reuses the row. joined_at is when the
-- volunteer last became a member, NULL for one who never was.

-- +goose Up
ALTER TABLE volunteer.membership
    ALTER COLUMN joined_at DROP NOT NULL,
    ADD COLUMN source      text        NOT NULL DEFAULT 'added_by_org' CHECK (source IN ('applied', 'added_by_org')),
    ADD COLUMN applied_at  timestamptz,
    ADD COLUMN decided_at  timestamptz,
    ADD COLUMN decided_by  uuid REFERENCES identity.person (id),
    ADD COLUMN feedback    text        NOT NULL DEFAULT '',
    ADD COLUMN left_at     timestamptz,
    ADD COLUMN left_reason text        NOT NULL DEFAULT '',
    ADD COLUMN tags        text[]      NOT NULL DEFAULT '{}',
    ADD CONSTRAINT membership_member_joined CHECK (status <> 'member' OR joined_at IS NOT NULL),
    ADD CONSTRAINT membership_pending_applied CHECK (status <> 'pending' OR applied_at IS NOT NULL),
    ADD CONSTRAINT membership_left_at CHECK (status <> 'left' OR left_at IS NOT NULL);

-- A group of an org's members. (id, org_id) is unique so that assignments
-- can refer to both and stay within the group's org.
CREATE TABLE volunteer.member_group (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL REFERENCES org.org (id),
    name        text        NOT NULL CHECK (name <> ''),
    description text        NOT NULL DEFAULT '',
    created_by  uuid REFERENCES identity.person (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT member_group_name UNIQUE (org_id, name),
    UNIQUE (id, org_id)
);

-- A member in a group. Removing a member from the org removes them from its
-- groups in the same transaction; the foreign key to the membership keeps
-- non-members of the org out.
CREATE TABLE volunteer.member_group_member (
    group_id     uuid        NOT NULL,
    org_id       uuid        NOT NULL,
    volunteer_id uuid        NOT NULL,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, volunteer_id),
    FOREIGN KEY (group_id, org_id) REFERENCES volunteer.member_group (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, volunteer_id) REFERENCES volunteer.membership (org_id, volunteer_id)
);
CREATE INDEX member_group_member_volunteer ON volunteer.member_group_member (org_id, volunteer_id);

-- +goose Down
DROP TABLE volunteer.member_group_member;
DROP TABLE volunteer.member_group;
UPDATE volunteer.membership SET joined_at = coalesce(joined_at, applied_at, now()) WHERE joined_at IS NULL;
ALTER TABLE volunteer.membership
    DROP CONSTRAINT membership_member_joined,
    DROP CONSTRAINT membership_pending_applied,
    DROP CONSTRAINT membership_left_at,
    DROP COLUMN source,
    DROP COLUMN applied_at,
    DROP COLUMN decided_at,
    DROP COLUMN decided_by,
    DROP COLUMN feedback,
    DROP COLUMN left_at,
    DROP COLUMN left_reason,
    DROP COLUMN tags,
    ALTER COLUMN joined_at SET NOT NULL;
