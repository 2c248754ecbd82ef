package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	// Readings are COPYed into this per-transaction table, then moved with
	// one INSERT … SELECT that skips stored keys and reports the new ones. Of
	// duplicates inside one batch the first (lowest i) wins, as in SQLite.
	sqlCreateStaging = `CREATE TEMP TABLE readings_in (i integer, device_id text, ts timestamptz, seq bigint,
		vals jsonb, flags jsonb) ON COMMIT DROP`
	sqlMoveStaging = `INSERT INTO readings (device_id, ts, seq, vals, flags)
		SELECT DISTINCT ON (device_id, ts, seq) device_id, ts, seq, vals, flags FROM readings_in
		ORDER BY device_id, ts, seq, i
		ON CONFLICT DO NOTHING RETURNING device_id, ts, seq`
	sqlInsertEvent = `INSERT INTO events (device_id, ts, type, fields) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`
	sqlUpsertStatus = `INSERT INTO device_status AS cur (device_id, state, ts, fw, battery_pct) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, ts = excluded.ts,
		fw = CASE WHEN excluded.fw = '' THEN cur.fw ELSE excluded.fw END,
		battery_pct = COALESCE(excluded.battery_pct, cur.battery_pct)
		WHERE excluded.ts >= cur.ts`
	sqlInsertDeadLetter = `INSERT INTO deadletters (ts, device_id, topic, reason, detail, payload)
		VALUES ($1, $2, $3, $4, $5, $6)`
	sqlListReadings = `SELECT device_id, ts, seq, vals, flags FROM readings
		WHERE device_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts DESC, seq DESC LIMIT $4`
	sqlCountReadings = `SELECT count(*) FROM readings`
)

var stagingCols = []string{"i", "device_id", "ts", "seq", "vals", "flags"}

// WriteBatch commits readings, events, statuses and dead letters in one
// transaction. Readings and events already stored are skipped and reported
// as not inserted, so a QoS1 redelivery never double counts. The day
// partitions the readings need are created first, in their own short
// transactions, so that a batch never waits on DDL while holding locks.
func (s *Store) WriteBatch(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	res := store.BatchResult{Inserted: make([]bool, len(b.Readings)), EventNew: make([]bool, len(b.Events))}
	rows, err := stagingRows(b.Readings)
	if err != nil {
		return res, err
	}
	if err := s.parts.ensure(ctx, s.pool, b.Readings); err != nil {
		return res, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := copyReadings(ctx, tx, b.Readings, rows, res.Inserted); err != nil {
			return err
		}
		return writeOthers(ctx, tx, b, res.EventNew)
	})
	return res, err
}

// stagingRows encodes readings as COPY rows, before any transaction opens.
func stagingRows(rs []model.Reading) ([][]any, error) {
	rows := make([][]any, len(rs))
	for i, r := range rs {
		vals, err := jsonb(r.Values)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", r.DeviceID, err)
		}
		flags, err := jsonbObject(r.Flags, len(r.Flags))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", r.DeviceID, err)
		}
		rows[i] = []any{int32(i), r.DeviceID, pgTime(r.TS), r.Seq, vals, flags}
	}
	return rows, nil
}

type readingKey struct {
	device string
	ms     int64
	seq    int64
}

func copyReadings(ctx context.Context, tx pgx.Tx, rs []model.Reading, rows [][]any, inserted []bool) error {
	if len(rs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, sqlCreateStaging); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"readings_in"}, stagingCols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy readings: %w", err)
	}
	first := make(map[readingKey]int, len(rs))
	for i := len(rs) - 1; i >= 0; i-- {
		first[readingKey{rs[i].DeviceID, pgTime(rs[i].TS).UnixMilli(), rs[i].Seq}] = i
	}
	moved, err := tx.Query(ctx, sqlMoveStaging)
	if err != nil {
		return err
	}
	defer moved.Close()
	for moved.Next() {
		var k readingKey
		var ts time.Time
		if err := moved.Scan(&k.device, &ts, &k.seq); err != nil {
			return err
		}
		k.ms = ts.UnixMilli()
		inserted[first[k]] = true
	}
	return moved.Err()
}

// writeOthers sends events, statuses and dead letters as one pipelined batch.
func writeOthers(ctx context.Context, tx pgx.Tx, b store.Batch, isNew []bool) error {
	var q pgx.Batch
	for i, e := range b.Events {
		fields, err := jsonbObject(e.Fields, len(e.Fields))
		if err != nil {
			return fmt.Errorf("event %s: %w", e.DeviceID, err)
		}
		q.Queue(sqlInsertEvent, e.DeviceID, pgTime(e.TS), e.Type, fields).Exec(func(ct pgconn.CommandTag) error {
			isNew[i] = ct.RowsAffected() == 1
			return nil
		})
	}
	for _, st := range b.Statuses {
		q.Queue(sqlUpsertStatus, st.DeviceID, st.State, pgTime(st.TS), st.FW, st.BatteryPct)
	}
	for _, d := range b.DeadLetters {
		q.Queue(sqlInsertDeadLetter, pgTime(d.TS), text(d.DeviceID), text(d.Topic), text(d.Reason), text(d.Detail),
			[]byte(d.Payload))
	}
	if q.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, &q).Close(); err != nil {
		return fmt.Errorf("events, statuses and dead letters: %w", err)
	}
	return nil
}

// ListReadings returns one device's readings, newest first.
func (s *Store) ListReadings(ctx context.Context, f store.ReadingFilter) ([]model.Reading, error) {
	to := f.To
	if to.IsZero() {
		to = farFuture
	}
	return queryAll(ctx, s.pool, scanReading, sqlListReadings, f.DeviceID, pgTime(f.From), pgTimeCeil(to),
		limit(f.Limit, 100, 10000))
}

// CountReadings returns how many readings are stored.
func (s *Store) CountReadings(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, sqlCountReadings).Scan(&n)
	return n, err
}

func scanReading(sc scanner) (model.Reading, error) {
	var r model.Reading
	var vals, flags []byte
	if err := sc.Scan(&r.DeviceID, &r.TS, &r.Seq, &vals, &flags); err != nil {
		return r, err
	}
	r.TS = r.TS.UTC()
	if err := json.Unmarshal(vals, &r.Values); err != nil {
		return r, err
	}
	if s := string(flags); s != "" && s != "null" && s != "{}" {
		if err := json.Unmarshal(flags, &r.Flags); err != nil {
			return r, err
		}
	}
	return r, nil
}

// jsonb marshals v for a jsonb column, which refuses the \u0000 escape that
// encoding/json emits for NUL: it becomes U+FFFD, so one device sending a NUL
// cannot make every batch it rides in fail.
func jsonb(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			copy(b[i+2:i+6], "fffd")
		}
		i++ // skip the escaped character, so `\\u0000` (a literal backslash) is left alone
	}
	return b, nil
}

// jsonbObject is jsonb, but an empty or nil map is stored as {} rather
// than null, which reads better in QGIS and psql; both read back as nil.
func jsonbObject(v any, n int) ([]byte, error) {
	if n == 0 {
		return []byte("{}"), nil
	}
	return jsonb(v)
}

// text makes s storable in a text column, which refuses NUL and invalid
// UTF-8; dead letters carry whatever a device sent.
func text(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
