// Package jsonmqtt decodes the hub's JSON device contract (SPEC §3) from MQTT
// payloads into readings, events and statuses. It converts wire values using
// the device's profile (bools to 0/1, enum strings to their numbers) but does
// not judge ranges or timestamps: that is ingest's validation, shared by every
// protocol.
package jsonmqtt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// Sample is one decoded telemetry sample, or why it was refused.
type Sample struct {
	Reading model.Reading
	Err     *model.Rejection
	Raw     json.RawMessage // the sample as sent, for its dead letter
}

type wireSample struct {
	TS     string                     `json:"ts"`
	Seq    int64                      `json:"seq"`
	Values map[string]json.RawMessage `json:"values"`
	Flags  map[string]string          `json:"flags"`
}

// DecodeTelemetry decodes a single sample or an array of samples. A payload
// that is not JSON at all fails as a whole; otherwise each sample stands alone.
func DecodeTelemetry(deviceID string, p *profile.Profile, payload []byte) ([]Sample, *model.Rejection) {
	trimmed := bytes.TrimSpace(payload)
	var raws []json.RawMessage
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, model.Reject(model.ReasonMalformed, "telemetry array: %v", err)
		}
		if len(raws) == 0 {
			return nil, model.Reject(model.ReasonMalformed, "empty telemetry array")
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		raws = []json.RawMessage{trimmed}
	default:
		return nil, model.Reject(model.ReasonMalformed, "telemetry must be a JSON object or array")
	}
	out := make([]Sample, len(raws))
	for i, raw := range raws {
		out[i].Raw = raw
		out[i].Reading, out[i].Err = decodeSample(deviceID, p, raw)
	}
	return out, nil
}

func decodeSample(deviceID string, p *profile.Profile, raw json.RawMessage) (model.Reading, *model.Rejection) {
	var w wireSample
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return model.Reading{}, model.Reject(model.ReasonMalformed, "sample: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return model.Reading{}, model.Reject(model.ReasonMalformed, "sample: trailing data after the JSON object")
	}
	ts, rej := parseTS(w.TS)
	if rej != nil {
		return model.Reading{}, rej
	}
	if len(w.Values) == 0 {
		return model.Reading{}, model.Reject(model.ReasonMalformed, "sample has no values")
	}
	r := model.Reading{DeviceID: deviceID, TS: ts, Seq: w.Seq, Values: make(map[string]float64, len(w.Values))}
	for name, v := range w.Values {
		m, ok := p.Metrics[name]
		if !ok {
			return r, model.Reject(model.ReasonUnknownMetric, "metric %q is not in the %s profile", name, p.Kind)
		}
		f, rej := convert(name, m, v)
		if rej != nil {
			return r, rej
		}
		r.Values[name] = f
	}
	if len(w.Flags) > 0 {
		if rej := checkFlags(p, w.Flags, r.Values); rej != nil {
			return r, rej
		}
		r.Flags = w.Flags
	}
	return r, nil
}

func convert(name string, m profile.Metric, v json.RawMessage) (float64, *model.Rejection) {
	if string(bytes.TrimSpace(v)) == "null" { // json would turn null into the zero value
		return 0, model.Reject(model.ReasonBadValue, "%s is null; omit a metric that has no value", name)
	}
	switch m.Type {
	case "bool":
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return 0, model.Reject(model.ReasonBadValue, "%s must be true or false, got %s", name, v)
		}
		if b {
			return 1, nil
		}
		return 0, nil
	case "enum":
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, model.Reject(model.ReasonBadValue, "%s must be a string, got %s", name, v)
		}
		f, ok := m.Enum[s]
		if !ok {
			return 0, model.Reject(model.ReasonBadValue, "%s: %q is not one of its values", name, s)
		}
		return f, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return 0, model.Reject(model.ReasonBadValue, "%s must be a number, got %s", name, v)
	}
	if m.Type == "int" && f != float64(int64(f)) {
		return 0, model.Reject(model.ReasonBadValue, "%s must be a whole number, got %v", name, f)
	}
	return f, nil
}

