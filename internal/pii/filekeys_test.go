package pii_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
)

var someone = model.Person{Name: "钱多多", Phone: "13912345678"}

func sealedVersion(t *testing.T, f *pii.FileKeys) int {
	t.Helper()
	s, err := f.SealPerson(someone)
	require.NoError(t, err)
	v, err := pii.VersionOf(s)
	require.NoError(t, err)
	return v
}

// A hub following its key file takes part in a rotation made by `hub pii`
// in another process without a restart.
func TestFileKeysFollowTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), pii.FileName)
	f, err := pii.OpenFileKeys(path, true, 0) // look at the file on every use
	require.NoError(t, err)
	var reloads []int
	f.OnReload = func(k *pii.Keyring) { reloads = append(reloads, k.Newest()) }
	old, err := f.SealPerson(someone)
	require.NoError(t, err)
	require.Equal(t, 1, sealedVersion(t, f))

	_, v, err := pii.Rotate(path) // hub pii rotate-key
	require.NoError(t, err)
	require.Equal(t, 2, v)
	require.Equal(t, 2, sealedVersion(t, f), "the new key seals")
	require.False(t, f.Current(old))
	p, err := f.OpenPerson(old)
	require.NoError(t, err, "the old key still opens")
	require.Equal(t, someone, p)
	require.Equal(t, []int{2}, reloads, "read once, when it changed")

	k, err := pii.Load(path)
	require.NoError(t, err)
	k, err = k.Without(1)
	require.NoError(t, err)
	require.NoError(t, pii.Save(path, k)) // hub pii drop-key --version 1
	_, err = f.OpenPerson(old)
	require.ErrorIs(t, err, pii.ErrUnknownVersion, "a dropped key is gone here too")
}

// Between checks a hub opens what another process sealed with a key it
// has not read yet: the unknown version makes it read the file at once.
func TestFileKeysReadOnUnknownVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), pii.FileName)
	f, err := pii.OpenFileKeys(path, true, time.Hour)
	require.NoError(t, err)
	other, _, err := pii.Rotate(path) // hub pii rotate-key, then reseal
	require.NoError(t, err)
	resealed, err := other.SealPerson(someone)
	require.NoError(t, err)

	require.Equal(t, 1, f.Keyring().Newest(), "not looked at within the hour")
	p, err := f.OpenPerson(resealed)
	require.NoError(t, err)
	require.Equal(t, someone, p)
	require.Equal(t, 2, f.Keyring().Newest(), "read at once")
}

// A seal looks at the file first, so nothing is sealed with a key that a
// reseal has already moved past.
func TestFileKeysSealWithTheNewestAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), pii.FileName)
	f, err := pii.OpenFileKeys(path, true, time.Hour)
	require.NoError(t, err)
	_, _, err = pii.Rotate(path)
	require.NoError(t, err)
	require.Equal(t, 2, sealedVersion(t, f))
}

// Many reports and unmaskings at once while the keys rotate (go test
// -race): every value opens, none is lost.
func TestFileKeysConcurrentUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), pii.FileName)
	f, err := pii.OpenFileKeys(path, true, 0)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				s, err := f.SealPerson(someone)
				if err == nil {
					var p model.Person
					if p, err = f.OpenPerson(s); err == nil && p != someone {
						err = fmt.Errorf("opened %v", p)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 5 {
		_, _, err := pii.Rotate(path)
		require.NoError(t, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	require.Equal(t, 6, sealedVersion(t, f))
}

// A key file broken or opened to others keeps the keys in use, and says
// so once per change of the file.
func TestFileKeysKeepWorkingKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), pii.FileName)
	f, err := pii.OpenFileKeys(path, true, 0)
	require.NoError(t, err)
	var errs []error
	f.OnError = func(err error) { errs = append(errs, err) }
	sealed, err := f.SealPerson(someone)
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(path, []byte("1:not-a-key-at-all\n"), 0o600))
	for range 3 {
		p, err := f.OpenPerson(sealed)
		require.NoError(t, err)
		require.Equal(t, someone, p)
	}
	require.Len(t, errs, 1, "one report for one bad file")
	require.ErrorIs(t, errs[0], pii.ErrKeys)
	require.NotContains(t, errs[0].Error(), "not-a-key", "errors never show a key")

	k, err := pii.Parse("1:00112233445566778899aabbccddeeff")
	require.NoError(t, err)
	require.NoError(t, pii.Save(path, k))
	require.NoError(t, os.Chmod(path, 0o644))
	_, err = f.SealPerson(someone)
	require.NoError(t, err)
	require.Len(t, errs, 2)
	require.ErrorContains(t, errs[1], "may be read by others")
	p, err := f.OpenPerson(sealed)
	require.NoError(t, err, "still the keys it had")
	require.Equal(t, someone, p)

	require.NoError(t, os.Chmod(path, 0o600)) // as the error asks: the file is read now
	_, err = f.OpenPerson(sealed)
	require.ErrorIs(t, err, pii.ErrAuth, "the new file's key is another")
	require.Len(t, errs, 2)

	require.NoError(t, os.Remove(path))
	for range 3 {
		_, err = f.SealPerson(someone)
		require.NoError(t, err, "the keys in use stay")
	}
	require.Len(t, errs, 3, "a missing file is reported once")
}
