package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	// One statement writes the device and its secret: both or neither.
	sqlInsertDevice = `WITH d AS (
		INSERT INTO devices (id, kind, name, region_code, region_name, operator, rule_overrides, params,
			disabled, created_at, geom)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ST_GeomFromEWKB($11)) RETURNING id)
		INSERT INTO device_secrets (device_id, secret_hash) SELECT id, $12 FROM d`
	sqlDeviceCols = `d.id, d.kind, d.name, ST_AsEWKB(d.geom), d.region_code, d.region_name, d.operator,
		d.rule_overrides, d.params, COALESCE(s.secret_hash, ''), d.disabled, d.created_at`
	sqlDeviceFrom  = ` FROM devices d LEFT JOIN device_secrets s ON s.device_id = d.id`
	sqlGetDevice   = `SELECT ` + sqlDeviceCols + sqlDeviceFrom + ` WHERE d.id = $1`
	sqlListDevices = `SELECT ` + sqlDeviceCols + sqlDeviceFrom + ` ORDER BY d.id`
	// Affects no row when the device does not exist.
	sqlSetSecret = `INSERT INTO device_secrets (device_id, secret_hash) SELECT id, $2 FROM devices WHERE id = $1
		ON CONFLICT (device_id) DO UPDATE SET secret_hash = excluded.secret_hash`
	sqlSetDisabled   = `UPDATE devices SET disabled = $2 WHERE id = $1`
	sqlLatestReading = `SELECT r.device_id, r.ts, r.seq, r.vals, r.flags FROM devices d
		CROSS JOIN LATERAL (SELECT device_id, ts, seq, vals, flags FROM readings
			WHERE device_id = d.id ORDER BY ts DESC, seq DESC LIMIT 1) r`
	sqlListStatuses = `SELECT device_id, state, ts, fw, battery_pct FROM device_status ORDER BY device_id`
)

// CreateDevice stores a new device; store.ErrExists if the id is taken.
func (s *Store) CreateDevice(ctx context.Context, d store.DeviceRecord) error {
	ov, err := jsonbObject(d.RuleOverrides, len(d.RuleOverrides))
	if err != nil {
		return err
	}
	params, err := jsonbObject(d.Params, len(d.Params))
	if err != nil {
		return err
	}
	pt, err := pointEWKB(d.Lon, d.Lat)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, sqlInsertDevice, d.ID, d.Kind, d.Name, d.RegionCode, d.RegionName, d.Operator,
		ov, params, d.Disabled, pgTime(d.CreatedAt), pt, d.SecretHash)
	if code, _ := pgCode(err); code == codeUniqueViolation {
		return fmt.Errorf("device %s: %w", d.ID, store.ErrExists)
	}
	return err
}

// SetDeviceSecret replaces a device's secret hash.
func (s *Store) SetDeviceSecret(ctx context.Context, id, hash string) error {
	tag, err := s.pool.Exec(ctx, sqlSetSecret, id, hash)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetDeviceDisabled disables a device (it may not connect or publish) or
// enables it again.
func (s *Store) SetDeviceDisabled(ctx context.Context, id string, disabled bool) error {
	tag, err := s.pool.Exec(ctx, sqlSetDisabled, id, disabled)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// GetDevice returns one device; store.ErrNotFound if absent.
func (s *Store) GetDevice(ctx context.Context, id string) (store.DeviceRecord, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, sqlGetDevice, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return d, err
}

// ListDevices returns every device ordered by id.
func (s *Store) ListDevices(ctx context.Context) ([]store.DeviceRecord, error) {
	return queryAll(ctx, s.pool, scanDevice, sqlListDevices)
}

func scanDevice(sc scanner) (store.DeviceRecord, error) {
	var d store.DeviceRecord
	var pt, ov, params []byte
	err := sc.Scan(&d.ID, &d.Kind, &d.Name, &pt, &d.RegionCode, &d.RegionName, &d.Operator,
		&ov, &params, &d.SecretHash, &d.Disabled, &d.CreatedAt)
	if err != nil {
		return d, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	if d.Lon, d.Lat, err = lonLat(pt); err != nil {
		return d, fmt.Errorf("device %s: %w", d.ID, err)
	}
	if err := unmarshalObject(ov, &d.RuleOverrides); err != nil {
		return d, fmt.Errorf("device %s rule_overrides: %w", d.ID, err)
	}
	if err := unmarshalObject(params, &d.Params); err != nil {
		return d, fmt.Errorf("device %s params: %w", d.ID, err)
	}
	return d, nil
}

// unmarshalObject decodes a stored jsonb object or array into v, leaving v
// nil when it is empty: a nil and an empty map (or slice) both read back nil.
func unmarshalObject(b []byte, v any) error {
	switch string(b) {
	case "", "null", "{}", "[]":
		return nil
	}
	return json.Unmarshal(b, v)
}

// LatestReadings returns each registered device's newest stored reading (by
// timestamp, then seq).
func (s *Store) LatestReadings(ctx context.Context) (map[string]model.Reading, error) {
	rs, err := queryAll(ctx, s.pool, scanReading, sqlLatestReading)
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.Reading, len(rs))
	for _, r := range rs {
		out[r.DeviceID] = r
	}
	return out, nil
}

// ListStatuses returns the last status of every device that sent one.
func (s *Store) ListStatuses(ctx context.Context) ([]model.Status, error) {
	return queryAll(ctx, s.pool, scanStatus, sqlListStatuses)
}

func scanStatus(sc scanner) (model.Status, error) {
	var st model.Status
	err := sc.Scan(&st.DeviceID, &st.State, &st.TS, &st.FW, &st.BatteryPct)
	st.TS = st.TS.UTC()
	return st, err
}
