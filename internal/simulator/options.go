package simulator

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/ywtg/hub/internal/profile"
)

// metricOptions are the sim options every model of a metric accepts, beside
// the model's own parameters:
//   - per_interval: true — the value is an amount per reporting interval
//     (rainfall in the interval); the model draws it for the profile's
//     interval_s and the generator scales it by the time actually elapsed
//     since the previous sample, so that sums over a window stay true when
//     the simulator samples faster or slower than the profile's interval;
//   - flags: {N: 98, M: 1.5, D: 0.5} — the weights of the data flags (HJ 212)
//     sent with the metric; without it every sample is flagged N.
type metricOptions struct {
	perInterval bool
	flags       *weighted
}

// splitOptions takes the generic options out of a metric's merged sim spec
// and returns them with the model's own spec.
func splitOptions(name string, m profile.Metric, p *profile.Profile, spec map[string]any) (metricOptions, map[string]any, error) {
	var o metricOptions
	if _, ok := spec["per_interval"]; !ok {
		if _, ok := spec["flags"]; !ok {
			return o, spec, nil
		}
	}
	rest := maps.Clone(spec)
	delete(rest, "per_interval")
	delete(rest, "flags")
	if v, ok := spec["per_interval"]; ok {
		b, isBool := v.(bool)
		if !isBool || (b && m.Type != "number" && m.Type != "int") {
			return o, nil, fmt.Errorf("%w: metric %s: per_interval must be true or false, and only a number or int metric can be one", ErrInvalidModel, name)
		}
		o.perInterval = b
	}
	if v, ok := spec["flags"]; ok {
		w, isMap := v.(map[string]any)
		if !isMap || len(p.Flags) == 0 {
			return o, nil, fmt.Errorf("%w: metric %s: flags must be a map {flag: weight}, for a kind that sends flags", ErrInvalidModel, name)
		}
		var err error
		if o.flags, err = newWeighted(w, func(k string) bool { return slices.Contains(p.Flags, k) }); err != nil {
			return o, nil, fmt.Errorf("%w: metric %s: flags: %v", ErrInvalidModel, name, err)
		}
	}
	return o, rest, nil
}

// weighted picks a key by weight.
type weighted struct {
	keys []string
	cum  []float64
}

// newWeighted builds a picker from {key: weight}; known says which keys may
// appear.
func newWeighted(w map[string]any, known func(string) bool) (*weighted, error) {
	if len(w) == 0 {
		return nil, fmt.Errorf("no weights")
	}
	c := &weighted{keys: slices.Sorted(maps.Keys(w))}
	total := 0.0
	for _, k := range c.keys {
		if !known(k) {
			return nil, fmt.Errorf("weight for %q, which is not a known value", k)
		}
		f, ok := toFloat(w[k])
		if !ok || f < 0 {
			return nil, fmt.Errorf("weight %q must be a number >= 0", k)
		}
		total += f
		c.cum = append(c.cum, total)
	}
	if total <= 0 {
		return nil, fmt.Errorf("weights sum to 0")
	}
	return c, nil
}

func (c *weighted) pick(rng *rand.Rand) string {
	x := rng.Float64() * c.cum[len(c.cum)-1]
	i := sort.SearchFloat64s(c.cum, x)
	for i < len(c.keys)-1 && c.cum[i] <= x { // skip zero-weight keys on ties
		i++
	}
	return c.keys[i]
}
