package engine

import "errors"

var (
	// ErrNotFound means no alarm has the id.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyAcked means the alarm was acknowledged before.
	ErrAlreadyAcked = errors.New("already acknowledged")
	// ErrNotActive means the alarm is already cleared.
	ErrNotActive = errors.New("alarm is not active")
)

// ErrInvalid means a request to the engine was malformed (an empty comment).
var ErrInvalid = errors.New("invalid")
