package simulator

import "errors"

// ErrInvalidFleet marks a fleet file that cannot be used.
var ErrInvalidFleet = errors.New("invalid fleet")

// ErrInvalidModel marks a signal model (a profile's or a device's sim map) that cannot be built.
var ErrInvalidModel = errors.New("invalid signal model")

// ErrInvalidOptions marks Options that Run cannot start with.
var ErrInvalidOptions = errors.New("invalid simulator options")

// ErrDeviceExists is returned by Provision when the hub already knows some of the fleet's ids.
var ErrDeviceExists = errors.New("device already exists")

// ErrProvision is returned by Provision when the hub refuses a registration for another reason.
var ErrProvision = errors.New("provisioning failed")
