// Package sqlite is the embedded store: one SQLite file (pure-Go
// modernc.org/sqlite) in WAL mode with synchronous=FULL, so a committed batch
// survives a crash. One writer connection takes every write (SQLite has one
// writer anyway); a pool of readers serves queries concurrently. It must not
// hold business rules: callers decide, it stores.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "hub.db"

// Store is the SQLite backend.
type Store struct {
	w    *sql.DB // single writer connection
	r    *sql.DB // readers
	path string
}

// Open opens (creating if needed) the database in dir and migrates it.
func Open(ctx context.Context, dir string) (*Store, error) {
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

func openDB(path string, conns int) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	if conns == 1 {
		// The writer's transactions take the write lock when they begin, so
		// one that reads before it writes (the audit chain's head) waits
		// out another process's writer (hub tokens create beside a running
		// hub) instead of failing with SQLITE_BUSY when it upgrades.
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping checks the database answers; readiness uses it.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Close closes both pools; it checkpoints the WAL first so the file is whole.
func (s *Store) Close() error {
	_, _ = s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return errors.Join(s.r.Close(), s.w.Close())
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// msCeil is an exclusive upper bound at the stored precision: times are
// kept truncated to the millisecond, so a bound inside a millisecond must
// let that millisecond in (a case created at .1234 is before To .1239).
func msCeil(t time.Time) int64 {
	m := t.UnixMilli()
	if t.After(time.UnixMilli(m)) {
		m++
	}
	return m
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
