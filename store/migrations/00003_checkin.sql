-- Check-in: the scan log and its idempotency keys, service sessions, scanner
-- devices, the code-scene trail, per-project hour rules, and the service
-- records closed projects produce.
--
-- The ledger (engine/ledger) writes scans and sessions in batches. The
-- invariants live here as constraints as well as in the grains, because
-- actors deliver at most once and a grain can briefly be active on two
-- nodes: a scan_id is written once (checkin.scan_key), a volunteer has at
-- most one open session (session_one_open) and never two overlapping ones
-- (session_no_overlap).

-- +goose Up
-- btree_gist lets one GiST index combine "same volunteer" (=) with "ranges
-- overlap" (&&). It is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE SCHEMA IF NOT EXISTS checkin;
CREATE SCHEMA IF NOT EXISTS record;

-- Hour and scan rules per project (IF NOT EXISTS: should another migration
-- add one of them first, its definition stands).
--   scan_after_seconds   scans are accepted until end_time + this; the
--                        deadline sweep closes forgotten sign-outs then.
--   max_session_seconds  an open session older than this is closed by the
--                        sweep at started_at + this and flagged; 0 = no cap.
--   round_seconds,       service records credit durations rounded to
--   round_mode           multiples of round_seconds (0 = exact).
--   min_share_percent    a session shorter than this share of the shift
--                        (end_time − start_time) earns no service record.
--   geofence_meters      self-scans farther than this from the project's
--                        location are rejected (TOO_FAR); 0 = off.
ALTER TABLE project.project
    ADD COLUMN IF NOT EXISTS scan_after_seconds  int  NOT NULL DEFAULT 0     CHECK (scan_after_seconds >= 0),
    ADD COLUMN IF NOT EXISTS max_session_seconds int  NOT NULL DEFAULT 43200 CHECK (max_session_seconds >= 0),
    ADD COLUMN IF NOT EXISTS round_seconds       int  NOT NULL DEFAULT 0     CHECK (round_seconds >= 0),
    ADD COLUMN IF NOT EXISTS round_mode          text NOT NULL DEFAULT 'down' CHECK (round_mode IN ('down', 'nearest', 'up')),
    ADD COLUMN IF NOT EXISTS min_share_percent   int  NOT NULL DEFAULT 0     CHECK (min_share_percent BETWEEN 0 AND 100),
    ADD COLUMN IF NOT EXISTS geofence_meters     int  NOT NULL DEFAULT 0     CHECK (geofence_meters >= 0);

-- A scanner device registered to an org; a revoked device's scans are
-- refused and its offline uploads no longer accepted.
CREATE TABLE checkin.device (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid        NOT NULL REFERENCES org.org (id),
    name       text        NOT NULL CHECK (name <> ''),
    created_by uuid REFERENCES identity.person (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX device_org ON checkin.device (org_id);

-- A stretch of service from sign-in to sign-out. A session is open until a
-- scan, the deadline sweep, the project's close or staff end it; sessions
-- closed other than by the volunteer's own sign-out here are flagged for
-- review. Durations are whole seconds between started_at and ended_at;
-- rounding and minimum-share rules apply when service records are made.
--
-- project_id, position_id and volunteer_id carry no foreign keys: the
-- ledger writes sessions only for roster entries (project.sign_up, whose
-- foreign keys hold), and the three checks cost about a seventh of the
-- database's work per scan. Service records, made from sessions, keep them.
CREATE TABLE checkin.session (
    id               uuid PRIMARY KEY,
    project_id       uuid        NOT NULL,
    position_id      uuid        NOT NULL,
    volunteer_id     uuid        NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    duration_seconds int CHECK (duration_seconds >= 0),
    status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'invalidated')),
    -- closed_by: 'scan' (a sign-out here, or a sign-in elsewhere), 'auto'
    -- (the deadline sweep), 'close' (the project was closed), 'staff'.
    closed_by        text CHECK (closed_by IN ('scan', 'auto', 'close', 'staff')),
    flagged          boolean     NOT NULL DEFAULT false,
    -- flag_reason is a stable code: OTHER_PROJECT_SIGN_IN, PROJECT_ENDED,
    -- MAX_LENGTH, PROJECT_CLOSED, …
    flag_reason      text        NOT NULL DEFAULT '',
    start_scan_id    text,
    end_scan_id      text,
    reviewed_at      timestamptz,
    reviewed_by      uuid REFERENCES identity.person (id),
    review_action    text CHECK (review_action IN ('approved', 'adjusted', 'invalidated')),
    review_reason    text        NOT NULL DEFAULT '',
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK (status <> 'open' OR (ended_at IS NULL AND duration_seconds IS NULL AND closed_by IS NULL)),
    CHECK (status <> 'closed' OR (ended_at IS NOT NULL AND duration_seconds IS NOT NULL AND closed_by IS NOT NULL)),
    CHECK (flagged = (flag_reason <> '')),
    -- No volunteer serves twice at once: an open session covers
    -- [started_at, ∞), so it also keeps a later session from starting
    -- before it is closed. '[)' lets one session end at the instant the
    -- next begins (a sign-in elsewhere closes the other at that moment).
    CONSTRAINT session_no_overlap EXCLUDE USING gist (
        volunteer_id WITH =, tstzrange(started_at, ended_at, '[)') WITH &&
    ) WHERE (status <> 'invalidated')
);
-- At most one open session per volunteer, across all projects.
CREATE UNIQUE INDEX session_one_open ON checkin.session (volunteer_id) WHERE status = 'open';
-- Open sessions per project (grain reload, project close) and by age (the
-- deadline sweep); small, as only open sessions are in it.
CREATE INDEX session_open ON checkin.session (project_id, started_at) WHERE status = 'open';
-- Every session of a project: attendance lists and record generation.
CREATE INDEX session_project ON checkin.session (project_id, started_at);

