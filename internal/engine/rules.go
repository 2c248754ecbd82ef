package engine

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
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
	out := make([]profile.Rule, 0, len(p.Rules))
	for _, r := range p.Rules {
		if ov, ok := dev.RuleOverrides[r.ID]; ok {
			if ov.Off {
				continue
			}
			r.Value, r.Clear = ov.Value, ov.Clear
			if ov.Consecutive > 0 {
				r.Consecutive = ov.Consecutive
			}
			if ov.Bands != nil {
				r.Bands = make([]profile.Band, len(ov.Bands))
				for i, b := range ov.Bands {
					r.Bands[i] = profile.Band{Value: b.Value, Clear: b.Clear, Severity: b.Severity}
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// category is what an alarm of the rule or event is about.
func category(p *profile.Profile, own string) string { return cmp.Or(own, p.Category) }

// applyReading updates live values, derived values and evaluates the rules. A
// reading older than the newest one seen (a station replaying its buffer) is
// stored but changes neither live values nor alarms. It reports whether the
// live state changed.
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
	p, ok := e.opts.Profiles[dev.Kind]
	if !ok {
		return true
	}
	if st.metricSeen == nil {
		st.metricSeen = map[string]time.Time{}
	}
	for m := range r.Values {
		st.metricSeen[m] = r.TS
	}
	judged := judgedValues(p, r)
	changed := st.derived.update(p, e.derivedOrder[dev.Kind], dev, r.TS, judged)
	for _, rule := range e.rules(dev) {
		rs := st.rule(rule.ID)
		switch rule.Type {
		case "condition":
			if touches(rule, r.Values) {
				e.evalCondition(ctx, dev, p, st, rs, rule, r.TS)
			}
		case "absence":
			if _, ok := r.Values[rule.Metric]; ok && rs.active {
				rs.active = false
				e.clear(ctx, alarmKey{dev.ID, rule.Alarm}, "", fmt.Sprintf("%s 恢复上报", rule.Metric))
			}
		case "accumulation", "rate":
			v, ok := judged[rule.Metric]
			if !ok {
				continue
			}
			if rs.window == nil {
				rs.window = newWindow(rule.WindowS)
			}
			rs.window.add(r.TS, v)
			if v, ok = rs.window.value(rule.Type); ok {
				e.evalThreshold(ctx, dev, p, rs, rule, v, r.TS)
			}
		default: // threshold, on a metric or a derived value
			v, ok := judged[rule.Metric]
			if !ok && slices.Contains(changed, rule.Metric) {
				v, ok = st.derived.values[rule.Metric], true
			}
			if ok {
				e.evalThreshold(ctx, dev, p, rs, rule, v, r.TS)
			}
		}
	}
	return true
}

// judgedValues are the reading's values that may feed rules: with the
// profile's AlarmFlags set, only samples flagged with one of them (a sample
// without a flag counts as N).
func judgedValues(p *profile.Profile, r model.Reading) map[string]float64 {
	if len(p.AlarmFlags) == 0 || len(r.Flags) == 0 {
		return r.Values
	}
	out := make(map[string]float64, len(r.Values))
	for m, v := range r.Values {
		if f, ok := r.Flags[m]; !ok || slices.Contains(p.AlarmFlags, f) {
			out[m] = v
		}
	}
	return out
}

func touches(rule profile.Rule, vals map[string]float64) bool {
	for _, c := range rule.When {
		if _, ok := vals[c.Metric]; ok {
			return true
		}
	}
	return false
}

// evalThreshold: an alarm opens after Consecutive samples past Value (and,
// with ForS, once the breach has lasted that long), stays open (updated in
// place) while the value is past Clear, and clears on the first sample back
// past Clear. Between Clear and Value nothing changes. While open, Bands move
// its severity up as the value passes a band and down as it falls back past
// the band's clear level.
func (e *Engine) evalThreshold(ctx context.Context, dev model.Device, p *profile.Profile, rs *ruleState, rule profile.Rule, v float64, ts time.Time) {
	past := func(level float64) bool {
		if rule.Op == "above" {
			return v > level
		}
		return v < level
	}
	triggered, cleared := past(rule.Value), !past(rule.Clear)
	switch {
	case !rs.active && triggered:
		if rs.breaches == 0 {
			rs.since = ts
		}
		rs.breaches++
		if rs.breaches >= rule.Consecutive && ts.Sub(rs.since).Seconds() >= rule.ForS {
			rs.active, rs.held, rs.breaches, rs.band = true, true, 0, 0
			rs.band = bandFor(rule, rs.band, past)
			e.raise(ctx, dev, e.thresholdAlarm(dev, p, rule, rs.band, v, ts), true)
		}
	case !rs.active:
		rs.breaches = 0
	case cleared:
		rs.active, rs.band = false, 0
		e.clear(ctx, alarmKey{dev.ID, rule.Alarm}, "", fmt.Sprintf("%s 回落至 %.4g（解除值 %v）", valueName(p, rule.Metric), v, rule.Clear))
	default:
		if band := bandFor(rule, rs.band, past); triggered || band != rs.band {
			rs.band = band
			e.raise(ctx, dev, e.thresholdAlarm(dev, p, rule, rs.band, v, ts), true)
		}
	}
}

// bandFor moves from band cur up past every band whose level the value is
// past, and down past every band whose clear level it is back behind.
func bandFor(rule profile.Rule, cur int, past func(float64) bool) int {
	for cur < len(rule.Bands) && past(rule.Bands[cur].Value) {
		cur++
	}
	for cur > 0 && !past(rule.Bands[cur-1].Clear) {
		cur--
	}
	return cur
}

// evalCondition: the alarm opens once every clause has held for ForS, and
// clears when one stops holding.
func (e *Engine) evalCondition(ctx context.Context, dev model.Device, p *profile.Profile, st *deviceState, rs *ruleState, rule profile.Rule, ts time.Time) {
	holds := true
	for _, c := range rule.When {
		v, ok := st.Values[c.Metric]
		if !ok || !c.Holds(v) {
			holds = false
			break
		}
	}
	switch {
	case holds && rs.since.IsZero():
		rs.since = ts
		fallthrough
	case holds:
		if d := ts.Sub(rs.since); rs.active || d.Seconds() >= rule.ForS {
			rs.active, rs.held = true, true
			e.raise(ctx, dev, model.Alarm{Source: dev.ID, Type: rule.Alarm, Label: rule.Label, Severity: rule.Severity,
				Category: category(p, rule.Category), LastSeen: ts,
				Message: fmt.Sprintf("%s %s：条件已持续 %s", dev.Name, rule.Label, d.Round(time.Second))}, true)
		}
	default:
		rs.since = time.Time{}
		if rs.active && rs.held {
			rs.active, rs.held = false, false
			e.clear(ctx, alarmKey{dev.ID, rule.Alarm}, "", rule.Label+"：条件已解除")
		}
	}
}

func valueName(p *profile.Profile, name string) string {
	if m, ok := p.Metrics[name]; ok && m.Label != "" {
		return m.Label
	}
	if d, ok := p.Derived[name]; ok && d.Label != "" {
		return d.Label
	}
	return name
}

func (e *Engine) thresholdAlarm(dev model.Device, p *profile.Profile, rule profile.Rule, band int, v float64, ts time.Time) model.Alarm {
	word := "高于"
	if rule.Op == "below" {
		word = "低于"
	}
	what := valueName(p, rule.Metric)
	switch rule.Type {
	case "accumulation":
		what = fmt.Sprintf("%s %g s 累计", what, rule.WindowS)
	case "rate":
		what = fmt.Sprintf("%s 每小时变化", what)
	}
	sev, level := rule.Severity, rule.Value
	if band > 0 {
		sev, level = rule.Bands[band-1].Severity, rule.Bands[band-1].Value
	}
	return model.Alarm{Source: dev.ID, Type: rule.Alarm, Label: rule.Label, Severity: sev, Category: category(p, rule.Category),
		Metric: rule.Metric, Value: v, Threshold: level, LastSeen: ts,
		Message: fmt.Sprintf("%s %s=%.4g %s %v", dev.Name, what, v, word, level)}
}
