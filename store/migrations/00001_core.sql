-- Core schema: persons and their accounts, the org tree, volunteers,
-- projects with positions and the roster, back-office permissions and the
-- audit log. Later migrations extend these tables; they do not redo them.

-- +goose Up
CREATE SCHEMA identity;
CREATE SCHEMA org;
CREATE SCHEMA volunteer;
CREATE SCHEMA project;
CREATE SCHEMA rbac;
CREATE SCHEMA audit;

-- A natural person, as the city identity provider knows them. ID and phone
-- numbers are stored SM4-GCM encrypted; *_idx is an HMAC-SM3 blind index for
-- exact lookup and *_masked what screens and logs may show.
CREATE TABLE identity.person (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name             text        NOT NULL CHECK (name <> ''),
    id_number_enc    bytea,
    id_number_idx    bytea UNIQUE,
    id_number_masked text        NOT NULL DEFAULT '',
    phone_enc        bytea,
    phone_idx        bytea,
    phone_masked     text        NOT NULL DEFAULT '',
    birth_date       date,
    oidc_issuer      text,
    oidc_subject     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (oidc_issuer, oidc_subject)
);
CREATE INDEX person_phone_idx ON identity.person (phone_idx);

-- The org tree: city → district → street → community. path holds the ids
-- from the root down to the org itself, so a subtree is one indexed lookup.
CREATE TABLE org.org (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id          uuid REFERENCES org.org (id),
    path               uuid[]      NOT NULL,
    level              text        NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'other')),
    name               text        NOT NULL CHECK (name <> ''),
    status             text        NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'deactivated')),
    supervising_unit   text        NOT NULL DEFAULT '',
    address            text        NOT NULL DEFAULT '',
    lat                double precision CHECK (lat BETWEEN -90 AND 90),
    lng                double precision CHECK (lng BETWEEN -180 AND 180),
    district_code      text        NOT NULL DEFAULT '',
    service_categories text[]      NOT NULL DEFAULT '{}',
    intro              text        NOT NULL DEFAULT '',
    contact_name       text        NOT NULL DEFAULT '',
    contact_phone_enc  bytea,
    contact_phone_masked text      NOT NULL DEFAULT '',
    founded_on         date,
    review_reason      text        NOT NULL DEFAULT '',
    created_by         uuid REFERENCES identity.person (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((parent_id IS NULL) = (level = 'city')),
    CHECK (path[cardinality(path)] = id)
);
CREATE INDEX org_path_gin ON org.org USING gin (path);
CREATE INDEX org_parent ON org.org (parent_id);
CREATE UNIQUE INDEX org_one_root ON org.org ((true)) WHERE parent_id IS NULL;

-- Every status change of an org, so that each one is traceable.
CREATE TABLE org.status_change (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     uuid        NOT NULL REFERENCES org.org (id),
    from_status text,
    to_status  text        NOT NULL,
    reason     text        NOT NULL DEFAULT '',
    by_person  uuid REFERENCES identity.person (id),
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_change_org ON org.status_change (org_id, at);

-- Back-office departments. District departments map to district orgs.
CREATE TABLE rbac.department (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id  uuid REFERENCES rbac.department (id),
    path       uuid[]      NOT NULL,
    name       text        NOT NULL CHECK (name <> ''),
    org_id     uuid REFERENCES org.org (id),
    sort       int         NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (path[cardinality(path)] = id)
);
CREATE INDEX department_path_gin ON rbac.department USING gin (path);

-- An account is one role a person acts in. Citizens and volunteers have one
-- each; org leaders and admins one per org (admins for a validity period);
-- staff sign in by username and hold roles.
CREATE TABLE identity.account (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id     uuid        NOT NULL REFERENCES identity.person (id),
    kind          text        NOT NULL CHECK (kind IN ('citizen', 'volunteer', 'org_leader', 'org_admin', 'staff')),
    org_id        uuid REFERENCES org.org (id),
    username      text UNIQUE,
    department_id uuid REFERENCES rbac.department (id),
    valid_from    timestamptz,
    valid_until   timestamptz,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind IN ('org_leader', 'org_admin')) = (org_id IS NOT NULL) OR kind = 'staff'),
    CHECK ((kind = 'staff') = (username IS NOT NULL)),
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from)
);
CREATE UNIQUE INDEX account_one_per_person ON identity.account (person_id, kind) WHERE kind IN ('citizen', 'volunteer', 'staff');
CREATE UNIQUE INDEX account_one_per_org ON identity.account (person_id, kind, org_id) WHERE kind IN ('org_leader', 'org_admin');
CREATE INDEX account_person ON identity.account (person_id);
CREATE INDEX account_org ON identity.account (org_id) WHERE org_id IS NOT NULL;

