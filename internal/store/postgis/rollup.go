package postgis

import (
	"context"
	"time"

	"github.com/ywtg/hub/internal/store"
)

const (
	sqlRollupHourly = `INSERT INTO readings_hourly (device_id, hour, metric, n, min, max, avg)
		SELECT r.device_id, date_trunc('hour', r.ts, 'UTC'), v.key, count(*),
			min(v.value::float8), max(v.value::float8), avg(v.value::float8)
		FROM readings r CROSS JOIN LATERAL jsonb_each(r.vals) v
		WHERE r.ts >= $1 AND r.ts < $2 AND jsonb_typeof(v.value) = 'number'
		GROUP BY 1, 2, 3
		ON CONFLICT (device_id, hour, metric) DO UPDATE SET
		n = excluded.n, min = excluded.min, max = excluded.max, avg = excluded.avg`
	sqlListHourly = `SELECT hour, n, min, max, avg FROM readings_hourly
		WHERE device_id = $1 AND metric = $2 AND hour >= $3 AND hour < $4 ORDER BY hour`
)

// RollupHourly recomputes readings_hourly for the whole UTC hours in
// [from, to) and returns how many (device, hour, metric) rows it wrote. It
// only upserts: hours whose readings retention has dropped keep their rows.
func (s *Store) RollupHourly(ctx context.Context, from, to time.Time) (int, error) {
	first, end, ok := store.WholeHours(from, to)
	if !ok {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, sqlRollupHourly, first, end)
	return int(tag.RowsAffected()), err
}

// ListHourly returns one device metric's hourly points with the hour in
// [from, to), oldest first. A zero to means no upper bound.
func (s *Store) ListHourly(ctx context.Context, deviceID, metric string, from, to time.Time) ([]store.HourlyPoint, error) {
	if to.IsZero() {
		to = farFuture
	}
	return queryAll(ctx, s.pool, scanHourly, sqlListHourly, deviceID, metric, pgTime(from), pgTime(to))
}

func scanHourly(sc scanner) (store.HourlyPoint, error) {
	var p store.HourlyPoint
	err := sc.Scan(&p.Hour, &p.N, &p.Min, &p.Max, &p.Avg)
	p.Hour = p.Hour.UTC()
	return p, err
}
