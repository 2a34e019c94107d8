-- No-criminal-record certificates (V6): a volunteer's application, handed
-- to the responsible department through an adapter (docs/adapters.md,
-- "Record-check department"), and the department's answer.
--
-- The application row is the outbox: ApplyRecordCheck commits it as
-- 'submitted', and a sweeper on every node claims due rows with a lease
-- (FOR UPDATE SKIP LOCKED), submits them, and later polls the department
-- for the result. The application id is the reference the department
-- sees, so a submission repeated after a lost answer or an expired lease
-- is answered with the first one. The ID number is not copied here: the
-- sweeper decrypts the person's number at the moment of sending.

-- +goose Up
CREATE SCHEMA recordcheck;

CREATE TABLE recordcheck.application (
    id              uuid PRIMARY KEY,
    volunteer_id    uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    person_id       uuid        NOT NULL REFERENCES identity.person (id),
    purpose         text        NOT NULL CHECK (purpose <> ''),
    -- submitted: committed, not yet taken by the department; sent: taken,
    -- waiting for its decision; then one of the three results.
    status          text        NOT NULL CHECK (status IN ('submitted', 'sent', 'clear', 'record_found', 'rejected')),
    -- reason is the department's words for a rejection or a record found.
    reason          text        NOT NULL DEFAULT '',
    -- dept_case_id is the department's own id of the case.
    dept_case_id    text        NOT NULL DEFAULT '',
    attempts        int         NOT NULL DEFAULT 0,
    -- next_attempt_at is when the sweeper next submits or polls; a claim
    -- pushes it out by the lease.
    next_attempt_at timestamptz NOT NULL,
    last_error      text        NOT NULL DEFAULT '',
    submitted_at    timestamptz NOT NULL,
    sent_at         timestamptz,
    decided_at      timestamptz,
    CHECK ((status IN ('submitted')) = (sent_at IS NULL)),
    CHECK ((status IN ('submitted', 'sent')) = (decided_at IS NULL))
);
-- One open application per volunteer.
CREATE UNIQUE INDEX application_open ON recordcheck.application (volunteer_id) WHERE status IN ('submitted', 'sent');
CREATE INDEX application_volunteer ON recordcheck.application (volunteer_id, submitted_at DESC);
CREATE INDEX application_due ON recordcheck.application (next_attempt_at) WHERE status IN ('submitted', 'sent');

-- The dev department's case file (`yima dev` only): what it received,
-- masked, and the decision a back-office user entered by hand.
CREATE TABLE recordcheck.dev_submission (
    reference        text PRIMARY KEY,
    case_id          text        NOT NULL UNIQUE,
    name_masked      text        NOT NULL,
    id_number_masked text        NOT NULL,
    purpose          text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'clear', 'record_found', 'rejected')),
    reason           text        NOT NULL DEFAULT '',
    received_at      timestamptz NOT NULL,
    decided_at       timestamptz,
    decided_by       uuid REFERENCES identity.account (id)
);
CREATE INDEX dev_submission_pending ON recordcheck.dev_submission (received_at) WHERE status = 'pending';

-- +goose Down
DROP SCHEMA recordcheck CASCADE;
