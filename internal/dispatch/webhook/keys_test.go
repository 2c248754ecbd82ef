package webhook_test

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/dispatch/webhook"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "nested", "webhook.pem")

	created, err := webhook.LoadOrCreateKey(path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}

	loaded, err := webhook.LoadOrCreateKey(path)
	require.NoError(t, err)
	require.Zero(t, created.D.Cmp(loaded.D), "the second call loads the key the first one wrote")
	pem1, err := webhook.PublicKeyPEM(created)
	require.NoError(t, err)
	pem2, err := webhook.PublicKeyPEM(loaded)
	require.NoError(t, err)
	require.Equal(t, pem1, pem2)

	// What one signs the other verifies, through the published PEM.
	pub, err := webhook.ParsePublicKeyPEM(pem2)
	require.NoError(t, err)
	sig, err := webhook.Sign(created, "1700000000", []byte(`{"event":"case.dispatched"}`))
	require.NoError(t, err)
	require.NoError(t, webhook.Verify(pub, "1700000000", []byte(`{"event":"case.dispatched"}`), sig))
}

func TestLoadOrCreateKeyRefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "webhook.pem")
	require.NoError(t, os.WriteFile(path, []byte("not a key"), 0o600))
	_, err := webhook.LoadOrCreateKey(path)
	require.Error(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "not a key", string(b), "a bad key file is never overwritten")
}

func TestParsePublicKeyPEMRefusesGarbage(t *testing.T) {
	for _, tc := range []struct {
		desc string
		in   string
	}{
		{desc: "empty", in: ""},
		{desc: "not PEM", in: "hello"},
		{desc: "wrong block", in: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
		{desc: "bad DER", in: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := webhook.ParsePublicKeyPEM([]byte(tc.in))
			require.Error(t, err)
		})
	}
}

// The scheme is gmsm's standard one, so a receiver using gmsm directly
// interoperates both ways.
func TestSignatureIsGmsmStandard(t *testing.T) {
	k, err := webhook.GenerateKey()
	require.NoError(t, err)
	ts, body := "1700000000", []byte(`{"event":"case.escalated"}`)
	msg := append([]byte(ts+"."), body...)

	t.Run("gmsm's signature verifies with Verify", func(t *testing.T) {
		der, err := k.Sign(rand.Reader, msg, nil)
		require.NoError(t, err)
		require.NoError(t, webhook.Verify(&k.PublicKey, ts, body, base64.StdEncoding.EncodeToString(der)))
	})
	t.Run("Sign's signature is DER over SM3 with the default user id", func(t *testing.T) {
		sig, err := webhook.Sign(k, ts, body)
		require.NoError(t, err)
		der, err := base64.StdEncoding.DecodeString(sig)
		require.NoError(t, err)
		var rs struct{ R, S *big.Int }
		rest, err := asn1.Unmarshal(der, &rs)
		require.NoError(t, err)
		require.Empty(t, rest)
		require.True(t, sm2.Sm2Verify(&k.PublicKey, msg, []byte("1234567812345678"), rs.R, rs.S))
		require.False(t, sm2.Sm2Verify(&k.PublicKey, msg, []byte("another user id!"), rs.R, rs.S))
	})
}
