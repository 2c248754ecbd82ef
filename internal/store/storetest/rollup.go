package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const day = 24 * time.Hour

// testRetention cuts at a UTC day boundary: PostGIS drops whole daily
// partitions, so only there do both backends remove exactly the same rows.
func testRetention(t *testing.T, s Store) {
	ctx := context.Background()
	_, err := s.WriteBatch(ctx, store.Batch{Readings: []model.Reading{
		reading("a", -2*day, 1, 1), reading("a", -2*day+time.Hour, 2, 2), reading("b", -day+23*time.Hour, 1, 3),
		reading("a", 0, 3, 4), reading("a", day+time.Minute, 4, 5)}})
	require.NoError(t, err)
	n, err := s.DropReadingsBefore(ctx, t0.Add(-3*day))
	require.NoError(t, err)
	require.Zero(t, n, "nothing is that old")
	n, err = s.DropReadingsBefore(ctx, t0)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	left, err := s.CountReadings(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, left)
	rs, err := s.ListReadings(ctx, store.ReadingFilter{DeviceID: "a"})
	require.NoError(t, err)
	require.Len(t, rs, 2)
	require.Equal(t, reading("a", 0, 3, 4), rs[1], "a reading exactly at the cut is kept")
	_, err = s.WriteBatch(ctx, store.Batch{Readings: []model.Reading{reading("a", -2*day, 1, 1)}})
	require.NoError(t, err, "a late reading for a dropped day is still accepted")
	n, err = s.DropReadingsBefore(ctx, t0)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}

func sample(dev string, at time.Duration, seq int64, level, rain float64) model.Reading {
	return model.Reading{DeviceID: dev, TS: t0.Add(at), Seq: seq,
		Values: map[string]float64{"water_level_m": level, "rain_mm": rain}}
}

func rollupFixture(t *testing.T, s Store) {
	t.Helper()
	_, err := s.WriteBatch(context.Background(), store.Batch{Readings: []model.Reading{
		sample("a", -time.Minute, 1, 100, 9), // in the part hour before the range
		sample("a", 10*time.Minute, 2, 1, 0.5), sample("a", 20*time.Minute, 3, 3, 1.5),
		sample("a", 70*time.Minute, 4, 5, 0), sample("b", 5*time.Minute, 1, 7, 0),
		sample("a", 130*time.Minute, 5, 100, 9), // in the part hour after the range
	}})
	require.NoError(t, err)
}

func testRollupHourly(t *testing.T, s Store) {
	ctx := context.Background()
	rollupFixture(t, s)
	n, err := s.RollupHourly(ctx, t0.Add(-30*time.Minute), t0.Add(2*time.Hour+30*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 6, n, "a: 2 hours × 2 metrics, b: 1 hour × 2 metrics; the part hours at both ends are left out")
	pts, err := s.ListHourly(ctx, "a", "water_level_m", t0, t0.Add(day))
	require.NoError(t, err)
	require.Len(t, pts, 2)
	requirePoint(t, store.HourlyPoint{Hour: t0, N: 2, Min: 1, Max: 3, Avg: 2}, pts[0])
	requirePoint(t, store.HourlyPoint{Hour: t0.Add(time.Hour), N: 1, Min: 5, Max: 5, Avg: 5}, pts[1])
	rain, err := s.ListHourly(ctx, "a", "rain_mm", t0, time.Time{})
	require.NoError(t, err)
	require.Len(t, rain, 2)
	requirePoint(t, store.HourlyPoint{Hour: t0, N: 2, Min: 0.5, Max: 1.5, Avg: 1}, rain[0])
	pts, err = s.ListHourly(ctx, "a", "water_level_m", t0.Add(time.Hour), t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Len(t, pts, 1, "from is inclusive, to exclusive")
	n, err = s.RollupHourly(ctx, t0.Add(10*time.Minute), t0.Add(50*time.Minute))
	require.NoError(t, err)
	require.Zero(t, n, "no whole hour in the range")
}

func testRollupRecompute(t *testing.T, s Store) {
	ctx := context.Background()
	rollupFixture(t, s)
	_, err := s.RollupHourly(ctx, t0, t0.Add(2*time.Hour))
	require.NoError(t, err)
	_, err = s.WriteBatch(ctx, store.Batch{Readings: []model.Reading{sample("a", 30*time.Minute, 6, 8, 0)}})
	require.NoError(t, err)
	n, err := s.RollupHourly(ctx, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 4, n, "only the first hour is recomputed: a and b, 2 metrics each")
	pts, err := s.ListHourly(ctx, "a", "water_level_m", t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, pts, 1)
	requirePoint(t, store.HourlyPoint{Hour: t0, N: 3, Min: 1, Max: 8, Avg: 4}, pts[0])

	_, err = s.DropReadingsBefore(ctx, t0.Add(day))
	require.NoError(t, err)
	n, err = s.RollupHourly(ctx, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Zero(t, n)
	pts, err = s.ListHourly(ctx, "a", "water_level_m", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, pts, 2, "the rollup outlives retention")
}

func requirePoint(t *testing.T, want, got store.HourlyPoint) {
	t.Helper()
	require.Equal(t, want.Hour, got.Hour)
	require.Equal(t, want.N, got.N)
	require.Equal(t, want.Min, got.Min)
	require.Equal(t, want.Max, got.Max)
	require.InDelta(t, want.Avg, got.Avg, 1e-9)
}
