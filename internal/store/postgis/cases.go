package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	// A case's id is drawn first: its number and its doc are made from it,
	// so the row is written once.
	sqlNextCaseID = `SELECT nextval(pg_get_serial_sequence('cases', 'id'))`
	sqlInsertCase = `INSERT INTO cases (no, state, category, severity, source, source_ref, incident_id, agency_id,
		agencies, region_code, geom, created_at, updated_at, doc, id, version)
		OVERRIDING SYSTEM VALUE
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ST_GeomFromEWKB($11), $12, $13, $14, $15, 1)`
	sqlUpdateCase = `UPDATE cases SET no = $1, state = $2, category = $3, severity = $4, source = $5,
		source_ref = $6, incident_id = $7, agency_id = $8, agencies = $9, region_code = $10,
		geom = ST_GeomFromEWKB($11), created_at = $12, updated_at = $13, doc = $14, version = version + 1
		WHERE id = $15 AND version = $16`
	sqlCaseExists  = `SELECT true FROM cases WHERE id = $1`
	sqlCaseCols    = `id, version, doc`
	sqlGetCase     = `SELECT ` + sqlCaseCols + ` FROM cases WHERE id = $1`
	sqlListCases   = `SELECT ` + sqlCaseCols + ` FROM cases WHERE true`
	sqlCasesOrder  = ` ORDER BY id DESC`
	sqlCaseStates  = ` AND state = ANY($?)`
	sqlCaseCat     = ` AND category = $?`
	sqlCaseSource  = ` AND source = $?`
	sqlCaseInc     = ` AND incident_id = $?`
	sqlCaseAgency  = ` AND agencies @> $?` // the lead is among them
	sqlCaseRegion  = ` AND region_code LIKE $?`
	sqlCaseFrom    = ` AND created_at >= $?`
	sqlCaseTo      = ` AND created_at < $?`
	sqlCaseIDBelow = ` AND id < $?`
	sqlLimit       = ` LIMIT $?`

	sqlInsertCaseEvent = `INSERT INTO case_events (case_id, at, actor, role, agency, action, from_state, to_state,
		note, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	sqlCaseEvents = `SELECT id, case_id, at, actor, role, agency, action, from_state, to_state, note, data
		FROM case_events WHERE case_id = $1 ORDER BY at, id`

	sqlInsertOutbox = `INSERT INTO outbox (case_id, agency_id, url, event, key, body, created_at, attempts, next_at,
		delivered_at, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`
	sqlUpdateOutbox = `UPDATE outbox SET attempts = $1, next_at = $2, delivered_at = $3, last_error = $4
		WHERE id = $5`
	sqlListOutbox = `SELECT id, case_id, agency_id, url, event, key, body, created_at, attempts, next_at,
		delivered_at, last_error FROM outbox WHERE true`
	sqlOutboxOrder   = ` ORDER BY id`
	sqlOutboxPending = ` AND delivered_at IS NULL`
	sqlOutboxDue     = ` AND next_at <= $?`
	sqlOutboxCase    = ` AND case_id = $?`
	sqlOutboxAgency  = ` AND agency_id = $?`
	outboxKey        = "outbox_key"

	// A case's writes change only what dispatch owns of a resource; the
	// seeded fields are SeedResources'.
	sqlReserveResource = `UPDATE resources SET status = $1, case_id = $2, version = version + 1
		WHERE id = $3 AND version = $4`
	sqlSeedResource = `INSERT INTO resources (id, type, name, agency_id, geom, status, case_id, version)
		VALUES ($1, $2, $3, $4, ST_GeomFromEWKB($5), $6, 0, 1)
		ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name,
		agency_id = excluded.agency_id, geom = excluded.geom`
	sqlListResources = `SELECT id, type, name, agency_id, ST_AsEWKB(geom), status, case_id, version
		FROM resources ORDER BY id`
)

// CreateCase inserts c with version 1 and w in one transaction, then sets
// c.ID, c.Version and, if it was empty, c.No (store.CaseNo), and the IDs
// and CaseIDs of w's events and messages and the Versions of its
// resources. A duplicate outbox key fails it with store.ErrExists, a
// resource whose version moved with store.ErrConflict; then nothing is
// written and nothing set. Times are stored to the millisecond, in UTC.
func (s *Store) CreateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error {
	sc := store.StoredCase(*c)
	sc.Version = 1
	var ids caseWriteIDs
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, sqlNextCaseID).Scan(&sc.ID); err != nil {
			return err
		}
		if sc.No == "" {
			sc.No = store.CaseNo(c.CreatedAt, sc.ID)
		}
		args, err := caseArgs(&sc)
		if err != nil {
			return err
		}
		var b pgx.Batch
		b.Queue(sqlInsertCase, append(args, sc.ID)...)
		ids = queueCaseWrites(&b, sc.ID, w)
		return sendCaseWrites(ctx, tx, &b, caseAudit(w.Audit, sc.ID))
	})
	if code, constraint := pgCode(err); code == codeUniqueViolation && constraint == "cases_incident" {
		return fmt.Errorf("case for incident %d: %w", c.IncidentID, store.ErrExists)
	}
	if err != nil {
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
	sc := store.StoredCase(*c)
	sc.Version = c.Version + 1 // the doc holds the version it is stored at
	args, err := caseArgs(&sc)
	if err != nil {
		return err
	}
	version := c.Version
	var ids caseWriteIDs
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// A concurrent writer's uncommitted update of the row makes this
		// wait, then match nothing if it committed: one of them wins.
		tag, err := tx.Exec(ctx, sqlUpdateCase, append(args, c.ID, c.Version)...)
		if err != nil {
			return err
		}
		if err := store.Versioned(tag.RowsAffected(), "case", c.ID, &version, func() error {
			var ok bool
			err := tx.QueryRow(ctx, sqlCaseExists, c.ID).Scan(&ok)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("case %d: %w", c.ID, store.ErrNotFound)
			}
			return err
		}); err != nil {
			return err
		}
		var b pgx.Batch
		ids = queueCaseWrites(&b, c.ID, w)
		return sendCaseWrites(ctx, tx, &b, caseAudit(w.Audit, c.ID))
	})
	if err != nil {
		return err
	}
	c.Version = version
	ids.apply(c.ID, w)
	return nil
}

// caseArgs are a case's parameters in the order both the insert and the
// update take them, before the insert's id and the update's id and version.
func caseArgs(c *model.Case) ([]any, error) {
	pt, err := optPointEWKB(c.Lon, c.Lat)
	if err != nil {
		return nil, err
	}
	doc, err := jsonb(c)
	if err != nil {
		return nil, fmt.Errorf("case %d: %w", c.ID, err)
	}
	return []any{c.No, c.State, c.Category, c.Severity, c.Source, text(c.SourceRef), c.IncidentID,
		c.AgencyID, store.CaseAgencies(c), c.RegionCode, pt, pgTime(c.CreatedAt), pgTime(c.UpdatedAt), doc}, nil
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

// queueCaseWrites queues w's inserts and resource updates on b; the ids
// are filled as b's results are read.
func queueCaseWrites(b *pgx.Batch, caseID int64, w store.CaseWrites) caseWriteIDs {
	ids := caseWriteIDs{make([]int64, len(w.Events)), make([]int64, len(w.Outbox))}
	for i, e := range w.Events {
		b.Queue(sqlInsertCaseEvent, caseID, pgTime(e.At), text(e.Actor), text(e.Role), text(e.Agency), text(e.Action),
			text(e.From), text(e.To), text(e.Note), rawJSON(e.Data)).QueryRow(func(row pgx.Row) error {
			return row.Scan(&ids.events[i])
		})
	}
	for i, m := range w.Outbox {
		body := m.Body
		if body == nil {
			body = []byte{}
		}
		b.Queue(sqlInsertOutbox, caseID, m.AgencyID, m.URL, m.Event, m.Key, body, pgTime(m.CreatedAt), m.Attempts,
			pgTime(m.NextAt), nullTime(m.DeliveredAt), text(m.LastError)).QueryRow(func(row pgx.Row) error {
			err := row.Scan(&ids.outbox[i])
			if code, constraint := pgCode(err); code == codeUniqueViolation && constraint == outboxKey {
				return fmt.Errorf("outbox key %q: %w", m.Key, store.ErrExists)
			}
			return err
		})
	}
	for _, r := range w.Resources {
		b.Queue(sqlReserveResource, r.Status, r.CaseID, r.ID, r.Version).Exec(func(ct pgconn.CommandTag) error {
			if ct.RowsAffected() == 0 {
				return fmt.Errorf("resource %s version %d: %w", r.ID, r.Version, store.ErrConflict)
			}
			return nil
		})
	}
	return ids
}

// sendCaseWrites sends b, then chains the case's audit entries: last, once
// the transaction holds its row locks (see appendAudit).
func sendCaseWrites(ctx context.Context, tx pgx.Tx, b *pgx.Batch, es []model.AuditEntry) error {
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
	}
	_, err := appendAudit(ctx, tx, es)
	return err
}

// rawJSON stores an empty message as NULL, any other byte for byte.
func rawJSON(m json.RawMessage) []byte {
	if len(m) == 0 {
		return nil
	}
	return m
}

// GetCase returns one case; store.ErrNotFound if absent.
func (s *Store) GetCase(ctx context.Context, id int64) (model.Case, error) {
	c, err := scanCase(s.pool.QueryRow(ctx, sqlGetCase, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	return c, err
}

// numbered builds the optional conditions of a query from constant
// fragments, numbering their $? placeholders.
type numbered struct {
	sql  string
	args []any
}

func (n *numbered) add(use bool, frag string, arg any) {
	if use {
		n.args = append(n.args, arg)
		n.sql += strings.ReplaceAll(frag, "$?", "$"+strconv.Itoa(len(n.args)))
	}
}

// ListCases returns the cases matching f, newest (highest id) first.
func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]model.Case, error) {
	q := numbered{sql: sqlListCases}
	q.add(len(f.States) > 0, sqlCaseStates, f.States)
	q.add(f.Category != "", sqlCaseCat, f.Category)
	q.add(f.Source != "", sqlCaseSource, f.Source)
	q.add(f.IncidentID != 0, sqlCaseInc, f.IncidentID)
	q.add(f.AgencyID != "", sqlCaseAgency, []string{f.AgencyID})
	q.add(f.RegionCode != "", sqlCaseRegion, likePrefix(f.RegionCode))
	q.add(!f.From.IsZero(), sqlCaseFrom, pgTime(f.From))
	q.add(!f.To.IsZero(), sqlCaseTo, pgTimeCeil(f.To))
	q.add(f.BeforeID > 0, sqlCaseIDBelow, f.BeforeID)
	q.sql += sqlCasesOrder
	q.add(f.Limit > 0, sqlLimit, f.Limit)
	return queryAll(ctx, s.pool, scanCase, q.sql, q.args...)
}

// likePrefix is a LIKE pattern matching the strings that start with p.
func likePrefix(p string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(p) + "%"
}

func scanCase(sc scanner) (model.Case, error) {
	var c model.Case
	var id, version int64
	var doc []byte
	if err := sc.Scan(&id, &version, &doc); err != nil {
		return c, err
	}
	if err := json.Unmarshal(doc, &c); err != nil {
		return c, fmt.Errorf("case %d doc: %w", id, err)
	}
	c.ID, c.Version = id, version
	return c, nil
}

// CaseEvents returns a case's timeline, oldest first; none (and no error)
// for a case that has none or does not exist.
func (s *Store) CaseEvents(ctx context.Context, caseID int64) ([]model.CaseEvent, error) {
	return queryAll(ctx, s.pool, scanCaseEvent, sqlCaseEvents, caseID)
}

func scanCaseEvent(sc scanner) (model.CaseEvent, error) {
	var e model.CaseEvent
	var data []byte
	err := sc.Scan(&e.ID, &e.CaseID, &e.At, &e.Actor, &e.Role, &e.Agency, &e.Action, &e.From, &e.To, &e.Note, &data)
	e.At = e.At.UTC()
	if len(data) > 0 {
		e.Data = json.RawMessage(data)
	}
	return e, err
}

// ListOutbox returns the webhooks matching f, oldest (lowest id) first.
// DueBy counts only with Pending; Limit 0 is no limit.
func (s *Store) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error) {
	q := numbered{sql: sqlListOutbox}
	if f.Pending {
		q.sql += sqlOutboxPending
	}
	q.add(f.Pending && !f.DueBy.IsZero(), sqlOutboxDue, pgTime(f.DueBy))
	q.add(f.CaseID != 0, sqlOutboxCase, f.CaseID)
	q.add(f.AgencyID != "", sqlOutboxAgency, f.AgencyID)
	q.sql += sqlOutboxOrder
	q.add(f.Limit > 0, sqlLimit, f.Limit)
	return queryAll(ctx, s.pool, scanOutbox, q.sql, q.args...)
}

func scanOutbox(sc scanner) (model.OutboxMessage, error) {
	var m model.OutboxMessage
	var delivered *time.Time
	err := sc.Scan(&m.ID, &m.CaseID, &m.AgencyID, &m.URL, &m.Event, &m.Key, &m.Body, &m.CreatedAt, &m.Attempts,
		&m.NextAt, &delivered, &m.LastError)
	m.CreatedAt, m.NextAt, m.DeliveredAt = m.CreatedAt.UTC(), m.NextAt.UTC(), fromNull(delivered)
	if len(m.Body) == 0 {
		m.Body = nil
	}
	return m, err
}

// UpdateOutbox records a delivery attempt of message m.ID: its Attempts,
// NextAt, DeliveredAt (zero: not delivered) and LastError.
// store.ErrNotFound if there is no such message.
func (s *Store) UpdateOutbox(ctx context.Context, m model.OutboxMessage) error {
	tag, err := s.pool.Exec(ctx, sqlUpdateOutbox, m.Attempts, pgTime(m.NextAt), nullTime(m.DeliveredAt),
		text(m.LastError), m.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("outbox message %d: %w", m.ID, store.ErrNotFound)
	}
	return nil
}

// SeedResources inserts the resources that are not stored yet, available
// unless they say otherwise and at version 1, and updates the type, name,
// agency and position of those that are, keeping their status, case and
// version; in one transaction.
func (s *Store) SeedResources(ctx context.Context, rs []model.Resource) error {
	var q pgx.Batch
	for _, r := range rs {
		pt, err := optPointEWKB(r.Lon, r.Lat)
		if err != nil {
			return fmt.Errorf("resource %s: %w", r.ID, err)
		}
		status := r.Status
		if status == "" {
			status = model.ResourceAvailable
		}
		q.Queue(sqlSeedResource, r.ID, r.Type, r.Name, r.AgencyID, pt, status)
	}
	if q.Len() == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return fmt.Errorf("resources: %w", err)
		}
		return nil
	})
}

// ListResources returns every resource, by id.
func (s *Store) ListResources(ctx context.Context) ([]model.Resource, error) {
	return queryAll(ctx, s.pool, scanResource, sqlListResources)
}

func scanResource(sc scanner) (model.Resource, error) {
	var r model.Resource
	var pt []byte
	if err := sc.Scan(&r.ID, &r.Type, &r.Name, &r.AgencyID, &pt, &r.Status, &r.CaseID, &r.Version); err != nil {
		return r, err
	}
	var err error
	if r.Lon, r.Lat, err = lonLat(pt); err != nil {
		return r, fmt.Errorf("resource %s: %w", r.ID, err)
	}
	return r, nil
}
