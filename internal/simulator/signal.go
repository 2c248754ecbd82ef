package simulator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ywtg/hub/internal/profile"
)

// tick is what every signal sees at one sample of one device.
type tick struct {
	now   float64 // seconds since the Unix epoch
	start float64 // now of the device's first sample
	dt    float64 // seconds since the device's previous sample
	storm float64 // 0..1, rain intensity driven by the device's active episode
	rng   *rand.Rand
}

// signal produces one metric's raw value: float64 for number and int
// metrics, bool, or an enum's wire string. The generator clamps and rounds.
type signal interface {
	sample(t *tick) any
}

// signalModel is one model a sim spec can name.
type signalModel struct {
	keys  []string // accepted parameters, so a typo fails at load
	types []string // metric types it can drive
	build func(p params, m profile.Metric, rng *rand.Rand) (signal, *episode, error)
}

var numeric = []string{"number", "int"}

var models = map[string]signalModel{
	"sine":   {[]string{"base", "amplitude", "period_s", "noise", "episode"}, numeric, newSine},
	"rain":   {[]string{"p_wet", "mean"}, numeric, newRain},
	"walk":   {[]string{"base", "step", "min", "max"}, numeric, newWalk},
	"sweep":  {[]string{"base", "step", "min", "max"}, numeric, newSweep},
	"choice": {[]string{"weights"}, []string{"enum"}, newChoice},
	"bool":   {[]string{"p_true"}, []string{"bool"}, newBool},
	"none":   {nil, []string{"number", "int", "enum", "bool"}, nil},
}

// buildSignal builds the signal for one metric from its merged sim spec. It
// returns a nil signal for model "none"; ep is non-nil for a sine with an
// episode.
func buildSignal(name string, m profile.Metric, spec map[string]any, rng *rand.Rand) (sig signal, ep *episode, err error) {
	kind, _ := spec["model"].(string)
	mod, ok := models[kind]
	if !ok {
		return nil, nil, fmt.Errorf("%w: metric %s: unknown model %q", ErrInvalidModel, name, spec["model"])
	}
	for k := range spec {
		if k != "model" && !slices.Contains(mod.keys, k) {
			return nil, nil, fmt.Errorf("%w: metric %s: model %s has no parameter %q", ErrInvalidModel, name, kind, k)
		}
	}
	if !slices.Contains(mod.types, m.Type) {
		return nil, nil, fmt.Errorf("%w: metric %s: model %s cannot drive a %s metric", ErrInvalidModel, name, kind, m.Type)
	}
	if mod.build == nil {
		return nil, nil, nil
	}
	return mod.build(params{metric: name, spec: spec}, m, rng)
}

// params reads numbers out of a sim spec decoded from YAML.
type params struct {
	metric string
	spec   map[string]any
	err    error
}

// num returns spec[key], or def when absent; a non-number records an error.
func (p *params) num(key string, def float64) float64 {
	v, ok := p.spec[key]
	if !ok {
		return def
	}
	f, ok := toFloat(v)
	if !ok {
		p.fail("%s must be a number, not %v", key, v)
		return def
	}
	return f
}

// need is num for a required parameter.
func (p *params) need(key string) float64 {
	if _, ok := p.spec[key]; !ok {
		p.fail("%s is required", key)
	}
	return p.num(key, 0)
}

func (p *params) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%w: metric %s: %s", ErrInvalidModel, p.metric, fmt.Sprintf(format, args...))
	}
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	}
	return 0, false
}

// sine is base + amplitude·sin(2πt/period + phase) + gaussian noise, plus an
// optional episode's peak on top.
type sine struct {
	base, amp, period, noise, phase float64
	ep                              *episode
}

