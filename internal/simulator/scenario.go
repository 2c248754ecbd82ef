package simulator

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/profile"
)

// Scenario is a timed injection of a fleet file (SPEC §8, scenarios as
// data): at AtS seconds after the run starts, and again every EveryS seconds
// when that is set. Types and their fields:
//   - fire: the Towers (firecam ids) see Event (smoke or fire) at Lon, Lat
//     with Confidence, GapS seconds apart (default 4), each reporting its raw
//     pan angle (see Generator.Sighting);
//   - entrapment: the elevator Device stops between landings with someone
//     inside for DurationS, then is wound to the next landing; Event, if set,
//     is the event type the terminal also sends as the car stops;
//   - pollution: the station Device's Values (metric → value) are pulled in
//     over RampS (default 60) and held for DurationS, then let go over RampS.
type Scenario struct {
	Type       string             `yaml:"type"`
	Name       string             `yaml:"name"` // for logs; optional
	AtS        float64            `yaml:"at_s"`
	EveryS     float64            `yaml:"every_s"`
	Lon        float64            `yaml:"lon"`
	Lat        float64            `yaml:"lat"`
	Towers     []string           `yaml:"towers"`
	Event      string             `yaml:"event"`
	Confidence float64            `yaml:"confidence"`
	GapS       float64            `yaml:"gap_s"`
	Device     string             `yaml:"device"`
	DurationS  float64            `yaml:"duration_s"`
	Values     map[string]float64 `yaml:"values"`
	RampS      float64            `yaml:"ramp_s"`
}

const (
	defaultSightingGap = 4 * time.Second
	defaultConfidence  = 0.85
)

// scenarioFields are the fields each type takes beside type, name, at_s
// and every_s.
var scenarioFields = map[string][]string{
	"fire":       {"lon", "lat", "towers", "event", "confidence", "gap_s"},
	"entrapment": {"device", "duration_s", "event"},
	"pollution":  {"device", "duration_s", "values", "ramp_s"},
}

func (s Scenario) label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Type
}

