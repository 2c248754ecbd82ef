package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlInsertCase = `INSERT INTO cases (no, state, category, severity, source, source_ref, incident_id, agency_id,
		agencies, region_code, lon, lat, created_at, updated_at, version, doc)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,'{}')`
	// The doc holds the id, number and version, known only once the row is in.
	sqlSetCaseDoc = `UPDATE cases SET no = ?, doc = ? WHERE id = ?`
	sqlUpdateCase = `UPDATE cases SET no = ?, state = ?, category = ?, severity = ?, source = ?, source_ref = ?,
		incident_id = ?, agency_id = ?, agencies = ?, region_code = ?, lon = ?, lat = ?, created_at = ?,
		updated_at = ?, doc = ?, version = version + 1
		WHERE id = ? AND version = ?`
	sqlCaseExists  = `SELECT 1 FROM cases WHERE id = ?`
	sqlCaseCols    = `id, version, doc`
	sqlGetCase     = `SELECT ` + sqlCaseCols + ` FROM cases WHERE id = ?`
	sqlListCases   = `SELECT ` + sqlCaseCols + ` FROM cases WHERE 1=1`
	sqlCasesOrder  = ` ORDER BY id DESC LIMIT ?`
	sqlCaseStates  = ` AND state IN (SELECT value FROM json_each(?))`
	sqlCaseCat     = ` AND category = ?`
	sqlCaseSource  = ` AND source = ?`
	sqlCaseInc     = ` AND incident_id = ?`
	sqlCaseAgency  = ` AND (agency_id = ? OR EXISTS (SELECT 1 FROM json_each(cases.agencies) WHERE value = ?))`
	sqlCaseRegion  = ` AND substr(region_code, 1, length(?)) = ?`
	sqlCaseFrom    = ` AND created_at >= ?`
	sqlCaseTo      = ` AND created_at < ?`
	sqlCaseIDBelow = ` AND id < ?`

	sqlInsertCaseEvent = `INSERT INTO case_events (case_id, at, actor, role, agency, action, from_state, to_state,
		note, data) VALUES (?,?,?,?,?,?,?,?,?,?)`
	sqlCaseEvents = `SELECT id, case_id, at, actor, role, agency, action, from_state, to_state, note, data
		FROM case_events WHERE case_id = ? ORDER BY at, id`

	sqlInsertOutbox = `INSERT INTO outbox (case_id, agency_id, url, event, key, body, created_at, attempts, next_at,
		delivered_at, last_error) VALUES (?,?,?,?,?,?,?,?,?,?,?)`
	sqlUpdateOutbox = `UPDATE outbox SET attempts = ?, next_at = ?, delivered_at = ?, last_error = ? WHERE id = ?`
	sqlListOutbox   = `SELECT id, case_id, agency_id, url, event, key, body, created_at, attempts, next_at,
		delivered_at, last_error FROM outbox WHERE 1=1`
	sqlOutboxOrder   = ` ORDER BY id LIMIT ?`
	sqlOutboxPending = ` AND delivered_at IS NULL`
	sqlOutboxDue     = ` AND next_at <= ?`
	sqlOutboxCase    = ` AND case_id = ?`
	sqlOutboxAgency  = ` AND agency_id = ?`

	// A case's writes change only what dispatch owns of a resource; the
	// seeded fields are SeedResources'.
	sqlReserveResource = `UPDATE resources SET status = ?, case_id = ?, version = version + 1
		WHERE id = ? AND version = ?`
	sqlSeedResource = `INSERT INTO resources (id, type, name, agency_id, lon, lat, status, case_id, version)
		VALUES (?,?,?,?,?,?,?,0,1)
		ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name,
		agency_id = excluded.agency_id, lon = excluded.lon, lat = excluded.lat`
	sqlListResources = `SELECT id, type, name, agency_id, lon, lat, status, case_id, version FROM resources
		ORDER BY id`
)

// CreateCase inserts c with version 1 and w in one transaction, then sets
// c.ID, c.Version and, if it was empty, c.No (store.CaseNo), and the IDs
// and CaseIDs of w's events and messages and the Versions of its
// resources. A duplicate outbox key fails it with store.ErrExists, a
// resource whose version moved with store.ErrConflict; then nothing is
// written and nothing set. Times are stored to the millisecond, in UTC.
func (s *Store) CreateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sc := store.StoredCase(*c)
	sc.Version = 1
	args, err := caseArgs(&sc)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, sqlInsertCase, append([]any{sc.No}, args...)...)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed: cases.incident_id") {
			return fmt.Errorf("case for incident %d: %w", c.IncidentID, store.ErrExists)
		}
		return err
	}
	if sc.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if sc.No == "" {
		sc.No = store.CaseNo(c.CreatedAt, sc.ID)
	}
	doc, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("case %d: %w", sc.ID, err)
	}
	if _, err := tx.ExecContext(ctx, sqlSetCaseDoc, sc.No, string(doc), sc.ID); err != nil {
		return err
	}
	ids, err := writeCaseWrites(ctx, tx, sc.ID, w)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.ID, c.No, c.Version = sc.ID, sc.No, sc.Version
	ids.apply(sc.ID, w)
	return nil
}

