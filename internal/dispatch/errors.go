package dispatch

import "errors"

// ErrIllegalTransition means a case was asked to move where its state does
// not allow.
var ErrIllegalTransition = errors.New("illegal case transition")
