-- 0001: devices, readings, events, statuses, alarms, dead letters.
-- Times are Unix milliseconds (UTC).
CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    lon            REAL NOT NULL,
    lat            REAL NOT NULL,
    region_code    TEXT NOT NULL DEFAULT '',
    region_name    TEXT NOT NULL DEFAULT '',
    operator       TEXT NOT NULL DEFAULT '',
    rule_overrides TEXT NOT NULL DEFAULT '{}',
    secret_hash    TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

-- One row per sample; the primary key is the dedupe key.
CREATE TABLE readings (
    device_id TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    vals      TEXT NOT NULL,
    flags     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (device_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    type      TEXT NOT NULL,
    fields    TEXT NOT NULL DEFAULT '{}',
    UNIQUE (device_id, ts, type)
);

CREATE TABLE device_status (
    device_id   TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    fw          TEXT NOT NULL DEFAULT '',
    battery_pct REAL
);

CREATE TABLE alarms (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    type        TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    acked       INTEGER NOT NULL DEFAULT 0,
    acked_by    TEXT NOT NULL DEFAULT '',
    acked_at    INTEGER NOT NULL DEFAULT 0,
    count       INTEGER NOT NULL DEFAULT 1,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    cleared_at  INTEGER NOT NULL DEFAULT 0,
    metric      TEXT NOT NULL DEFAULT '',
    value       REAL NOT NULL DEFAULT 0,
    threshold   REAL NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    region_code TEXT NOT NULL DEFAULT '',
    lon         REAL NOT NULL DEFAULT 0,
    lat         REAL NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1
);
-- At most one active alarm per (source, type).
CREATE UNIQUE INDEX alarms_one_active ON alarms (source, type) WHERE status = 'active';
CREATE INDEX alarms_status ON alarms (status, last_seen);

CREATE TABLE deadletters (
    id        INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,
    device_id TEXT NOT NULL DEFAULT '',
    topic     TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    payload   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deadletters_reason ON deadletters (reason, id);
