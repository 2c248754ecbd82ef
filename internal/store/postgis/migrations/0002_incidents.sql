-- 0002: device params; an alarm's category, located cause, incident and
-- assignee; operators' comments on alarms; incidents, with their point as
-- geometry(Point, 4326) for QGIS like devices and alarms.
ALTER TABLE devices ADD COLUMN params jsonb NOT NULL DEFAULT '{}';

ALTER TABLE alarms
    ADD COLUMN category    text NOT NULL DEFAULT '',
    ADD COLUMN location    jsonb,  -- model.Location; NULL when the cause is not located
    ADD COLUMN incident_id bigint NOT NULL DEFAULT 0,  -- 0: in no incident
    ADD COLUMN assignee    text NOT NULL DEFAULT '';
CREATE INDEX alarms_category ON alarms (category, last_seen);
CREATE INDEX alarms_incident ON alarms (incident_id) WHERE incident_id <> 0;

CREATE TABLE alarm_comments (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alarm_id bigint NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
    ts       timestamptz NOT NULL,
    author   text NOT NULL DEFAULT '',
    body     text NOT NULL DEFAULT ''
);
CREATE INDEX alarm_comments_alarm ON alarm_comments (alarm_id, ts, id);

CREATE TABLE incidents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category    text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    severity    text NOT NULL DEFAULT '',
    status      text NOT NULL,
    region_code text NOT NULL DEFAULT '',
    location    jsonb NOT NULL DEFAULT '{}',  -- model.Location: how the point was found
    alarm_ids   jsonb NOT NULL DEFAULT '[]',
    sources     jsonb NOT NULL DEFAULT '[]',  -- device ids of the member alarms
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    closed_at   timestamptz,
    case_id     bigint NOT NULL DEFAULT 0,
    version     bigint NOT NULL DEFAULT 1,
    geom        geometry(Point, 4326),  -- NULL while the incident has no point (lon = lat = 0)
    lon         double precision GENERATED ALWAYS AS (ST_X(geom)) STORED,
    lat         double precision GENERATED ALWAYS AS (ST_Y(geom)) STORED
);
CREATE INDEX incidents_status ON incidents (status, id);
CREATE INDEX incidents_category ON incidents (category, id);
CREATE INDEX incidents_geom ON incidents USING gist (geom);
