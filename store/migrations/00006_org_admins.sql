-- Org users and their delegation (O1, O11, S4), tags set by an org and by
-- its parent (O11, S3), and groups of orgs an overseer keeps (O9).
--
-- A delegated admin is an identity.account of kind org_admin with a
-- validity period; identity refuses it outside that period on every
-- request. What the org records beyond that — duties, a contact phone, who
-- granted or revoked it — lives in org.account_profile, and every grant,
-- revocation, change of validity and expiry in org.authorization_event.

-- +goose Up
-- What an org records about one of its leader or admin accounts. The phone
-- is the contact number the org was given (SM4-GCM sealed, shown masked);
-- the person's own phone comes from the identity provider.
CREATE TABLE org.account_profile (
    account_id   uuid PRIMARY KEY REFERENCES identity.account (id),
    duties       text        NOT NULL DEFAULT '',
    phone_enc    bytea,
    phone_masked text        NOT NULL DEFAULT '',
    granted_by   uuid REFERENCES identity.person (id),
    granted_at   timestamptz,
    revoked_by   uuid REFERENCES identity.person (id),
    revoked_at   timestamptz,
    updated_at   timestamptz NOT NULL
);

-- The authorization log. An expiry is written once per account and end of
-- validity (at = valid_until), whenever it is first noticed; the unique
-- index makes noticing it twice harmless. Rows are never changed.
CREATE TABLE org.authorization_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      uuid        NOT NULL REFERENCES org.org (id),
    account_id  uuid        NOT NULL REFERENCES identity.account (id),
    person_id   uuid        NOT NULL REFERENCES identity.person (id),
    action      text        NOT NULL CHECK (action IN ('grant', 'revoke', 'change', 'expire')),
    valid_from  timestamptz,
    valid_until timestamptz,
    by_person   uuid REFERENCES identity.person (id),
    reason      text        NOT NULL DEFAULT '',
    at          timestamptz NOT NULL
);
CREATE INDEX authorization_event_org ON org.authorization_event (org_id, at DESC, id DESC);
CREATE UNIQUE INDEX authorization_event_one_expiry ON org.authorization_event (account_id, valid_until) WHERE action = 'expire';

-- +goose StatementBegin
CREATE FUNCTION org.forbid_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the authorization log is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER authorization_event_append_only BEFORE UPDATE OR DELETE ON org.authorization_event
    FOR EACH ROW EXECUTE FUNCTION org.forbid_log_change();

-- Tags on an org: those it sets itself (source 'self') and those its
-- parent or the back office sets (source 'parent'), kept apart so neither
-- side edits the other's.
CREATE TABLE org.tag (
    org_id uuid        NOT NULL REFERENCES org.org (id),
    source text        NOT NULL CHECK (source IN ('self', 'parent')),
    tag    text        NOT NULL CHECK (tag <> ''),
    sort   int         NOT NULL DEFAULT 0,
    set_by uuid REFERENCES identity.person (id),
    set_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, source, tag)
);
CREATE INDEX tag_by_tag ON org.tag (tag);

-- Groups of orgs below an owner org. A group merged into another stays as
-- history (merged_into) without members; live names are unique per owner.
CREATE TABLE org.org_group (
    id           uuid PRIMARY KEY,
    owner_org_id uuid        NOT NULL REFERENCES org.org (id),
    name         text        NOT NULL CHECK (name <> ''),
    description  text        NOT NULL DEFAULT '',
    created_by   uuid REFERENCES identity.person (id),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    merged_into  uuid REFERENCES org.org_group (id),
    merged_at    timestamptz,
    CHECK ((merged_into IS NULL) = (merged_at IS NULL))
);
CREATE UNIQUE INDEX org_group_live_name ON org.org_group (owner_org_id, name) WHERE merged_into IS NULL;

CREATE TABLE org.org_group_member (
    group_id uuid        NOT NULL REFERENCES org.org_group (id),
    org_id   uuid        NOT NULL REFERENCES org.org (id),
    added_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, org_id)
);
CREATE INDEX org_group_member_org ON org.org_group_member (org_id);

-- Every merge: which group went into which, with how many orgs it brought.
CREATE TABLE org.org_group_merge (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    into_group_id uuid        NOT NULL REFERENCES org.org_group (id),
    from_group_id uuid        NOT NULL REFERENCES org.org_group (id),
    from_name     text        NOT NULL,
    orgs_added    int         NOT NULL,
    by_person     uuid REFERENCES identity.person (id),
    at            timestamptz NOT NULL
);
CREATE INDEX org_group_merge_into ON org.org_group_merge (into_group_id, at);

-- +goose Down
DROP TABLE org.org_group_merge;
DROP TABLE org.org_group_member;
DROP TABLE org.org_group;
DROP TABLE org.tag;
DROP TABLE org.authorization_event;
DROP FUNCTION org.forbid_log_change();
DROP TABLE org.account_profile;
