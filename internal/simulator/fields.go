package simulator

import (
	"fmt"
	"math"

	"github.com/ywtg/hub/internal/profile"
)

// optionalFieldSkip is how often an optional event field is left out, so
// the hub sees both shapes (a fire sighting with and without distance_m).
const optionalFieldSkip = 0.3

// fieldRanges narrows well-known event fields to realistic values inside
// their declared range: detectors report smoke only above a confidence
// threshold, and a tower looks slightly down at the terrain.
var fieldRanges = map[string][2]float64{
	"confidence":  {0.6, 0.99},
	"bearing_deg": {0, 360},
	"pitch_deg":   {-8, 1},
	"distance_m":  {800, 15000},
}

// fieldValue draws one event field. Numbers: a well-known range, else the
// device's current value of a metric of the same name (an entrapment's
// floor), else uniform in the declared range.
func (g *Generator) fieldValue(name string, f profile.Field) any {
	switch f.Type {
	case "bool":
		return g.rng.Float64() < 0.5
	case "string":
		return g.fieldString(name)
	}
	lo, hi := 0.0, 100.0
	if f.Min != nil {
		lo = *f.Min
		hi = max(hi, lo)
	}
	if f.Max != nil {
		hi = *f.Max
	}
	r, known := fieldRanges[name]
	if !known {
		if v, ok := g.current[name].(float64); ok {
			return v
		}
	} else {
		lo, hi = max(lo, r[0]), min(hi, r[1])
	}
	v := math.Round((lo+g.rng.Float64()*(hi-lo))*100) / 100
	return min(max(v, lo), hi)
}

func (g *Generator) fieldString(name string) string {
	switch name {
	case "snapshot_url":
		return fmt.Sprintf("http://sim.invalid/snap/%s/%d.jpg", g.dev.ID, g.seq)
	case "code":
		return fmt.Sprintf("E%02d", g.rng.IntN(100))
	}
	return "sim"
}
