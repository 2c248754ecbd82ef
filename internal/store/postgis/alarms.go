package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlAlarmCols = `id, source, type, label, severity, status, acked, acked_by, acked_at, count, first_seen,
		last_seen, cleared_at, metric, value, threshold, message, region_code, ST_AsEWKB(geom), kind, category,
		location, incident_id, assignee, version`
	sqlInsertAlarm = `INSERT INTO alarms (source, type, label, severity, status, acked, acked_by, acked_at, count,
		first_seen, last_seen, cleared_at, metric, value, threshold, message, region_code, geom, kind, category,
		location, incident_id, assignee, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
		ST_GeomFromEWKB($18), $19, $20, $21, $22, $23, 1) RETURNING id`
	sqlUpdateAlarm = `UPDATE alarms SET label = $1, severity = $2, status = $3, acked = $4, acked_by = $5,
		acked_at = $6, count = $7, last_seen = $8, cleared_at = $9, value = $10, threshold = $11, message = $12,
		category = $13, location = $14, incident_id = $15, assignee = $16, version = version + 1
		WHERE id = $17 AND version = $18`
	sqlGetAlarm      = `SELECT ` + sqlAlarmCols + ` FROM alarms WHERE id = $1`
	sqlListAlarms    = `SELECT ` + sqlAlarmCols + ` FROM alarms WHERE true`
	sqlAlarmsOrder   = ` ORDER BY last_seen DESC, id DESC LIMIT `
	sqlListDead      = `SELECT id, ts, device_id, topic, reason, detail, payload FROM deadletters WHERE true`
	sqlDeadOrder     = ` ORDER BY id DESC LIMIT `
	sqlAndStatus     = ` AND status = `
	sqlAndSource     = ` AND source = `
	sqlAndCategory   = ` AND category = `
	sqlAndIncidentID = ` AND incident_id = `
	sqlAndReason     = ` AND reason = `
	sqlAndDeviceID   = ` AND device_id = `
	sqlAndIDBelow    = ` AND id < `
	alarmOneActive   = "alarms_one_active"
)

// InsertAlarm stores a new alarm and sets its ID and Version.
// store.ErrExists if an active alarm of the same (source, type) exists.
func (s *Store) InsertAlarm(ctx context.Context, a *model.Alarm) error {
	pt, err := optPointEWKB(a.Lon, a.Lat)
	if err != nil {
		return err
	}
	loc, err := locationJSONB(a.Location)
	if err != nil {
		return fmt.Errorf("alarm %s/%s location: %w", a.Source, a.Type, err)
	}
	err = s.pool.QueryRow(ctx, sqlInsertAlarm, a.Source, a.Type, a.Label, a.Severity, a.Status, a.Acked,
		a.AckedBy, nullTime(a.AckedAt), a.Count, pgTime(a.FirstSeen), pgTime(a.LastSeen), nullTime(a.ClearedAt),
		a.Metric, a.Value, a.Threshold, a.Message, a.RegionCode, pt, a.Kind, a.Category, loc, a.IncidentID,
		a.Assignee).Scan(&a.ID)
	if code, constraint := pgCode(err); code == codeUniqueViolation && constraint == alarmOneActive {
		return fmt.Errorf("alarm %s/%s: %w", a.Source, a.Type, store.ErrExists)
	}
	if err != nil {
		return err
	}
	a.Version = 1
	return nil
}

// UpdateAlarm writes a's mutable fields if the stored version still equals
// a.Version (store.ErrConflict otherwise), then increments a.Version.
func (s *Store) UpdateAlarm(ctx context.Context, a *model.Alarm) error {
	loc, err := locationJSONB(a.Location)
	if err != nil {
		return fmt.Errorf("alarm %d location: %w", a.ID, err)
	}
	tag, err := s.pool.Exec(ctx, sqlUpdateAlarm, a.Label, a.Severity, a.Status, a.Acked, a.AckedBy,
		nullTime(a.AckedAt), a.Count, pgTime(a.LastSeen), nullTime(a.ClearedAt), a.Value, a.Threshold, a.Message,
		a.Category, loc, a.IncidentID, a.Assignee, a.ID, a.Version)
	if err != nil {
		return err
	}
	return store.Versioned(tag.RowsAffected(), "alarm", a.ID, &a.Version, func() error { _, err := s.GetAlarm(ctx, a.ID); return err })
}