-- Sessions back the signed tokens: a token names its session, and revoking
-- the session stops the token on every node.
CREATE TABLE identity.session (
    id          uuid PRIMARY KEY,
    person_id   uuid        NOT NULL REFERENCES identity.person (id),
    account_id  uuid        NOT NULL REFERENCES identity.account (id),
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    client_addr text        NOT NULL DEFAULT '',
    user_agent  text        NOT NULL DEFAULT ''
);
CREATE INDEX session_revoked ON identity.session (expires_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX session_person ON identity.session (person_id);

CREATE TABLE rbac.role (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key        text        NOT NULL UNIQUE CHECK (key ~ '^[a-z][a-z0-9_]{1,63}$'),
    name       text        NOT NULL CHECK (name <> ''),
    data_scope text        NOT NULL CHECK (data_scope IN ('all', 'custom', 'department', 'department_and_below', 'self')),
    disabled   boolean     NOT NULL DEFAULT false,
    builtin    boolean     NOT NULL DEFAULT false,
    sort       int         NOT NULL DEFAULT 0,
    remark     text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The menu catalogue is declared in code and upserted at start; ids are
-- stable keys such as 'system.role.add'.
CREATE TABLE rbac.menu (
    id         text PRIMARY KEY,
    parent_id  text REFERENCES rbac.menu (id),
    name       text    NOT NULL,
    kind       text    NOT NULL CHECK (kind IN ('directory', 'menu', 'button')),
    path       text    NOT NULL DEFAULT '',
    permission text    NOT NULL DEFAULT '',
    icon       text    NOT NULL DEFAULT '',
    sort       int     NOT NULL DEFAULT 0
);

CREATE TABLE rbac.role_menu (
    role_id uuid NOT NULL REFERENCES rbac.role (id) ON DELETE CASCADE,
    menu_id text NOT NULL REFERENCES rbac.menu (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, menu_id)
);

CREATE TABLE rbac.role_department (
    role_id       uuid NOT NULL REFERENCES rbac.role (id) ON DELETE CASCADE,
    department_id uuid NOT NULL REFERENCES rbac.department (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, department_id)
);

CREATE TABLE rbac.account_role (
    account_id uuid NOT NULL REFERENCES identity.account (id) ON DELETE CASCADE,
    role_id    uuid NOT NULL REFERENCES rbac.role (id),
    PRIMARY KEY (account_id, role_id)
);
CREATE INDEX account_role_role ON rbac.account_role (role_id);

-- A registered volunteer. code_epoch is bumped to revoke every outstanding
-- dynamic code of the volunteer.
CREATE TABLE volunteer.volunteer (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id          uuid        NOT NULL UNIQUE REFERENCES identity.person (id),
    volunteer_no       text        NOT NULL UNIQUE,
    political_status   text        NOT NULL DEFAULT '',
    service_categories text[]      NOT NULL DEFAULT '{}',
    district_code      text        NOT NULL DEFAULT '',
    lat                double precision,
    lng                double precision,
    code_epoch         int         NOT NULL DEFAULT 0,
    code_active        boolean     NOT NULL DEFAULT true,
    last_active_at     timestamptz,
    registered_at      timestamptz NOT NULL DEFAULT now()
);

-- Org membership.
CREATE TABLE volunteer.membership (
    org_id       uuid        NOT NULL REFERENCES org.org (id),
    volunteer_id uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    status       text        NOT NULL CHECK (status IN ('pending', 'member', 'rejected', 'left')),
    joined_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, volunteer_id)
);
CREATE INDEX membership_volunteer ON volunteer.membership (volunteer_id);

CREATE TABLE project.project (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id              uuid        NOT NULL REFERENCES org.org (id),
    title               text        NOT NULL CHECK (title <> ''),
    description         text        NOT NULL DEFAULT '',
    status              text        NOT NULL CHECK (status IN ('draft', 'pending_review', 'recruiting', 'rejected', 'running', 'closed', 'withdrawn')),
    start_time          timestamptz NOT NULL,
    end_time            timestamptz NOT NULL,
    recruit_start       timestamptz,
    recruit_end         timestamptz,
    address             text        NOT NULL DEFAULT '',
    lat                 double precision CHECK (lat BETWEEN -90 AND 90),
    lng                 double precision CHECK (lng BETWEEN -180 AND 180),
    district_code       text        NOT NULL DEFAULT '',
    service_categories  text[]      NOT NULL DEFAULT '{}',
    tags                text[]      NOT NULL DEFAULT '{}',
    scan_before_seconds int         NOT NULL DEFAULT 1800 CHECK (scan_before_seconds >= 0),
    review_reason       text        NOT NULL DEFAULT '',
    created_by          uuid REFERENCES identity.person (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz,
    CHECK (end_time > start_time)
);
CREATE INDEX project_org ON project.project (org_id, status);
CREATE INDEX project_status_start ON project.project (status, start_time);

CREATE TABLE project.position (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id      uuid    NOT NULL REFERENCES project.project (id) ON DELETE CASCADE,
    name            text    NOT NULL CHECK (name <> ''),
    quota           int     NOT NULL CHECK (quota > 0),
    sign_in_methods text[]  NOT NULL DEFAULT '{}' CHECK (sign_in_methods <@ ARRAY['staff_scan', 'self_scan']),
    skills          text[]  NOT NULL DEFAULT '{}',
    sort            int     NOT NULL DEFAULT 0
);
CREATE INDEX position_project ON project.position (project_id);

-- Sign-ups; the hired ones form the roster. A volunteer holds at most one
-- live sign-up per project.
CREATE TABLE project.sign_up (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id   uuid        NOT NULL REFERENCES project.project (id),
    position_id  uuid        NOT NULL REFERENCES project.position (id),
    volunteer_id uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    status       text        NOT NULL CHECK (status IN ('pending', 'hired', 'rejected', 'cancelled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    reviewed_at  timestamptz,
    reviewed_by  uuid REFERENCES identity.person (id)
);
CREATE UNIQUE INDEX sign_up_live ON project.sign_up (project_id, volunteer_id) WHERE status IN ('pending', 'hired');
CREATE INDEX sign_up_roster ON project.sign_up (project_id, position_id) WHERE status = 'hired';
CREATE INDEX sign_up_volunteer ON project.sign_up (volunteer_id);

-- The audit log: append-only, partitioned by month, each entry chained to
-- the previous one by an SM3 hash so that a changed or deleted row shows.
-- head holds the chain's last seq and hash; writers lock it, which orders
-- the chain across nodes.
CREATE TABLE audit.entry (
    seq         bigint      NOT NULL,
    at          timestamptz NOT NULL,
    person_id   uuid,
    account_id  uuid,
    procedure   text        NOT NULL,
    target      text        NOT NULL DEFAULT '',
    result      text        NOT NULL,
    request_id  text        NOT NULL DEFAULT '',
    client_addr text        NOT NULL DEFAULT '',
    detail      jsonb       NOT NULL DEFAULT '{}',
    prev_hash   bytea       NOT NULL,
    hash        bytea       NOT NULL,
    PRIMARY KEY (at, seq)
) PARTITION BY RANGE (at);
CREATE TABLE audit.entry_default PARTITION OF audit.entry DEFAULT;
CREATE INDEX entry_seq ON audit.entry (seq);

CREATE TABLE audit.head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea  NOT NULL
);
INSERT INTO audit.head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Entries are never updated or deleted by the application; the trigger
-- makes an accidental UPDATE or DELETE fail loudly. (A superuser can still
-- bypass it; the hash chain is what detects that.)
-- +goose StatementBegin
CREATE FUNCTION audit.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE ON audit.entry
    FOR EACH ROW EXECUTE FUNCTION audit.forbid_change();

-- ensure_month_partition creates the partition holding month m, so writes
-- land in a monthly partition rather than the default one.
-- +goose StatementBegin
CREATE FUNCTION audit.ensure_month_partition(m date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', m)::date;
    hi date := (date_trunc('month', m) + interval '1 month')::date;
    name text := format('entry_%s', to_char(lo, 'YYYYMM'));
BEGIN
    IF to_regclass(format('audit.%I', name)) IS NULL THEN
        EXECUTE format('CREATE TABLE audit.%I PARTITION OF audit.entry FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP SCHEMA audit CASCADE;
DROP SCHEMA project CASCADE;
DROP SCHEMA volunteer CASCADE;
DROP SCHEMA rbac CASCADE;
DROP SCHEMA org CASCADE;
DROP SCHEMA identity CASCADE;
