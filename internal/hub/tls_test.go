package hub_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/hub"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hub test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With a certificate configured the API is served over HTTPS only, and a
// device publishes over MQTT with TLS.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	o := hub.Options{DataDir: t.TempDir(), TLSCert: certFile, TLSKey: keyFile, MQTTTLSAddr: "127.0.0.1:0"}
	h := startWith(t, o)
	require.Equal(t, "https://"+h.HTTPAddr(), h.BaseURL())

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(h.BaseURL() + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get("http://" + h.HTTPAddr() + "/healthz")
	if err == nil {
		resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP is refused on the HTTPS port")
	}

	// Provision over HTTPS, then publish over MQTT/TLS.
	h.base = h.BaseURL()
	restore := http.DefaultClient.Transport
	http.DefaultClient.Transport = client.Transport
	t.Cleanup(func() { http.DefaultClient.Transport = restore })
	secret := h.register(t, map[string]any{"id": "hy-tls", "kind": "hydrology", "lon": 105.6, "lat": 38.8})

	opts := paho.NewClientOptions().AddBroker("tls://" + h.MQTTTLSAddr()).SetClientID("hy-tls").
		SetUsername("hy-tls").SetPassword(secret).SetTLSConfig(&tls.Config{RootCAs: pool}).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(opts)
	tok := c.Connect()
	require.True(t, tok.WaitTimeout(10*time.Second))
	require.NoError(t, tok.Error())
	t.Cleanup(func() { c.Disconnect(100) })
	publish(t, c, "devices/hy-tls/telemetry", sample(1, map[string]any{"water_level_m": 1050.2}))
	require.Eventually(t, func() bool {
		return h.device(t, "hy-tls").Values["water_level_m"] == 1050.2
	}, waitLong, tick, "the reading sent over TLS was stored")

	untrusted := paho.NewClient(paho.NewClientOptions().AddBroker("tls://" + h.MQTTTLSAddr()).SetClientID("hy-tls-2").
		SetUsername("hy-tls").SetPassword(secret).SetTLSConfig(&tls.Config{}).SetConnectTimeout(5 * time.Second))
	tok = untrusted.Connect()
	require.True(t, tok.WaitTimeout(10*time.Second))
	require.Error(t, tok.Error(), "a client that does not trust the certificate cannot connect")
}

// A certificate without its key is a configuration error, said at start.
func TestTLSNeedsBothFiles(t *testing.T) {
	certFile, _, _ := selfSigned(t)
	_, err := hub.Start(t.Context(), hub.Options{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0",
		TLSCert: certFile, Logger: testLogger()})
	require.ErrorContains(t, err, "--tls-key")
}
