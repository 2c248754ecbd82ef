package audit

import "errors"

var (
	// ErrInvalidEntry means an entry cannot join the chain: no action, no
	// time, or a detail that is not JSON.
	ErrInvalidEntry = errors.New("audit: invalid entry")
	// ErrBadSignature means a checkpoint's signature does not verify against the key.
	ErrBadSignature = errors.New("audit: bad checkpoint signature")
	// ErrNoKey means there are checkpoints to verify but no public key to verify them with.
	ErrNoKey = errors.New("audit: no public key to verify checkpoints with")
	// ErrBroken means Verify found a link of the chain that does not hold.
	ErrBroken = errors.New("audit: chain broken")
)
