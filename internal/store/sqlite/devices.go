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
	sqlInsertDevice = `INSERT INTO devices (id, kind, name, lon, lat, region_code, region_name, operator,
		rule_overrides, params, secret_hash, disabled, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`
	sqlDeviceCols = `id, kind, name, lon, lat, region_code, region_name, operator, rule_overrides, params,
		secret_hash, disabled, created_at`
	sqlGetDevice     = `SELECT ` + sqlDeviceCols + ` FROM devices WHERE id = ?`
	sqlListDevices   = `SELECT ` + sqlDeviceCols + ` FROM devices ORDER BY id`
	sqlSetSecret     = `UPDATE devices SET secret_hash = ? WHERE id = ?`
	sqlSetDisabled   = `UPDATE devices SET disabled = ? WHERE id = ?`
	sqlLatestReading = `SELECT r.device_id, r.ts, r.seq, r.vals, r.flags FROM devices d
		JOIN readings r ON r.device_id = d.id
		AND r.ts = (SELECT MAX(ts) FROM readings WHERE device_id = d.id)`
	sqlListStatuses = `SELECT device_id, state, ts, fw, battery_pct FROM device_status`
)

// CreateDevice stores a new device; store.ErrExists if the id is taken.
func (s *Store) CreateDevice(ctx context.Context, d store.DeviceRecord) error {
	ov, err := json.Marshal(d.RuleOverrides)
	if err != nil {
		return err
	}
	params, err := json.Marshal(d.Params)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, sqlInsertDevice, d.ID, d.Kind, d.Name, d.Lon, d.Lat, d.RegionCode,
		d.RegionName, d.Operator, string(ov), string(params), d.SecretHash, d.Disabled, ms(d.CreatedAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("device %s: %w", d.ID, store.ErrExists)
	}
	return err
}

// SetDeviceSecret replaces a device's secret hash.
func (s *Store) SetDeviceSecret(ctx context.Context, id, hash string) error {
	res, err := s.w.ExecContext(ctx, sqlSetSecret, hash, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetDeviceDisabled disables a device (it may not connect or publish) or
// enables it again.
func (s *Store) SetDeviceDisabled(ctx context.Context, id string, disabled bool) error {
	res, err := s.w.ExecContext(ctx, sqlSetDisabled, disabled, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// GetDevice returns one device; store.ErrNotFound if absent.
func (s *Store) GetDevice(ctx context.Context, id string) (store.DeviceRecord, error) {
	d, err := scanDevice(s.r.QueryRowContext(ctx, sqlGetDevice, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return d, err
}

// ListDevices returns every device ordered by id.
func (s *Store) ListDevices(ctx context.Context) ([]store.DeviceRecord, error) {
	return queryAll(ctx, s.r, scanDevice, sqlListDevices)
}

type scanner interface{ Scan(dest ...any) error }

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanDevice(sc scanner) (store.DeviceRecord, error) {
	var d store.DeviceRecord
	var ov, params string
	var created int64
	err := sc.Scan(&d.ID, &d.Kind, &d.Name, &d.Lon, &d.Lat, &d.RegionCode, &d.RegionName, &d.Operator,
		&ov, &params, &d.SecretHash, &d.Disabled, &created)
	if err != nil {
		return d, err
	}
	d.CreatedAt = fromMS(created)
	if err := unmarshalObject(ov, &d.RuleOverrides); err != nil {
		return d, fmt.Errorf("device %s rule_overrides: %w", d.ID, err)
	}
	if err := unmarshalObject(params, &d.Params); err != nil {
		return d, fmt.Errorf("device %s params: %w", d.ID, err)
	}
	return d, nil
}

// unmarshalObject decodes a stored JSON object or array into v, leaving v
// nil when it is empty: a nil and an empty map (or slice) both read back nil.
func unmarshalObject(s string, v any) error {
	if s == "" || s == "null" || s == "{}" || s == "[]" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// LatestReadings returns each device's newest stored reading.
func (s *Store) LatestReadings(ctx context.Context) (map[string]model.Reading, error) {
	rs, err := queryAll(ctx, s.r, scanReading, sqlLatestReading)
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.Reading, len(rs))
	for _, r := range rs {
		if prev, ok := out[r.DeviceID]; !ok || r.Seq > prev.Seq {
			out[r.DeviceID] = r
		}
	}
	return out, nil
}

// ListStatuses returns the last status of every device that sent one.
func (s *Store) ListStatuses(ctx context.Context) ([]model.Status, error) {
	return queryAll(ctx, s.r, scanStatus, sqlListStatuses)
}

func scanStatus(sc scanner) (model.Status, error) {
	var st model.Status
	var ts int64
	var bat sql.NullFloat64
	err := sc.Scan(&st.DeviceID, &st.State, &ts, &st.FW, &bat)
	st.TS = fromMS(ts)
	if bat.Valid {
		st.BatteryPct = &bat.Float64
	}
	return st, err
}
