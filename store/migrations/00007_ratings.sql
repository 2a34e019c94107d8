-- Ratings of volunteers by the orgs they served: one rating per volunteer
-- per project (rating again replaces it), three scores from 1 to 5. A
-- volunteer's averages are computed from this table by volunteer_id; a
-- volunteer has at most one rating per project served, so the scan stays
-- small. Also indexes for the org's sign-up lists and rosters with hours.

-- +goose Up
CREATE TABLE project.rating (
    project_id   uuid        NOT NULL REFERENCES project.project (id),
    volunteer_id uuid        NOT NULL REFERENCES volunteer.volunteer (id),
    punctuality  smallint    NOT NULL CHECK (punctuality BETWEEN 1 AND 5),
    attitude     smallint    NOT NULL CHECK (attitude BETWEEN 1 AND 5),
    skill        smallint    NOT NULL CHECK (skill BETWEEN 1 AND 5),
    comment      text        NOT NULL DEFAULT '',
    rated_by     uuid REFERENCES identity.person (id),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (project_id, volunteer_id)
);
CREATE INDEX rating_volunteer ON project.rating (volunteer_id, updated_at DESC);

-- A project's sign-ups in the order the org reviews them.
CREATE INDEX sign_up_project_created ON project.sign_up (project_id, created_at, id);
-- A project's service records per volunteer, for rosters with hours.
CREATE INDEX service_record_project_volunteer ON record.service_record (project_id, volunteer_id);

-- +goose Down
DROP INDEX record.service_record_project_volunteer;
DROP INDEX project.sign_up_project_created;
DROP TABLE project.rating;
