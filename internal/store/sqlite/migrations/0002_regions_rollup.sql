-- 0002: regions, the hourly rollup, and an index for time-range scans
-- (retention and rollup select readings by ts across every device).
CREATE TABLE regions (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    level      TEXT NOT NULL DEFAULT '',
    parent     TEXT NOT NULL DEFAULT '',
    geom       TEXT,  -- GeoJSON MultiPolygon, lon/lat EPSG:4326; NULL for non-spatial parents
    center_lon REAL NOT NULL DEFAULT 0,
    center_lat REAL NOT NULL DEFAULT 0
);

-- One row per (device, UTC hour, metric); hour is the hour's start in Unix ms.
CREATE TABLE readings_hourly (
    device_id TEXT NOT NULL,
    hour      INTEGER NOT NULL,
    metric    TEXT NOT NULL,
    n         INTEGER NOT NULL,
    min       REAL NOT NULL,
    max       REAL NOT NULL,
    avg       REAL NOT NULL,
    PRIMARY KEY (device_id, hour, metric)
) WITHOUT ROWID;

CREATE INDEX readings_ts ON readings (ts);
