-- The volunteer user center (V9): a volunteer's own tags and when they are
-- available, as weekly slots (weekday and part of day, e.g. 'mon_morning')
-- and a free-text note. The back office (S1) filters volunteers by tag and
-- by district, so both get an index.

-- +goose Up
ALTER TABLE volunteer.volunteer
    ADD COLUMN tags            text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN available_slots text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN available_note  text        NOT NULL DEFAULT '',
    ADD COLUMN updated_at      timestamptz;
CREATE INDEX volunteer_tags_gin ON volunteer.volunteer USING gin (tags);
CREATE INDEX volunteer_district ON volunteer.volunteer (district_code);
CREATE INDEX volunteer_categories_gin ON volunteer.volunteer USING gin (service_categories);

-- +goose Down
DROP INDEX volunteer.volunteer_categories_gin;
DROP INDEX volunteer.volunteer_district;
DROP INDEX volunteer.volunteer_tags_gin;
ALTER TABLE volunteer.volunteer
    DROP COLUMN updated_at,
    DROP COLUMN available_note,
    DROP COLUMN available_slots,
    DROP COLUMN tags;
