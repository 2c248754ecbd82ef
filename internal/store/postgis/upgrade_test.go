package postgis_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
)

// TestUpgradesFromVersion1 builds a database as a binary from before 0002
// left it, with a device and an alarm in it, and opens it with this one: the
// rows read back with the new fields empty, and the new tables work.
func TestUpgradesFromVersion1(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	first, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	at := time.Date(2026, 7, 21, 8, 30, 0, 0, time.UTC)
	for _, q := range []string{
		`CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`,
		string(first),
		`INSERT INTO schema_version (version, name) VALUES (1, '0001_init.sql')`,
		`INSERT INTO devices (id, kind, rule_overrides, created_at, geom) VALUES ('hyd-001', 'hydrology',
			'{"w": {"value": 2, "clear": 1}}', '2026-07-21T08:30:00Z', ST_SetSRID(ST_MakePoint(105.67, 38.84), 4326))`,
		`INSERT INTO device_secrets (device_id, secret_hash) VALUES ('hyd-001', 'h')`,
		`INSERT INTO alarms (source, type, severity, status, first_seen, last_seen, geom) VALUES ('hyd-001',
			'water_level_over_warning', 'major', 'active', '2026-07-21T08:30:00Z', '2026-07-21T08:30:00Z',
			ST_SetSRID(ST_MakePoint(105.67, 38.84), 4326))`,
	} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}

	s := open(t, dsn)
	require.Equal(t, 4, postgis.SchemaVersion())
	require.Equal(t, 4, scalar[int](t, dsn, `SELECT max(version) FROM schema_version`))
	d, err := s.GetDevice(ctx, "hyd-001")
	require.NoError(t, err)
	require.Nil(t, d.Params)
	require.Equal(t, map[string]model.RuleOverride{"w": {Value: 2, Clear: 1}}, d.RuleOverrides)
	require.Equal(t, [2]float64{105.67, 38.84}, [2]float64{d.Lon, d.Lat})
	alarms, err := s.ListAlarms(ctx, store.AlarmFilter{})
	require.NoError(t, err)
	require.Len(t, alarms, 1)
	a := alarms[0]
	require.Equal(t, at, a.FirstSeen)
	require.Empty(t, a.Category)
	require.Nil(t, a.Location)
	require.Zero(t, a.IncidentID)
	require.Empty(t, a.Assignee)
	require.EqualValues(t, 1, a.Version)
	require.NoError(t, s.AddAlarmComment(ctx, &model.AlarmComment{AlarmID: a.ID, At: at, By: "ops", Text: "old alarm"}))
	a.IncidentID, a.Category = 1, "flood"
	require.NoError(t, s.UpdateAlarm(ctx, &a), "an old alarm takes the new fields")
	require.NoError(t, s.InsertIncident(ctx, &model.Incident{Category: "flood", Status: model.IncidentOpen,
		Lon: 105.67, Lat: 38.84, AlarmIDs: []int64{a.ID}, FirstSeen: at, LastSeen: at}))
	require.NoError(t, s.CreateCase(ctx, &model.Case{State: "reported", CreatedAt: at, UpdatedAt: at}, store.CaseWrites{}))
}

// TestIncidentsTableForGIS checks the incidents table as QGIS sees it: a
// geometry(Point, 4326) column with a GiST index, and lon/lat columns.
func TestIncidentsTableForGIS(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	in := &model.Incident{Category: "forest_fire", Status: model.IncidentOpen, Lon: 101.18765432109876,
		Lat: 42.0543210987654, FirstSeen: time.Now(), LastSeen: time.Now()}
	require.NoError(t, s.InsertIncident(ctx, in))
	require.Equal(t, "POINT", scalar[string](t, dsn,
		`SELECT type FROM geometry_columns WHERE f_table_name = 'incidents' AND f_geometry_column = 'geom'`))
	require.Equal(t, 4326, scalar[int](t, dsn, `SELECT srid FROM geometry_columns WHERE f_table_name = 'incidents'`))
	require.Equal(t, "gist", scalar[string](t, dsn, `SELECT am.amname::text FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		WHERE c.relname = 'incidents_geom'`))
	require.Equal(t, in.Lon, scalar[float64](t, dsn, `SELECT lon FROM incidents WHERE id = $1`, in.ID))
	require.Equal(t, in.Lat, scalar[float64](t, dsn, `SELECT ST_Y(geom) FROM incidents WHERE id = $1`, in.ID))
}