-- The scan log: every scan the ledger committed — sign-ins, sign-outs and
-- rejections — with the answer it got, so that a retry is answered alike.
-- Append-only, partitioned by month of received_at (server time).
CREATE TABLE checkin.scan (
    scan_id            text        COLLATE "C" NOT NULL,
    received_at        timestamptz NOT NULL,
    scanned_at         timestamptz NOT NULL,
    project_id         uuid,
    volunteer_id       uuid,
    position_id        uuid,
    method             text CHECK (method IN ('staff', 'self')),
    outcome            text        NOT NULL CHECK (outcome IN ('signed_in', 'signed_out', 'rejected')),
    reason             text        NOT NULL DEFAULT '',
    -- The session the scan started or ended, as it was then.
    session_id         uuid,
    session_started_at timestamptz,
    session_ended_at   timestamptz,
    duration_seconds   int,
    -- A sign-in that closed the volunteer's open session elsewhere names it.
    other_session_id   uuid,
    device_id          uuid,
    gate               text        NOT NULL DEFAULT '',
    by_account         uuid,
    lat                double precision,
    lng                double precision,
    PRIMARY KEY (received_at, scan_id)
) PARTITION BY RANGE (received_at);
CREATE TABLE checkin.scan_default PARTITION OF checkin.scan DEFAULT;
CREATE INDEX scan_project ON checkin.scan (project_id, received_at);

-- scan_key makes a scan_id unique across every partition of the scan log
-- (a partitioned table's unique keys must include the partition key). It
-- holds only the key and where its scan row lives: one narrow row per scan,
-- the answer being read from the scan log on a retry. Scan ids are opaque:
-- they compare byte by byte (COLLATE "C"), which is also cheaper.
CREATE TABLE checkin.scan_key (
    scan_id     text COLLATE "C" PRIMARY KEY CHECK (scan_id <> ''),
    received_at timestamptz NOT NULL
);

-- The code-scene trail for codes shown (a volunteer fetched a code) and
-- other code events the scan log does not hold; scans and their
-- verification outcome are in checkin.scan. Partitioned by month of at.
CREATE TABLE checkin.code_event (
    at           timestamptz NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('shown', 'scanned', 'verified')),
    volunteer_id uuid,
    project_id   uuid,
    device_id    uuid,
    account_id   uuid,
    outcome      text        NOT NULL DEFAULT '',
    reason       text        NOT NULL DEFAULT '',
    scan_id      text        NOT NULL DEFAULT ''
) PARTITION BY RANGE (at);
CREATE TABLE checkin.code_event_default PARTITION OF checkin.code_event DEFAULT;
CREATE INDEX code_event_volunteer ON checkin.code_event (volunteer_id, at);
CREATE INDEX code_event_project ON checkin.code_event (project_id, at);

