// Package simulator drives a fleet of simulated field devices against the
// hub's MQTT device contract (SPEC §3, §8): it loads a fleet file, builds each
// device's signals from its kind's profile (devices/*.yaml, the sim models)
// merged with per-device overrides (an elevator's values come from one car
// model, lift.go), connects one MQTT client per device with its own
// credentials and last will, publishes telemetry, events and status, plays
// the fleet's timed scenarios (a fire seen by two towers, an entrapment, a
// pollution episode), and counts what the broker acknowledged. Provision
// registers a fleet with the hub's HTTP API.
//
// It is a client of the hub and must not import the hub's own packages
// (ingest, engine, store …): it only knows the wire contract, the profiles
// and the shared domain nouns in internal/model.
package simulator

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"go.yaml.in/yaml/v3"
)

// Fleet is a fleet file: the devices to simulate and the scenarios to play.
type Fleet struct {
	Devices   []FleetDevice `yaml:"devices"`
	Scenarios []Scenario    `yaml:"scenarios"`
}

// FleetDevice is one simulated device: its registration (what Provision
// sends) and its signal overrides.
type FleetDevice struct {
	ID       string  `yaml:"id"`
	Kind     string  `yaml:"kind"`
	Name     string  `yaml:"name"`
	Operator string  `yaml:"operator"`
	Lon      float64 `yaml:"lon"`
	Lat      float64 `yaml:"lat"`
	// RuleOverrides sets this device's own levels for rules of its profile.
	RuleOverrides map[string]model.RuleOverride `yaml:"rule_overrides"`
	// Params sets this device's own values of its profile's params.
	Params map[string]float64 `yaml:"params"`
	// Sim holds per-metric overrides deep-merged over the profile's sim model
	// (water_level_m: {base: 1062.3}). An override naming a different model
	// replaces the profile's instead, so a metric the profile does not
	// simulate needs a full model here, and {model: none} stops a metric
	// from being sent.
	Sim map[string]map[string]any `yaml:"sim"`
}

// deviceIDPattern keeps ids usable as an MQTT topic level and username.
var deviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// LoadFleet decodes a fleet file and validates it against the profiles:
// unique ids, known kinds, coordinates in range, overridden rules that exist
// (with levels on the rule's side), params the kind has, signal models that
// can be built, and scenarios that name real devices able to play them.
func LoadFleet(b []byte, profiles profile.Set) (*Fleet, error) {
	var f Fleet
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFleet, err)
	}
	if len(f.Devices) == 0 {
		return nil, fmt.Errorf("%w: no devices", ErrInvalidFleet)
	}
	seen := make(map[string]bool, len(f.Devices))
	for i, d := range f.Devices {
		if err := validateDevice(d, profiles); err != nil {
			return nil, fmt.Errorf("device %d (%s): %w", i, d.ID, err)
		}
		if seen[d.ID] {
			return nil, fmt.Errorf("%w: duplicate device id %q", ErrInvalidFleet, d.ID)
		}
		seen[d.ID] = true
	}
	byID := make(map[string]FleetDevice, len(f.Devices))
	for _, d := range f.Devices {
		byID[d.ID] = d
	}
	for i, s := range f.Scenarios {
		if err := validateScenario(s, byID, profiles); err != nil {
			return nil, fmt.Errorf("scenario %d (%s): %w", i, s.label(), err)
		}
	}
	return &f, nil
}

func validateDevice(d FleetDevice, profiles profile.Set) error {
	if !deviceIDPattern.MatchString(d.ID) {
		return fmt.Errorf("%w: id %q must be 1-64 of A-Z a-z 0-9 _ . - (it is an MQTT topic level)", ErrInvalidFleet, d.ID)
	}
	p, ok := profiles[d.Kind]
	if !ok {
		return fmt.Errorf("%w: unknown kind %q", ErrInvalidFleet, d.Kind)
	}
	if err := validateCoordinates(d.Lon, d.Lat); err != nil {
		return err
	}
	for id, o := range d.RuleOverrides {
		if err := validateOverride(p, id, o); err != nil {
			return err
		}
	}
	for name, v := range d.Params {
		if _, ok := p.Params[name]; !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: params: kind %s has no param %q, or %v is not a finite number", ErrInvalidFleet, p.Kind, name, v)
		}
	}
	// Building the generator checks every model.
	if _, err := NewGenerator(d, p, validationRand()); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFleet, err)
	}
	return nil
}

// validationRand is the random source of generators built only to check
// that they can be.
func validationRand() *rand.Rand { return rand.New(rand.NewPCG(0, 0)) }

func validateCoordinates(lon, lat float64) error {
	switch {
	case math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90:
		return fmt.Errorf("%w: coordinates lon %v lat %v out of range", ErrInvalidFleet, lon, lat)
	case lon == 0 && lat == 0:
		return fmt.Errorf("%w: coordinates missing (0, 0)", ErrInvalidFleet)
	}
	return nil
}

func validateOverride(p *profile.Profile, id string, o model.RuleOverride) error {
	for _, r := range p.Rules {
		if r.ID != id {
			continue
		}
		if (r.Op == "above" && o.Clear > o.Value) || (r.Op == "below" && o.Clear < o.Value) {
			return fmt.Errorf("%w: rule_overrides.%s: clear %v is on the wrong side of %v for %s", ErrInvalidFleet, id, o.Clear, o.Value, r.Op)
		}
		return nil
	}
	return fmt.Errorf("%w: rule_overrides: kind %s has no rule %q", ErrInvalidFleet, p.Kind, id)
}
