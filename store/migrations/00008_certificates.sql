-- Service certificates (O10, S5): a volunteer applies for a certificate of
-- their service on a closed project; the project's org issues it or
-- rejects the application. An issued certificate is numbered per year
-- without gaps, keeps the fields the national rules ask for as they were
-- at issue, and carries the platform's SM2 signature over them, so that
-- the register (certificate.certificate) is also what verification checks.

-- +goose Up
CREATE SCHEMA certificate;

-- An application. At most one live (pending or issued) application per
-- volunteer and project; after a rejection the volunteer may apply again.
-- org_id is the project's org, the one that reviews and issues.
CREATE TABLE certificate.application (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    volunteer_id  uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    project_id    uuid        NOT NULL REFERENCES project.project (id),
    org_id        uuid        NOT NULL REFERENCES org.org (id),
    status        text        NOT NULL CHECK (status IN ('pending', 'issued', 'rejected')),
    note          text        NOT NULL DEFAULT '',
    reject_reason text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    decided_at    timestamptz,
    decided_by    uuid REFERENCES identity.person (id),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status <> 'rejected' OR reject_reason <> '')
);
CREATE UNIQUE INDEX application_live ON certificate.application (volunteer_id, project_id) WHERE status IN ('pending', 'issued');
CREATE INDEX application_org ON certificate.application (org_id, created_at DESC, id);
CREATE INDEX application_volunteer ON certificate.application (volunteer_id, created_at DESC, id);

-- The last number issued in each year (China Standard Time). Issuing
-- increments it in the transaction that inserts the certificate, so a
-- failed issue leaves no gap and numbers follow the order of issue.
CREATE TABLE certificate.counter (
    year int    PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last bigint NOT NULL CHECK (last > 0)
);

-- The register of issued certificates. Every field printed on the
-- certificate is stored as issued, never recomputed: the signature covers
-- number, volunteer_name, id_type, the ID number (stored SM4-GCM sealed,
-- shown masked), volunteer_no, service_seconds, service_content,
-- service_from, service_until, issuer_name, handler_name and issued_on
-- (see services/certificate for the exact bytes). signature is the DER
-- SM2 signature under the platform sign key key_id.
CREATE TABLE certificate.certificate (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id   uuid        NOT NULL UNIQUE REFERENCES certificate.application (id),
    number           text        NOT NULL UNIQUE CHECK (number <> ''),
    year             int         NOT NULL,
    seq              bigint      NOT NULL CHECK (seq > 0),
    volunteer_id     uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    project_id       uuid        NOT NULL REFERENCES project.project (id),
    org_id           uuid        NOT NULL REFERENCES org.org (id),
    volunteer_name   text        NOT NULL,
    id_type          text        NOT NULL,
    id_number_enc    bytea       NOT NULL,
    id_number_masked text        NOT NULL,
    volunteer_no     text        NOT NULL,
    service_seconds  bigint      NOT NULL CHECK (service_seconds > 0),
    service_content  text        NOT NULL,
    service_from     date        NOT NULL,
    service_until    date        NOT NULL,
    issuer_name      text        NOT NULL,
    handler_name     text        NOT NULL,
    handler_id       uuid        NOT NULL REFERENCES identity.person (id),
    issued_on        date        NOT NULL,
    issued_at        timestamptz NOT NULL,
    key_id           smallint    NOT NULL CHECK (key_id BETWEEN 1 AND 255),
    signature        bytea       NOT NULL,
    UNIQUE (year, seq),
    CHECK (service_until >= service_from)
);
CREATE INDEX certificate_org ON certificate.certificate (org_id, issued_at DESC, id);
CREATE INDEX certificate_issued ON certificate.certificate (issued_at DESC, id);
CREATE INDEX certificate_volunteer ON certificate.certificate (volunteer_id);

-- +goose Down
DROP SCHEMA certificate CASCADE;