// GetAlarm returns one alarm; store.ErrNotFound if absent.
func (s *Store) GetAlarm(ctx context.Context, id int64) (model.Alarm, error) {
	a, err := scanAlarm(s.pool.QueryRow(ctx, sqlGetAlarm, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("alarm %d: %w", id, store.ErrNotFound)
	}
	return a, err
}

// ListAlarms returns alarms matching f, most recently seen first.
func (s *Store) ListAlarms(ctx context.Context, f store.AlarmFilter) ([]model.Alarm, error) {
	var w where
	w.add(f.Status != "", sqlAndStatus, f.Status)
	w.add(f.Source != "", sqlAndSource, f.Source)
	w.add(f.Category != "", sqlAndCategory, f.Category)
	w.add(f.IncidentID != 0, sqlAndIncidentID, f.IncidentID)
	q, args := w.finish(sqlListAlarms, sqlAlarmsOrder, limit(f.Limit, 500, 10000))
	return queryAll(ctx, s.pool, scanAlarm, q, args...)
}

func scanAlarm(sc scanner) (model.Alarm, error) {
	var a model.Alarm
	var ackedAt, cleared *time.Time
	var pt, loc []byte
	err := sc.Scan(&a.ID, &a.Source, &a.Type, &a.Label, &a.Severity, &a.Status, &a.Acked, &a.AckedBy, &ackedAt,
		&a.Count, &a.FirstSeen, &a.LastSeen, &cleared, &a.Metric, &a.Value, &a.Threshold, &a.Message,
		&a.RegionCode, &pt, &a.Kind, &a.Category, &loc, &a.IncidentID, &a.Assignee, &a.Version)
	if err != nil {
		return a, err
	}
	a.AckedAt, a.ClearedAt = fromNull(ackedAt), fromNull(cleared)
	a.FirstSeen, a.LastSeen = a.FirstSeen.UTC(), a.LastSeen.UTC()
	if loc != nil {
		a.Location = new(model.Location)
		if err := json.Unmarshal(loc, a.Location); err != nil {
			return a, fmt.Errorf("alarm %d location: %w", a.ID, err)
		}
	}
	a.Lon, a.Lat, err = lonLat(pt)
	return a, err
}

// locationJSONB is an alarm's location as stored: NULL when it has none.
func locationJSONB(l *model.Location) ([]byte, error) {
	if l == nil {
		return nil, nil
	}
	return jsonb(l)
}

// ListDeadLetters returns dead letters matching f, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]model.DeadLetter, error) {
	var w where
	w.add(f.Reason != "", sqlAndReason, f.Reason)
	w.add(f.DeviceID != "", sqlAndDeviceID, f.DeviceID)
	w.add(f.BeforeID > 0, sqlAndIDBelow, f.BeforeID)
	q, args := w.finish(sqlListDead, sqlDeadOrder, limit(f.Limit, 100, 1000))
	return queryAll(ctx, s.pool, scanDeadLetter, q, args...)
}

func scanDeadLetter(sc scanner) (model.DeadLetter, error) {
	var d model.DeadLetter
	var payload []byte
	err := sc.Scan(&d.ID, &d.TS, &d.DeviceID, &d.Topic, &d.Reason, &d.Detail, &payload)
	d.TS, d.Payload = d.TS.UTC(), string(payload)
	return d, err
}

// where builds the optional conditions of a list query from constant
// fragments, numbering the placeholders.
type where struct {
	conds string
	args  []any
}

func (w *where) add(use bool, cond string, arg any) {
	if use {
		w.args = append(w.args, arg)
		w.conds += cond + "$" + strconv.Itoa(len(w.args))
	}
}

// finish returns head + conditions + tail + the limit placeholder.
func (w *where) finish(head, tail string, limit int) (string, []any) {
	w.args = append(w.args, limit)
	return head + w.conds + tail + "$" + strconv.Itoa(len(w.args)), w.args
}
