package webhook

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tjfoc/gmsm/sm2"
	"github.com/tjfoc/gmsm/x509"
)

// GenerateKey returns a new SM2 signing key.
func GenerateKey() (*sm2.PrivateKey, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webhook: generate key: %w", err)
	}
	return k, nil
}

// LoadOrCreateKey reads the unencrypted PKCS#8 PEM SM2 private key at path.
// If there is no file it creates a key and writes it there with mode 0600,
// creating the directory (0700) as needed. A file that exists but does not
// parse is an error; it is never overwritten.
func LoadOrCreateKey(path string) (*sm2.PrivateKey, error) {
	k, err := loadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err = GenerateKey()
	if err != nil {
		return nil, err
	}
	pemBytes, err := x509.WritePrivateKeyToPem(k, nil)
	if err != nil {
		return nil, fmt.Errorf("webhook: encode key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("webhook: key directory: %w", err)
	}
	// O_EXCL: if another process created the key meanwhile, use that one.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook: create key: %w", err)
	}
	_, err = f.Write(pemBytes)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("webhook: write key %s: %w", path, err)
	}
	return k, nil
}

func loadKey(path string) (*sm2.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("webhook: read key: %w", err)
	}
	k, err := x509.ReadPrivateKeyFromPem(b, nil)
	if err != nil {
		return nil, fmt.Errorf("webhook: key %s is not an unencrypted PEM SM2 private key: %w", path, err)
	}
	if k.D == nil || k.D.Sign() <= 0 {
		return nil, fmt.Errorf("webhook: key %s: invalid SM2 private key", path)
	}
	return k, nil
}

// PublicKeyPEM returns k's public key as a PEM "PUBLIC KEY" block, the form
// agencies fetch from GET /api/v1/keys/webhook.
func PublicKeyPEM(k *sm2.PrivateKey) ([]byte, error) {
	if k == nil {
		return nil, errors.New("webhook: nil key")
	}
	b, err := x509.WritePublicKeyToPem(&k.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("webhook: encode public key: %w", err)
	}
	return b, nil
}

// ParsePublicKeyPEM reads a PEM "PUBLIC KEY" block holding an SM2 public key.
func ParsePublicKeyPEM(b []byte) (*sm2.PublicKey, error) {
	pub, err := x509.ReadPublicKeyFromPem(b)
	if err != nil {
		return nil, fmt.Errorf("webhook: parse public key: %w", err)
	}
	if pub.X == nil || pub.Y == nil { // not a point on the curve
		return nil, errors.New("webhook: parse public key: invalid SM2 point")
	}
	return pub, nil
}
