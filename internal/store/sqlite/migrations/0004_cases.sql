-- 0004: the case loop (一网统管): cases, their timelines, the webhook outbox
-- and the resources plans reserve. Times are Unix milliseconds (UTC);
-- structured values are JSON text. A case's doc is the whole model.Case as
-- JSON, the truth the store reads back; the other columns copy the fields
-- lists filter on.
CREATE TABLE cases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: case numbers are made from it
    no          TEXT NOT NULL,
    state       TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    source_ref  TEXT NOT NULL DEFAULT '',
    incident_id INTEGER NOT NULL DEFAULT 0,
    agency_id   TEXT NOT NULL DEFAULT '',   -- the lead agency
    agencies    TEXT NOT NULL DEFAULT '[]', -- JSON array: the lead and every agency with a task
    region_code TEXT NOT NULL DEFAULT '',
    lon         REAL NOT NULL DEFAULT 0,
    lat         REAL NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    doc         TEXT NOT NULL               -- model.Case as JSON
);
CREATE INDEX cases_state ON cases (state, id);
CREATE INDEX cases_agency ON cases (agency_id, id);
CREATE INDEX cases_created ON cases (created_at);
-- One case per incident, even with several hubs on one database.
CREATE UNIQUE INDEX cases_incident ON cases (incident_id) WHERE incident_id <> 0;

CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    agency     TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    data       TEXT CHECK (data IS NULL OR json_valid(data))  -- JSON, kept as given; NULL for none
);
CREATE INDEX case_events_case ON case_events (case_id, at, id);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL DEFAULT 0,
    agency_id    TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    event        TEXT NOT NULL DEFAULT '',
    key          TEXT NOT NULL,               -- idempotency key
    body         BLOB NOT NULL DEFAULT x'',   -- the bytes posted, signed as is
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    delivered_at INTEGER,                     -- NULL until delivered
    last_error   TEXT NOT NULL DEFAULT '',
    CONSTRAINT outbox_key UNIQUE (key)
);
CREATE INDEX outbox_pending ON outbox (next_at, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_case ON outbox (case_id, id);

CREATE TABLE resources (
    id        TEXT PRIMARY KEY,
    type      TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    agency_id TEXT NOT NULL DEFAULT '',
    lon       REAL NOT NULL DEFAULT 0,
    lat       REAL NOT NULL DEFAULT 0,
    status    TEXT NOT NULL DEFAULT 'available',
    case_id   INTEGER NOT NULL DEFAULT 0,  -- the case it is reserved for; 0: none
    version   INTEGER NOT NULL DEFAULT 1
);
