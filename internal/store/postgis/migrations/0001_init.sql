-- 0001: the hub's tables as GIS staff open them in QGIS or ogr2ogr:
-- geometries are lon/lat in EPSG:4326 with GiST indexes, times are
-- timestamptz, structured values are jsonb. lon/lat columns are generated
-- from geom so plain SQL and CSV exports read them too.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE regions (
    code       text PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    level      text NOT NULL DEFAULT '',
    parent     text NOT NULL DEFAULT '',
    center_lon double precision NOT NULL DEFAULT 0,
    center_lat double precision NOT NULL DEFAULT 0,
    geom       geometry(MultiPolygon, 4326)  -- NULL for non-spatial parents
);
CREATE INDEX regions_geom ON regions USING gist (geom);

CREATE TABLE devices (
    id             text PRIMARY KEY,
    kind           text NOT NULL,
    name           text NOT NULL DEFAULT '',
    region_code    text NOT NULL DEFAULT '',
    region_name    text NOT NULL DEFAULT '',
    operator       text NOT NULL DEFAULT '',
    rule_overrides jsonb NOT NULL DEFAULT '{}',
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    geom           geometry(Point, 4326) NOT NULL,
    lon            double precision GENERATED ALWAYS AS (ST_X(geom)) STORED,
    lat            double precision GENERATED ALWAYS AS (ST_Y(geom)) STORED
);
CREATE INDEX devices_geom ON devices USING gist (geom);

-- Secret hashes live apart from devices so that a GIS role can be granted
-- SELECT on devices without them.
CREATE TABLE device_secrets (
    device_id   text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    secret_hash text NOT NULL
);

-- One row per sample; the primary key is the dedupe key and the (device, ts)
-- index. Partitions are one UTC day each (readings_pYYYYMMDD), created by the
-- hub before it writes into a new day and dropped whole by retention; the
-- default partition catches anything else.
CREATE TABLE readings (
    device_id text NOT NULL,
    ts        timestamptz NOT NULL,
    seq       bigint NOT NULL,
    vals      jsonb NOT NULL,
    flags     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (device_id, ts, seq)
) PARTITION BY RANGE (ts);
CREATE TABLE readings_default PARTITION OF readings DEFAULT;
-- Rollup and retention select by time across devices; BRIN is nearly free to
-- keep on rows that arrive in time order.
CREATE INDEX readings_ts ON readings USING brin (ts);

-- One row per (device, UTC hour, metric), for long-range charts. It outlives
-- the readings it summarises.
CREATE TABLE readings_hourly (
    device_id text NOT NULL,
    hour      timestamptz NOT NULL,
    metric    text NOT NULL,
    n         bigint NOT NULL,
    min       double precision NOT NULL,
    max       double precision NOT NULL,
    avg       double precision NOT NULL,
    PRIMARY KEY (device_id, hour, metric)
);

CREATE TABLE events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id text NOT NULL,
    ts        timestamptz NOT NULL,
    type      text NOT NULL,
    fields    jsonb NOT NULL DEFAULT '{}',
    UNIQUE (device_id, ts, type)
);

CREATE TABLE device_status (
    device_id   text PRIMARY KEY,
    state       text NOT NULL,
    ts          timestamptz NOT NULL,
    fw          text NOT NULL DEFAULT '',
    battery_pct double precision
);

CREATE TABLE alarms (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL,
    type        text NOT NULL,
    label       text NOT NULL DEFAULT '',
    severity    text NOT NULL,
    status      text NOT NULL,
    acked       boolean NOT NULL DEFAULT false,
    acked_by    text NOT NULL DEFAULT '',
    acked_at    timestamptz,
    count       integer NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    cleared_at  timestamptz,
    metric      text NOT NULL DEFAULT '',
    value       double precision NOT NULL DEFAULT 0,
    threshold   double precision NOT NULL DEFAULT 0,
    message     text NOT NULL DEFAULT '',
    region_code text NOT NULL DEFAULT '',
    kind        text NOT NULL DEFAULT '',
    version     bigint NOT NULL DEFAULT 1,
    geom        geometry(Point, 4326),  -- NULL when the alarm has no position (lon = lat = 0)
    lon         double precision GENERATED ALWAYS AS (ST_X(geom)) STORED,
    lat         double precision GENERATED ALWAYS AS (ST_Y(geom)) STORED
);
-- At most one active alarm per (source, type).
CREATE UNIQUE INDEX alarms_one_active ON alarms (source, type) WHERE status = 'active';
CREATE INDEX alarms_status ON alarms (status, last_seen);
CREATE INDEX alarms_geom ON alarms USING gist (geom);

-- payload is bytea: a rejected message may be any bytes, which text refuses.
CREATE TABLE deadletters (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts        timestamptz NOT NULL,
    device_id text NOT NULL DEFAULT '',
    topic     text NOT NULL DEFAULT '',
    reason    text NOT NULL,
    detail    text NOT NULL DEFAULT '',
    payload   bytea NOT NULL DEFAULT ''
);
CREATE INDEX deadletters_reason ON deadletters (reason, id);
