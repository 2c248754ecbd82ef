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
	dev      FleetDevice
	prof     *profile.Profile
	rng      *rand.Rand
	metrics  []metricSignal
	episodes []*episode
	events   []string // event types with a sim rate, sorted
	seq      int64
	last     time.Time
	current  map[string]any
}

type metricSignal struct {
	name   string
	metric profile.Metric
	sig    signal
}

// NewGenerator builds the signals of dev, which must be of p's kind. Each
// signal draws its phase (sine phase, walk and sweep start) from rng, so
// devices differ while a seed reproduces them.
func NewGenerator(dev FleetDevice, p *profile.Profile, rng *rand.Rand) (*Generator, error) {
	g := &Generator{dev: dev, prof: p, rng: rng, current: map[string]any{}}
	for name := range dev.Sim {
		if _, ok := p.Metrics[name]; !ok {
			return nil, fmt.Errorf("%w: sim override for %q, which kind %s does not have", ErrInvalidModel, name, p.Kind)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Metrics)) {
		m := p.Metrics[name]
		spec := overrideSpec(m.Sim, dev.Sim[name])
		if len(spec) == 0 {
			continue // the kind does not simulate this metric
		}
		sig, ep, err := buildSignal(name, m, spec, rng)
		if err != nil {
			return nil, err
		}
		if sig == nil {
			continue
		}
		g.metrics = append(g.metrics, metricSignal{name: name, metric: m, sig: sig})
		if ep != nil {
			g.episodes = append(g.episodes, ep)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Events)) {
		if p.Events[name].SimRatePerHour > 0 {
			g.events = append(g.events, name)
		}
	}
	return g, nil
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
// sim_rate_per_hour; at most one of a type per tick).
func (g *Generator) Tick(now time.Time) (Telemetry, []Event) {
	dt := g.prof.IntervalS
	if !g.last.IsZero() {
		dt = max(now.Sub(g.last).Seconds(), 0)
	}
	g.last = now
	t := &tick{now: float64(now.UnixNano()) / 1e9, dt: dt, rng: g.rng}
	for _, e := range g.episodes {
		e.advance(t)
		t.storm = max(t.storm, e.rain(t.now))
	}
	g.seq++
	tel := Telemetry{TS: now.Format(TimeLayout), Seq: g.seq, Values: make(map[string]any, len(g.metrics))}
	for _, ms := range g.metrics {
		v := finish(ms.metric, ms.sig.sample(t))
		tel.Values[ms.name] = v
		g.current[ms.name] = v
	}
	if len(g.prof.Flags) > 0 {
		tel.Flags = make(map[string]string, len(tel.Values))
		for name := range tel.Values {
			tel.Flags[name] = "N"
		}
	}
	var events []Event
	for _, name := range g.events {
		rate := g.prof.Events[name].SimRatePerHour
		if g.rng.Float64() < 1-math.Exp(-rate*dt/3600) {
			events = append(events, g.Event(now, name))
		}
	}
	return tel, events
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
