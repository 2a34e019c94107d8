-- Notifications (O2, O4, O9, S4): messages to chosen audiences, by SMS and
-- in-app, sent now or at a set time.
--
-- A message and one recipient row per person are committed together when
-- SendMessage accepts it; only then are work items published to JetStream
-- (the outbox). The recipient row is the truth of a delivery: the
-- dispatcher claims it with a lease, records the gateway's message id
-- before acknowledging the work item, and a sweeper re-publishes rows whose
-- work item never reached the stream or was lost. Phones are not copied
-- here: the dispatcher decrypts the person's current number at the moment
-- of sending; phone_masked is what the sender's list shows.

-- +goose Up
CREATE SCHEMA notify;

CREATE TABLE notify.message (
    id                   uuid PRIMARY KEY,
    -- org: an org leader or admin for their org; staff: a back-office
    -- account; system: a notice another service sent (deactivation…).
    sender_kind          text        NOT NULL CHECK (sender_kind IN ('org', 'staff', 'system')),
    sender_org_id        uuid REFERENCES org.org (id),
    sender_account_id    uuid REFERENCES identity.account (id),
    sender_person_id     uuid REFERENCES identity.person (id),
    sender_department_id uuid REFERENCES rbac.department (id),
    -- sender_name is what recipients see as the sender: the org's name, or
    -- the platform's.
    sender_name          text        NOT NULL,
    title                text        NOT NULL DEFAULT '',
    body                 text        NOT NULL CHECK (body <> ''),
    sms                  boolean     NOT NULL,
    in_app               boolean     NOT NULL,
    -- audience is what the sender chose (kind and ids), audience_label how
    -- the sent list names it.
    audience             jsonb       NOT NULL DEFAULT '{}',
    audience_label       text        NOT NULL DEFAULT '',
    status               text        NOT NULL CHECK (status IN ('scheduled', 'released', 'cancelled')),
    send_at              timestamptz NOT NULL,
    released_at          timestamptz,
    cancelled_at         timestamptz,
    recipient_count      int         NOT NULL CHECK (recipient_count > 0),
    created_at           timestamptz NOT NULL,
    CHECK (sms OR in_app),
    CHECK ((sender_kind = 'org') = (sender_org_id IS NOT NULL) OR sender_kind = 'system'),
    CHECK ((status = 'released') = (released_at IS NOT NULL))
);
CREATE INDEX message_sender_org ON notify.message (sender_org_id, created_at DESC) WHERE sender_org_id IS NOT NULL;
CREATE INDEX message_sender_account ON notify.message (sender_account_id, created_at DESC);
CREATE INDEX message_created ON notify.message (created_at DESC);
CREATE INDEX message_due ON notify.message (send_at) WHERE status = 'scheduled';

CREATE TABLE notify.recipient (
    message_id      uuid        NOT NULL REFERENCES notify.message (id),
    person_id       uuid        NOT NULL REFERENCES identity.person (id),
    -- name and phone_masked as they were when the message was accepted.
    name            text        NOT NULL,
    phone_masked    text        NOT NULL DEFAULT '',
    status          text        NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'rate_limited', 'in_app_only', 'cancelled')),
    -- note is a reason code (NO_PHONE, SMS_NOT_REQUESTED, PHONE_HOURLY_LIMIT,
    -- the gateway's error code…); error the gateway's own words.
    note            text        NOT NULL DEFAULT '',
    error           text        NOT NULL DEFAULT '',
    -- in_app puts the message in the person's inbox: the sender chose
    -- in-app, or the SMS could not reach them.
    in_app          boolean     NOT NULL,
    -- attempts counts gateway calls; enqueues the work items published.
    attempts        int         NOT NULL DEFAULT 0,
    enqueues        int         NOT NULL DEFAULT 0,
    -- next_attempt_at: when the row is due; enqueued_at: when its current
    -- work item reached the stream (NULL: not yet, the sweeper publishes).
    next_attempt_at timestamptz NOT NULL,
    enqueued_at     timestamptz,
    -- lease_until: a dispatcher holds a 'sending' row until then.
    lease_until     timestamptz,
    claimed_at      timestamptz,
    -- phone_idx is the blind index of the number last sent to, for the
    -- per-phone limits.
    phone_idx       bytea,
    gateway_msg_id  text        NOT NULL DEFAULT '',
    sent_at         timestamptz,
    read_at         timestamptz,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (message_id, person_id),
    CHECK ((status = 'sent') = (gateway_msg_id <> ''))
);
CREATE INDEX recipient_inbox ON notify.recipient (person_id) WHERE in_app;
CREATE INDEX recipient_pending ON notify.recipient (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX recipient_phone ON notify.recipient (phone_idx, claimed_at) WHERE phone_idx IS NOT NULL;

-- What the dev SMS gateway received, for the console (yima dev only). A
-- real gateway deduplicates by out_id; so does this one. Phones are kept
-- masked: the dev gateway is a screen, not a phone book.
CREATE TABLE notify.dev_text (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    out_id       text        NOT NULL UNIQUE,
    gateway_id   text        NOT NULL UNIQUE,
    phone_masked text        NOT NULL,
    text         text        NOT NULL,
    received_at  timestamptz NOT NULL
);

-- +goose Down
DROP SCHEMA notify CASCADE;
