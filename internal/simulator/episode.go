package simulator

import (
	"math"
	"slices"
)

// episode is a rare excursion on top of a sine (a flood crest, a pollution
// episode): it starts as a Poisson process at rate_per_hour and lasts
// duration_s, rising and falling smoothly. Its first half also drives the
// device's rain, so that rain leads the water level. With first_at_s the
// first one starts that many seconds after the device's first sample, so a
// demo shows one without waiting for chance.
type episode struct {
	ratePerHour, peak, duration float64
	start                       float64
	active                      bool
	firstAt                     float64
	waitFirst                   bool
}

// rampShare is the part of an episode spent rising (and again falling).
const rampShare = 0.25

func newEpisode(p *params, v any) *episode {
	m, ok := v.(map[string]any)
	if !ok {
		p.fail("episode must be a map {rate_per_hour, peak, duration_s}")
		return nil
	}
	for k := range m {
		if !slices.Contains([]string{"rate_per_hour", "peak", "duration_s", "first_at_s"}, k) {
			p.fail("episode has no parameter %q", k)
		}
	}
	sub := params{metric: p.metric, spec: m}
	e := &episode{ratePerHour: sub.need("rate_per_hour"), peak: sub.need("peak"), duration: sub.need("duration_s")}
	_, e.waitFirst = m["first_at_s"]
	e.firstAt = sub.num("first_at_s", 0)
	if sub.err != nil {
		if p.err == nil {
			p.err = sub.err
		}
		return nil
	}
	if e.ratePerHour < 0 || e.duration <= 0 || e.firstAt < 0 {
		p.fail("episode needs rate_per_hour >= 0, duration_s > 0 and first_at_s >= 0")
	}
	return e
}

// advance ends a finished episode and maybe starts one, given dt since the
// previous sample.
func (e *episode) advance(t *tick) {
	if e.active && t.now-e.start >= e.duration {
		e.active = false
	}
	if e.waitFirst {
		if t.now-t.start >= e.firstAt {
			e.waitFirst, e.active, e.start = false, true, t.now
		}
		return
	}
	if !e.active && t.rng.Float64() < 1-math.Exp(-e.ratePerHour*t.dt/3600) {
		e.active, e.start = true, t.now
	}
}

// progress is how far through the episode now is, in [0,1].
func (e *episode) progress(now float64) (float64, bool) {
	if !e.active {
		return 0, false
	}
	u := (now - e.start) / e.duration
	return u, u >= 0 && u <= 1
}

// level is the episode's shape: cosine ramp up over the first quarter, a
// plateau, and a cosine ramp down over the last quarter.
func (e *episode) level(now float64) float64 {
	u, ok := e.progress(now)
	switch {
	case !ok:
		return 0
	case u < rampShare:
		return 0.5 - 0.5*math.Cos(math.Pi*u/rampShare)
	case u > 1-rampShare:
		return 0.5 - 0.5*math.Cos(math.Pi*(1-u)/rampShare)
	}
	return 1
}

// rain is the storm intensity the episode drives: a bump over its first
// half, peaking a quarter in, so water keeps rising after the rain stops.
func (e *episode) rain(now float64) float64 {
	u, ok := e.progress(now)
	if !ok || u >= 0.5 {
		return 0
	}
	s := math.Sin(math.Pi * u / 0.5)
	return s * s
}
