package hub

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/ingest"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// Store is every part's storage, which one backend provides: the embedded
// SQLite file by default, PostGIS for production (--db postgres://…).
type Store interface {
	registry.Store
	engine.Store
	ingest.Writer
	api.Store
	dispatch.Store
	access.Store
	jobStore
	PutRegions(ctx context.Context, rs []gis.Region) error
	Close() error
}

var _ Store = (*sqlite.Store)(nil)

// isPostgres tells a PostgreSQL DSN from a SQLite path.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens --db: a postgres:// DSN, a SQLite file path, or (empty) the
// SQLite file in the data directory. Both migrate on open and refuse a schema
// newer than this binary.
func openStore(ctx context.Context, db, dataDir string) (Store, error) {
	switch {
	case isPostgres(db):
		return openPostgres(ctx, db)
	case db == "":
		db = filepath.Join(dataDir, sqlite.FileName)
	}
	s, err := sqlite.OpenFile(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", db, err)
	}
	return s, nil
}

// redact hides a DSN's password for logs.
func redact(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return db
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	return u.String()
}
