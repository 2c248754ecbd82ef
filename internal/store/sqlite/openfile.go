package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// OpenFile opens (creating if needed) the database file at path and
// migrates it; Open(ctx, dir) is OpenFile on dir/FileName.
func OpenFile(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	w, err := openDB(path, 1)
	if err != nil {
		return nil, err
	}
	r, err := openDB(path, max(4, runtime.NumCPU()))
	if err != nil {
		w.Close()
		return nil, err
	}
	s := &Store{w: w, r: r, path: path}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
