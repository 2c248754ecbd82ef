package sqlite

import (
	"context"
	"time"

	"github.com/ywtg/hub/internal/store"
)

const (
	sqlDeleteReadingsBefore = `DELETE FROM readings WHERE ts < ?`
	// The WHERE before ON CONFLICT is required: without it SQLite could read
	// ON as a join constraint.
	sqlRollupHourly = `INSERT INTO readings_hourly (device_id, hour, metric, n, min, max, avg)
		SELECT r.device_id, r.ts - r.ts % 3600000, j.key, COUNT(*), MIN(j.value), MAX(j.value), AVG(j.value)
		FROM readings r, json_each(r.vals) j
		WHERE r.ts >= ? AND r.ts < ? AND j.type IN ('integer', 'real')
		GROUP BY r.device_id, r.ts - r.ts % 3600000, j.key
		ON CONFLICT (device_id, hour, metric) DO UPDATE SET
		n = excluded.n, min = excluded.min, max = excluded.max, avg = excluded.avg`
	sqlListHourly = `SELECT hour, n, min, max, avg FROM readings_hourly
		WHERE device_id = ? AND metric = ? AND hour >= ? AND hour < ? ORDER BY hour`
)

// DropReadingsBefore deletes every reading older than t and returns exactly
// how many rows went. The hourly rollup is kept.
func (s *Store) DropReadingsBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, sqlDeleteReadingsBefore, ms(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RollupHourly recomputes readings_hourly for the whole UTC hours in
// [from, to) and returns how many (device, hour, metric) rows it wrote. It
// only upserts: hours whose readings retention has dropped keep their rows.
func (s *Store) RollupHourly(ctx context.Context, from, to time.Time) (int, error) {
	first, end, ok := store.WholeHours(from, to)
	if !ok {
		return 0, nil
	}
	res, err := s.w.ExecContext(ctx, sqlRollupHourly, ms(first), ms(end))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ListHourly returns one device metric's hourly points with the hour in
// [from, to), oldest first. A zero to means no upper bound.
func (s *Store) ListHourly(ctx context.Context, deviceID, metric string, from, to time.Time) ([]store.HourlyPoint, error) {
	hi := ms(to)
	if to.IsZero() {
		hi = 1<<62 - 1
	}
	return queryAll(ctx, s.r, scanHourly, sqlListHourly, deviceID, metric, ms(from), hi)
}

func scanHourly(sc scanner) (store.HourlyPoint, error) {
	var p store.HourlyPoint
	var hour int64
	err := sc.Scan(&hour, &p.N, &p.Min, &p.Max, &p.Avg)
	p.Hour = time.UnixMilli(hour).UTC()
	return p, err
}
