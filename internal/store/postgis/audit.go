package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	// auditLock serialises appends to the audit chain across every hub on
	// the database: each reads the head and links onto it under the lock,
	// held until its transaction ends.
	auditLock = 0x7977_7467_6175_6474 // "ywtgaudt"

	sqlAuditLock   = `SELECT pg_advisory_xact_lock($1)`
	sqlAuditHead   = `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`
	sqlInsertAudit = `INSERT INTO audit_log (seq, at, actor, role, action, target, outcome, remote, detail,
		prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	sqlListAudit = `SELECT seq, at, actor, role, action, target, outcome, remote, detail, prev_hash, hash
		FROM audit_log WHERE seq > $1`
	sqlAuditTarget = ` AND target = $?`
	sqlAuditOrder  = ` ORDER BY seq`

	sqlInsertCheckpoint = `INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4)`
	sqlListCheckpoints  = `SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq`
	checkpointKey       = "audit_checkpoints_pkey"
)

// AppendAudit chains es onto the audit log in one transaction and returns
// them as stored: Seq from the head's + 1, PrevHash and Hash (audit.Chain),
// At in UTC to the millisecond. Appends from every hub on the database
// serialise on an advisory lock, so two never read the same head;
// audit.ErrInvalidEntry for an entry without action or time or with a
// detail that is not JSON.
func (s *Store) AppendAudit(ctx context.Context, es ...model.AuditEntry) ([]model.AuditEntry, error) {
	var out []model.AuditEntry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = appendAudit(ctx, tx, es)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// appendAudit takes the chain's lock, reads the head and chains es onto it
// in tx. Case transactions call it last, after their row locks: the lock is
// then the last one they wait for, so it cannot deadlock with them.
func appendAudit(ctx context.Context, tx pgx.Tx, es []model.AuditEntry) ([]model.AuditEntry, error) {
	if len(es) == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, sqlAuditLock, int64(auditLock)); err != nil {
		return nil, err
	}
	seq, hash, err := auditHead(ctx, tx)
	if err != nil {
		return nil, err
	}
	out, err := audit.Chain(seq, hash, es)
	if err != nil {
		return nil, err
	}
	var b pgx.Batch
	for _, e := range out {
		// Detail goes to a text column byte for byte: jsonb would reorder
		// it and the hash would no longer match.
		b.Queue(sqlInsertAudit, e.Seq, e.At, e.Actor, e.Role, e.Action, e.Target, e.Outcome, e.Remote,
			detailText(e.Detail), e.PrevHash, e.Hash)
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("audit from seq %d: %w", seq+1, err)
	}
	return out, nil
}

func detailText(d []byte) *string {
	if len(d) == 0 {
		return nil
	}
	s := string(d)
	return &s
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
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func auditHead(ctx context.Context, db queryRower) (int64, string, error) {
	var seq int64
	var hash string
	err := db.QueryRow(ctx, sqlAuditHead).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	return seq, hash, err
}

// AuditHead returns the last entry's seq and hash: 0 and audit.Genesis for
// an empty log.
func (s *Store) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	return auditHead(ctx, s.pool)
}

// ListAudit returns the entries matching f in seq order; Limit 0 is no limit.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error) {
	q := numbered{sql: sqlListAudit, args: []any{f.AfterSeq}}
	q.add(f.Target != "", sqlAuditTarget, f.Target)
	q.sql += sqlAuditOrder
	q.add(f.Limit > 0, sqlLimit, f.Limit)
	return queryAll(ctx, s.pool, scanAudit, q.sql, q.args...)
}

func scanAudit(sc scanner) (model.AuditEntry, error) {
	var e model.AuditEntry
	var detail *string
	err := sc.Scan(&e.Seq, &e.At, &e.Actor, &e.Role, &e.Action, &e.Target, &e.Outcome, &e.Remote, &detail,
		&e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	if detail != nil && *detail != "" {
		e.Detail = []byte(*detail)
	}
	return e, err
}

// AddAuditCheckpoint stores a signed head, its At to the millisecond;
// store.ErrExists if the seq has one already (another hub signed it).
func (s *Store) AddAuditCheckpoint(ctx context.Context, cp model.AuditCheckpoint) error {
	_, err := s.pool.Exec(ctx, sqlInsertCheckpoint, cp.Seq, cp.Hash, pgTime(cp.At), cp.Signature)
	if code, constraint := pgCode(err); code == codeUniqueViolation && constraint == checkpointKey {
		return fmt.Errorf("audit checkpoint %d: %w", cp.Seq, store.ErrExists)
	}
	return err
}

// ListAuditCheckpoints returns every checkpoint in seq order.
func (s *Store) ListAuditCheckpoints(ctx context.Context) ([]model.AuditCheckpoint, error) {
	return queryAll(ctx, s.pool, func(sc scanner) (model.AuditCheckpoint, error) {
		var cp model.AuditCheckpoint
		err := sc.Scan(&cp.Seq, &cp.Hash, &cp.At, &cp.Signature)
		cp.At = cp.At.UTC()
		return cp, err
	}, sqlListCheckpoints)
}
