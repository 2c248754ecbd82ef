package pii

import "errors"

var (
	// ErrMalformed means a value is not a sealed value this package wrote.
	ErrMalformed = errors.New("pii: malformed sealed value")
	// ErrUnknownVersion means a value was sealed with a key version the
	// keyring does not hold.
	ErrUnknownVersion = errors.New("pii: unknown key version")
	// ErrAuth means a sealed value failed authentication: the key is wrong
	// or the value was altered.
	ErrAuth = errors.New("pii: sealed value failed authentication (wrong key or tampered)")
	// ErrKeys means a key list (a file or HUB_PII_KEYS) is unusable.
	ErrKeys = errors.New("pii: bad key list")
)
