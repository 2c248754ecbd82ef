// Package postgis is the production store: PostgreSQL ≥ 15 with PostGIS ≥ 3
// through pgx. Its tables are meant to be opened directly by GIS staff in QGIS
// or ogr2ogr: geometry(…, 4326) columns with GiST indexes, timestamptz times
// and readable column names. Readings are range-partitioned by UTC day,
// created on demand and dropped whole by retention, and arrive through COPY.
// Like store/sqlite it stores and must not hold business rules; both pass
// storetest.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the PostGIS backend. It is safe for concurrent use, and several
// hubs may share one database.
type Store struct {
	pool  *pgxpool.Pool
	parts *partitions
}

// Open connects to dsn and migrates the database. dsn is anything pgx
// accepts: a URL (postgres://user:pass@host:5432/hub?sslmode=disable) or
// key=value pairs (host=… dbname=…), plus the PG* environment variables;
// pool_max_conns and friends tune the pool.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	s := &Store{pool: pool, parts: newPartitions()}
	if _, err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: %w", err)
	}
	return s, nil
}

// Ping checks the database answers; readiness uses it.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close waits for borrowed connections to return and closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// farFuture stands in for "no upper bound" on time ranges.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// pgTime is t as stored: millisecond precision like the SQLite store, so both
// dedupe (device, ts, seq) alike.
func pgTime(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// pgTimeCeil is an exclusive upper bound at the stored precision: times
// are kept truncated to the millisecond, so a bound inside a millisecond
// must let that millisecond in (a case created at .1234 is before To .1239).
func pgTimeCeil(t time.Time) time.Time {
	c := t.Truncate(time.Millisecond)
	if c.Before(t) {
		c = c.Add(time.Millisecond)
	}
	return c.UTC()
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := pgTime(t)
	return &v
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func limit(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}

type scanner interface{ Scan(dest ...any) error }

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, db querier, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, q, args...)
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

// PostgreSQL error codes the store reacts to.
const (
	codeForeignKeyViolation = "23503"
	codeUniqueViolation     = "23505"
	codeCheckViolation      = "23514"
	codeDuplicateTable      = "42P07"
)

// pgCode is err's SQLSTATE and constraint, or "" if it is not from the server.
func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}
