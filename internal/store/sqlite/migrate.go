package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/ywtg/hub/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

func loadMigrations() ([]store.Migration, error) {
	return store.LoadMigrations(migrations, "migrations")
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	ms, _ := loadMigrations()
	return len(ms)
}

// Migrate applies every pending migration, each in its own transaction, and
// refuses a database whose schema is newer than this binary.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	if _, err := s.w.ExecContext(ctx, sqlCreateVersionTable); err != nil {
		return 0, err
	}
	cur, err := s.version(ctx)
	if err != nil {
		return 0, err
	}
	if cur > len(ms) {
		return 0, fmt.Errorf("%w: database at version %d, binary knows %d", store.ErrSchemaTooNew, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if err := s.apply(ctx, m); err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		applied++
	}
	return applied, nil
}

func (s *Store) version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.w.QueryRowContext(ctx, sqlSchemaVersion).Scan(&v)
	return int(v.Int64), err
}

func (s *Store) apply(ctx context.Context, m store.Migration) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlInsertVersion, m.Version, m.Name); err != nil {
		return err
	}
	return tx.Commit()
}

const (
	sqlCreateVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')))`
	sqlSchemaVersion = `SELECT MAX(version) FROM schema_version`
	sqlInsertVersion = `INSERT INTO schema_version (version, name) VALUES (?, ?)`
)
