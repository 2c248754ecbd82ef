// Package registry owns device identities: provisioning with a one-time
// secret (stored only as a salted SM3 hash), rotation, disabling, lookup with
// an in-memory cache kept fresh from the store, and the two questions every
// broker asks — may this device connect, may it use this topic (the topic
// names of the device contract, SPEC §3). It places each device in its
// region. It knows nothing of MQTT sessions or HTTP: whoever ends sessions
// registers with OnRevoke.
package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/secret"
	"github.com/ywtg/hub/internal/store"
)

// Store is the storage the registry needs.
type Store interface {
	CreateDevice(ctx context.Context, d store.DeviceRecord) error
	SetDeviceSecret(ctx context.Context, id, hash string) error
	SetDeviceDisabled(ctx context.Context, id string, disabled bool) error
	GetDevice(ctx context.Context, id string) (store.DeviceRecord, error)
	ListDevices(ctx context.Context) ([]store.DeviceRecord, error)
}

// Locator places a point in the deepest region containing it.
type Locator interface {
	Locate(lon, lat float64) (code, name string, ok bool)
}

// Registry provisions and authenticates devices.
type Registry struct {
	store    Store
	loc      Locator
	profiles profile.Set
	now      func() time.Time

	// writes serialises the changes of credentials (Rotate, Disable,
	// Enable, Reload) so that a reload never puts back a record older than
	// one just written.
	writes sync.Mutex
	mu     sync.RWMutex
	cache  map[string]store.DeviceRecord
	revoke []func(id string)        // under mu
	change []func(dev model.Device) // under mu
}

// New returns a registry; call Load to warm its cache.
func New(s Store, loc Locator, profiles profile.Set) *Registry {
	return &Registry{store: s, loc: loc, profiles: profiles, now: time.Now, cache: map[string]store.DeviceRecord{}}
}

