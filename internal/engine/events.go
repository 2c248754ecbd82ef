package engine

import (
	"context"
	"fmt"
	"math"

	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// applyEvent raises an alarm for event types that carry a severity, ends the
// alarms an event says are over (power restored), and places located events
// (a tower camera's bearing) where their cause is.
func (e *Engine) applyEvent(ctx context.Context, ev model.Event) {
	st := e.state(ev.DeviceID)
	st.LastSeen, st.Online = e.opts.Now().UTC(), true
	e.heard(ctx, ev.DeviceID)
	dev, err := e.opts.Devices.Lookup(ctx, ev.DeviceID)
	if err != nil {
		return
	}
	p, ok := e.opts.Profiles[dev.Kind]
	if !ok {
		e.log.Warn("event from a device whose kind has no profile", "device_id", dev.ID, "kind", dev.Kind)
		return
	}
	et, ok := p.Events[ev.Type]
	if !ok {
		return
	}
	for _, typ := range et.Clears {
		if _, ok := e.active.get(alarmKey{dev.ID, typ}); ok {
			e.forgetRule(alarmKey{dev.ID, typ})
			e.clear(ctx, alarmKey{dev.ID, typ}, "", fmt.Sprintf("%s 报告%s", dev.Name, et.Label))
		}
	}
	if et.Severity == "" {
		return
	}
	conf, hasConf := number(ev.Fields["confidence"])
	if min := eventMinConfidence(p, dev, et); hasConf && conf < min {
		e.suppressed.Add(1)
		e.log.Debug("event below the confidence threshold", "device_id", dev.ID, "type", ev.Type, "confidence", conf, "min", min)
		return
	}
	a := model.Alarm{Source: dev.ID, Type: ev.Type, Label: et.Label, Severity: et.Severity, Category: category(p, et.Category),
		LastSeen: ev.TS, Message: fmt.Sprintf("%s 报告%s", dev.Name, et.Label)}
	if hasConf {
		a.Value, a.Metric = conf, "confidence"
		a.Message += fmt.Sprintf("（置信度 %.2f）", conf)
	}
	if et.Locate == "bearing" {
		if loc := locateByBearing(p, dev, ev); loc != nil {
			a.Location = loc
			a.Message += fmt.Sprintf("，方位 %.1f°", loc.BearingDeg)
			if loc.DistanceM > 0 {
				a.Message += fmt.Sprintf("，距离 %.0f m", loc.DistanceM)
			}
		}
	}
	e.raise(ctx, dev, a, false)
	// A condition rule sharing the alarm (the terminal's entrapment and the
	// inferred one) now owns its clearing, once it has seen its condition.
	for _, r := range e.rules(dev) {
		if r.Alarm == ev.Type && r.Type == "condition" {
			rs := st.rule(r.ID)
			if !rs.active {
				rs.active, rs.held = true, false
			}
		}
	}
}

func eventMinConfidence(p *profile.Profile, dev model.Device, et profile.Event) float64 {
	if v, ok := dev.Params["min_confidence"]; ok {
		return v
	}
	return et.MinConfidence
}

// locateByBearing turns a camera's raw pan angle into a true bearing (the
// tower's north_offset_deg added) and, with a distance, a point; without
// one, the bearing line out to the tower's range.
func locateByBearing(p *profile.Profile, dev model.Device, ev model.Event) *model.Location {
	raw, ok := number(ev.Fields["bearing_deg"])
	if !ok {
		return nil
	}
	b := gis.Calibrate(raw, p.Param(dev.Params, "north_offset_deg"))
	if math.IsNaN(b) {
		return nil
	}
	loc := &model.Location{BearingDeg: round(b, 1e-4)}
	if d, ok := number(ev.Fields["distance_m"]); ok && d > 0 {
		loc.Method, loc.DistanceM = model.LocateBearingDistance, d
		loc.Lon, loc.Lat = gis.Destination(dev.Lon, dev.Lat, b, d)
		return loc
	}
	rng := p.Param(dev.Params, "range_m")
	if !(rng > 0) {
		rng = gis.DefaultMaxRangeM
	}
	loc.Method = model.LocateBearingLine
	loc.Line = gis.BearingLine(gis.Bearing{Lon: dev.Lon, Lat: dev.Lat, Deg: b}, rng, 16)
	return loc
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func round(v, step float64) float64 { return math.Round(v/step) * step }
