package pii

import (
	"errors"
	"os"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// FileKeys is a keyring that follows its key file, so that a running hub
// takes part in a rotation made by `hub pii` in another process: every
// seal looks at the file first (a stat; a read only if it changed), so a
// key the file gained seals at once; a value sealed with a version the
// ring lacks makes it look too; otherwise it looks at most every interval,
// and a key dropped from the file is dropped here then. A file that cannot
// be read or parsed, or that others may read, leaves the keys in use as
// they were, reported to OnError once per state of the file.
type FileKeys struct {
	path     string
	interval time.Duration
	now      func() time.Time

	// OnReload, if set, hears of each new set of keys read from the file;
	// OnError of each failed attempt. Neither may call FileKeys.
	OnReload func(k *Keyring)
	OnError  func(err error)

	mu      sync.Mutex
	ring    *Keyring
	stamp   stamp // of the file the ring was read from
	bad     stamp // of the file last found unusable: not reported twice
	checked time.Time
}

// stamp is what tells a changed file from the one last read: a rotation
// replaces it, a chmod changes its mode.
type stamp struct {
	mod  time.Time
	size int64
	mode os.FileMode
	err  string // the stat failed
}

func stampOf(fi os.FileInfo) stamp { return stamp{mod: fi.ModTime(), size: fi.Size(), mode: fi.Mode()} }

// OpenFileKeys loads the key file (creating it with one key if create is
// set and there is none) and follows it, looking for changes at most every
// interval.
func OpenFileKeys(path string, create bool, interval time.Duration) (*FileKeys, error) {
	load := Load
	if create {
		load = LoadOrCreate
	}
	k, err := load(path)
	if err != nil {
		return nil, err
	}
	f := &FileKeys{path: path, interval: interval, now: time.Now, ring: k}
	if fi, err := os.Stat(path); err == nil {
		f.stamp = stampOf(fi)
	}
	f.checked = f.now()
	return f, nil
}

// Keyring returns the keys in use, after looking at the file if an
// interval has passed.
func (f *FileKeys) Keyring() *Keyring {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.now().Sub(f.checked) >= f.interval {
		f.refresh()
	}
	return f.ring
}

// Check looks at the file now and returns the keys then in use.
func (f *FileKeys) Check() *Keyring {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh()
	return f.ring
}

// refresh reads the file if it changed (time or size: a rotation appends,
// a dropped key shortens it) since the last read; under mu.
func (f *FileKeys) refresh() {
	f.checked = f.now()
	fi, err := os.Stat(f.path)
	var st stamp
	if err != nil {
		st = stamp{err: err.Error()}
	} else {
		st = stampOf(fi)
	}
	if st == f.stamp || st == f.bad {
		return
	}
	if err != nil {
		f.bad = st
		f.fail(err)
		return
	}
	k, err := Load(f.path)
	if err != nil {
		f.bad = st
		f.fail(err)
		return
	}
	f.ring, f.stamp = k, st
	if f.OnReload != nil {
		f.OnReload(k)
	}
}

func (f *FileKeys) fail(err error) {
	if f.OnError != nil {
		f.OnError(err)
	}
}

// SealPerson seals p with the newest key the file holds now: reports are
// few, and a seal with a key `hub pii reseal` has already moved past would
// be left behind when the old key is dropped.
func (f *FileKeys) SealPerson(p model.Person) (string, error) { return f.Check().SealPerson(p) }

// OpenPerson opens a sealed person; one sealed with a key version not yet
// read (another process rotated and resealed) makes the file be read again.
func (f *FileKeys) OpenPerson(sealed string) (model.Person, error) {
	p, err := f.Keyring().OpenPerson(sealed)
	if errors.Is(err, ErrUnknownVersion) {
		return f.Check().OpenPerson(sealed)
	}
	return p, err
}

// Current reports whether sealed is sealed with the newest key.
func (f *FileKeys) Current(sealed string) bool { return f.Keyring().Current(sealed) }