// Load reads every device into the cache.
func (r *Registry) Load(ctx context.Context) error {
	all, err := r.store.ListDevices(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range all {
		r.cache[d.ID] = d
	}
	return nil
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Add registers a device and returns it with its secret, which is shown
// only this once.
func (r *Registry) Add(ctx context.Context, d model.Device) (model.Device, string, error) {
	if err := r.validate(d); err != nil {
		return d, "", err
	}
	d.RegionCode, d.RegionName = r.place(d.Lon, d.Lat)
	d.CreatedAt = r.now().UTC().Truncate(time.Millisecond)
	plain, hash, err := secret.New(24)
	if err != nil {
		return d, "", err
	}
	rec := store.DeviceRecord{Device: d, SecretHash: hash}
	if err := r.store.CreateDevice(ctx, rec); err != nil {
		return d, "", err
	}
	r.mu.Lock()
	r.cache[d.ID] = rec
	r.mu.Unlock()
	return d, plain, nil
}

// Rotate gives a device a new secret; the old one stops working at once and
// the device's sessions are revoked.
func (r *Registry) Rotate(ctx context.Context, id string) (string, error) {
	r.writes.Lock()
	defer r.writes.Unlock()
	rec, err := r.get(ctx, id)
	if err != nil {
		return "", err
	}
	plain, hash, err := secret.New(24)
	if err != nil {
		return "", err
	}
	if err := r.store.SetDeviceSecret(ctx, id, hash); err != nil {
		return "", err
	}
	rec.SecretHash = hash
	r.mu.Lock()
	r.cache[id] = rec
	r.mu.Unlock()
	r.revoked(id)
	return plain, nil
}

func (r *Registry) validate(d model.Device) error {
	if !idPattern.MatchString(d.ID) {
		return fmt.Errorf("%w: id %q must be 1–64 of A-Z a-z 0-9 _ . - starting with a letter or digit", ErrInvalid, d.ID)
	}
	p, ok := r.profiles[d.Kind]
	if !ok {
		return fmt.Errorf("%w: kind %q is not one of %s", ErrInvalid, d.Kind, strings.Join(r.profiles.Kinds(), ", "))
	}
	if !(d.Lon >= -180 && d.Lon <= 180 && d.Lat >= -90 && d.Lat <= 90) || (d.Lon == 0 && d.Lat == 0) { // !(…) also catches NaN
		return fmt.Errorf("%w: lon/lat %v,%v is not a WGS-84 position", ErrInvalid, d.Lon, d.Lat)
	}
	for ruleID, ov := range d.RuleOverrides {
		if err := checkOverride(p, ruleID, ov); err != nil {
			return err
		}
	}
	for name, v := range d.Params {
		if _, ok := p.Params[name]; !ok {
			return fmt.Errorf("%w: param %q is not one of kind %s's (%s)", ErrInvalid, name, p.Kind, strings.Join(slices.Sorted(maps.Keys(p.Params)), ", "))
		}
		if !finite(v) {
			return fmt.Errorf("%w: param %s must be a finite number", ErrInvalid, name)
		}
	}
	return nil
}

func checkOverride(p *profile.Profile, ruleID string, ov model.RuleOverride) error {
	for _, rule := range p.Rules {
		if rule.ID != ruleID {
			continue
		}
		if !finite(ov.Value) || !finite(ov.Clear) {
			return fmt.Errorf("%w: override %s: levels must be finite numbers", ErrInvalid, ruleID)
		}
		if ov.Off {
			return nil
		}
		if (rule.Op == "above" && ov.Clear > ov.Value) || (rule.Op == "below" && ov.Clear < ov.Value) {
			return fmt.Errorf("%w: override %s: clear %v is on the wrong side of %v", ErrInvalid, ruleID, ov.Clear, ov.Value)
		}
		if ov.Consecutive < 0 {
			return fmt.Errorf("%w: override %s: consecutive must be >= 0 (0 keeps the rule's)", ErrInvalid, ruleID)
		}
		prev := ov.Value
		for _, b := range ov.Bands {
			switch {
			case !finite(b.Value) || !finite(b.Clear):
				return fmt.Errorf("%w: override %s: band levels must be finite numbers", ErrInvalid, ruleID)
			case model.SeverityRank(b.Severity) == 0:
				return fmt.Errorf("%w: override %s: band at %v: unknown severity %q", ErrInvalid, ruleID, b.Value, b.Severity)
			case (rule.Op == "above" && (b.Value <= prev || b.Clear > b.Value)) || (rule.Op == "below" && (b.Value >= prev || b.Clear < b.Value)):
				return fmt.Errorf("%w: override %s: band at %v must lie beyond %v with its clear level on the near side", ErrInvalid, ruleID, b.Value, prev)
			}
			prev = b.Value
		}
		return nil
	}
	return fmt.Errorf("%w: override for unknown rule %q of kind %s", ErrInvalid, ruleID, p.Kind)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (r *Registry) place(lon, lat float64) (string, string) {
	if r.loc != nil {
		if code, name, ok := r.loc.Locate(lon, lat); ok {
			return code, name
		}
	}
	return gis.Unassigned, gis.UnassignedName
}

// Lookup returns a registered device.
func (r *Registry) Lookup(ctx context.Context, id string) (model.Device, error) {
	rec, err := r.get(ctx, id)
	return rec.Device, err
}

func (r *Registry) get(ctx context.Context, id string) (store.DeviceRecord, error) {
	r.mu.RLock()
	rec, ok := r.cache[id]
	r.mu.RUnlock()
	if ok {
		return rec, nil
	}
	// Another process (hub devices add) may have registered it.
	rec, err := r.store.GetDevice(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, fmt.Errorf("%w: %s", ErrUnknownDevice, id)
	}
	if err != nil {
		return rec, err
	}
	r.mu.Lock()
	if cached, ok := r.cache[id]; ok { // a write won the race: keep it
		rec = cached
	} else {
		r.cache[id] = rec
	}
	r.mu.Unlock()
	return rec, nil
}

// List returns every device ordered by id.
func (r *Registry) List() []model.Device {
	r.mu.RLock()
	out := make([]model.Device, 0, len(r.cache))
	for _, rec := range r.cache {
		out = append(out, rec.Device)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Authenticate checks id and secret; the error is a *model.Rejection.
func (r *Registry) Authenticate(ctx context.Context, id, plain string) error {
	rec, err := r.enabled(ctx, id)
	if err != nil {
		return err
	}
	if !secret.Check(rec.SecretHash, plain) {
		return model.Reject(model.ReasonAuthFailed, "wrong secret for device %s", id)
	}
	return nil
}

// enabled returns a registered device that is not disabled; otherwise a
// *model.Rejection saying which, or the store's error.
func (r *Registry) enabled(ctx context.Context, id string) (store.DeviceRecord, error) {
	rec, err := r.get(ctx, id)
	if errors.Is(err, ErrUnknownDevice) {
		return rec, model.Reject(model.ReasonUnknownDevice, "no device %q is registered", id)
	}
	if err != nil {
		return rec, err
	}
	if rec.Disabled {
		return rec, model.Reject(model.ReasonDeviceDisabled, "device %s is disabled", id)
	}
	return rec, nil
}
