-- +goose Up
-- Project discovery (V3): distance from the volunteer with the contrib
-- extensions cube and earthdistance (they ship with PostgreSQL; no PostGIS).
-- ll_to_earth places a point on a sphere of the earth's radius in metres;
-- earth_box pre-filters a radius through the GiST index, earth_distance
-- measures the great-circle distance, and cube's <-> (the chord, which grows
-- with the great-circle distance) orders nearest-first through the same
-- index. The index is partial: only approved projects not yet closed are
-- ever searched.
--
-- cube is a trusted extension; earthdistance is not, so in production the
-- migrating role must be a superuser or the DBA creates both extensions
-- first (IF NOT EXISTS then skips them). yima dev and the tests run their
-- own PostgreSQL as superuser.
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

CREATE INDEX project_discovery_earth ON project.project
    USING gist (ll_to_earth(lat, lng))
    WHERE status IN ('recruiting', 'running') AND lat IS NOT NULL AND lng IS NOT NULL;
-- Searches without a location sort by start or by creation.
CREATE INDEX project_discovery_start ON project.project (start_time, id)
    WHERE status IN ('recruiting', 'running');
CREATE INDEX project_discovery_created ON project.project (created_at DESC, id)
    WHERE status IN ('recruiting', 'running');

-- +goose Down
DROP INDEX project.project_discovery_created;
DROP INDEX project.project_discovery_start;
DROP INDEX project.project_discovery_earth;
