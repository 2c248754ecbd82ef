package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlAuditHead   = `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`
	sqlInsertAudit = `INSERT INTO audit_log (seq, at, actor, role, action, target, outcome, remote, detail,
		prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)`
	sqlListAudit = `SELECT seq, at, actor, role, action, target, outcome, remote, detail, prev_hash, hash
		FROM audit_log WHERE seq > ?`
	sqlAuditTarget = ` AND target = ?`
	sqlAuditOrder  = ` ORDER BY seq LIMIT ?`

	sqlInsertCheckpoint = `INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (?,?,?,?)`
	sqlListCheckpoints  = `SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq`
)

// AppendAudit chains es onto the audit log in one transaction and returns
// them as stored: Seq from the head's + 1, PrevHash and Hash (audit.Chain),
// At in UTC to the millisecond. The single writer connection serialises
// appends, so two never read the same head; audit.ErrInvalidEntry for an
// entry without action or time or with a detail that is not JSON.
func (s *Store) AppendAudit(ctx context.Context, es ...model.AuditEntry) ([]model.AuditEntry, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out, err := appendAudit(ctx, tx, es)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// appendAudit chains es onto the head as tx sees it.
func appendAudit(ctx context.Context, tx *sql.Tx, es []model.AuditEntry) ([]model.AuditEntry, error) {
	if len(es) == 0 {
		return nil, nil
	}
	seq, hash, err := auditHead(ctx, tx)
	if err != nil {
		return nil, err
	}
	out, err := audit.Chain(seq, hash, es)
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if _, err := tx.ExecContext(ctx, sqlInsertAudit, e.Seq, e.At.UnixMilli(), e.Actor, e.Role, e.Action,
			e.Target, e.Outcome, e.Remote, rawJSON(e.Detail), e.PrevHash, e.Hash); err != nil {
			return nil, fmt.Errorf("audit seq %d: %w", e.Seq, err)
		}
	}
	return out, nil
}

// caseAudit is a case's audit entries with their target defaulting to the
// case: its id is known only inside CreateCase.
func caseAudit(es []model.AuditEntry, caseID int64) []model.AuditEntry {
	out := make([]model.AuditEntry, len(es))
	for i, e := range es {
		if e.Target == "" {
			e.Target = fmt.Sprintf("case:%d", caseID)
		}
		out[i] = e
	}
	return out
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func auditHead(ctx context.Context, db queryRower) (int64, string, error) {
	var seq int64
	var hash string
	err := db.QueryRowContext(ctx, sqlAuditHead).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	return seq, hash, err
}

// AuditHead returns the last entry's seq and hash: 0 and audit.Genesis for
// an empty log.
func (s *Store) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	return auditHead(ctx, s.r)
}

// ListAudit returns the entries matching f in seq order; Limit 0 is no limit.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error) {
	q, args := sqlListAudit, []any{f.AfterSeq}
	if f.Target != "" {
		q += sqlAuditTarget
		args = append(args, f.Target)
	}
	q += sqlAuditOrder
	args = append(args, noLimit(f.Limit))
	return queryAll(ctx, s.r, scanAudit, q, args...)
}

func scanAudit(sc scanner) (model.AuditEntry, error) {
	var e model.AuditEntry
	var at int64
	var detail sql.NullString
	err := sc.Scan(&e.Seq, &at, &e.Actor, &e.Role, &e.Action, &e.Target, &e.Outcome, &e.Remote, &detail,
		&e.PrevHash, &e.Hash)
	e.At = time.UnixMilli(at).UTC()
	if detail.Valid && detail.String != "" {
		e.Detail = []byte(detail.String)
	}
	return e, err
}

// AddAuditCheckpoint stores a signed head, its At to the millisecond;
// store.ErrExists if the seq has one already (another hub signed it).
func (s *Store) AddAuditCheckpoint(ctx context.Context, cp model.AuditCheckpoint) error {
	_, err := s.w.ExecContext(ctx, sqlInsertCheckpoint, cp.Seq, cp.Hash, cp.At.UnixMilli(), cp.Signature)
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("audit checkpoint %d: %w", cp.Seq, store.ErrExists)
	}
	return err
}

// ListAuditCheckpoints returns every checkpoint in seq order.
func (s *Store) ListAuditCheckpoints(ctx context.Context) ([]model.AuditCheckpoint, error) {
	return queryAll(ctx, s.r, func(sc scanner) (model.AuditCheckpoint, error) {
		var cp model.AuditCheckpoint
		var at int64
		err := sc.Scan(&cp.Seq, &cp.Hash, &at, &cp.Signature)
		cp.At = time.UnixMilli(at).UTC()
		return cp, err
	}, sqlListCheckpoints)
}
