-- 0003: device params; an alarm's category, located cause, incident and
-- assignee; operators' comments on alarms; incidents. Times are Unix
-- milliseconds (UTC); structured values are JSON text.
ALTER TABLE devices ADD COLUMN params TEXT NOT NULL DEFAULT '{}';

ALTER TABLE alarms ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE alarms ADD COLUMN location TEXT;  -- model.Location as JSON; NULL when the cause is not located
ALTER TABLE alarms ADD COLUMN incident_id INTEGER NOT NULL DEFAULT 0;  -- 0: in no incident
ALTER TABLE alarms ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
CREATE INDEX alarms_category ON alarms (category, last_seen);
CREATE INDEX alarms_incident ON alarms (incident_id) WHERE incident_id <> 0;

CREATE TABLE alarm_comments (
    id       INTEGER PRIMARY KEY,
    alarm_id INTEGER NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
    ts       INTEGER NOT NULL,
    author   TEXT NOT NULL DEFAULT '',
    body     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alarm_comments_alarm ON alarm_comments (alarm_id, ts, id);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    category    TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    region_code TEXT NOT NULL DEFAULT '',
    lon         REAL NOT NULL DEFAULT 0,
    lat         REAL NOT NULL DEFAULT 0,
    location    TEXT NOT NULL DEFAULT '{}',  -- model.Location as JSON: how lon/lat were found
    alarm_ids   TEXT NOT NULL DEFAULT '[]',  -- JSON array of alarm ids
    sources     TEXT NOT NULL DEFAULT '[]',  -- JSON array of device ids
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    closed_at   INTEGER NOT NULL DEFAULT 0,
    case_id     INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_status ON incidents (status, id);
CREATE INDEX incidents_category ON incidents (category, id);
