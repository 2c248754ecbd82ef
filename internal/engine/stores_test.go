package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
	"github.com/ywtg/hub/internal/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// realStore runs the engine on a real backend.
type realStore struct{ engine.Store }

func (s realStore) all(source, typ string) []model.Alarm {
	as, err := s.ListAlarms(context.Background(), store.AlarmFilter{Source: source, Limit: 100000})
	if err != nil {
		panic(err)
	}
	var out []model.Alarm
	for _, a := range as {
		if typ == "" || a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// eachStore runs fn on a fresh in-memory fake, SQLite and PostGIS store:
// the engine's behaviour must not depend on the backend. PostGIS comes from
// pgtest (a throwaway cluster, or HUB_TEST_POSTGRES_DSN); it is skipped
// only where PostgreSQL is not installed, and fails under CI.
func eachStore(t *testing.T, fn func(t *testing.T, newStore func() rigStore)) {
	t.Run("mem", func(t *testing.T) { fn(t, func() rigStore { return newMemStore() }) })
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func() rigStore {
			s, err := sqlite.Open(context.Background(), t.TempDir())
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return realStore{s}
		})
	})
	t.Run("postgis", func(t *testing.T) {
		fn(t, func() rigStore {
			s, err := postgis.Open(context.Background(), pgtest.DSN(t))
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return realStore{s}
		})
	})
}