// setFields names the type-specific fields s sets.
func (s Scenario) setFields() []string {
	var out []string
	for name, set := range map[string]bool{
		"lon": s.Lon != 0, "lat": s.Lat != 0, "towers": len(s.Towers) > 0, "event": s.Event != "",
		"confidence": s.Confidence != 0, "gap_s": s.GapS != 0, "device": s.Device != "",
		"duration_s": s.DurationS != 0, "values": len(s.Values) > 0, "ramp_s": s.RampS != 0,
	} {
		if set {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// validateScenario checks a scenario against the fleet's devices.
func validateScenario(s Scenario, devices map[string]FleetDevice, profiles profile.Set) error {
	allowed, ok := scenarioFields[s.Type]
	if !ok {
		return fmt.Errorf("%w: unknown type %q (want fire, entrapment or pollution)", ErrInvalidFleet, s.Type)
	}
	for _, f := range s.setFields() {
		if !slices.Contains(allowed, f) {
			return fmt.Errorf("%w: a %s scenario takes no %s", ErrInvalidFleet, s.Type, f)
		}
	}
	if !(s.AtS >= 0) || !(s.EveryS >= 0) || math.IsInf(s.AtS+s.EveryS, 0) || s.GapS < 0 || s.RampS < 0 {
		return fmt.Errorf("%w: at_s, every_s, gap_s and ramp_s must be finite numbers >= 0", ErrInvalidFleet)
	}
	if s.Type != "fire" {
		if !(s.DurationS > 0) || (s.EveryS > 0 && s.EveryS <= s.DurationS) {
			return fmt.Errorf("%w: duration_s must be > 0 and every_s, if set, longer than duration_s", ErrInvalidFleet)
		}
	}
	switch s.Type {
	case "fire":
		return validateFire(s, devices, profiles)
	case "entrapment":
		return validateEntrapment(s, devices, profiles)
	}
	return validatePollution(s, devices, profiles)
}

// scenarioDevice looks up a device a scenario names and builds its generator.
func scenarioDevice(id string, devices map[string]FleetDevice, profiles profile.Set) (FleetDevice, *Generator, error) {
	d, ok := devices[id]
	if !ok {
		return d, nil, fmt.Errorf("%w: unknown device %q", ErrInvalidFleet, id)
	}
	g, err := NewGenerator(d, profiles[d.Kind], validationRand())
	if err != nil {
		return d, nil, fmt.Errorf("%w: device %s: %w", ErrInvalidFleet, id, err)
	}
	return d, g, nil
}

func validateFire(s Scenario, devices map[string]FleetDevice, profiles profile.Set) error {
	if err := validateCoordinates(s.Lon, s.Lat); err != nil {
		return err
	}
	if len(s.Towers) == 0 || s.Confidence < 0 || s.Confidence > 1 {
		return fmt.Errorf("%w: a fire needs towers and a confidence in [0, 1]", ErrInvalidFleet)
	}
	for i, id := range s.Towers {
		if slices.Contains(s.Towers[:i], id) {
			return fmt.Errorf("%w: tower %s named twice", ErrInvalidFleet, id)
		}
		d, _, err := scenarioDevice(id, devices, profiles)
		if err != nil {
			return err
		}
		p := profiles[d.Kind]
		ev, ok := p.Events[s.Event]
		if _, hasBearing := ev.Fields["bearing_deg"]; !ok || !hasBearing {
			return fmt.Errorf("%w: tower %s: kind %s has no event %q with a bearing_deg", ErrInvalidFleet, id, d.Kind, s.Event)
		}
		rangeM := p.Param(d.Params, "range_m")
		if dist := gis.Distance(d.Lon, d.Lat, s.Lon, s.Lat); rangeM > 0 && dist > rangeM {
			return fmt.Errorf("%w: tower %s is %.0f m from the fire, beyond its range_m %.0f", ErrInvalidFleet, id, dist, rangeM)
		}
	}
	return nil
}

func validateEntrapment(s Scenario, devices map[string]FleetDevice, profiles profile.Set) error {
	d, g, err := scenarioDevice(s.Device, devices, profiles)
	if err != nil {
		return err
	}
	if g.lift == nil {
		return fmt.Errorf("%w: device %s: kind %s has no lift model to trap", ErrInvalidFleet, d.ID, d.Kind)
	}
	if _, ok := profiles[d.Kind].Events[s.Event]; s.Event != "" && !ok {
		return fmt.Errorf("%w: device %s: kind %s has no event %q", ErrInvalidFleet, d.ID, d.Kind, s.Event)
	}
	return nil
}

func validatePollution(s Scenario, devices map[string]FleetDevice, profiles profile.Set) error {
	d, g, err := scenarioDevice(s.Device, devices, profiles)
	if err != nil {
		return err
	}
	if len(s.Values) == 0 {
		return fmt.Errorf("%w: a pollution scenario needs values", ErrInvalidFleet)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Values)) {
		i := slices.IndexFunc(g.metrics, func(ms metricSignal) bool { return ms.name == name })
		if i < 0 {
			return fmt.Errorf("%w: device %s does not send %q", ErrInvalidFleet, d.ID, name)
		}
		m, v := g.metrics[i].metric, s.Values[name]
		if m.Type != "number" && m.Type != "int" || (m.Min != nil && v < *m.Min) || (m.Max != nil && v > *m.Max) {
			return fmt.Errorf("%w: device %s: %s %v is not a number inside the metric's range", ErrInvalidFleet, d.ID, name, v)
		}
		if _, car := g.metrics[i].sig.(*liftOutput); car {
			return fmt.Errorf("%w: device %s: %s comes from the car model, which a value cannot override", ErrInvalidFleet, d.ID, name)
		}
	}
	return nil
}

// action is what a scenario does to one device at one moment, run on the
// device's own goroutine; it returns the events to publish at once.
type action func(now time.Time, g *Generator) []Event

// step is one scenario's action on one device: first at At from the run's
// start, then every Every (0: once).
type step struct {
	at, every time.Duration
	device    string
	scenario  Scenario
	act       action
}

// steps expands a fleet's scenarios into per-device steps.
func (f *Fleet) steps() []step {
	var out []step
	for _, s := range f.Scenarios {
		at, every := seconds(s.AtS), seconds(s.EveryS)
		switch s.Type {
		case "fire":
			gap := seconds(s.GapS)
			if gap == 0 {
				gap = defaultSightingGap
			}
			conf := s.Confidence
			if conf == 0 {
				conf = defaultConfidence
			}
			for i, id := range s.Towers {
				out = append(out, step{at: at + time.Duration(i)*gap, every: every, device: id, scenario: s,
					act: func(now time.Time, g *Generator) []Event {
						return []Event{g.Sighting(now, s.Event, s.Lon, s.Lat, conf)}
					}})
			}
		case "entrapment":
			out = append(out, step{at: at, every: every, device: s.Device, scenario: s,
				act: func(_ time.Time, g *Generator) []Event { g.Trap(seconds(s.DurationS), s.Event); return nil }})
		case "pollution":
			out = append(out, step{at: at, every: every, device: s.Device, scenario: s,
				act: func(now time.Time, g *Generator) []Event {
					g.Override(now, s.Values, seconds(s.DurationS), seconds(s.RampS))
					return nil
				}})
		}
	}
	return out
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// timeline hands out steps in time order, repeating those with an every.
type timeline []step

// pop returns the earliest step and reschedules or drops it.
func (tl *timeline) pop() (step, bool) {
	if len(*tl) == 0 {
		return step{}, false
	}
	i := 0
	for j, s := range *tl {
		if s.at < (*tl)[i].at {
			i = j
		}
	}
	s := (*tl)[i]
	if s.every > 0 {
		(*tl)[i].at += s.every
	} else {
		*tl = slices.Delete(*tl, i, i+1)
	}
	return s, true
}

// describe is a one-line summary of the fleet's scenarios for logs.
func (f *Fleet) describe() string {
	var parts []string
	for _, s := range f.Scenarios {
		parts = append(parts, fmt.Sprintf("%s@%gs", s.label(), s.AtS))
	}
	return strings.Join(parts, ", ")
}
