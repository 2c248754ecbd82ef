package external

import "errors"

var (
	// ErrOptions means Start was given options it cannot work with.
	ErrOptions = errors.New("external: invalid options")
	// ErrConnect means no connection to the broker was made before the
	// context given to Start ended.
	ErrConnect = errors.New("external: not connected to the broker")
	// ErrSubscribe means the broker refused or did not answer the
	// subscription (check the hub user's ACL).
	ErrSubscribe = errors.New("external: subscription refused")
)