// UpdateCase replaces c and writes w in one transaction if the stored
// version still equals c.Version, then bumps c.Version and sets w's IDs
// and versions as CreateCase does. store.ErrNotFound if there is no case
// c.ID, store.ErrConflict if its version moved or one of w's resources'
// did, store.ErrExists for a duplicate outbox key; then nothing is written.
func (s *Store) UpdateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sc := store.StoredCase(*c)
	sc.Version = c.Version + 1 // the doc holds the version it is stored at
	args, err := caseArgs(&sc)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("case %d: %w", sc.ID, err)
	}
	args = append(append([]any{sc.No}, args...), string(doc), c.ID, c.Version)
	res, err := tx.ExecContext(ctx, sqlUpdateCase, args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	version := c.Version
	if err := store.Versioned(n, "case", c.ID, &version, func() error {
		var one int
		err := tx.QueryRowContext(ctx, sqlCaseExists, c.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("case %d: %w", c.ID, store.ErrNotFound)
		}
		return err
	}); err != nil {
		return err
	}
	ids, err := writeCaseWrites(ctx, tx, c.ID, w)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.Version = version
	ids.apply(c.ID, w)
	return nil
}

// caseArgs are a case's columns after no, in the order the insert and the
// update take them.
func caseArgs(c *model.Case) ([]any, error) {
	ags, err := json.Marshal(store.CaseAgencies(c))
	if err != nil {
		return nil, err
	}
	return []any{c.State, c.Category, c.Severity, c.Source, c.SourceRef, c.IncidentID, c.AgencyID,
		string(ags), c.RegionCode, c.Lon, c.Lat, ms(c.CreatedAt), ms(c.UpdatedAt)}, nil
}

// caseWriteIDs are what a case's writes were given, set on the caller's
// slices only once the transaction committed.
type caseWriteIDs struct{ events, outbox []int64 }

func (ids caseWriteIDs) apply(caseID int64, w store.CaseWrites) {
	for i := range w.Events {
		w.Events[i].ID, w.Events[i].CaseID = ids.events[i], caseID
	}
	for i := range w.Outbox {
		w.Outbox[i].ID, w.Outbox[i].CaseID = ids.outbox[i], caseID
	}
	for i := range w.Resources {
		w.Resources[i].Version++
	}
}

func writeCaseWrites(ctx context.Context, tx *sql.Tx, caseID int64, w store.CaseWrites) (caseWriteIDs, error) {
	ids := caseWriteIDs{make([]int64, len(w.Events)), make([]int64, len(w.Outbox))}
	for i, e := range w.Events {
		res, err := tx.ExecContext(ctx, sqlInsertCaseEvent, caseID, ms(e.At), e.Actor, e.Role, e.Agency, e.Action,
			e.From, e.To, e.Note, rawJSON(e.Data))
		if err != nil {
			return ids, fmt.Errorf("case %d event %s: %w", caseID, e.Action, err)
		}
		if ids.events[i], err = res.LastInsertId(); err != nil {
			return ids, err
		}
	}
	for i, m := range w.Outbox {
		res, err := tx.ExecContext(ctx, sqlInsertOutbox, caseID, m.AgencyID, m.URL, m.Event, m.Key, bytesOrEmpty(m.Body),
			ms(m.CreatedAt), m.Attempts, ms(m.NextAt), nullMS(m.DeliveredAt), m.LastError)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE constraint failed") {
				return ids, fmt.Errorf("outbox key %q: %w", m.Key, store.ErrExists)
			}
			return ids, err
		}
		if ids.outbox[i], err = res.LastInsertId(); err != nil {
			return ids, err
		}
	}
	for _, r := range w.Resources {
		res, err := tx.ExecContext(ctx, sqlReserveResource, r.Status, r.CaseID, r.ID, r.Version)
		if err != nil {
			return ids, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ids, fmt.Errorf("resource %s version %d: %w", r.ID, r.Version, store.ErrConflict)
		}
	}
	if _, err := appendAudit(ctx, tx, caseAudit(w.Audit, caseID)); err != nil {
		return ids, err
	}
	return ids, nil
}

// rawJSON stores an empty message as NULL.
func rawJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

func bytesOrEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

