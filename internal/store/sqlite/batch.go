package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlInsertReading = `INSERT OR IGNORE INTO readings (device_id, ts, seq, vals, flags) VALUES (?,?,?,?,?)`
	sqlInsertEvent   = `INSERT OR IGNORE INTO events (device_id, ts, type, fields) VALUES (?,?,?,?)`
	sqlUpsertStatus  = `INSERT INTO device_status (device_id, state, ts, fw, battery_pct) VALUES (?,?,?,?,?)
		ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, ts = excluded.ts,
		fw = CASE WHEN excluded.fw = '' THEN device_status.fw ELSE excluded.fw END,
		battery_pct = COALESCE(excluded.battery_pct, device_status.battery_pct)
		WHERE excluded.ts >= device_status.ts`
	sqlInsertDeadLetter = `INSERT INTO deadletters (ts, device_id, topic, reason, detail, payload) VALUES (?,?,?,?,?,?)`
	sqlListReadings     = `SELECT device_id, ts, seq, vals, flags FROM readings
		WHERE device_id = ? AND ts >= ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`
	sqlCountReadings = `SELECT COUNT(*) FROM readings`
)

// WriteBatch commits readings, events, statuses and dead letters in one
// transaction. Readings and events already stored are skipped and reported
// as not inserted, so a QoS1 redelivery never double counts.
func (s *Store) WriteBatch(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	res := store.BatchResult{Inserted: make([]bool, len(b.Readings)), EventNew: make([]bool, len(b.Events))}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	if err := writeReadings(ctx, tx, b.Readings, res.Inserted); err != nil {
		return res, err
	}
	if err := writeEvents(ctx, tx, b.Events, res.EventNew); err != nil {
		return res, err
	}
	if err := writeStatuses(ctx, tx, b.Statuses); err != nil {
		return res, err
	}
	if err := writeDeadLetters(ctx, tx, b.DeadLetters); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

func writeReadings(ctx context.Context, tx *sql.Tx, rs []model.Reading, inserted []bool) error {
	if len(rs) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, sqlInsertReading)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, r := range rs {
		vals, _ := json.Marshal(r.Values)
		flags, _ := json.Marshal(r.Flags)
		res, err := st.ExecContext(ctx, r.DeviceID, ms(r.TS), r.Seq, string(vals), string(flags))
		if err != nil {
			return fmt.Errorf("reading %s: %w", r.DeviceID, err)
		}
		n, _ := res.RowsAffected()
		inserted[i] = n == 1
	}
	return nil
}

func writeEvents(ctx context.Context, tx *sql.Tx, es []model.Event, isNew []bool) error {
	for i, e := range es {
		fields, _ := json.Marshal(e.Fields)
		res, err := tx.ExecContext(ctx, sqlInsertEvent, e.DeviceID, ms(e.TS), e.Type, string(fields))
		if err != nil {
			return fmt.Errorf("event %s: %w", e.DeviceID, err)
		}
		n, _ := res.RowsAffected()
		isNew[i] = n == 1
	}
	return nil
}

func writeStatuses(ctx context.Context, tx *sql.Tx, ss []model.Status) error {
	for _, st := range ss {
		if _, err := tx.ExecContext(ctx, sqlUpsertStatus, st.DeviceID, st.State, ms(st.TS), st.FW, st.BatteryPct); err != nil {
			return fmt.Errorf("status %s: %w", st.DeviceID, err)
		}
	}
	return nil
}

func writeDeadLetters(ctx context.Context, tx *sql.Tx, ds []model.DeadLetter) error {
	for _, d := range ds {
		if _, err := tx.ExecContext(ctx, sqlInsertDeadLetter, ms(d.TS), d.DeviceID, d.Topic, d.Reason, d.Detail, d.Payload); err != nil {
			return fmt.Errorf("dead letter: %w", err)
		}
	}
	return nil
}

// ListReadings returns one device's readings, newest first.
func (s *Store) ListReadings(ctx context.Context, f store.ReadingFilter) ([]model.Reading, error) {
	to := msCeil(f.To)
	if f.To.IsZero() {
		to = 1<<62 - 1
	}
	return queryAll(ctx, s.r, scanReading, sqlListReadings, f.DeviceID, ms(f.From), to, limit(f.Limit, 100, 10000))
}

// CountReadings returns how many readings are stored.
func (s *Store) CountReadings(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, sqlCountReadings).Scan(&n)
	return n, err
}

func scanReading(sc scanner) (model.Reading, error) {
	var r model.Reading
	var ts int64
	var vals, flags string
	if err := sc.Scan(&r.DeviceID, &ts, &r.Seq, &vals, &flags); err != nil {
		return r, err
	}
	r.TS = fromMS(ts)
	if err := json.Unmarshal([]byte(vals), &r.Values); err != nil {
		return r, err
	}
	if flags != "" && flags != "null" && flags != "{}" {
		if err := json.Unmarshal([]byte(flags), &r.Flags); err != nil {
			return r, err
		}
	}
	return r, nil
}

func limit(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}
