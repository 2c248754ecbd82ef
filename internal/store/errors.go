package store

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNotFound means no row has the requested key.
	ErrNotFound = errors.New("not found")
	// ErrExists means a row with the same key already exists.
	ErrExists = errors.New("already exists")
	// ErrConflict means the row changed since it was read (optimistic lock).
	ErrConflict = errors.New("conflict: changed concurrently")
	// ErrSchemaTooNew means the database was migrated by a newer binary.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// Versioned finishes an optimistic-locking update (UPDATE … WHERE id = ? AND
// version = ?) that touched affected rows: one bumps *version; none means the
// row is gone (the error get returns, wrapping ErrNotFound) or another writer
// changed it first (ErrConflict).
func Versioned(affected int64, what string, id int64, version *int64, get func() error) error {
	if affected == 0 {
		if err := get(); err != nil {
			return err
		}
		return fmt.Errorf("%s %d: %w", what, id, ErrConflict)
	}
	*version++
	return nil
}

// CaseNo is a case's 案卷编号: YW, the creation date in China Standard Time,
// and the id to six digits (YW20261121000042).
func CaseNo(created time.Time, id int64) string {
	return fmt.Sprintf("YW%s%06d", created.In(chinaTime).Format("20060102"), id)
}

var chinaTime = time.FixedZone("CST", 8*3600)
