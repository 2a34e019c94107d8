-- The electronic 上海市志愿者证 (V1): every registered volunteer holds one
-- card, issued in the transaction that registers them (volunteers who came
-- another way, such as the demo data, get theirs from the program's
-- backfill at start). The card keeps the fields it states as they were at
-- issue, never recomputed, and the platform's SM2 signature over them: the
-- signed bytes are stored (payload) so that the e-license library receives
-- exactly what was signed, and verification rebuilds them from the stored
-- fields, so a changed field shows (see services/volunteer/card).

-- +goose Up
CREATE TABLE volunteer.card (
    volunteer_id     uuid PRIMARY KEY REFERENCES volunteer.volunteer (id),
    volunteer_no     text        NOT NULL UNIQUE CHECK (volunteer_no <> ''),
    name             text        NOT NULL CHECK (name <> ''),
    gender           text        NOT NULL CHECK (gender IN ('男', '女')),
    birth_date       date        NOT NULL,
    -- The ID number is sealed (SM4-GCM, field "card.id_number") and
    -- shown masked.
    id_number_enc    bytea       NOT NULL,
    id_number_masked text        NOT NULL,
    registered_on    date        NOT NULL,
    issuer           text        NOT NULL CHECK (issuer <> ''),
    issued_on        date        NOT NULL,
    issued_at        timestamptz NOT NULL,
    payload          bytea       NOT NULL,
    key_id           smallint    NOT NULL CHECK (key_id BETWEEN 1 AND 255),
    signature        bytea       NOT NULL
);

-- +goose Down
DROP TABLE volunteer.card;
