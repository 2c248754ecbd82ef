package simulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ywtg/hub/internal/profile"
)

// TimeLayout is RFC 3339 with milliseconds, as devices send it.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Telemetry is one devices/{id}/telemetry payload.
type Telemetry struct {
	TS     string            `json:"ts"`
	Seq    int64             `json:"seq"`
	Values map[string]any    `json:"values"`
	Flags  map[string]string `json:"flags,omitempty"`
}

// Event is one devices/{id}/events payload; Fields are sent flat beside ts
// and type.
type Event struct {
	TS     string
	Type   string
	Fields map[string]any
}

// MarshalJSON writes {"ts":…,"type":…, fields…}.
func (e Event) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(e.Fields)+2)
	maps.Copy(m, e.Fields)
	m["ts"], m["type"] = e.TS, e.Type
	return json.Marshal(m)
}

// Generator produces one device's telemetry and events from its profile's
// signal models merged with the device's overrides. It is not safe for
// concurrent use; all randomness comes from the *rand.Rand it was given.
type Generator struct {
	dev       FleetDevice
	prof      *profile.Profile
	rng       *rand.Rand
	metrics   []metricSignal
	episodes  []*episode
	lift      *lift               // the elevator's correlated model, if the kind has one
	overrides map[string]override // metric → a scenario's target, while it lasts
	events    []string            // event types with a sim rate, sorted
	seq       int64
	period    float64 // nominal seconds between samples: the first sample's dt
	first     float64 // time of the first sample, Unix seconds
	last      time.Time
	current   map[string]any
}

type metricSignal struct {
	name   string
	metric profile.Metric
	sig    signal
	opts   metricOptions
}

// NewGenerator builds the signals of dev, which must be of p's kind. Each
// signal draws its phase (sine phase, walk and sweep start) from rng, so
// devices differ while a seed reproduces them.
func NewGenerator(dev FleetDevice, p *profile.Profile, rng *rand.Rand) (*Generator, error) {
	g := &Generator{dev: dev, prof: p, rng: rng, period: p.IntervalS, current: map[string]any{}, overrides: map[string]override{}}
	for name := range dev.Sim {
		if _, ok := p.Metrics[name]; !ok {
			return nil, fmt.Errorf("%w: sim override for %q, which kind %s does not have", ErrInvalidModel, name, p.Kind)
		}
	}
	liftSpecs := map[string]map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(p.Metrics)) {
		m := p.Metrics[name]
		spec := overrideSpec(m.Sim, dev.Sim[name])
		if len(spec) == 0 {
			continue // the kind does not simulate this metric
		}
		opts, spec, err := splitOptions(name, m, p, spec)
		if err != nil {
			return nil, err
		}
		sig, ep, err := g.buildSignal(name, m, spec, liftSpecs)
		if err != nil {
			return nil, err
		}
		if sig == nil {
			continue
		}
		g.metrics = append(g.metrics, metricSignal{name: name, metric: m, sig: sig, opts: opts})
		if ep != nil {
			g.episodes = append(g.episodes, ep)
		}
	}
	if g.lift != nil {
		if err := g.lift.configure(liftSpecs); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Events)) {
		if p.Events[name].SimRatePerHour > 0 {
			g.events = append(g.events, name)
		}
	}
	return g, nil
}

// buildSignal builds one metric's signal; metrics of model lift share the
// device's one car, whose parameters are gathered in liftSpecs.
func (g *Generator) buildSignal(name string, m profile.Metric, spec map[string]any, liftSpecs map[string]map[string]any) (signal, *episode, error) {
	if spec["model"] != "lift" {
		return buildSignal(name, m, spec, g.rng)
	}
	if g.lift == nil {
		g.lift = &lift{}
	}
	liftSpecs[name] = spec
	out, err := newLiftOutput(g.lift, name, m, spec)
	return out, nil, err
}

// overrideSpec applies a device's override to the profile's model: merged
// over it when it keeps the model, in its place when it names another.
func overrideSpec(base, over map[string]any) map[string]any {
	if m, ok := over["model"]; ok && m != base["model"] {
		return maps.Clone(over)
	}
	return mergeSpec(base, over)
}

// mergeSpec deep-merges over onto base without touching either.
func mergeSpec(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	maps.Copy(out, base)
	for k, v := range over {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			v = mergeSpec(bm, om)
		}
		out[k] = v
	}
	return out
}

