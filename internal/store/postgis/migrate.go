package postgis

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
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

const (
	// migrateLock serialises migrations of hubs that start together.
	migrateLock = 0x7977_7467_6d69_6772 // "ywtgmigr"

	sqlMigrateLock        = `SELECT pg_advisory_xact_lock($1)`
	sqlCreateVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
	sqlSchemaVersion = `SELECT COALESCE(MAX(version), 0) FROM schema_version`
	sqlInsertVersion = `INSERT INTO schema_version (version, name) VALUES ($1, $2)`
)

// Migrate applies every pending migration, each in its own transaction under
// an advisory lock, and refuses a database whose schema is newer than this
// binary (store.ErrSchemaTooNew). It returns how many it applied.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	for {
		done, err := s.migrateNext(ctx, ms)
		if err != nil || done {
			return applied, err
		}
		applied++
	}
}

// migrateNext applies the first pending migration, or reports done. The
// version is read under the lock, so a hub that waited for another sees its
// work and does not repeat it.
func (s *Store) migrateNext(ctx context.Context, ms []store.Migration) (done bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlMigrateLock, int64(migrateLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlCreateVersionTable); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, sqlSchemaVersion).Scan(&cur); err != nil {
			return err
		}
		if cur > len(ms) {
			return fmt.Errorf("%w: database at version %d, binary knows %d", store.ErrSchemaTooNew, cur, len(ms))
		}
		if done = cur == len(ms); done {
			return nil
		}
		m := ms[cur]
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		_, err := tx.Exec(ctx, sqlInsertVersion, m.Version, m.Name)
		return err
	})
	return done, err
}
