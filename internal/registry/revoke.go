package registry

import (
	"context"
	"reflect"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// Disable stops a device: it may no longer connect, its publishes are
// refused, and its sessions are revoked. Disabling a disabled device is no
// error (its sessions are revoked again).
func (r *Registry) Disable(ctx context.Context, id string) error {
	return r.setDisabled(ctx, id, true)
}

// Enable lets a disabled device connect again with its current secret.
func (r *Registry) Enable(ctx context.Context, id string) error {
	return r.setDisabled(ctx, id, false)
}

func (r *Registry) setDisabled(ctx context.Context, id string, disabled bool) error {
	r.writes.Lock()
	defer r.writes.Unlock()
	rec, err := r.get(ctx, id)
	if err != nil {
		return err
	}
	if err := r.store.SetDeviceDisabled(ctx, id, disabled); err != nil {
		return err
	}
	rec.Disabled = disabled
	r.mu.Lock()
	r.cache[id] = rec
	r.mu.Unlock()
	if disabled {
		r.revoked(id)
	}
	return nil
}

// OnRevoke registers fn, called with a device's id whenever credentials it
// may be connected with stop being valid: its secret rotated or the device
// disabled, here or — found by Reload — by another process. The embedded
// broker ends the device's sessions. fn must not call Rotate, Disable,
// Enable or Reload.
func (r *Registry) OnRevoke(fn func(id string)) {
	r.mu.Lock()
	r.revoke = append(r.revoke, fn)
	r.mu.Unlock()
}

func (r *Registry) revoked(id string) {
	r.mu.RLock()
	fns := r.revoke
	r.mu.RUnlock()
	for _, fn := range fns {
		fn(id)
	}
}

// OnChange registers fn, called with a device that Reload found added or
// changed by another process (hub devices add, disable, enable), so that
// the live screens show it at once rather than at its next reading. fn
// must not call the registry's writers.
func (r *Registry) OnChange(fn func(dev model.Device)) {
	r.mu.Lock()
	r.change = append(r.change, fn)
	r.mu.Unlock()
}

// Reload reads every device from the store, so that what another process
// changed (hub devices add, rotate, disable, enable) takes effect here. A
// cached device whose secret changed or that was disabled is revoked; one
// that is new or whose description changed is passed to OnChange.
func (r *Registry) Reload(ctx context.Context) error {
	r.writes.Lock()
	all, err := r.store.ListDevices(ctx)
	if err != nil {
		r.writes.Unlock()
		return err
	}
	var gone []string
	var changed []model.Device
	r.mu.Lock()
	for _, rec := range all {
		old, had := r.cache[rec.ID]
		if had && (old.SecretHash != rec.SecretHash || (rec.Disabled && !old.Disabled)) {
			gone = append(gone, rec.ID)
		}
		if !had || !sameDevice(old.Device, rec.Device) {
			changed = append(changed, rec.Device)
		}
		r.cache[rec.ID] = rec
	}
	fns := r.change
	r.mu.Unlock()
	r.writes.Unlock()
	for _, id := range gone {
		r.revoked(id)
	}
	for _, dev := range changed {
		// As it is now: a change through this registry (the API) may have
		// come in since, and announced itself; never put an older one back.
		r.mu.RLock()
		dev = r.cache[dev.ID].Device
		r.mu.RUnlock()
		for _, fn := range fns {
			fn(dev)
		}
	}
	return nil
}

// Watch calls Reload every interval until ctx ends, passing failures (a
// store briefly unreachable) to onErr and trying again at the next tick.
func (r *Registry) Watch(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Reload(ctx); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}

// sameDevice compares two descriptions of a device as stored: the creation
// time by instant (a fresh one carries a monotonic reading, a stored one
// not) and an empty map as none.
func sameDevice(a, b model.Device) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return false
	}
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	for _, d := range []*model.Device{&a, &b} {
		if len(d.RuleOverrides) == 0 {
			d.RuleOverrides = nil
		}
		if len(d.Params) == 0 {
			d.Params = nil
		}
	}
	return reflect.DeepEqual(a, b)
}
