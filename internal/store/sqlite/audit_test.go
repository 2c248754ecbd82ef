package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/store/sqlite"
	"github.com/ywtg/hub/internal/store/storetest"
)

// TestAuditTamper edits the audit chain with SQL on a connection of its own,
// as someone with the database file would.
func TestAuditTamper(t *testing.T) {
	storetest.RunAuditTamper(t, func(t *testing.T) (storetest.Store, storetest.Tamper) {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		db, err := sql.Open("sqlite", s.Path())
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return s, func(t *testing.T, q string) {
			t.Helper()
			_, err := db.Exec(q)
			require.NoError(t, err, q)
		}
	})
}
