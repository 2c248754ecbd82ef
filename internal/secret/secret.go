// Package secret makes the random secrets the hub hands out once (device
// MQTT passwords, API tokens) and keeps only their salted SM3 hashes,
// "sm3$<salt hex>$<digest hex>", so a copy of the database lets no one in.
package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/tjfoc/gmsm/sm3"
)

// New returns a random secret of n bytes, base64url without padding, and its
// hash.
func New(n int) (plain, hash string, err error) {
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	plain = base64.RawURLEncoding.EncodeToString(raw)
	hash, err = Hash(plain)
	return plain, hash, err
}

// Hash returns the salted SM3 hash of plain.
func Hash(plain string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return "sm3$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(digest(salt, plain)), nil
}

// Check reports whether plain is the secret stored hashed, in constant time.
func Check(stored, plain string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 3 || parts[0] != "sm3" {
		return false
	}
	salt, err1 := hex.DecodeString(parts[1])
	want, err2 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil {
		return false
	}
	return subtle.ConstantTimeCompare(digest(salt, plain), want) == 1
}

func digest(salt []byte, plain string) []byte {
	h := sm3.New()
	h.Write(salt)
	h.Write([]byte(plain))
	return h.Sum(nil)
}
