package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlTokenCols   = `id, name, role, agency_id, hash, created_at, created_by, expires_at, revoked_at, last_used`
	sqlInsertToken = `INSERT INTO api_tokens (` + sqlTokenCols + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`
	sqlGetToken    = `SELECT ` + sqlTokenCols + ` FROM api_tokens WHERE id = $1`
	sqlListTokens  = `SELECT ` + sqlTokenCols + ` FROM api_tokens ORDER BY created_at, id`
	sqlRevokeToken = `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`
	sqlTouchToken  = `UPDATE api_tokens SET last_used = $2 WHERE id = $1`
)

// CreateToken stores a new API token; store.ErrExists if its id is taken.
func (s *Store) CreateToken(ctx context.Context, t model.APIToken) error {
	_, err := s.pool.Exec(ctx, sqlInsertToken, t.ID, t.Name, t.Role, t.AgencyID, t.Hash, pgTime(t.CreatedAt),
		t.CreatedBy, nullTime(t.ExpiresAt), nullTime(t.RevokedAt), nullTime(t.LastUsed))
	if code, _ := pgCode(err); code == codeUniqueViolation {
		return fmt.Errorf("token %s: %w", t.ID, store.ErrExists)
	}
	return err
}

// GetToken returns one token; store.ErrNotFound if absent.
func (s *Store) GetToken(ctx context.Context, id string) (model.APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, sqlGetToken, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	return t, err
}

// ListTokens returns every token, revoked ones included, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]model.APIToken, error) {
	rows, err := s.pool.Query(ctx, sqlListTokens)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked at at (an earlier revocation stands);
// store.ErrNotFound if there is no such token.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "token "+id, sqlRevokeToken, id, pgTime(at))
}

// TouchToken records when a token was last used.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "token "+id, sqlTouchToken, id, pgTime(at))
}

// execOne runs a statement that must affect one row.
func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func scanToken(row pgx.Row) (model.APIToken, error) {
	var t model.APIToken
	var expires, revoked, used *time.Time
	err := row.Scan(&t.ID, &t.Name, &t.Role, &t.AgencyID, &t.Hash, &t.CreatedAt, &t.CreatedBy, &expires, &revoked, &used)
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.RevokedAt, t.LastUsed = fromNull(expires), fromNull(revoked), fromNull(used)
	return t, err
}
