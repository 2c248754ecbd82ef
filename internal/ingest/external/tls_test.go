package external

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/testutil/mosquittotest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mosquitto test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

func TestTLS(t *testing.T) {
	certFile, keyFile, roots := selfSigned(t, t.TempDir())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tlsPort := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	b := mosquittotest.Start(t, mosquittotest.WithConfig(
		"listener "+strconv.Itoa(tlsPort)+" 127.0.0.1", "certfile "+certFile, "keyfile "+keyFile))
	sslURL := "ssl://127.0.0.1:" + strconv.Itoa(tlsPort)

	tests := []struct {
		desc string
		tls  *tls.Config
		ok   bool
	}{
		{desc: "trusted certificate", tls: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, ok: true},
		{desc: "unknown authority is refused", tls: &tls.Config{MinVersion: tls.VersionTLS12}},
	}
	for i, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newFakeHandler()
			o := hubOptions(t, b, h)
			o.ClientID += strconv.Itoa(i)
			o.URL, o.TLS = sslURL, tc.tls
			if !tc.ok {
				ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
				defer cancel()
				_, err := Start(ctx, o)
				require.ErrorIs(t, err, ErrConnect)
				require.ErrorContains(t, err, "certificate")
				return
			}
			s := startSub(t, o)
			r := newDevice(t, b, "d-tls").publish(t, "devices/d-tls/telemetry", `{"over":"tls"}`)
			require.Eventually(t, func() bool { return h.has(r) }, waitFor, tick)
			require.True(t, s.Connected())
		})
	}
}
