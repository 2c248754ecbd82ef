package dispatch

import "errors"

var (
	// ErrIllegalTransition means a case was asked to move where its state does
	// not allow.
	ErrIllegalTransition = errors.New("illegal case transition")
	// ErrForbidden means the caller's role (or agency) may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid means the request is incomplete or malformed.
	ErrInvalid = errors.New("invalid request")
	// ErrUnknown means a category, agency, plan or resource does not exist.
	ErrUnknown = errors.New("unknown")
)
