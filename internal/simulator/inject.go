package simulator

import (
	"fmt"
	"math"
	"time"

	"github.com/ywtg/hub/internal/gis"
)

// What scenarios do to one device's generator. They run on the device's own
// goroutine, like Tick.

// override pulls a metric toward target between start and end (Unix
// seconds), ramping in and out over ramp seconds so that the change looks
// like weather, not a step.
type override struct{ target, start, end, ramp float64 }

const (
	overrideRampS     = 60   // default ramp in and out
	overrideRampShare = 0.25 // longest ramp, as a share of the duration
	overrideNoise     = 0.03 // relative noise on the target
)

// Override pulls the given metrics toward their values for d from now (a
// pollution episode), on top of what their models draw, ramping in and out
// over ramp (0: a minute), at most a quarter of d.
func (g *Generator) Override(now time.Time, values map[string]float64, d, ramp time.Duration) {
	start := unixSeconds(now)
	if ramp <= 0 {
		ramp = overrideRampS * time.Second
	}
	r := min(ramp.Seconds(), overrideRampShare*d.Seconds())
	for name, v := range values {
		g.overrides[name] = override{target: v, start: start, end: start + d.Seconds(), ramp: r}
	}
}

func (g *Generator) overridden(name string, v any, t *tick) any {
	o, ok := g.overrides[name]
	f, isNum := v.(float64)
	if !ok || !isNum {
		return v
	}
	if t.now >= o.end {
		delete(g.overrides, name)
		return v
	}
	lvl := o.level(t.now)
	target := o.target * (1 + overrideNoise*t.rng.NormFloat64())
	return f + (target-f)*lvl
}

// level is 0 outside the override, 1 on its plateau, with cosine ramps.
func (o override) level(now float64) float64 {
	switch {
	case now < o.start || now >= o.end:
		return 0
	case now < o.start+o.ramp:
		return 0.5 - 0.5*math.Cos(math.Pi*(now-o.start)/o.ramp)
	case now > o.end-o.ramp:
		return 0.5 - 0.5*math.Cos(math.Pi*(o.end-now)/o.ramp)
	}
	return 1
}

// Trap asks the elevator's car to stop between landings with a passenger
// inside for d, then to be wound to the next landing and let them out. When
// event is set, the terminal also sends that event as the car stops. It
// reports false for a device without a car, or one already trapped.
func (g *Generator) Trap(d time.Duration, event string) bool {
	return g.lift != nil && g.lift.request(liftTrap{duration: d.Seconds(), person: true, event: event})
}

// sightingTowerHeightM is how far above the fire a tower's camera sits, for
// the pitch it looks down at.
const sightingTowerHeightM = 150

// Sighting is the bearing event (smoke, fire) a tower camera sends when it
// sees something at (lon, lat): its raw pan angle — the great-circle bearing
// from the tower less the tower's north_offset_deg, for the hub to add back —
// the pitch it looks down at, the detector's confidence and a snapshot, as
// far as the profile declares those fields.
func (g *Generator) Sighting(now time.Time, typ string, lon, lat, confidence float64) Event {
	fields := g.prof.Events[typ].Fields
	raw := RawBearing(g.dev.Lon, g.dev.Lat, lon, lat, g.prof.Param(g.dev.Params, "north_offset_deg"))
	dist := gis.Distance(g.dev.Lon, g.dev.Lat, lon, lat)
	all := map[string]any{
		"bearing_deg":  math.Mod(math.Round(raw*100)/100, 360),
		"confidence":   confidence,
		"pitch_deg":    -math.Round(math.Atan2(sightingTowerHeightM, dist)*180/math.Pi*10) / 10,
		"snapshot_url": fmt.Sprintf("http://sim.invalid/snap/%s/%d.jpg", g.dev.ID, now.UnixMilli()),
	}
	ev := Event{TS: now.Format(TimeLayout), Type: typ, Fields: map[string]any{}}
	for name, v := range all {
		if _, ok := fields[name]; ok {
			ev.Fields[name] = v
		}
	}
	return ev
}

// RawBearing is what a camera at (lon, lat) with the given north offset
// reports as its pan angle toward (toLon, toLat): the true bearing less the
// offset, in [0, 360). gis.Calibrate undoes it.
func RawBearing(lon, lat, toLon, toLat, northOffsetDeg float64) float64 {
	b := math.Mod(gis.InitialBearing(lon, lat, toLon, toLat)-northOffsetDeg, 360)
	if b < 0 {
		b += 360
	}
	if b >= 360 {
		b = 0
	}
	return b
}
