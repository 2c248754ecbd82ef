package pii_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/pii"
)

func TestParse(t *testing.T) {
	k, err := pii.Parse("# comment\n\n1:30313233343536373839616263646566\r\nv3: 66656463626139383736353433323130 \n")
	require.NoError(t, err)
	require.Equal(t, []int{1, 3}, k.Versions())
	require.Equal(t, 3, k.Newest())

	env, err := pii.Parse("1:30313233343536373839616263646566;2:66656463626139383736353433323130;")
	require.NoError(t, err, "HUB_PII_KEYS: entries separated by ;")
	require.Equal(t, 2, env.Newest())
	s, err := env.Seal([]byte("x"))
	require.NoError(t, err)
	_, err = k.Open(s)
	require.ErrorIs(t, err, pii.ErrUnknownVersion)

	const secret = "30313233343536373839616263646566"
	for _, c := range []struct{ desc, text string }{
		{"empty", ""},
		{"comments only", "# nothing\n"},
		{"no colon", secret},
		{"version not a number", "x:" + secret},
		{"version 0", "0:" + secret},
		{"short key", "1:" + secret[:30]},
		{"not hex", "1:" + strings.Repeat("zz", 16)},
		{"version twice", "1:" + secret + "\n1:" + secret},
	} {
		t.Run(c.desc, func(t *testing.T) {
			_, err := pii.Parse(c.text)
			require.ErrorIs(t, err, pii.ErrKeys)
			require.NotContains(t, err.Error(), secret[:30], "errors never show a key")
		})
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", pii.FileName)
	k, err := pii.LoadOrCreate(path)
	require.NoError(t, err)
	require.Equal(t, []int{1}, k.Versions())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	sealed, err := k.Seal([]byte("13912345678"))
	require.NoError(t, err)

	again, err := pii.LoadOrCreate(path)
	require.NoError(t, err)
	got, err := again.Open(sealed)
	require.NoError(t, err, "the same key comes back")
	require.Equal(t, "13912345678", string(got))

	// An operator's note survives a rotation: the new key is appended.
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(before, "# kept since 2026"...), 0o600))
	rotated, v, err := pii.Rotate(path)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(after), string(before)+"# kept since 2026\n2:"), string(after))
	loaded, err := pii.Load(path)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, loaded.Versions())
	_, err = rotated.Open(sealed)
	require.NoError(t, err)

	dropped, err := loaded.Without(1)
	require.NoError(t, err)
	require.NoError(t, pii.Save(path, dropped))
	loaded, err = pii.Load(path)
	require.NoError(t, err)
	require.Equal(t, []int{2}, loaded.Versions())
	fi, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = pii.Load(path)
	require.ErrorIs(t, err, pii.ErrKeys, "a key file others may read is refused")
	require.Contains(t, err.Error(), "chmod 600")

	_, err = pii.Load(filepath.Join(t.TempDir(), "absent"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestRotateCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), pii.FileName)
	k, v, err := pii.Rotate(path)
	require.NoError(t, err)
	require.Equal(t, 2, v, "a missing file is created with v1, then v2 is added")
	require.Equal(t, []int{1, 2}, k.Versions())
}