func newSine(p params, _ profile.Metric, rng *rand.Rand) (signal, *episode, error) {
	s := &sine{base: p.need("base"), amp: p.num("amplitude", 0), period: p.num("period_s", 0), noise: p.num("noise", 0)}
	s.phase = rng.Float64() * 2 * math.Pi
	if s.amp != 0 && s.period <= 0 {
		p.fail("period_s must be > 0 when amplitude is set")
	}
	if s.noise < 0 {
		p.fail("noise must be >= 0")
	}
	if e, ok := p.spec["episode"]; ok {
		s.ep = newEpisode(&p, e)
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	return s, s.ep, nil
}

func (s *sine) sample(t *tick) any {
	v := s.base + s.noise*t.rng.NormFloat64()
	if s.amp != 0 {
		v += s.amp * math.Sin(2*math.Pi*t.now/s.period+s.phase)
	}
	if s.ep != nil {
		v += s.ep.peak * s.ep.level(t.now)
	}
	return v
}

// rain is interval rainfall: wet with probability p_wet, then an exponential
// amount of the given mean. A storm (the device's episode) makes wet samples
// likely and heavier.
type rain struct{ pWet, mean float64 }

func newRain(p params, _ profile.Metric, _ *rand.Rand) (signal, *episode, error) {
	r := &rain{pWet: p.need("p_wet"), mean: p.need("mean")}
	if r.pWet < 0 || r.pWet > 1 || r.mean < 0 {
		p.fail("p_wet must be in [0,1] and mean >= 0")
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	return r, nil, nil
}

func (r *rain) sample(t *tick) any {
	pWet := max(r.pWet, 0.95*t.storm)
	if t.rng.Float64() >= pWet {
		return 0.0
	}
	return t.rng.ExpFloat64() * r.mean * (1 + 9*t.storm)
}

// walk is a random walk of whole steps (−1, 0 or +1 step per sample) kept
// inside [min, max]; it starts at a random step of that range.
type walk struct{ v, step, lo, hi float64 }

func newWalk(p params, _ profile.Metric, rng *rand.Rand) (signal, *episode, error) {
	w := &walk{v: p.need("base"), step: p.need("step")}
	w.lo, w.hi = p.num("min", math.Inf(-1)), p.num("max", math.Inf(1))
	if w.step <= 0 || w.lo > w.hi {
		p.fail("step must be > 0 and min <= max")
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	if !math.IsInf(w.lo, 0) && !math.IsInf(w.hi, 0) {
		w.v = w.lo + w.step*float64(rng.IntN(int((w.hi-w.lo)/w.step)+1))
	}
	return w, nil, nil
}

func (w *walk) sample(t *tick) any {
	w.v = min(max(w.v+w.step*float64(t.rng.IntN(3)-1), w.lo), w.hi)
	return w.v
}

// sweep advances by step each sample and wraps from max back to min, like a
// camera panning round: max itself is never sent.
type sweep struct{ v, step, lo, hi float64 }

func newSweep(p params, _ profile.Metric, rng *rand.Rand) (signal, *episode, error) {
	s := &sweep{v: p.need("base"), step: p.need("step"), lo: p.need("min"), hi: p.need("max")}
	if s.step <= 0 || s.lo >= s.hi || s.step >= s.hi-s.lo {
		p.fail("sweep needs step > 0 and min < max with step < max - min")
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	s.v = s.wrap(s.v + s.step*float64(rng.IntN(int((s.hi-s.lo)/s.step))))
	return s, nil, nil
}

func (s *sweep) wrap(v float64) float64 {
	span := s.hi - s.lo
	v = math.Mod(v-s.lo, span)
	if v < 0 {
		v += span
	}
	return s.lo + v
}

func (s *sweep) sample(*tick) any {
	v := s.v
	s.v = s.wrap(s.v + s.step)
	return v
}

// choice picks an enum wire string by weight.
type choice struct{ w *weighted }

func newChoice(p params, m profile.Metric, _ *rand.Rand) (signal, *episode, error) {
	w, ok := p.spec["weights"].(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%w: metric %s: choice needs weights {enum key: weight}", ErrInvalidModel, p.metric)
	}
	c, err := newWeighted(w, func(k string) bool { _, ok := m.Enum[k]; return ok })
	if err != nil {
		return nil, nil, fmt.Errorf("%w: metric %s: choice: %v", ErrInvalidModel, p.metric, err)
	}
	return &choice{c}, nil, nil
}

func (c *choice) sample(t *tick) any { return c.w.pick(t.rng) }

// boolean is true with probability p_true.
type boolean struct{ pTrue float64 }

func newBool(p params, _ profile.Metric, _ *rand.Rand) (signal, *episode, error) {
	b := &boolean{pTrue: p.need("p_true")}
	if b.pTrue < 0 || b.pTrue > 1 {
		p.fail("p_true must be in [0,1]")
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	return b, nil, nil
}

func (b *boolean) sample(t *tick) any { return t.rng.Float64() < b.pTrue }