// GetCase returns one case; store.ErrNotFound if absent.
func (s *Store) GetCase(ctx context.Context, id int64) (model.Case, error) {
	c, err := scanCase(s.r.QueryRowContext(ctx, sqlGetCase, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	return c, err
}

// ListCases returns the cases matching f, newest (highest id) first.
func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]model.Case, error) {
	q, args := sqlListCases, []any{}
	add := func(use bool, cond string, a ...any) {
		if use {
			q += cond
			args = append(args, a...)
		}
	}
	states, err := json.Marshal(f.States)
	if err != nil {
		return nil, err
	}
	add(len(f.States) > 0, sqlCaseStates, string(states))
	add(f.Category != "", sqlCaseCat, f.Category)
	add(f.Source != "", sqlCaseSource, f.Source)
	add(f.IncidentID != 0, sqlCaseInc, f.IncidentID)
	add(f.AgencyID != "", sqlCaseAgency, f.AgencyID, f.AgencyID)
	add(f.RegionCode != "", sqlCaseRegion, f.RegionCode, f.RegionCode)
	add(!f.From.IsZero(), sqlCaseFrom, ms(f.From))
	add(!f.To.IsZero(), sqlCaseTo, msCeil(f.To))
	add(f.BeforeID > 0, sqlCaseIDBelow, f.BeforeID)
	add(true, sqlCasesOrder, noLimit(f.Limit))
	return queryAll(ctx, s.r, scanCase, q, args...)
}

// noLimit is n, or -1 (SQLite's no limit) for 0.
func noLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func scanCase(sc scanner) (model.Case, error) {
	var c model.Case
	var id, version int64
	var doc string
	if err := sc.Scan(&id, &version, &doc); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return c, fmt.Errorf("case %d doc: %w", id, err)
	}
	c.ID, c.Version = id, version
	return c, nil
}

// CaseEvents returns a case's timeline, oldest first; none (and no error)
// for a case that has none or does not exist.
func (s *Store) CaseEvents(ctx context.Context, caseID int64) ([]model.CaseEvent, error) {
	return queryAll(ctx, s.r, scanCaseEvent, sqlCaseEvents, caseID)
}

func scanCaseEvent(sc scanner) (model.CaseEvent, error) {
	var e model.CaseEvent
	var at int64
	var data sql.NullString
	err := sc.Scan(&e.ID, &e.CaseID, &at, &e.Actor, &e.Role, &e.Agency, &e.Action, &e.From, &e.To, &e.Note, &data)
	e.At = fromMS(at)
	if data.Valid && data.String != "" {
		e.Data = json.RawMessage(data.String)
	}
	return e, err
}

// ListOutbox returns the webhooks matching f, oldest (lowest id) first.
// DueBy counts only with Pending; Limit 0 is no limit.
func (s *Store) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error) {
	q, args := sqlListOutbox, []any{}
	add := func(use bool, cond string, a ...any) {
		if use {
			q += cond
			args = append(args, a...)
		}
	}
	add(f.Pending, sqlOutboxPending)
	add(f.Pending && !f.DueBy.IsZero(), sqlOutboxDue, ms(f.DueBy))
	add(f.CaseID != 0, sqlOutboxCase, f.CaseID)
	add(f.AgencyID != "", sqlOutboxAgency, f.AgencyID)
	add(true, sqlOutboxOrder, noLimit(f.Limit))
	return queryAll(ctx, s.r, scanOutbox, q, args...)
}

func scanOutbox(sc scanner) (model.OutboxMessage, error) {
	var m model.OutboxMessage
	var created, next int64
	var delivered sql.NullInt64
	err := sc.Scan(&m.ID, &m.CaseID, &m.AgencyID, &m.URL, &m.Event, &m.Key, &m.Body, &created, &m.Attempts, &next,
		&delivered, &m.LastError)
	m.CreatedAt, m.NextAt, m.DeliveredAt = fromMS(created), fromMS(next), fromMS(delivered.Int64)
	if len(m.Body) == 0 {
		m.Body = nil
	}
	return m, err
}

// UpdateOutbox records a delivery attempt of message m.ID: its Attempts,
// NextAt, DeliveredAt (zero: not delivered) and LastError.
// store.ErrNotFound if there is no such message.
func (s *Store) UpdateOutbox(ctx context.Context, m model.OutboxMessage) error {
	res, err := s.w.ExecContext(ctx, sqlUpdateOutbox, m.Attempts, ms(m.NextAt), nullMS(m.DeliveredAt), m.LastError,
		m.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("outbox message %d: %w", m.ID, store.ErrNotFound)
	}
	return nil
}

// SeedResources inserts the resources that are not stored yet, available
// unless they say otherwise and at version 1, and updates the type, name,
// agency and position of those that are, keeping their status, case and
// version; in one transaction.
func (s *Store) SeedResources(ctx context.Context, rs []model.Resource) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, r := range rs {
		status := r.Status
		if status == "" {
			status = model.ResourceAvailable
		}
		if _, err := tx.ExecContext(ctx, sqlSeedResource, r.ID, r.Type, r.Name, r.AgencyID, r.Lon, r.Lat,
			status); err != nil {
			return fmt.Errorf("resource %s: %w", r.ID, err)
		}
	}
	return tx.Commit()
}

// ListResources returns every resource, by id.
func (s *Store) ListResources(ctx context.Context) ([]model.Resource, error) {
	return queryAll(ctx, s.r, scanResource, sqlListResources)
}

func scanResource(sc scanner) (model.Resource, error) {
	var r model.Resource
	err := sc.Scan(&r.ID, &r.Type, &r.Name, &r.AgencyID, &r.Lon, &r.Lat, &r.Status, &r.CaseID, &r.Version)
	return r, err
}
