package engine

import (
	"context"
	"fmt"
	"maps"

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
		if v, ok := r.Values[rule.Metric]; ok {
			e.evalThreshold(ctx, dev, st.rule(rule.ID), rule, v, r)
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

func (e *Engine) thresholdAlarm(dev model.Device, rule profile.Rule, v float64, r model.Reading) model.Alarm {
	word := "高于"
	if rule.Op == "below" {
		word = "低于"
	}
	return model.Alarm{Source: dev.ID, Type: rule.Alarm, Label: rule.Label, Severity: rule.Severity,
		Metric: rule.Metric, Value: v, Threshold: rule.Value, LastSeen: r.TS,
		Message: fmt.Sprintf("%s %s=%v %s %v", dev.Name, rule.Metric, v, word, rule.Value)}
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
