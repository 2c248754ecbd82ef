package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlInsertComment = `INSERT INTO alarm_comments (alarm_id, ts, author, body) VALUES ($1, $2, $3, $4)
		RETURNING id`
	sqlListComments = `SELECT id, alarm_id, ts, author, body FROM alarm_comments WHERE alarm_id = $1
		ORDER BY ts, id`

	sqlIncidentCols = `id, category, title, severity, status, region_code, ST_AsEWKB(geom), location, alarm_ids,
		sources, first_seen, last_seen, closed_at, case_id, version`
	sqlInsertIncident = `INSERT INTO incidents (category, title, severity, status, region_code, geom, location,
		alarm_ids, sources, first_seen, last_seen, closed_at, case_id, version)
		VALUES ($1, $2, $3, $4, $5, ST_GeomFromEWKB($6), $7, $8, $9, $10, $11, $12, $13, 1) RETURNING id`
	sqlUpdateIncident = `UPDATE incidents SET category = $1, title = $2, severity = $3, status = $4,
		region_code = $5, geom = ST_GeomFromEWKB($6), location = $7, alarm_ids = $8, sources = $9,
		first_seen = $10, last_seen = $11, closed_at = $12, case_id = $13, version = version + 1
		WHERE id = $14 AND version = $15`
	sqlGetIncident    = `SELECT ` + sqlIncidentCols + ` FROM incidents WHERE id = $1`
	sqlListIncidents  = `SELECT ` + sqlIncidentCols + ` FROM incidents WHERE true`
	sqlIncidentsOrder = ` ORDER BY id DESC LIMIT `
)

// AddAlarmComment stores a comment on an existing alarm and sets c.ID;
// store.ErrNotFound if there is no alarm c.AlarmID.
func (s *Store) AddAlarmComment(ctx context.Context, c *model.AlarmComment) error {
	err := s.pool.QueryRow(ctx, sqlInsertComment, c.AlarmID, pgTime(c.At), c.By, c.Text).Scan(&c.ID)
	if code, _ := pgCode(err); code == codeForeignKeyViolation {
		return fmt.Errorf("comment on alarm %d: %w", c.AlarmID, store.ErrNotFound)
	}
	return err
}

// ListAlarmComments returns an alarm's comments, oldest first; none (and no
// error) for an alarm that has none or does not exist.
func (s *Store) ListAlarmComments(ctx context.Context, alarmID int64) ([]model.AlarmComment, error) {
	return queryAll(ctx, s.pool, scanComment, sqlListComments, alarmID)
}

func scanComment(sc scanner) (model.AlarmComment, error) {
	var c model.AlarmComment
	err := sc.Scan(&c.ID, &c.AlarmID, &c.At, &c.By, &c.Text)
	c.At = c.At.UTC()
	return c, err
}

// incidentArgs are an incident's parameters in the order both the insert
// and the update take them, before the update's id and version.
func incidentArgs(in *model.Incident) ([]any, error) {
	pt, err := optPointEWKB(in.Lon, in.Lat)
	if err != nil {
		return nil, err
	}
	loc, err := jsonb(in.Location)
	if err != nil {
		return nil, fmt.Errorf("incident location: %w", err)
	}
	ids, err := jsonbArray(in.AlarmIDs, len(in.AlarmIDs))
	if err != nil {
		return nil, err
	}
	srcs, err := jsonbArray(in.Sources, len(in.Sources))
	if err != nil {
		return nil, err
	}
	return []any{in.Category, in.Title, in.Severity, in.Status, in.RegionCode, pt, loc, ids, srcs,
		pgTime(in.FirstSeen), pgTime(in.LastSeen), nullTime(in.ClosedAt), in.CaseID}, nil
}

// jsonbArray is jsonb, but a nil or empty slice is stored as [] rather than
// null; both read back nil.
func jsonbArray(v any, n int) ([]byte, error) {
	if n == 0 {
		return []byte("[]"), nil
	}
	return jsonb(v)
}

// InsertIncident stores a new incident and sets its ID and Version.
func (s *Store) InsertIncident(ctx context.Context, in *model.Incident) error {
	args, err := incidentArgs(in)
	if err != nil {
		return err
	}
	if err := s.pool.QueryRow(ctx, sqlInsertIncident, args...).Scan(&in.ID); err != nil {
		return err
	}
	in.Version = 1
	return nil
}

// UpdateIncident writes every field of in if the stored version still equals
// in.Version (store.ErrConflict otherwise), then increments in.Version;
// store.ErrNotFound if there is no incident in.ID.
func (s *Store) UpdateIncident(ctx context.Context, in *model.Incident) error {
	args, err := incidentArgs(in)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, sqlUpdateIncident, append(args, in.ID, in.Version)...)
	if err != nil {
		return err
	}
	return store.Versioned(tag.RowsAffected(), "incident", in.ID, &in.Version, func() error { _, err := s.GetIncident(ctx, in.ID); return err })
}

// GetIncident returns one incident; store.ErrNotFound if absent.
func (s *Store) GetIncident(ctx context.Context, id int64) (model.Incident, error) {
	in, err := scanIncident(s.pool.QueryRow(ctx, sqlGetIncident, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return in, fmt.Errorf("incident %d: %w", id, store.ErrNotFound)
	}
	return in, err
}

// ListIncidents returns incidents matching f, newest (highest id) first.
func (s *Store) ListIncidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error) {
	var w where
	w.add(f.Status != "", sqlAndStatus, f.Status)
	w.add(f.Category != "", sqlAndCategory, f.Category)
	q, args := w.finish(sqlListIncidents, sqlIncidentsOrder, limit(f.Limit, 500, 10000))
	return queryAll(ctx, s.pool, scanIncident, q, args...)
}

func scanIncident(sc scanner) (model.Incident, error) {
	var in model.Incident
	var pt, loc, ids, srcs []byte
	var closed *time.Time
	err := sc.Scan(&in.ID, &in.Category, &in.Title, &in.Severity, &in.Status, &in.RegionCode, &pt, &loc, &ids,
		&srcs, &in.FirstSeen, &in.LastSeen, &closed, &in.CaseID, &in.Version)
	if err != nil {
		return in, err
	}
	in.FirstSeen, in.LastSeen, in.ClosedAt = in.FirstSeen.UTC(), in.LastSeen.UTC(), fromNull(closed)
	if in.Lon, in.Lat, err = lonLat(pt); err != nil {
		return in, fmt.Errorf("incident %d: %w", in.ID, err)
	}
	if err := json.Unmarshal(loc, &in.Location); err != nil {
		return in, fmt.Errorf("incident %d location: %w", in.ID, err)
	}
	if err := unmarshalObject(ids, &in.AlarmIDs); err != nil {
		return in, fmt.Errorf("incident %d alarm_ids: %w", in.ID, err)
	}
	if err := unmarshalObject(srcs, &in.Sources); err != nil {
		return in, fmt.Errorf("incident %d sources: %w", in.ID, err)
	}
	return in, nil
}
