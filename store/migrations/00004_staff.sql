-- The attendance desk (O6) and code activation (M1).
--
-- Sessions entered by staff with AddManualHours carry review_action
-- 'manual': a staff decision taken with a reason, so counted like a
-- reviewed session, yet told apart from corrections of scanned sessions.
--
-- The code-scene trail gains 'deactivated' (a volunteer idle too long lost
-- their code; its epoch was bumped, revoking every code outstanding) and
-- 'activated' (their next sign-in brought it back).

-- +goose Up
ALTER TABLE checkin.session DROP CONSTRAINT session_review_action_check;
ALTER TABLE checkin.session ADD CONSTRAINT session_review_action_check
    CHECK (review_action IN ('approved', 'adjusted', 'invalidated', 'manual'));

-- Monthly partitions made by checkin.ensure_month_partition copied the
-- kind check as their own (LIKE … INCLUDING CONSTRAINTS), so dropping it
-- from the parent leaves theirs: drop those too before adding the new one,
-- which every partition then inherits.
ALTER TABLE checkin.code_event DROP CONSTRAINT code_event_kind_check;
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.conrelid::regclass AS tbl
        FROM pg_constraint c
        JOIN pg_inherits i ON i.inhrelid = c.conrelid
        WHERE i.inhparent = 'checkin.code_event'::regclass AND c.conname = 'code_event_kind_check'
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT code_event_kind_check', r.tbl);
    END LOOP;
END $$;
-- +goose StatementEnd
ALTER TABLE checkin.code_event ADD CONSTRAINT code_event_kind_check
    CHECK (kind IN ('shown', 'scanned', 'verified', 'deactivated', 'activated'));

-- Deactivation looks for volunteers with an active code and no activity
-- since a cut-off; most are active, so index the column it ranges over.
CREATE INDEX volunteer_code_idle ON volunteer.volunteer ((coalesce(last_active_at, registered_at))) WHERE code_active;

-- +goose Down
DROP INDEX volunteer.volunteer_code_idle;
DELETE FROM checkin.code_event WHERE kind IN ('deactivated', 'activated');
ALTER TABLE checkin.code_event DROP CONSTRAINT code_event_kind_check;
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.conrelid::regclass AS tbl
        FROM pg_constraint c
        JOIN pg_inherits i ON i.inhrelid = c.conrelid
        WHERE i.inhparent = 'checkin.code_event'::regclass AND c.conname = 'code_event_kind_check'
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT code_event_kind_check', r.tbl);
    END LOOP;
END $$;
-- +goose StatementEnd
ALTER TABLE checkin.code_event ADD CONSTRAINT code_event_kind_check
    CHECK (kind IN ('shown', 'scanned', 'verified'));
UPDATE checkin.session SET review_action = 'adjusted' WHERE review_action = 'manual';
ALTER TABLE checkin.session DROP CONSTRAINT session_review_action_check;
ALTER TABLE checkin.session ADD CONSTRAINT session_review_action_check
    CHECK (review_action IN ('approved', 'adjusted', 'invalidated'));
