-- 0003: the case loop (一网统管): cases, their timelines, the webhook outbox
-- and the resources plans reserve. A case's doc is the whole model.Case as
-- jsonb, the truth the store reads back; the other columns copy the fields
-- lists filter on, and its point is geometry(Point, 4326) for QGIS like
-- incidents'.
CREATE TABLE cases (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    no          text NOT NULL,
    state       text NOT NULL,
    category    text NOT NULL DEFAULT '',
    severity    text NOT NULL DEFAULT '',
    source      text NOT NULL DEFAULT '',
    source_ref  text NOT NULL DEFAULT '',
    incident_id bigint NOT NULL DEFAULT 0,
    agency_id   text NOT NULL DEFAULT '',    -- the lead agency
    agencies    text[] NOT NULL DEFAULT '{}', -- the lead and every agency with a task
    region_code text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    doc         jsonb NOT NULL,              -- model.Case
    geom        geometry(Point, 4326),       -- NULL while the case has no point (lon = lat = 0)
    lon         double precision GENERATED ALWAYS AS (ST_X(geom)) STORED,
    lat         double precision GENERATED ALWAYS AS (ST_Y(geom)) STORED
);
CREATE INDEX cases_state ON cases (state, id);
CREATE INDEX cases_agency ON cases (agency_id, id);
CREATE INDEX cases_agencies ON cases USING gin (agencies);
CREATE INDEX cases_created ON cases (created_at);
-- One case per incident, even with several hubs on one database.
CREATE UNIQUE INDEX cases_incident ON cases (incident_id) WHERE incident_id <> 0;
CREATE INDEX cases_region ON cases (region_code text_pattern_ops);
CREATE INDEX cases_geom ON cases USING gist (geom);

CREATE TABLE case_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    actor      text NOT NULL DEFAULT '',
    role       text NOT NULL DEFAULT '',
    agency     text NOT NULL DEFAULT '',
    action     text NOT NULL DEFAULT '',
    from_state text NOT NULL DEFAULT '',
    to_state   text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT '',
    data       json  -- json, not jsonb: kept byte for byte as given; NULL for none
);
CREATE INDEX case_events_case ON case_events (case_id, at, id);

CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL DEFAULT 0,
    agency_id    text NOT NULL DEFAULT '',
    url          text NOT NULL DEFAULT '',
    event        text NOT NULL DEFAULT '',
    key          text NOT NULL,             -- idempotency key
    body         bytea NOT NULL DEFAULT '', -- the bytes posted, signed as is
    created_at   timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL,
    delivered_at timestamptz,               -- NULL until delivered
    last_error   text NOT NULL DEFAULT '',
    CONSTRAINT outbox_key UNIQUE (key)
);
CREATE INDEX outbox_pending ON outbox (next_at, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_case ON outbox (case_id, id);

CREATE TABLE resources (
    id        text PRIMARY KEY,
    type      text NOT NULL DEFAULT '',
    name      text NOT NULL DEFAULT '',
    agency_id text NOT NULL DEFAULT '',
    status    text NOT NULL DEFAULT 'available',
    case_id   bigint NOT NULL DEFAULT 0,  -- the case it is reserved for; 0: none
    version   bigint NOT NULL DEFAULT 1,
    geom      geometry(Point, 4326),      -- NULL while the resource has no point
    lon       double precision GENERATED ALWAYS AS (ST_X(geom)) STORED,
    lat       double precision GENERATED ALWAYS AS (ST_Y(geom)) STORED
);
CREATE INDEX resources_geom ON resources USING gist (geom);
