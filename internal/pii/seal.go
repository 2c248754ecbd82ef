package pii

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/tjfoc/gmsm/sm4"
)

// scheme prefixes every sealed value: SM4 in GCM mode.
const scheme = "sm4gcm"

// The standard GCM sizes: a 96-bit nonce and a 128-bit tag.
const (
	nonceSize = 12
	tagSize   = 16
)

// Seal encrypts and authenticates plaintext with the newest key into
// "sm4gcm:v<version>:<base64url of nonce | ciphertext | tag>". The header
// is authenticated too, so a value cannot be passed off as another
// version's.
//
// The mode is the standard library's GCM over gmsm's SM4 block cipher: it
// meets the SM4-GCM vector of RFC 8998. gmsm's own sm4.Sm4GCM (v1.4.1) does
// not (its tag differs on that vector, its counter increment is not GCM's,
// and it panics opening a ciphertext that is not a whole number of blocks).
func (k *Keyring) Seal(plaintext []byte) (string, error) {
	aead, err := k.aead(k.newest)
	if err != nil {
		return "", err
	}
	header := header(k.newest)
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("pii: nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plaintext, []byte(header))
	return header + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open returns what Seal sealed: ErrMalformed if s is not such a value,
// ErrUnknownVersion if its key version is not in the keyring, ErrAuth if
// the key is wrong or s was altered.
func (k *Keyring) Open(s string) ([]byte, error) {
	v, body, err := split(s)
	if err != nil {
		return nil, err
	}
	if _, ok := k.keys[v]; !ok {
		return nil, fmt.Errorf("%w: sealed with key version %d; this keyring holds %v", ErrUnknownVersion, v, k.Versions())
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("%w: the body is not base64url", ErrMalformed)
	}
	if len(raw) < nonceSize+tagSize {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(raw))
	}
	aead, err := k.aead(v)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], []byte(header(v)))
	if err != nil {
		return nil, fmt.Errorf("%w (key version %d)", ErrAuth, v)
	}
	return pt, nil
}

// Current reports whether s is sealed with the newest key: false for
// anything Reseal should rewrite (an older version, or no sealed value).
func (k *Keyring) Current(s string) bool {
	v, _, err := split(s)
	return err == nil && v == k.newest
}

// VersionOf is the key version a sealed value names.
func VersionOf(s string) (int, error) {
	v, _, err := split(s)
	return v, err
}

// aead is a fresh SM4-GCM for one call: gmsm's cipher keeps scratch
// buffers in the block, so a block must not be shared between goroutines.
func (k *Keyring) aead(version int) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(k.keys[version])
	if err != nil {
		return nil, fmt.Errorf("pii: key version %d: %w", version, err)
	}
	return cipher.NewGCM(block)
}

func header(version int) string { return scheme + ":v" + strconv.Itoa(version) }

// split parses "sm4gcm:v<version>:<body>".
func split(s string) (int, string, error) {
	rest, ok := strings.CutPrefix(s, scheme+":v")
	if !ok {
		return 0, "", fmt.Errorf("%w: want %s:v<version>:<base64url>", ErrMalformed, scheme)
	}
	vs, body, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", fmt.Errorf("%w: no body after the version", ErrMalformed)
	}
	v, err := strconv.Atoi(vs)
	if err != nil || v < 1 || v > maxVersion || strconv.Itoa(v) != vs {
		return 0, "", fmt.Errorf("%w: the key version is not a number in 1–%d", ErrMalformed, maxVersion)
	}
	return v, body, nil
}
