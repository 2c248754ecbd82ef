package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlTokenCols   = `id, name, role, agency_id, hash, created_at, created_by, expires_at, revoked_at, last_used`
	sqlInsertToken = `INSERT INTO api_tokens (` + sqlTokenCols + `) VALUES (?,?,?,?,?,?,?,?,?,?)`
	sqlGetToken    = `SELECT ` + sqlTokenCols + ` FROM api_tokens WHERE id = ?`
	sqlListTokens  = `SELECT ` + sqlTokenCols + ` FROM api_tokens ORDER BY created_at, id`
	sqlRevokeToken = `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`
	sqlTouchToken  = `UPDATE api_tokens SET last_used = ? WHERE id = ?`
)

// CreateToken stores a new API token; store.ErrExists if its id is taken.
func (s *Store) CreateToken(ctx context.Context, t model.APIToken) error {
	_, err := s.w.ExecContext(ctx, sqlInsertToken, t.ID, t.Name, t.Role, t.AgencyID, t.Hash, ms(t.CreatedAt),
		t.CreatedBy, nullMS(t.ExpiresAt), nullMS(t.RevokedAt), nullMS(t.LastUsed))
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("token %s: %w", t.ID, store.ErrExists)
	}
	return err
}

// GetToken returns one token; store.ErrNotFound if absent.
func (s *Store) GetToken(ctx context.Context, id string) (model.APIToken, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, sqlGetToken, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	return t, err
}

// ListTokens returns every token, revoked ones included, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]model.APIToken, error) {
	return queryAll(ctx, s.r, scanToken, sqlListTokens)
}

// RevokeToken marks a token revoked at at (an earlier revocation stands);
// store.ErrNotFound if there is no such token.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "token "+id, sqlRevokeToken, ms(at), id)
}

// TouchToken records when a token was last used.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "token "+id, sqlTouchToken, ms(at), id)
}

// execOne runs a statement that must affect one row.
func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func scanToken(row scanner) (model.APIToken, error) {
	var t model.APIToken
	var created int64
	var expires, revoked, used sql.NullInt64
	err := row.Scan(&t.ID, &t.Name, &t.Role, &t.AgencyID, &t.Hash, &created, &t.CreatedBy, &expires, &revoked, &used)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsed = fromMS(created), fromMS(expires.Int64), fromMS(revoked.Int64), fromMS(used.Int64)
	return t, err
}
