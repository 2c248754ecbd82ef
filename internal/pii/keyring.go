// Package pii keeps people's personal data — a reporter's name, phone,
// e-mail and ID number — unreadable at rest and masked on display. It owns
// the versioned SM4 keys (a key file or HUB_PII_KEYS), sealing with SM4-GCM
// into self-describing strings ("sm4gcm:v2:…") that any listed key version
// opens and the newest writes, and the display masks (张*, 138****1234).
// It must not decide who may see what (dispatch does) nor store anything
// but its own key file.
package pii

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// KeySize is an SM4 key's size in bytes (128 bits).
const KeySize = 16

// maxVersion bounds key versions, so that a version always fits its field.
const maxVersion = 1_000_000

// Keyring is a set of versioned SM4 keys: the newest seals, every one
// opens. It does not change once made, so it is safe for concurrent use.
type Keyring struct {
	keys   map[int][]byte
	newest int
}

// NewKeyring makes a keyring of keys by version (1 … 1000000). It copies
// the keys.
func NewKeyring(keys map[int][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrKeys)
	}
	k := &Keyring{keys: make(map[int][]byte, len(keys))}
	for v, key := range keys {
		if v < 1 || v > maxVersion {
			return nil, fmt.Errorf("%w: version %d is not in 1–%d", ErrKeys, v, maxVersion)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("%w: key version %d has %d bytes, not %d", ErrKeys, v, len(key), KeySize)
		}
		k.keys[v] = slices.Clone(key)
		k.newest = max(k.newest, v)
	}
	return k, nil
}

// Parse reads a key list: entries "<version>:<32 hex digits>" (the
// version may be written v2), one per line or separated by ";" (the form
// of HUB_PII_KEYS); blank entries and lines starting with # are skipped.
// Errors name the line, never the key.
func Parse(text string) (*Keyring, error) {
	keys := map[int][]byte{}
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for entry := range strings.SplitSeq(line, ";") {
			if entry = strings.TrimSpace(entry); entry == "" {
				continue
			}
			v, key, err := parseEntry(entry)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %v", ErrKeys, i+1, err)
			}
			if _, dup := keys[v]; dup {
				return nil, fmt.Errorf("%w: line %d: version %d is listed twice", ErrKeys, i+1, v)
			}
			keys[v] = key
		}
	}
	return NewKeyring(keys)
}

func parseEntry(entry string) (int, []byte, error) {
	vs, hx, ok := strings.Cut(entry, ":")
	if !ok {
		return 0, nil, fmt.Errorf("want <version>:<hex key>")
	}
	v, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(vs), "v"))
	if err != nil || v < 1 || v > maxVersion {
		return 0, nil, fmt.Errorf("the version is not a number in 1–%d", maxVersion)
	}
	key, err := hex.DecodeString(strings.TrimSpace(hx))
	if err != nil || len(key) != KeySize {
		return 0, nil, fmt.Errorf("key version %d is not %d hex digits", v, 2*KeySize)
	}
	return v, key, nil
}

// Newest is the version that seals.
func (k *Keyring) Newest() int { return k.newest }

// Versions lists the versions held, oldest first.
func (k *Keyring) Versions() []int { return slices.Sorted(maps.Keys(k.keys)) }

// Without returns the keyring less one version; the newest cannot go.
func (k *Keyring) Without(version int) (*Keyring, error) {
	if _, ok := k.keys[version]; !ok {
		return nil, fmt.Errorf("%w: there is no key version %d", ErrKeys, version)
	}
	if version == k.newest {
		return nil, fmt.Errorf("%w: key version %d is the newest, which seals; add a newer one first", ErrKeys, version)
	}
	keys := maps.Clone(k.keys)
	delete(keys, version)
	return NewKeyring(keys)
}

// With returns the keyring plus a new random key, one version above the
// newest, and that version.
func (k *Keyring) With() (*Keyring, int, error) {
	key, err := newKey()
	if err != nil {
		return nil, 0, err
	}
	keys := maps.Clone(k.keys)
	keys[k.newest+1] = key
	nk, err := NewKeyring(keys)
	return nk, k.newest + 1, err
}

// Format writes the keyring as a key file: one "<version>:<hex>" line per
// key, oldest first.
func (k *Keyring) Format() string {
	var b strings.Builder
	b.WriteString("# SM4 keys sealing reporters' personal data: <version>:<hex key>. The newest seals; keep\n")
	b.WriteString("# every version some case is still sealed with (see hub pii status, and hub pii reseal, which moves all to the newest).\n")
	for _, v := range k.Versions() {
		fmt.Fprintf(&b, "%d:%s\n", v, hex.EncodeToString(k.keys[v]))
	}
	return b.String()
}

func newKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("pii: random key: %w", err)
	}
	return key, nil
}
