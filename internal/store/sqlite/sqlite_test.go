package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
