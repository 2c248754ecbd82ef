package registry

import "errors"

var (
	// ErrInvalid means a device registration was refused; the message says why.
	ErrInvalid = errors.New("invalid device")
	// ErrUnknownDevice means no device has the id.
	ErrUnknownDevice = errors.New("unknown device")
)
