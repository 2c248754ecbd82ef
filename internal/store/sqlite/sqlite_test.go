package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
	"github.com/ywtg/hub/internal/store/storetest"
	_ "modernc.org/sqlite"
)

var _ storetest.Store = (*sqlite.Store)(nil)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO schema_version (version, name) VALUES (?, 'from the future')`, sqlite.SchemaVersion()+1)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = sqlite.Open(context.Background(), dir)
	require.ErrorIs(t, err, store.ErrSchemaTooNew)
}

// TestUpgradesFromVersion2 builds a database as a binary from before 0003
// left it, with a device and an alarm in it, and opens it with this one: the
// rows read back with the new fields empty, and the new tables work.
func TestUpgradesFromVersion2(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT (datetime('now')))`)
	require.NoError(t, err)
	for v, name := range []string{"0001_init.sql", "0002_regions_rollup.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		require.NoError(t, err)
		_, err = db.Exec(string(b))
		require.NoError(t, err, name)
		_, err = db.Exec(`INSERT INTO schema_version (version, name) VALUES (?, ?)`, v+1, name)
		require.NoError(t, err)
	}
	at := time.Date(2026, 7, 21, 8, 30, 0, 0, time.UTC)
	_, err = db.Exec(`INSERT INTO devices (id, kind, lon, lat, rule_overrides, secret_hash, created_at)
		VALUES ('hyd-001', 'hydrology', 105.67, 38.84, '{"w":{"value":2,"clear":1}}', 'h', ?)`, at.UnixMilli())
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO alarms (source, type, severity, status, first_seen, last_seen)
		VALUES ('hyd-001', 'water_level_over_warning', 'major', 'active', ?, ?)`, at.UnixMilli(), at.UnixMilli())
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	n, err := s.Migrate(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "Open applied everything")
	require.Equal(t, 5, sqlite.SchemaVersion())
	d, err := s.GetDevice(ctx, "hyd-001")
	require.NoError(t, err)
	require.Nil(t, d.Params)
	require.Equal(t, map[string]model.RuleOverride{"w": {Value: 2, Clear: 1}}, d.RuleOverrides)
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
		AlarmIDs: []int64{a.ID}, FirstSeen: at, LastSeen: at}))
	require.NoError(t, s.CreateCase(ctx, &model.Case{State: "reported", CreatedAt: at, UpdatedAt: at}, store.CaseWrites{}))
}
