package pii_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
)

func ring(t testing.TB, keys map[int]string) *pii.Keyring {
	t.Helper()
	m := map[int][]byte{}
	for v, k := range keys {
		m[v] = []byte(k)
	}
	k, err := pii.NewKeyring(m)
	require.NoError(t, err)
	return k
}

const (
	key1 = "0123456789abcdef" // 16 bytes each
	key2 = "fedcba9876543210"
	key3 = "00112233445566ff"
)

func TestSealOpen(t *testing.T) {
	k := ring(t, map[int]string{1: key1, 2: key2})
	for _, pt := range [][]byte{nil, []byte("x"), []byte("张三 13912345678"), bytes.Repeat([]byte("ab"), 1000)} {
		s, err := k.Seal(pt)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(s, "sm4gcm:v2:"), s)
		require.True(t, k.Current(s))
		v, err := pii.VersionOf(s)
		require.NoError(t, err)
		require.Equal(t, 2, v)
		if len(pt) >= 8 { // a one-letter plaintext turns up in base64 by chance
			require.NotContains(t, s, string(pt))
		}
		got, err := k.Open(s)
		require.NoError(t, err)
		require.Equal(t, string(pt), string(got))
	}
	a, err := k.Seal([]byte("same"))
	require.NoError(t, err)
	b, err := k.Seal([]byte("same"))
	require.NoError(t, err)
	require.NotEqual(t, a, b, "a fresh nonce each time")
}

func TestOpenRefuses(t *testing.T) {
	k := ring(t, map[int]string{1: key1, 2: key2})
	good, err := k.Seal([]byte("13912345678"))
	require.NoError(t, err)
	body := strings.TrimPrefix(good, "sm4gcm:v2:")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	require.NoError(t, err)
	flip := func(i int) string {
		r := bytes.Clone(raw)
		r[i] ^= 1
		return "sm4gcm:v2:" + base64.RawURLEncoding.EncodeToString(r)
	}
	for _, c := range []struct {
		desc, sealed string
		ring         *pii.Keyring
		want         error
	}{
		{"wrong key under the same version", good, ring(t, map[int]string{2: key3}), pii.ErrAuth},
		{"a ciphertext byte flipped", flip(13), k, pii.ErrAuth},
		{"the nonce altered", flip(0), k, pii.ErrAuth},
		{"the tag altered", flip(len(raw) - 1), k, pii.ErrAuth},
		{"relabelled as another version", "sm4gcm:v1:" + body, k, pii.ErrAuth},
		{"truncated", good[:len(good)-4], k, pii.ErrAuth},
		{"unknown version", "sm4gcm:v7:" + body, k, pii.ErrUnknownVersion},
		{"version dropped from the ring", good, ring(t, map[int]string{1: key1}), pii.ErrUnknownVersion},
		{"empty", "", k, pii.ErrMalformed},
		{"plain text", "张三", k, pii.ErrMalformed},
		{"another scheme", "sm4cbc:v2:" + body, k, pii.ErrMalformed},
		{"no version", "sm4gcm:v:" + body, k, pii.ErrMalformed},
		{"a version with a leading zero", "sm4gcm:v02:" + body, k, pii.ErrMalformed},
		{"a negative version", "sm4gcm:v-2:" + body, k, pii.ErrMalformed},
		{"no body", "sm4gcm:v2", k, pii.ErrMalformed},
		{"not base64url", "sm4gcm:v2:" + body[:10] + "+/=" + body[13:], k, pii.ErrMalformed},
		{"too short", "sm4gcm:v2:" + body[:20], k, pii.ErrMalformed},
	} {
		t.Run(c.desc, func(t *testing.T) {
			got, err := c.ring.Open(c.sealed)
			require.ErrorIs(t, err, c.want)
			require.Nil(t, got)
			require.NotContains(t, err.Error(), key1)
		})
	}
}

func TestRotation(t *testing.T) {
	v1 := ring(t, map[int]string{1: key1})
	old, err := v1.SealPerson(model.Person{Name: "张三", Phone: "13912345678"})
	require.NoError(t, err)

	v2, version, err := v1.With()
	require.NoError(t, err)
	require.Equal(t, 2, version)
	require.Equal(t, []int{1, 2}, v2.Versions())
	require.False(t, v2.Current(old), "sealed with v1: reseal moves it")
	p, err := v2.OpenPerson(old)
	require.NoError(t, err, "v1 still opens after v2 is added")
	require.Equal(t, model.Person{Name: "张三", Phone: "13912345678"}, p)

	fresh, err := v2.SealPerson(p)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(fresh, "sm4gcm:v2:"))
	_, err = v1.OpenPerson(fresh)
	require.ErrorIs(t, err, pii.ErrUnknownVersion, "a hub without v2 says so")

	only2, err := v2.Without(1)
	require.NoError(t, err)
	_, err = only2.OpenPerson(old)
	require.ErrorIs(t, err, pii.ErrUnknownVersion)
	got, err := only2.OpenPerson(fresh)
	require.NoError(t, err)
	require.Equal(t, p, got)

	_, err = v2.Without(2)
	require.ErrorIs(t, err, pii.ErrKeys, "the newest key seals: it cannot go")
	_, err = v2.Without(5)
	require.ErrorIs(t, err, pii.ErrKeys)
}

func TestSealPerson(t *testing.T) {
	k := ring(t, map[int]string{3: key3})
	in := model.Person{Name: "欧阳娜娜", Phone: "+86 139 1234 5678", Email: "nana@example.com", IDNo: "11010119900307123X",
		Sealed: "ignored", Masked: true}
	s, err := k.SealPerson(in)
	require.NoError(t, err)
	for _, plain := range []string{in.Name, "1234", in.Email, in.IDNo, "ignored"} {
		require.NotContains(t, s, plain)
	}
	out, err := k.OpenPerson(s)
	require.NoError(t, err)
	require.Equal(t, model.Person{Name: in.Name, Phone: in.Phone, Email: in.Email, IDNo: in.IDNo}, out)

	notPerson, err := k.Seal([]byte("[1,2]"))
	require.NoError(t, err)
	_, err = k.OpenPerson(notPerson)
	require.ErrorIs(t, err, pii.ErrMalformed)
}

func TestNewKeyringRefuses(t *testing.T) {
	for _, c := range []struct {
		desc string
		keys map[int][]byte
	}{
		{"no keys", nil},
		{"short key", map[int][]byte{1: []byte("short")}},
		{"version 0", map[int][]byte{0: []byte(key1)}},
		{"version too large", map[int][]byte{1_000_001: []byte(key1)}},
	} {
		t.Run(c.desc, func(t *testing.T) {
			_, err := pii.NewKeyring(c.keys)
			require.ErrorIs(t, err, pii.ErrKeys)
		})
	}
}