-- ensure_month_partition creates the partition of checkin.<parent> (scan or
-- code_event) holding month m. Rows of that month already in the default
-- partition move into it, so a late call never fails. The partition is made
-- with PARTITION OF, so it inherits the parent's constraints and later
-- migrations change them on the parent alone. Any number of sessions may
-- call it at once.
-- +goose StatementBegin
CREATE FUNCTION checkin.ensure_month_partition(parent text, m date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    lo   date := date_trunc('month', m)::date;
    hi   date := (date_trunc('month', m) + interval '1 month')::date;
    name text := format('%s_%s', parent, to_char(lo, 'YYYYMM'));
    col  text;
    n    bigint;
BEGIN
    CASE parent
        WHEN 'scan' THEN col := 'received_at';
        WHEN 'code_event' THEN col := 'at';
        ELSE RAISE EXCEPTION 'checkin.ensure_month_partition: unknown table %', parent;
    END CASE;
    IF to_regclass(format('checkin.%I', name)) IS NOT NULL THEN
        RETURN;
    END IF;
    -- The lock on the default partition serializes creators (EXCLUSIVE
    -- conflicts with itself) and holds writes to it until the new partition
    -- exists, so that no row of the month lands there in between. Taking it
    -- also refreshes this session's view of the catalog, so the check below
    -- sees a partition another session has just made.
    EXECUTE format('LOCK TABLE checkin.%I IN EXCLUSIVE MODE', parent || '_default');
    IF to_regclass(format('checkin.%I', name)) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TEMP TABLE ensure_month_moving ON COMMIT DROP AS SELECT * FROM checkin.%I WHERE %I >= %L AND %I < %L',
                   parent || '_default', col, lo, col, hi);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        EXECUTE format('DELETE FROM checkin.%I WHERE %I >= %L AND %I < %L', parent || '_default', col, lo, col, hi);
    END IF;
    EXECUTE format('CREATE TABLE checkin.%I PARTITION OF checkin.%I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
    IF n > 0 THEN
        EXECUTE format('INSERT INTO checkin.%I SELECT * FROM ensure_month_moving', parent);
    END IF;
    DROP TABLE ensure_month_moving;
END $$;
-- +goose StatementEnd

-- credit_seconds applies a project's rounding rule to a duration.
-- +goose StatementBegin
CREATE FUNCTION checkin.credit_seconds(duration int, round_seconds int, round_mode text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN round_seconds <= 0 THEN duration
        WHEN round_mode = 'up' THEN ((duration + round_seconds - 1) / round_seconds) * round_seconds
        WHEN round_mode = 'nearest' THEN ((duration + round_seconds / 2) / round_seconds) * round_seconds
        ELSE (duration / round_seconds) * round_seconds
    END
$$;
-- +goose StatementEnd

-- A standard record of service, made from one closed session when its
-- project closes. duration_seconds is the credited time (after rounding).
CREATE TABLE record.service_record (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    volunteer_id     uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    project_id       uuid        NOT NULL REFERENCES project.project (id),
    position_id      uuid        NOT NULL REFERENCES project.position (id),
    session_id       uuid        NOT NULL UNIQUE REFERENCES checkin.session (id),
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz NOT NULL,
    duration_seconds int         NOT NULL CHECK (duration_seconds >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_at >= started_at)
);
CREATE INDEX service_record_volunteer ON record.service_record (volunteer_id, started_at DESC, id DESC);
CREATE INDEX service_record_project ON record.service_record (project_id);

-- +goose Down
DROP SCHEMA record CASCADE;
DROP SCHEMA checkin CASCADE;
ALTER TABLE project.project
    DROP COLUMN IF EXISTS scan_after_seconds,
    DROP COLUMN IF EXISTS max_session_seconds,
    DROP COLUMN IF EXISTS round_seconds,
    DROP COLUMN IF EXISTS round_mode,
    DROP COLUMN IF EXISTS min_share_percent,
    DROP COLUMN IF EXISTS geofence_meters;