// Tick samples every signal at now and draws the events due since the
// previous tick (each event type is a Poisson process at its profile's
// sim_rate_per_hour; at most one of a type per tick). Events the elevator's
// car model stands for (an entrapment) start a trap instead, and are sent
// when the car actually stops.
func (g *Generator) Tick(now time.Time) (Telemetry, []Event) {
	dt := g.period
	if g.last.IsZero() {
		g.first = unixSeconds(now)
	} else {
		dt = max(now.Sub(g.last).Seconds(), 0)
	}
	g.last = now
	t := &tick{now: unixSeconds(now), start: g.first, dt: dt, rng: g.rng}
	for _, e := range g.episodes {
		e.advance(t)
		t.storm = max(t.storm, e.rain(t.now))
	}
	if g.lift != nil {
		g.lift.advance(t)
	}
	g.seq++
	tel := Telemetry{TS: now.Format(TimeLayout), Seq: g.seq, Values: make(map[string]any, len(g.metrics))}
	if len(g.prof.Flags) > 0 {
		tel.Flags = make(map[string]string, len(g.metrics))
	}
	for _, ms := range g.metrics {
		v := ms.sig.sample(t)
		if f, ok := v.(float64); ok && ms.opts.perInterval {
			v = f * dt / g.prof.IntervalS
		}
		v = finish(ms.metric, g.overridden(ms.name, v, t))
		tel.Values[ms.name] = v
		g.current[ms.name] = v
		if tel.Flags != nil {
			tel.Flags[ms.name] = "N"
			if ms.opts.flags != nil {
				tel.Flags[ms.name] = ms.opts.flags.pick(g.rng)
			}
		}
	}
	return tel, append(g.drawEvents(now, dt), g.liftEvents()...)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// drawEvents draws the profile's random events due in the last dt seconds.
func (g *Generator) drawEvents(now time.Time, dt float64) []Event {
	var events []Event
	for _, name := range g.events {
		rate := g.prof.Events[name].SimRatePerHour
		if g.rng.Float64() >= 1-math.Exp(-rate*dt/3600) {
			continue
		}
		if person, handled := liftHandles[name]; handled && g.lift != nil {
			g.lift.request(liftTrap{duration: liftTrapMinS + (liftTrapMaxS-liftTrapMinS)*g.rng.Float64(), person: person, event: name})
			continue
		}
		events = append(events, g.Event(now, name))
	}
	return events
}

// liftEvents turns the events the car raised into payloads, keeping the
// fields the profile declares.
func (g *Generator) liftEvents() []Event {
	if g.lift == nil {
		return nil
	}
	var out []Event
	for _, le := range g.lift.events() {
		ev := Event{TS: time.UnixMilli(int64(le.at * 1000)).In(g.last.Location()).Format(TimeLayout), Type: le.typ, Fields: map[string]any{}}
		for name, v := range le.fields {
			if _, ok := g.prof.Events[le.typ].Fields[name]; ok {
				ev.Fields[name] = v
			}
		}
		out = append(out, ev)
	}
	return out
}

// Event builds an event of the given type at now with fields drawn from the
// profile's field declarations (see fieldValue). Scenarios can call it to
// inject an event on demand.
func (g *Generator) Event(now time.Time, typ string) Event {
	ev := Event{TS: now.Format(TimeLayout), Type: typ, Fields: map[string]any{}}
	fields := g.prof.Events[typ].Fields
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		f := fields[name]
		if !f.Required && g.rng.Float64() < optionalFieldSkip {
			continue
		}
		ev.Fields[name] = g.fieldValue(name, f)
	}
	return ev
}

// finish clamps a numeric value into the metric's physical range and rounds
// it: whole numbers for int metrics, 3 decimals otherwise.
func finish(m profile.Metric, v any) any {
	f, ok := v.(float64)
	if !ok {
		return v
	}
	if m.Type == "int" {
		f = math.Round(f)
	} else {
		f = math.Round(f*1000) / 1000
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if m.Min != nil {
		lo = *m.Min
	}
	if m.Max != nil {
		hi = *m.Max
	}
	if m.Type == "int" {
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}
	f = min(max(f, lo), hi)
	if f == 0 {
		f = 0 // no "-0" on the wire
	}
	return f
}
