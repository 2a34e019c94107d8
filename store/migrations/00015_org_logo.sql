-- Org logos (V4 "detail with logo"): one image per org, uploaded by its
-- leader or admin and shown to anyone on the org's public page and search
-- rows. The service stores only what it re-encoded itself — a PNG of at
-- most 512×512 pixels — so the bytes served are never the uploader's file.
-- hash (hex SHA-256 of png) is the public URL's version and the ETag: a new
-- logo is a new URL, so browsers may cache one for long.

-- +goose Up
CREATE TABLE org.logo (
    org_id     uuid PRIMARY KEY REFERENCES org.org (id),
    png        bytea       NOT NULL CHECK (octet_length(png) BETWEEN 1 AND 2097152),
    hash       text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE org.logo;
