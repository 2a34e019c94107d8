-- Volunteer numbers for registration through the API. The demo draws its
-- numbers at random from the whole SH + 10 digits space, so the sequence may
-- meet one of them: next_volunteer_no skips numbers already taken.

-- +goose Up
CREATE SEQUENCE volunteer.volunteer_no_seq MINVALUE 1 MAXVALUE 9999999999 START 1;

-- +goose StatementBegin
CREATE FUNCTION volunteer.next_volunteer_no() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    no text;
BEGIN
    LOOP
        no := 'SH' || lpad(nextval('volunteer.volunteer_no_seq')::text, 10, '0');
        EXIT WHEN NOT EXISTS (SELECT 1 FROM volunteer.volunteer v WHERE v.volunteer_no = no);
    END LOOP;
    RETURN no;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION volunteer.next_volunteer_no();
DROP SEQUENCE volunteer.volunteer_no_seq;
