package store

import "errors"

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
