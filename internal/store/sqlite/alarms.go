package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlAlarmCols = `id, source, type, label, severity, status, acked, acked_by, acked_at, count, first_seen,
		last_seen, cleared_at, metric, value, threshold, message, region_code, lon, lat, kind, category, location,
		incident_id, assignee, version`
	sqlInsertAlarm = `INSERT INTO alarms (source, type, label, severity, status, acked, acked_by, acked_at, count,
		first_seen, last_seen, cleared_at, metric, value, threshold, message, region_code, lon, lat, kind,
		category, location, incident_id, assignee, version)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)`
	sqlUpdateAlarm = `UPDATE alarms SET label = ?, severity = ?, status = ?, acked = ?, acked_by = ?, acked_at = ?,
		count = ?, last_seen = ?, cleared_at = ?, value = ?, threshold = ?, message = ?, category = ?,
		location = ?, incident_id = ?, assignee = ?, version = version + 1
		WHERE id = ? AND version = ?`
	sqlGetAlarm = `SELECT ` + sqlAlarmCols + ` FROM alarms WHERE id = ?`
)

// InsertAlarm stores a new alarm and sets its ID and Version.
// store.ErrExists if an active alarm of the same (source, type) exists.
func (s *Store) InsertAlarm(ctx context.Context, a *model.Alarm) error {
	loc, err := locationJSON(a.Location)
	if err != nil {
		return fmt.Errorf("alarm %s/%s location: %w", a.Source, a.Type, err)
	}
	res, err := s.w.ExecContext(ctx, sqlInsertAlarm, a.Source, a.Type, a.Label, a.Severity, a.Status, a.Acked,
		a.AckedBy, ms(a.AckedAt), a.Count, ms(a.FirstSeen), ms(a.LastSeen), ms(a.ClearedAt), a.Metric, a.Value,
		a.Threshold, a.Message, a.RegionCode, a.Lon, a.Lat, a.Kind, a.Category, loc, a.IncidentID, a.Assignee)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("alarm %s/%s: %w", a.Source, a.Type, store.ErrExists)
		}
		return err
	}
	a.ID, err = res.LastInsertId()
	a.Version = 1
	return err
}

// UpdateAlarm writes a's mutable fields if the stored version still equals
// a.Version (store.ErrConflict otherwise), then increments a.Version.
func (s *Store) UpdateAlarm(ctx context.Context, a *model.Alarm) error {
	loc, err := locationJSON(a.Location)
	if err != nil {
		return fmt.Errorf("alarm %d location: %w", a.ID, err)
	}
	res, err := s.w.ExecContext(ctx, sqlUpdateAlarm, a.Label, a.Severity, a.Status, a.Acked, a.AckedBy, ms(a.AckedAt),
		a.Count, ms(a.LastSeen), ms(a.ClearedAt), a.Value, a.Threshold, a.Message, a.Category, loc, a.IncidentID,
		a.Assignee, a.ID, a.Version)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	return store.Versioned(n, "alarm", a.ID, &a.Version, func() error { _, err := s.GetAlarm(ctx, a.ID); return err })
}

// GetAlarm returns one alarm; store.ErrNotFound if absent.
func (s *Store) GetAlarm(ctx context.Context, id int64) (model.Alarm, error) {
	a, err := scanAlarm(s.r.QueryRowContext(ctx, sqlGetAlarm, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("alarm %d: %w", id, store.ErrNotFound)
	}
	return a, err
}

// ListAlarms returns alarms matching f, most recently seen first.
func (s *Store) ListAlarms(ctx context.Context, f store.AlarmFilter) ([]model.Alarm, error) {
	q := `SELECT ` + sqlAlarmCols + ` FROM alarms WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Source != "" {
		q += ` AND source = ?`
		args = append(args, f.Source)
	}
	if f.Category != "" {
		q += ` AND category = ?`
		args = append(args, f.Category)
	}
	if f.IncidentID != 0 {
		q += ` AND incident_id = ?`
		args = append(args, f.IncidentID)
	}
	q += ` ORDER BY last_seen DESC, id DESC LIMIT ?`
	args = append(args, limit(f.Limit, 500, 10000))
	return queryAll(ctx, s.r, scanAlarm, q, args...)
}

func scanAlarm(sc scanner) (model.Alarm, error) {
	var a model.Alarm
	var ackedAt, first, last, cleared int64
	var loc sql.NullString
	err := sc.Scan(&a.ID, &a.Source, &a.Type, &a.Label, &a.Severity, &a.Status, &a.Acked, &a.AckedBy, &ackedAt,
		&a.Count, &first, &last, &cleared, &a.Metric, &a.Value, &a.Threshold, &a.Message, &a.RegionCode,
		&a.Lon, &a.Lat, &a.Kind, &a.Category, &loc, &a.IncidentID, &a.Assignee, &a.Version)
	if err != nil {
		return a, err
	}
	a.AckedAt, a.FirstSeen, a.LastSeen, a.ClearedAt = fromMS(ackedAt), fromMS(first), fromMS(last), fromMS(cleared)
	if loc.Valid {
		a.Location = new(model.Location)
		if err := json.Unmarshal([]byte(loc.String), a.Location); err != nil {
			return a, fmt.Errorf("alarm %d location: %w", a.ID, err)
		}
	}
	return a, nil
}

// locationJSON is an alarm's location as stored: NULL when it has none.
func locationJSON(l *model.Location) (sql.NullString, error) {
	if l == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(l)
	return sql.NullString{String: string(b), Valid: err == nil}, err
}

// ListDeadLetters returns dead letters matching f, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]model.DeadLetter, error) {
	q := `SELECT id, ts, device_id, topic, reason, detail, payload FROM deadletters WHERE 1=1`
	var args []any
	if f.Reason != "" {
		q += ` AND reason = ?`
		args = append(args, f.Reason)
	}
	if f.DeviceID != "" {
		q += ` AND device_id = ?`
		args = append(args, f.DeviceID)
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit(f.Limit, 100, 1000))
	return queryAll(ctx, s.r, scanDeadLetter, q, args...)
}

func scanDeadLetter(sc scanner) (model.DeadLetter, error) {
	var d model.DeadLetter
	var ts int64
	err := sc.Scan(&d.ID, &ts, &d.DeviceID, &d.Topic, &d.Reason, &d.Detail, &d.Payload)
	d.TS = fromMS(ts)
	return d, err
}
