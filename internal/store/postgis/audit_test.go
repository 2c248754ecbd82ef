package postgis_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/store/postgis/pgtest"
	"github.com/ywtg/hub/internal/store/storetest"
)

// TestAuditTamper edits the audit chain with SQL on a connection of its own,
// as someone with access to the database would.
func TestAuditTamper(t *testing.T) {
	storetest.RunAuditTamper(t, func(t *testing.T) (storetest.Store, storetest.Tamper) {
		dsn := pgtest.DSN(t)
		s := open(t, dsn)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close(ctx) })
		return s, func(t *testing.T, q string) {
			t.Helper()
			_, err := conn.Exec(ctx, q)
			require.NoError(t, err, q)
		}
	})
}
