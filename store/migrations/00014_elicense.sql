-- The city e-license library (市电子证照库, V1): every volunteer's
-- electronic volunteer certificate is pushed to it through an adapter
-- (docs/adapters.md, "City e-license library").
--
-- elicense.submission is the transactional outbox: issuing or reissuing a
-- card enqueues its volunteer in the same transaction, and a sweeper on
-- every node claims due rows with a lease, composes the license from the
-- card at the moment of sending (so no full ID number sits here) and
-- submits it. The reference is the library's idempotency key: a repeat
-- after a lost answer or an expired lease is answered with the first
-- license. A reissue draws a new reference, because the library must take
-- the new card rather than answer the old one.

-- +goose Up
CREATE SCHEMA elicense;

CREATE TABLE elicense.submission (
    volunteer_id uuid PRIMARY KEY REFERENCES volunteer.volunteer (id),
    reference    uuid        NOT NULL UNIQUE,
    -- pending: not yet taken; synced: the library holds the card under
    -- license_id; failed: given up after many transient failures (still
    -- retried slowly) or refused for good (next_at NULL until a staff
    -- member retries it on the console).
    state        text        NOT NULL CHECK (state IN ('pending', 'synced', 'failed')),
    license_id   text        NOT NULL DEFAULT '',
    attempts     int         NOT NULL DEFAULT 0,
    -- next_at is when the sweeper next submits; NULL when nothing is due.
    next_at      timestamptz,
    -- A claim leases the row to one sweeper until lease_until; only the
    -- holder of lease_token may record the outcome, so a sweeper whose
    -- lease ran out (and another took over) or whose row was re-enqueued
    -- meanwhile writes nothing.
    lease_token  uuid,
    lease_until  timestamptz,
    last_error   text        NOT NULL DEFAULT '',
    synced_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'synced') = (synced_at IS NOT NULL)),
    CHECK (state <> 'synced' OR (license_id <> '' AND next_at IS NULL)),
    CHECK (state <> 'pending' OR next_at IS NOT NULL)
);
CREATE INDEX submission_due ON elicense.submission (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX submission_updated ON elicense.submission (updated_at DESC, volunteer_id);

-- The dev library's register (`yima dev` only): what it received, masked,
-- one license per reference.
CREATE TABLE elicense.dev_license (
    reference        uuid PRIMARY KEY,
    license_id       text        NOT NULL UNIQUE,
    volunteer_no     text        NOT NULL,
    name_masked      text        NOT NULL,
    id_number_masked text        NOT NULL,
    issuer           text        NOT NULL,
    issued_at        timestamptz NOT NULL,
    key_id           text        NOT NULL,
    -- payload_sha256 is the hex digest of the signed card payload: enough
    -- to compare with the card without storing it twice.
    payload_sha256   text        NOT NULL,
    received_at      timestamptz NOT NULL
);
CREATE INDEX dev_license_received ON elicense.dev_license (received_at DESC, reference);

-- The dev library's switch "fail the next N submissions" (one row), set
-- on the console to watch the sweeper retry.
CREATE TABLE elicense.dev_fault (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    remaining int     NOT NULL DEFAULT 0 CHECK (remaining >= 0),
    permanent boolean NOT NULL DEFAULT false
);
INSERT INTO elicense.dev_fault DEFAULT VALUES;

-- +goose Down
DROP SCHEMA elicense CASCADE;