func checkFlags(p *profile.Profile, flags map[string]string, values map[string]float64) *model.Rejection {
	for metric, flag := range flags {
		if _, ok := values[metric]; !ok {
			return model.Reject(model.ReasonMalformed, "flag for %q which has no value", metric)
		}
		if !contains(p.Flags, flag) {
			return model.Reject(model.ReasonBadValue, "flag %q of %s is not one of %s", flag, metric, strings.Join(p.Flags, " "))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseTS(s string) (time.Time, *model.Rejection) {
	if s == "" {
		return time.Time{}, model.Reject(model.ReasonBadTimestamp, "ts is required (RFC 3339)")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, model.Reject(model.ReasonBadTimestamp, "ts %q is not RFC 3339", s)
	}
	return t.UTC(), nil
}

// DecodeEvent decodes devices/{id}/events: {"ts","type",...fields}.
func DecodeEvent(deviceID string, p *profile.Profile, payload []byte) (model.Event, *model.Rejection) {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return model.Event{}, model.Reject(model.ReasonMalformed, "event: %v", err)
	}
	tsv, _ := m["ts"].(string)
	ts, rej := parseTS(tsv)
	if rej != nil {
		return model.Event{}, rej
	}
	typ, _ := m["type"].(string)
	et, ok := p.Events[typ]
	if !ok {
		return model.Event{}, model.Reject(model.ReasonUnknownEvent, "event type %q is not in the %s profile", typ, p.Kind)
	}
	delete(m, "ts")
	delete(m, "type")
	if rej := checkFields(typ, et, m); rej != nil {
		return model.Event{}, rej
	}
	return model.Event{DeviceID: deviceID, TS: ts, Type: typ, Fields: m}, nil
}

func checkFields(typ string, et profile.Event, fields map[string]any) *model.Rejection {
	for name, f := range et.Fields {
		if _, ok := fields[name]; !ok && f.Required {
			return model.Reject(model.ReasonMalformed, "%s event needs field %q", typ, name)
		}
	}
	for name, v := range fields {
		f, ok := et.Fields[name]
		if !ok {
			return model.Reject(model.ReasonUnknownMetric, "%s event has no field %q", typ, name)
		}
		if rej := checkField(name, f, v); rej != nil {
			return rej
		}
	}
	return nil
}

func checkField(name string, f profile.Field, v any) *model.Rejection {
	switch f.Type {
	case "string":
		if _, ok := v.(string); !ok {
			return model.Reject(model.ReasonBadValue, "%s must be a string", name)
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			return model.Reject(model.ReasonBadValue, "%s must be true or false", name)
		}
	default:
		n, ok := v.(float64)
		if !ok {
			return model.Reject(model.ReasonBadValue, "%s must be a number", name)
		}
		if (f.Min != nil && n < *f.Min) || (f.Max != nil && n > *f.Max) {
			return model.Reject(model.ReasonOutOfRange, "%s=%v is outside [%s]", name, n, bounds(f.Min, f.Max))
		}
	}
	return nil
}

func bounds(lo, hi *float64) string {
	s := func(p *float64) string {
		if p == nil {
			return "∞"
		}
		return fmt.Sprint(*p)
	}
	return s(lo) + ", " + s(hi)
}

type wireStatus struct {
	State      string   `json:"state"`
	TS         string   `json:"ts"`
	FW         string   `json:"fw"`
	BatteryPct *float64 `json:"battery_pct"`
}

// DecodeStatus decodes devices/{id}/status (also the last will).
func DecodeStatus(deviceID string, payload []byte) (model.Status, *model.Rejection) {
	var w wireStatus
	if err := json.Unmarshal(payload, &w); err != nil {
		return model.Status{}, model.Reject(model.ReasonMalformed, "status: %v", err)
	}
	if w.State != model.StateOnline && w.State != model.StateOffline {
		return model.Status{}, model.Reject(model.ReasonBadValue, "status state must be online or offline, got %q", w.State)
	}
	st := model.Status{DeviceID: deviceID, State: w.State, FW: w.FW, BatteryPct: w.BatteryPct}
	if w.TS != "" {
		ts, rej := parseTS(w.TS)
		if rej != nil {
			return st, rej
		}
		st.TS = ts
	}
	if w.BatteryPct != nil && (*w.BatteryPct < 0 || *w.BatteryPct > 100) {
		return st, model.Reject(model.ReasonOutOfRange, "battery_pct=%v is outside [0, 100]", *w.BatteryPct)
	}
	return st, nil
}
