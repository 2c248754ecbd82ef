package webhook

import "errors"

var (
	// ErrBadSignature means the X-Hub-Signature does not verify against the timestamp and body.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrStale means the X-Hub-Timestamp is outside the replay window, or not a Unix time at all.
	ErrStale = errors.New("webhook: timestamp outside the replay window")
	// ErrMissingHeader means X-Hub-Timestamp or X-Hub-Signature is absent.
	ErrMissingHeader = errors.New("webhook: missing signature header")
)
