package postgis_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
	"github.com/ywtg/hub/internal/store/storetest"
)

var _ storetest.Store = (*postgis.Store)(nil)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a migrated store on a fresh database, closed when t ends.
func open(t testing.TB, dsn string) *postgis.Store {
	t.Helper()
	s, err := postgis.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// sql runs statements on a connection of its own, for setup and inspection.
func sql(t testing.TB, dsn, q string, args ...any) pgx.Rows {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(ctx) })
	rows, err := conn.Query(ctx, q, args...)
	require.NoError(t, err)
	return rows
}

func scalar[T any](t testing.TB, dsn, q string, args ...any) T {
	t.Helper()
	rows := sql(t, dsn, q, args...)
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[T])
	require.NoError(t, err, q)
	return v
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, pgtest.DSN(t)) })
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			s, err := postgis.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err, "hubs starting together must not race on migrations")
	}
	s := open(t, dsn)
	n, err := s.Migrate(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	require.Equal(t, postgis.SchemaVersion(), scalar[int](t, dsn, `SELECT max(version) FROM schema_version`))
}

func TestRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	open(t, dsn).Close()
	sql(t, dsn, `INSERT INTO schema_version (version, name) VALUES ($1, 'from the future')`, postgis.SchemaVersion()+1).Close()
	_, err := postgis.Open(context.Background(), dsn)
	require.ErrorIs(t, err, store.ErrSchemaTooNew)
}

func reading(dev string, ts time.Time, seq int64) model.Reading {
	return model.Reading{DeviceID: dev, TS: ts, Seq: seq, Values: map[string]float64{"water_level_m": float64(seq)}}
}

// TestConcurrentBatchesIntoNewDays has two hubs (two stores, two partition
// caches) write batches that both reach days without a partition yet.
func TestConcurrentBatchesIntoNewDays(t *testing.T) {
	dsn := pgtest.DSN(t)
	hubs := []*postgis.Store{open(t, dsn), open(t, dsn)}
	midnight := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const rounds, perBatch = 5, 50
	for r := range rounds {
		boundary := midnight.Add(time.Duration(r) * 24 * time.Hour)
		var wg sync.WaitGroup
		errs := make([]error, len(hubs))
		for h, s := range hubs {
			wg.Go(func() {
				var rs []model.Reading
				for i := range perBatch {
					at := boundary.Add(time.Duration(i-perBatch/2) * time.Minute)
					rs = append(rs, reading(fmt.Sprintf("hub%d", h), at, int64(i)))
				}
				res, err := s.WriteBatch(context.Background(), store.Batch{Readings: rs})
				if err == nil && len(res.Inserted) != perBatch {
					err = fmt.Errorf("inserted %d", len(res.Inserted))
				}
				errs[h] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
	}
	n, err := hubs[0].CountReadings(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, rounds*perBatch*len(hubs), n)
	require.Zero(t, scalar[int64](t, dsn, `SELECT count(*) FROM readings_default`), "every row found its day partition")
	require.Equal(t, rounds+1, scalar[int](t, dsn,
		`SELECT count(*) FROM pg_inherits WHERE inhparent = 'readings'::regclass AND inhrelid::regclass::text LIKE 'readings\_p%'`))
}

func TestRetentionDropsWholePartitions(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	ctx := context.Background()
	d0 := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	var rs []model.Reading
	for i := range 30 {
		rs = append(rs, reading("a", d0.Add(time.Duration(i)*4*time.Hour), int64(i))) // 5 days, 6 a day
	}
	_, err := s.WriteBatch(ctx, store.Batch{Readings: rs})
	require.NoError(t, err)
	// A row a stale hub wrote after its day was dropped lands in the default partition.
	sql(t, dsn, `INSERT INTO readings (device_id, ts, seq, vals) VALUES ('a', '2001-01-01Z', 1, '{}')`).Close()
	require.EqualValues(t, 1, scalar[int64](t, dsn, `SELECT count(*) FROM readings_default`))
	sql(t, dsn, `ANALYZE readings`).Close()

	n, err := s.DropReadingsBefore(ctx, d0.Add(2*24*time.Hour+time.Hour))
	require.NoError(t, err)
	require.EqualValues(t, 2*6+1, n, "two whole days and the default row; the day holding the cut stays whole")
	for _, day := range []string{"20260510", "20260511"} {
		require.False(t, scalar[bool](t, dsn, `SELECT to_regclass($1) IS NOT NULL`, "readings_p"+day), day)
	}
	require.True(t, scalar[bool](t, dsn, `SELECT to_regclass('readings_p20260512') IS NOT NULL`))
	left, err := s.CountReadings(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3*6, left)
	_, err = s.WriteBatch(ctx, store.Batch{Readings: []model.Reading{reading("a", d0.Add(time.Hour), 99)}})
	require.NoError(t, err, "a late reading recreates its dropped day")
	require.True(t, scalar[bool](t, dsn, `SELECT to_regclass('readings_p20260510') IS NOT NULL`))
	require.Zero(t, scalar[int64](t, dsn, `SELECT count(*) FROM readings_default`))
}

func TestDefaultPartitionRowsKeepTheirDay(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	day := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	sql(t, dsn, `INSERT INTO readings (device_id, ts, seq, vals) VALUES ('a', $1, 1, '{}')`, day).Close()
	res, err := s.WriteBatch(context.Background(), store.Batch{Readings: []model.Reading{reading("a", day, 1), reading("a", day, 2)}})
	require.NoError(t, err, "a day whose rows already sit in the default partition is left there")
	require.Equal(t, []bool{false, true}, res.Inserted)
	require.EqualValues(t, 2, scalar[int64](t, dsn, `SELECT count(*) FROM readings_default`))
}

func TestHostileTextIsStored(t *testing.T) {
	s := open(t, pgtest.DSN(t))
	ctx := context.Background()
	payload := "{\"v\":\"\x00\xff\xfe\"}"
	res, err := s.WriteBatch(ctx, store.Batch{
		Events: []model.Event{{DeviceID: "a", TS: time.Now(), Type: "smoke", Fields: map[string]any{"note": "nul\x00here", `x\u0000`: 1}}},
		DeadLetters: []model.DeadLetter{{TS: time.Now(), DeviceID: "a\x00", Topic: "devices/a/telemetry",
			Reason: model.ReasonMalformed, Detail: "bad \xff byte", Payload: payload}},
	})
	require.NoError(t, err, "one device's bytes must not fail the batch it rides in")
	require.Equal(t, []bool{true}, res.EventNew)
	ds, err := s.ListDeadLetters(ctx, store.DeadLetterFilter{})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, payload, ds[0].Payload, "the payload is kept byte for byte")
	require.Equal(t, "a\uFFFD", ds[0].DeviceID)
}
