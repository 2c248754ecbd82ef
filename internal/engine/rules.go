package engine

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// rules returns the device's rules: its profile's, with its own overrides.
func (e *Engine) rules(dev model.Device) []profile.Rule {
	p, ok := e.opts.Profiles[dev.Kind]
	if !ok {
		return nil
	}
	if len(dev.RuleOverrides) == 0 {
		return p.Rules
	}
	out := make([]profile.Rule, len(p.Rules))
	for i, r := range p.Rules {
		if ov, ok := dev.RuleOverrides[r.ID]; ok {
			r.Value, r.Clear = ov.Value, ov.Clear
		}
		out[i] = r
	}
	return out
}

// applyReading updates live values and evaluates threshold rules. A reading
// older than the newest one seen (a station replaying its buffer) is stored
// but changes neither live values nor alarms. It reports whether the live
// state changed.
func (e *Engine) applyReading(ctx context.Context, r model.Reading) bool {
	st := e.state(r.DeviceID)
	if r.TS.Before(st.LastTS) {
		return false
	}
	if st.Values == nil {
		st.Values = map[string]float64{}
	}
	maps.Copy(st.Values, r.Values)
	if len(r.Flags) > 0 {
		if st.Flags == nil {
			st.Flags = map[string]string{}
		}
		maps.Copy(st.Flags, r.Flags)
	}
	st.LastTS, st.LastSeen, st.Online = r.TS, e.opts.Now().UTC(), true
	e.heard(ctx, r.DeviceID)
	dev, err := e.opts.Devices.Lookup(ctx, r.DeviceID)
	if err != nil {
		e.log.Warn("reading for unknown device", "device_id", r.DeviceID, "err", err)
		return true
	}
	for _, rule := range e.rules(dev) {
		v, ok := r.Values[rule.Metric]
		if !ok {
			continue
		}
		rs := st.rule(rule.ID)
		if v, ok = rs.observe(rule, r.TS, v); ok {
			e.evalThreshold(ctx, dev, rs, rule, v, r)
		}
	}
	return true
}

// evalThreshold: an alarm opens after Consecutive samples past Value, stays
// open (updated in place) while the value is past Clear, and clears on the
// first sample back past Clear. Between Clear and Value nothing changes.
func (e *Engine) evalThreshold(ctx context.Context, dev model.Device, rs *ruleState, rule profile.Rule, v float64, r model.Reading) {
	var triggered, cleared bool
	if rule.Op == "above" {
		triggered, cleared = v > rule.Value, v <= rule.Clear
	} else {
		triggered, cleared = v < rule.Value, v >= rule.Clear
	}
	switch {
	case !rs.active && triggered:
		rs.breaches++
		if rs.breaches >= rule.Consecutive {
			rs.active, rs.breaches = true, 0
			e.raise(ctx, dev, e.thresholdAlarm(dev, rule, v, r))
		}
	case !rs.active:
		rs.breaches = 0
	case cleared:
		rs.active = false
		e.clear(ctx, alarmKey{dev.ID, rule.Alarm}, "", fmt.Sprintf("%s back to %v (clear level %v)", rule.Metric, v, rule.Clear))
	case triggered:
		e.raise(ctx, dev, e.thresholdAlarm(dev, rule, v, r))
	}
}

// observe turns a sample into the value the rule judges: the sample itself
// (threshold), the sum over the window (accumulation) or the change per hour
// over the window (rate; needs two samples at different times).
func (rs *ruleState) observe(rule profile.Rule, ts time.Time, v float64) (float64, bool) {
	if rule.Type == "threshold" {
		return v, true
	}
	rs.window = append(rs.window, point{ts, v})
	cut := ts.Add(-time.Duration(rule.WindowS * float64(time.Second)))
	drop := 0
	for drop < len(rs.window) && !rs.window[drop].ts.After(cut) {
		drop++
	}
	rs.window = rs.window[drop:]
	if rule.Type == "accumulation" {
		sum := 0.0
		for _, p := range rs.window {
			sum += p.v
		}
		return sum, true
	}
	first, last := rs.window[0], rs.window[len(rs.window)-1]
	hours := last.ts.Sub(first.ts).Hours()
	if hours <= 0 {
		return 0, false
	}
	return (last.v - first.v) / hours, true
}

func (e *Engine) thresholdAlarm(dev model.Device, rule profile.Rule, v float64, r model.Reading) model.Alarm {
	word := "高于"
	if rule.Op == "below" {
		word = "低于"
	}
	what := rule.Metric
	switch rule.Type {
	case "accumulation":
		what = fmt.Sprintf("%s %g s 累计", rule.Metric, rule.WindowS)
	case "rate":
		what = fmt.Sprintf("%s 每小时变化", rule.Metric)
	}
	return model.Alarm{Source: dev.ID, Type: rule.Alarm, Label: rule.Label, Severity: rule.Severity,
		Metric: rule.Metric, Value: v, Threshold: rule.Value, LastSeen: r.TS,
		Message: fmt.Sprintf("%s %s=%.4g %s %v", dev.Name, what, v, word, rule.Value)}
}

// applyEvent raises an alarm for event types that carry a severity.
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
	if !ok || et.Severity == "" {
		return
	}
	e.raise(ctx, dev, model.Alarm{Source: dev.ID, Type: ev.Type, Label: et.Label, Severity: et.Severity,
		LastSeen: ev.TS, Message: fmt.Sprintf("%s 报告%s", dev.Name, et.Label)})
}
