// Package pgtest gives tests a fresh PostgreSQL + PostGIS database per call:
// inside the server HUB_TEST_POSTGRES_DSN names when that is set, else inside
// one throwaway cluster per test process, started from the installed initdb
// and postgres binaries in a temporary directory. Only when neither is there
// does a test skip, saying what is missing — and under CI (env CI set) it
// fails instead, because CI installs them and a skip would hide a broken
// install. It is for tests only.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names a server to create test databases in, as a URL or key=value
// DSN whose role may CREATE DATABASE (and CREATE EXTENSION postgis).
const EnvDSN = "HUB_TEST_POSTGRES_DSN"

var (
	mu      sync.Mutex
	running *cluster
	failed  error // why the cluster could not start; not retried
)

// DSN returns the URL or key=value DSN of a new, empty database with PostGIS
// installed, dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return freshDatabase(t, dsn, "")
	}
	c, err := sharedCluster()
	var miss *missingError
	switch {
	case errors.As(err, &miss):
		skipOrFail(t, miss.what)
	case err != nil:
		t.Fatalf("pgtest: throwaway PostgreSQL: %v", err)
	}
	return freshDatabase(t, c.dsn("postgres"), templateDB)
}

// Main runs the package's tests and then stops the throwaway cluster, if one
// was started: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop shuts the throwaway cluster down and removes its directory. It is
// safe to call when none was started.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		running.stop()
		running = nil
	}
}

func sharedCluster() (*cluster, error) {
	mu.Lock()
	defer mu.Unlock()
	if running == nil && failed == nil {
		running, failed = startCluster()
	}
	return running, failed
}

// missingError says which prerequisite is not installed.
type missingError struct{ what string }

func (e *missingError) Error() string { return e.what }

func skipOrFail(t testing.TB, what string) {
	t.Helper()
	msg := "pgtest: PostgreSQL tests need " + EnvDSN + " or a local PostgreSQL with PostGIS: " + what
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
	}
	t.Skip(msg)
}

// freshDatabase creates hubtest_<random> through adminDSN (from template if
// given, else with CREATE EXTENSION postgis) and drops it when t ends.
func freshDatabase(t testing.TB, adminDSN, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "hubtest_" + randomHex(6)
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if err := execOn(ctx, adminDSN, create); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := execOn(ctx, adminDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if template == "" {
		if err := execOn(ctx, dsn, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
			t.Fatalf("pgtest: the server at %s has no usable PostGIS: %v", EnvDSN, err)
		}
	}
	return dsn
}

// execOn runs one statement on a connection of its own.
func execOn(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// withDatabase returns dsn pointed at database name, in either DSN form.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", EnvDSN, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // a later key wins
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
