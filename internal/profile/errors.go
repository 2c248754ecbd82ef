package profile

import "errors"

// ErrInvalid marks a profile that cannot be loaded.
var ErrInvalid = errors.New("invalid profile")
