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
	sqlInsertComment = `INSERT INTO alarm_comments (alarm_id, ts, author, body) VALUES (?,?,?,?)`
	sqlListComments  = `SELECT id, alarm_id, ts, author, body FROM alarm_comments WHERE alarm_id = ?
		ORDER BY ts, id`

	sqlIncidentCols = `id, category, title, severity, status, region_code, lon, lat, location, alarm_ids, sources,
		first_seen, last_seen, closed_at, case_id, version`
	sqlInsertIncident = `INSERT INTO incidents (category, title, severity, status, region_code, lon, lat, location,
		alarm_ids, sources, first_seen, last_seen, closed_at, case_id, version)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)`
	sqlUpdateIncident = `UPDATE incidents SET category = ?, title = ?, severity = ?, status = ?, region_code = ?,
		lon = ?, lat = ?, location = ?, alarm_ids = ?, sources = ?, first_seen = ?, last_seen = ?, closed_at = ?,
		case_id = ?, version = version + 1
		WHERE id = ? AND version = ?`
	sqlGetIncident = `SELECT ` + sqlIncidentCols + ` FROM incidents WHERE id = ?`
)

// AddAlarmComment stores a comment on an existing alarm and sets c.ID;
// store.ErrNotFound if there is no alarm c.AlarmID.
func (s *Store) AddAlarmComment(ctx context.Context, c *model.AlarmComment) error {
	res, err := s.w.ExecContext(ctx, sqlInsertComment, c.AlarmID, ms(c.At), c.By, c.Text)
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
			return fmt.Errorf("comment on alarm %d: %w", c.AlarmID, store.ErrNotFound)
		}
		return err
	}
	c.ID, err = res.LastInsertId()
	return err
}

// ListAlarmComments returns an alarm's comments, oldest first; none (and no
// error) for an alarm that has none or does not exist.
func (s *Store) ListAlarmComments(ctx context.Context, alarmID int64) ([]model.AlarmComment, error) {
	return queryAll(ctx, s.r, scanComment, sqlListComments, alarmID)
}

func scanComment(sc scanner) (model.AlarmComment, error) {
	var c model.AlarmComment
	var ts int64
	err := sc.Scan(&c.ID, &c.AlarmID, &ts, &c.By, &c.Text)
	c.At = fromMS(ts)
	return c, err
}

// incidentRow is an incident's JSON columns, encoded.
type incidentRow struct{ location, alarmIDs, sources string }

func encodeIncident(in *model.Incident) (incidentRow, error) {
	loc, err := json.Marshal(in.Location)
	if err != nil {
		return incidentRow{}, fmt.Errorf("incident location: %w", err)
	}
	ids, err := jsonArray(in.AlarmIDs, len(in.AlarmIDs))
	if err != nil {
		return incidentRow{}, err
	}
	srcs, err := jsonArray(in.Sources, len(in.Sources))
	if err != nil {
		return incidentRow{}, err
	}
	return incidentRow{string(loc), ids, srcs}, nil
}

// jsonArray stores a nil or empty slice as [] rather than null; both read
// back nil.
func jsonArray(v any, n int) (string, error) {
	if n == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// InsertIncident stores a new incident and sets its ID and Version.
func (s *Store) InsertIncident(ctx context.Context, in *model.Incident) error {
	r, err := encodeIncident(in)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, sqlInsertIncident, in.Category, in.Title, in.Severity, in.Status,
		in.RegionCode, in.Lon, in.Lat, r.location, r.alarmIDs, r.sources, ms(in.FirstSeen), ms(in.LastSeen),
		ms(in.ClosedAt), in.CaseID)
	if err != nil {
		return err
	}
	in.ID, err = res.LastInsertId()
	in.Version = 1
	return err
}

// UpdateIncident writes every field of in if the stored version still equals
// in.Version (store.ErrConflict otherwise), then increments in.Version;
// store.ErrNotFound if there is no incident in.ID.
func (s *Store) UpdateIncident(ctx context.Context, in *model.Incident) error {
	r, err := encodeIncident(in)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, sqlUpdateIncident, in.Category, in.Title, in.Severity, in.Status,
		in.RegionCode, in.Lon, in.Lat, r.location, r.alarmIDs, r.sources, ms(in.FirstSeen), ms(in.LastSeen),
		ms(in.ClosedAt), in.CaseID, in.ID, in.Version)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	return store.Versioned(n, "incident", in.ID, &in.Version, func() error { _, err := s.GetIncident(ctx, in.ID); return err })
}

// GetIncident returns one incident; store.ErrNotFound if absent.
func (s *Store) GetIncident(ctx context.Context, id int64) (model.Incident, error) {
	in, err := scanIncident(s.r.QueryRowContext(ctx, sqlGetIncident, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("incident %d: %w", id, store.ErrNotFound)
	}
	return in, err
}

// ListIncidents returns incidents matching f, newest (highest id) first.
func (s *Store) ListIncidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error) {
	q := `SELECT ` + sqlIncidentCols + ` FROM incidents WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Category != "" {
		q += ` AND category = ?`
		args = append(args, f.Category)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit(f.Limit, 500, 10000))
	return queryAll(ctx, s.r, scanIncident, q, args...)
}

func scanIncident(sc scanner) (model.Incident, error) {
	var in model.Incident
	var r incidentRow
	var first, last, closed int64
	err := sc.Scan(&in.ID, &in.Category, &in.Title, &in.Severity, &in.Status, &in.RegionCode, &in.Lon, &in.Lat,
		&r.location, &r.alarmIDs, &r.sources, &first, &last, &closed, &in.CaseID, &in.Version)
	if err != nil {
		return in, err
	}
	in.FirstSeen, in.LastSeen, in.ClosedAt = fromMS(first), fromMS(last), fromMS(closed)
	if err := json.Unmarshal([]byte(r.location), &in.Location); err != nil {
		return in, fmt.Errorf("incident %d location: %w", in.ID, err)
	}
	if err := unmarshalObject(r.alarmIDs, &in.AlarmIDs); err != nil {
		return in, fmt.Errorf("incident %d alarm_ids: %w", in.ID, err)
	}
	if err := unmarshalObject(r.sources, &in.Sources); err != nil {
		return in, fmt.Errorf("incident %d sources: %w", in.ID, err)
	}
	return in, nil
}
