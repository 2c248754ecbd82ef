package pii

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// FileName is the key file's name in the data directory.
const FileName = "pii-sm4.keys"

// Load reads a key file. It refuses a file that others may read: the keys
// open every reporter's contact.
func Load(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("%w: %s may be read by others (mode %04o): chmod 600 it", ErrKeys, path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreate reads a key file, or creates it (mode 0600, its directory
// 0700) with one random key, version 1, if there is none.
func LoadOrCreate(path string) (*Keyring, error) {
	k, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	if k, err = NewKeyring(map[int][]byte{1: key}); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("pii: key directory: %w", err)
	}
	// O_EXCL: if another process created the file meanwhile, use that one.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("pii: create %s: %w", path, err)
	}
	if err := writeClose(f, k.Format()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("pii: write %s: %w", path, err)
	}
	return k, nil
}

// Rotate appends a new random key, one version above the newest, to a key
// file (creating the file first if there is none) and returns the keyring
// it now holds and the new version. What the file held stays as it was;
// the file is replaced whole (a temporary file renamed over it), so a hub
// reading it meanwhile sees the old file or the new one, never half.
func Rotate(path string) (*Keyring, int, error) {
	k, err := LoadOrCreate(path)
	if err != nil {
		return nil, 0, err
	}
	nk, v, err := k.With()
	if err != nil {
		return nil, 0, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	line := fmt.Sprintf("%d:%s\n", v, hex.EncodeToString(nk.keys[v]))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		line = "\n" + line
	}
	if err := replace(path, string(b)+line); err != nil {
		return nil, 0, err
	}
	return nk, v, nil
}

// Save replaces a key file with k (mode 0600), through a temporary file
// renamed over it.
func Save(path string, k *Keyring) error { return replace(path, k.Format()) }

// replace writes text to path (mode 0600) through a temporary file renamed
// over it.
func replace(path, text string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("pii: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		err = writeClose(f, text)
	} else {
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("pii: save %s: %w", path, err)
	}
	return nil
}

func writeClose(f *os.File, text string) error {
	_, err := f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
