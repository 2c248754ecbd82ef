package jsonmqtt_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/ingest/jsonmqtt"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

const ts = "2026-07-21T08:00:00+08:00"

var tsUTC = time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)

func profiles(t testing.TB) profile.Set {
	t.Helper()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	return set
}

// checkReading is the shared sanity check every decoded reading must pass:
// a known metric for every value, every value finite, flags only on metrics
// that carry a value and only from the profile's flag set, a timestamp.
func checkReading(t testing.TB, p *profile.Profile, r model.Reading) {
	t.Helper()
	require.NotEmpty(t, r.Values)
	require.False(t, r.TS.IsZero(), "a decoded reading has a timestamp")
	require.Equal(t, time.UTC, r.TS.Location(), "timestamps are kept in UTC")
	for name, v := range r.Values {
		m, ok := p.Metrics[name]
		require.True(t, ok, "metric %q is not in the %s profile", name, p.Kind)
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s=%v is not finite", name, v)
		switch m.Type {
		case "bool":
			require.Contains(t, []float64{0, 1}, v, "%s is a bool", name)
		case "int":
			require.Equal(t, math.Trunc(v), v, "%s is an int", name)
		case "enum":
			found := false
			for _, n := range m.Enum {
				found = found || n == v
			}
			require.True(t, found, "%s=%v is one of its enum values", name, v)
		}
	}
	for name, flag := range r.Flags {
		require.Contains(t, r.Values, name, "flag for a metric without a value")
		require.Contains(t, p.Flags, flag)
	}
}

// checkEvent is the sanity check every decoded event must pass.
func checkEvent(t testing.TB, p *profile.Profile, ev model.Event) {
	t.Helper()
	et, ok := p.Events[ev.Type]
	require.True(t, ok, "event type %q is not in the %s profile", ev.Type, p.Kind)
	require.False(t, ev.TS.IsZero())
	require.NotContains(t, ev.Fields, "ts")
	require.NotContains(t, ev.Fields, "type")
	for name, f := range et.Fields {
		if f.Required {
			require.Contains(t, ev.Fields, name)
		}
	}
	for name, v := range ev.Fields {
		f, ok := et.Fields[name]
		require.True(t, ok, "field %q is not declared for %s", name, ev.Type)
		switch f.Type {
		case "string":
			require.IsType(t, "", v)
		case "bool":
			require.IsType(t, true, v)
		default:
			n, ok := v.(float64)
			require.True(t, ok, "%s is a number", name)
			require.False(t, math.IsNaN(n) || math.IsInf(n, 0))
			if f.Min != nil {
				require.GreaterOrEqual(t, n, *f.Min)
			}
			if f.Max != nil {
				require.LessOrEqual(t, n, *f.Max)
			}
		}
	}
}

func reason(rej *model.Rejection) string {
	if rej == nil {
		return ""
	}
	return rej.Reason
}

func TestDecodeTelemetry(t *testing.T) {
	set := profiles(t)
	type want struct {
		reason string             // "" when the sample is accepted
		values map[string]float64 // checked when accepted
		flags  map[string]string
		seq    int64
	}
	for _, tc := range []struct {
		desc    string
		kind    string
		payload string
		whole   string // reason the whole payload is refused; "" if decoded into samples
		samples []want
	}{
		{desc: "single object", kind: "pollution",
			payload: `{"ts":"` + ts + `","seq":7,"values":{"pm25_ugm3":35,"co_mgm3":0.6}}`,
			samples: []want{{values: map[string]float64{"pm25_ugm3": 35, "co_mgm3": 0.6}, seq: 7}}},
		{desc: "single object with surrounding whitespace", kind: "pollution",
			payload: " \n\t{\"ts\":\"" + ts + "\",\"values\":{\"pm25_ugm3\":1}}\r\n",
			samples: []want{{values: map[string]float64{"pm25_ugm3": 1}}}},
		{desc: "array replayed after an outage", kind: "hydrology",
			payload: `[{"ts":"2026-07-21T07:58:00+08:00","seq":1,"values":{"water_level_m":1050.4}},` +
				`{"ts":"2026-07-21T07:59:00+08:00","seq":2,"values":{"water_level_m":1050.5,"rain_mm":0.5}}]`,
			samples: []want{
				{values: map[string]float64{"water_level_m": 1050.4}, seq: 1},
				{values: map[string]float64{"water_level_m": 1050.5, "rain_mm": 0.5}, seq: 2},
			}},
		{desc: "array with one bad sample keeps the others", kind: "hydrology",
			payload: `[{"ts":"` + ts + `","seq":1,"values":{"water_level_m":1}},{"ts":"` + ts + `","seq":2,"values":{"salinity":3}},` +
				`{"ts":"` + ts + `","seq":3,"values":{"rain_mm":2}}]`,
			samples: []want{
				{values: map[string]float64{"water_level_m": 1}, seq: 1},
				{reason: model.ReasonUnknownMetric},
				{values: map[string]float64{"rain_mm": 2}, seq: 3},
			}},
		{desc: "array element that is not an object", kind: "hydrology",
			payload: `[1,"x",null,{"ts":"` + ts + `","values":{"rain_mm":2}}]`,
			samples: []want{{reason: model.ReasonMalformed}, {reason: model.ReasonMalformed},
				{reason: model.ReasonBadTimestamp}, {values: map[string]float64{"rain_mm": 2}}}},
		{desc: "empty array", kind: "hydrology", payload: `[]`, whole: model.ReasonMalformed},
		{desc: "broken array", kind: "hydrology", payload: `[{"ts":"` + ts + `"`, whole: model.ReasonMalformed},
		{desc: "array with trailing data", kind: "hydrology", payload: `[] []`, whole: model.ReasonMalformed},
		{desc: "not JSON", kind: "hydrology", payload: `water_level_m=1050.2`, whole: model.ReasonMalformed},
		{desc: "empty payload", kind: "hydrology", payload: ``, whole: model.ReasonMalformed},
		{desc: "JSON number", kind: "hydrology", payload: `1050.2`, whole: model.ReasonMalformed},
		{desc: "JSON string", kind: "hydrology", payload: `"{}"`, whole: model.ReasonMalformed},
		{desc: "JSON null", kind: "hydrology", payload: `null`, whole: model.ReasonMalformed},
		{desc: "truncated object", kind: "hydrology", payload: `{"ts":"` + ts + `","values":{`,
			samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "unknown field in a sample", kind: "hydrology",
			payload: `{"ts":"` + ts + `","values":{"rain_mm":1},"station":"x"}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "values of the wrong shape", kind: "hydrology",
			payload: `{"ts":"` + ts + `","values":[1,2]}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "no values", kind: "hydrology", payload: `{"ts":"` + ts + `","values":{}}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "seq not an integer", kind: "hydrology",
			payload: `{"ts":"` + ts + `","seq":1.5,"values":{"rain_mm":1}}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "missing ts", kind: "hydrology", payload: `{"seq":1,"values":{"rain_mm":1}}`, samples: []want{{reason: model.ReasonBadTimestamp}}},
		{desc: "ts not RFC 3339", kind: "hydrology",
			payload: `{"ts":"2026-07-21 08:00:00","values":{"rain_mm":1}}`, samples: []want{{reason: model.ReasonBadTimestamp}}},
		{desc: "ts as a number", kind: "hydrology",
			payload: `{"ts":1784592000,"values":{"rain_mm":1}}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "ts with fractional seconds and offset is kept in UTC", kind: "hydrology",
			payload: `{"ts":"2026-07-21T08:00:00.250+08:00","values":{"rain_mm":1}}`,
			samples: []want{{values: map[string]float64{"rain_mm": 1}}}},
		{desc: "unknown metric", kind: "hydrology",
			payload: `{"ts":"` + ts + `","values":{"salinity_psu":3}}`, samples: []want{{reason: model.ReasonUnknownMetric}}},
		{desc: "metric of another kind", kind: "hydrology",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":3}}`, samples: []want{{reason: model.ReasonUnknownMetric}}},
		{desc: "number as a string", kind: "hydrology",
			payload: `{"ts":"` + ts + `","values":{"rain_mm":"1.5"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "number too large for a float", kind: "hydrology",
			payload: `{"ts":"` + ts + `","values":{"rain_mm":1e999}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "bool, enum and int converted", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"floor":-2,"direction":"down","door_open":true,"running":false,"service_mode":"fire","speed_ms":1.25}}`,
			samples: []want{{values: map[string]float64{"floor": -2, "direction": -1, "door_open": 1, "running": 0, "service_mode": 2, "speed_ms": 1.25}}}},
		{desc: "int written with an exponent", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"floor":1e1}}`, samples: []want{{values: map[string]float64{"floor": 10}}}},
		{desc: "int with a fraction", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"floor":7.5}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "int as a string", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"floor":"7"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "bool as a number", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"door_open":1}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "bool as a string", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"door_open":"true"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "enum value not declared", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"direction":"sideways"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "enum as its number", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"direction":1}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "enum is case sensitive", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"direction":"UP"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "valid flags", kind: "pollution",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":35,"pm10_ugm3":80},"flags":{"pm25_ugm3":"N","pm10_ugm3":"M"}}`,
			samples: []want{{values: map[string]float64{"pm25_ugm3": 35, "pm10_ugm3": 80}, flags: map[string]string{"pm25_ugm3": "N", "pm10_ugm3": "M"}}}},
		{desc: "unknown flag letter", kind: "pollution",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":35},"flags":{"pm25_ugm3":"X"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "flag letter in lower case", kind: "pollution",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":35},"flags":{"pm25_ugm3":"n"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "flag for a metric without a value", kind: "pollution",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":35},"flags":{"so2_ugm3":"N"}}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "flag that is not a string", kind: "pollution",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":35},"flags":{"pm25_ugm3":1}}`, samples: []want{{reason: model.ReasonMalformed}}},
		{desc: "flags from a kind that sends none", kind: "elevator",
			payload: `{"ts":"` + ts + `","values":{"floor":1},"flags":{"floor":"N"}}`, samples: []want{{reason: model.ReasonBadValue}}},
		{desc: "empty flags are no flags", kind: "pollution",
			payload: `{"ts":"` + ts + `","values":{"pm25_ugm3":35},"flags":{}}`, samples: []want{{values: map[string]float64{"pm25_ugm3": 35}}}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			p := set[tc.kind]
			require.NotNil(t, p)
			samples, rej := jsonmqtt.DecodeTelemetry("dev-1", p, []byte(tc.payload))
			if tc.whole != "" {
				require.NotNil(t, rej)
				require.Equal(t, tc.whole, rej.Reason)
				require.NotEmpty(t, rej.Detail)
				require.Empty(t, samples)
				return
			}
			require.Nil(t, rej)
			require.Len(t, samples, len(tc.samples))
			for i, w := range tc.samples {
				s := samples[i]
				require.NotEmpty(t, s.Raw, "sample %d keeps its raw JSON", i)
				require.Equal(t, w.reason, reason(s.Err), "sample %d: %v", i, s.Err)
				if w.reason != "" {
					require.NotEmpty(t, s.Err.Detail)
					continue
				}
				checkReading(t, p, s.Reading)
				require.Equal(t, "dev-1", s.Reading.DeviceID)
				require.Equal(t, w.values, s.Reading.Values)
				require.Equal(t, w.flags, s.Reading.Flags)
				require.Equal(t, w.seq, s.Reading.Seq)
			}
		})
	}
}

func TestDecodeTelemetryTimestamp(t *testing.T) {
	p := profiles(t)["hydrology"]
	samples, rej := jsonmqtt.DecodeTelemetry("h", p, []byte(`{"ts":"2026-07-21T08:00:00.250+08:00","values":{"rain_mm":1}}`))
	require.Nil(t, rej)
	require.Nil(t, samples[0].Err)
	require.Equal(t, tsUTC.Add(250*time.Millisecond), samples[0].Reading.TS)
}

// An array keeps each sample's own JSON, so its dead letter shows what was
// refused rather than the whole replay.
func TestDecodeTelemetryRawPerSample(t *testing.T) {
	p := profiles(t)["hydrology"]
	good := `{"ts":"` + ts + `","values":{"rain_mm":1}}`
	bad := `{"ts":"` + ts + `","values":{"rain_mm":"x"}}`
	samples, rej := jsonmqtt.DecodeTelemetry("h", p, []byte("["+good+", "+bad+"]"))
	require.Nil(t, rej)
	require.Len(t, samples, 2)
	require.JSONEq(t, good, string(samples[0].Raw))
	require.JSONEq(t, bad, string(samples[1].Raw))
}

// Payloads that look like telemetry but cannot be stored as sent: null
// values (JSON would make them 0) and data after the sample.
func TestDecodeTelemetryRefusesWhatItCannotStore(t *testing.T) {
	set := profiles(t)
	for _, tc := range []struct {
		desc, kind, payload, reason string
	}{
		{"null for a number metric", "pollution", `{"ts":"` + ts + `","values":{"pm25_ugm3":null}}`, model.ReasonBadValue},
		{"null for a bool metric", "elevator", `{"ts":"` + ts + `","values":{"door_open":null}}`, model.ReasonBadValue},
		{"trailing garbage after the object", "pollution", `{"ts":"` + ts + `","values":{"pm25_ugm3":1}} garbage`, model.ReasonMalformed},
		{"two concatenated objects", "pollution", `{"ts":"` + ts + `","values":{"pm25_ugm3":1}}{"ts":"` + ts + `","seq":2,"values":{"pm25_ugm3":2}}`, model.ReasonMalformed},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			samples, rej := jsonmqtt.DecodeTelemetry("p", set[tc.kind], []byte(tc.payload))
			if rej != nil {
				require.Equal(t, tc.reason, rej.Reason)
				return
			}
			require.Len(t, samples, 1)
			require.Equal(t, tc.reason, reason(samples[0].Err))
		})
	}
}

func TestDecodeEvent(t *testing.T) {
	set := profiles(t)
	for _, tc := range []struct {
		desc    string
		kind    string
		payload string
		reason  string
		typ     string
		fields  map[string]any
	}{
		{desc: "smoke with every field", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0.91,"bearing_deg":123.4,"pitch_deg":-1.2,"distance_m":4200,"snapshot_url":"http://cam.local/1.jpg"}`,
			typ:     "smoke", fields: map[string]any{"confidence": 0.91, "bearing_deg": 123.4, "pitch_deg": -1.2, "distance_m": 4200.0, "snapshot_url": "http://cam.local/1.jpg"}},
		{desc: "fire with only the required fields", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"fire","confidence":1,"bearing_deg":0}`,
			typ:     "fire", fields: map[string]any{"confidence": 1.0, "bearing_deg": 0.0}},
		{desc: "event type without fields", kind: "elevator",
			payload: `{"ts":"` + ts + `","type":"overspeed"}`, typ: "overspeed", fields: map[string]any{}},
		{desc: "bool field", kind: "elevator",
			payload: `{"ts":"` + ts + `","type":"entrapment","floor":7,"at_floor":false}`,
			typ:     "entrapment", fields: map[string]any{"floor": 7.0, "at_floor": false}},
		{desc: "unknown type", kind: "firecam", payload: `{"ts":"` + ts + `","type":"ufo"}`, reason: model.ReasonUnknownEvent},
		{desc: "type of another kind", kind: "firecam", payload: `{"ts":"` + ts + `","type":"entrapment"}`, reason: model.ReasonUnknownEvent},
		{desc: "missing type", kind: "firecam", payload: `{"ts":"` + ts + `","confidence":0.5}`, reason: model.ReasonUnknownEvent},
		{desc: "type not a string", kind: "firecam", payload: `{"ts":"` + ts + `","type":1}`, reason: model.ReasonUnknownEvent},
		{desc: "required field missing", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0.9}`, reason: model.ReasonMalformed},
		{desc: "field above its range", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":1.01,"bearing_deg":10}`, reason: model.ReasonOutOfRange},
		{desc: "field below its range", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0.5,"bearing_deg":-0.1}`, reason: model.ReasonOutOfRange},
		{desc: "field at its bounds", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0,"bearing_deg":360}`,
			typ:     "smoke", fields: map[string]any{"confidence": 0.0, "bearing_deg": 360.0}},
		{desc: "unknown field", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0.5,"bearing_deg":10,"colour":"grey"}`, reason: model.ReasonUnknownMetric},
		{desc: "field on a type that declares none", kind: "elevator",
			payload: `{"ts":"` + ts + `","type":"overspeed","speed":3}`, reason: model.ReasonUnknownMetric},
		{desc: "number field as a string", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":"0.5","bearing_deg":10}`, reason: model.ReasonBadValue},
		{desc: "number field null", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0.5,"bearing_deg":10,"pitch_deg":null}`, reason: model.ReasonBadValue},
		{desc: "string field as a number", kind: "firecam",
			payload: `{"ts":"` + ts + `","type":"smoke","confidence":0.5,"bearing_deg":10,"snapshot_url":1}`, reason: model.ReasonBadValue},
		{desc: "bool field as a string", kind: "elevator",
			payload: `{"ts":"` + ts + `","type":"entrapment","at_floor":"no"}`, reason: model.ReasonBadValue},
		{desc: "missing ts", kind: "firecam", payload: `{"type":"lens_blocked"}`, reason: model.ReasonBadTimestamp},
		{desc: "bad ts", kind: "firecam", payload: `{"ts":"yesterday","type":"lens_blocked"}`, reason: model.ReasonBadTimestamp},
		{desc: "not JSON", kind: "firecam", payload: `smoke!`, reason: model.ReasonMalformed},
		{desc: "an array", kind: "firecam", payload: `[{"ts":"` + ts + `","type":"lens_blocked"}]`, reason: model.ReasonMalformed},
		{desc: "trailing data", kind: "firecam", payload: `{"ts":"` + ts + `","type":"lens_blocked"} x`, reason: model.ReasonMalformed},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			p := set[tc.kind]
			ev, rej := jsonmqtt.DecodeEvent("cam-1", p, []byte(tc.payload))
			if tc.reason != "" {
				require.NotNil(t, rej, "decoded %+v", ev)
				require.Equal(t, tc.reason, rej.Reason, rej.Error())
				require.NotEmpty(t, rej.Detail)
				return
			}
			require.Nil(t, rej)
			checkEvent(t, p, ev)
			require.Equal(t, "cam-1", ev.DeviceID)
			require.Equal(t, tsUTC, ev.TS)
			require.Equal(t, tc.typ, ev.Type)
			require.Equal(t, tc.fields, ev.Fields)
		})
	}
}

func TestDecodeStatus(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		payload string
		reason  string
		state   string
		ts      time.Time
		fw      string
		battery *float64
	}{
		{desc: "online with everything", payload: `{"state":"online","ts":"` + ts + `","fw":"1.4.2","battery_pct":87.5}`,
			state: model.StateOnline, ts: tsUTC, fw: "1.4.2", battery: ptr(87.5)},
		{desc: "offline will without ts", payload: `{"state":"offline"}`, state: model.StateOffline},
		{desc: "battery at its bounds", payload: `{"state":"online","battery_pct":0}`, state: model.StateOnline, battery: ptr(0)},
		{desc: "battery full", payload: `{"state":"online","battery_pct":100}`, state: model.StateOnline, battery: ptr(100)},
		{desc: "bad state", payload: `{"state":"asleep"}`, reason: model.ReasonBadValue},
		{desc: "state missing", payload: `{"ts":"` + ts + `"}`, reason: model.ReasonBadValue},
		{desc: "state in capitals", payload: `{"state":"ONLINE"}`, reason: model.ReasonBadValue},
		{desc: "battery above 100", payload: `{"state":"online","battery_pct":100.1}`, reason: model.ReasonOutOfRange},
		{desc: "battery negative", payload: `{"state":"online","battery_pct":-1}`, reason: model.ReasonOutOfRange},
		{desc: "battery as a string", payload: `{"state":"online","battery_pct":"50"}`, reason: model.ReasonMalformed},
		{desc: "bad ts", payload: `{"state":"online","ts":"now"}`, reason: model.ReasonBadTimestamp},
		{desc: "not JSON", payload: `online`, reason: model.ReasonMalformed},
		{desc: "empty", payload: ``, reason: model.ReasonMalformed},
		{desc: "an array", payload: `[{"state":"online"}]`, reason: model.ReasonMalformed},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			st, rej := jsonmqtt.DecodeStatus("dev-9", []byte(tc.payload))
			if tc.reason != "" {
				require.NotNil(t, rej, "decoded %+v", st)
				require.Equal(t, tc.reason, rej.Reason)
				return
			}
			require.Nil(t, rej)
			require.Equal(t, model.Status{DeviceID: "dev-9", State: tc.state, TS: tc.ts, FW: tc.fw, BatteryPct: tc.battery}, st)
		})
	}
}

func ptr(f float64) *float64 { return &f }

// samplePayloads returns every profile's samples.telemetry / samples.event
// as JSON, by kind.
func samplePayloads(t testing.TB, set profile.Set) (telemetry, events map[string][]byte) {
	t.Helper()
	telemetry, events = map[string][]byte{}, map[string][]byte{}
	for kind, p := range set {
		for name, s := range p.Samples {
			b, err := json.Marshal(s)
			require.NoError(t, err, "%s sample %s", kind, name)
			switch name {
			case "telemetry":
				telemetry[kind] = b
			case "event":
				events[kind] = b
			}
		}
	}
	return telemetry, events
}

func TestProfileSamplesDecode(t *testing.T) {
	set := profiles(t)
	telemetry, events := samplePayloads(t, set)
	for _, kind := range set.Kinds() {
		p := set[kind]
		t.Run(kind, func(t *testing.T) {
			require.Contains(t, telemetry, kind, "profile %s has a telemetry sample", kind)
			require.Contains(t, events, kind, "profile %s has an event sample", kind)
			samples, rej := jsonmqtt.DecodeTelemetry("sample-"+kind, p, telemetry[kind])
			require.Nil(t, rej)
			require.Len(t, samples, 1)
			require.Nil(t, samples[0].Err, "%s", telemetry[kind])
			checkReading(t, p, samples[0].Reading)
			require.Equal(t, tsUTC, samples[0].Reading.TS)

			ev, rej := jsonmqtt.DecodeEvent("sample-"+kind, p, events[kind])
			require.Nil(t, rej, "%s", events[kind])
			checkEvent(t, p, ev)
		})
	}
}

// fuzzKinds fixes the order in which a fuzz input's first argument picks a
// profile.
func fuzzKinds(t testing.TB) (profile.Set, []string) {
	set := profiles(t)
	return set, set.Kinds()
}

func FuzzDecodeTelemetry(f *testing.F) {
	set, kinds := fuzzKinds(f)
	telemetry, _ := samplePayloads(f, set)
	for i, k := range kinds {
		f.Add(uint8(i), telemetry[k])
		f.Add(uint8(i), append(append([]byte("["), telemetry[k]...), ']'))
		f.Add(uint8(i), append(append([]byte("["), telemetry[k]...), append([]byte(","), append(telemetry[k], ']')...)...))
	}
	for _, s := range []string{
		``, `[]`, `{}`, `null`, `[null]`, `{"ts":"` + ts + `","values":{`,
		`{"ts":"` + ts + `","values":{"floor":1e400}}`,
		`{"ts":"` + ts + `","values":{"floor":9223372036854775808}}`,
		`{"ts":"` + ts + `","values":{"pm25_ugm3":35},"flags":{"pm25_ugm3":"X"}}`,
		`{"ts":"` + ts + `","values":{"direction":"up","door_open":true}}`,
		`{"ts":"9999-12-31T23:59:59.999999999Z","values":{"water_level_m":-0}}`,
		"\xff\xfe\x00{",
	} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(2), []byte(s))
	}
	f.Fuzz(func(t *testing.T, k uint8, payload []byte) {
		p := set[kinds[int(k)%len(kinds)]]
		samples, rej := jsonmqtt.DecodeTelemetry("fz", p, payload)
		if rej != nil {
			require.NotEmpty(t, rej.Reason)
			require.Empty(t, samples)
			return
		}
		require.NotEmpty(t, samples)
		for _, s := range samples {
			if s.Err != nil {
				require.NotEmpty(t, s.Err.Reason)
				continue
			}
			checkReading(t, p, s.Reading)
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	set, kinds := fuzzKinds(f)
	_, events := samplePayloads(f, set)
	for i, k := range kinds {
		f.Add(uint8(i), events[k])
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"ts":"` + ts + `"}`,
		`{"ts":"` + ts + `","type":"smoke","confidence":2,"bearing_deg":10}`,
		`{"ts":"` + ts + `","type":"smoke","confidence":0.5,"bearing_deg":10,"pitch_deg":{"a":1}}`,
		`{"ts":"` + ts + `","type":"entrapment","floor":[1]}`,
		`{"ts":"` + ts + `","type":"__proto__"}`,
	} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(1), []byte(s))
	}
	f.Fuzz(func(t *testing.T, k uint8, payload []byte) {
		p := set[kinds[int(k)%len(kinds)]]
		ev, rej := jsonmqtt.DecodeEvent("fz", p, payload)
		if rej != nil {
			require.NotEmpty(t, rej.Reason)
			return
		}
		checkEvent(t, p, ev)
	})
}

func FuzzDecodeStatus(f *testing.F) {
	for _, s := range []string{
		`{"state":"online","ts":"` + ts + `","fw":"1.4.2","battery_pct":87.5}`,
		`{"state":"offline"}`, `{"state":"online","battery_pct":101}`, `{"state":"online","battery_pct":null}`,
		`{"state":"x"}`, `null`, ``, `{"state":"online","ts":"` + strings.Repeat("9", 40) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		st, rej := jsonmqtt.DecodeStatus("fz", payload)
		if rej != nil {
			require.NotEmpty(t, rej.Reason)
			return
		}
		require.Contains(t, []string{model.StateOnline, model.StateOffline}, st.State)
		require.Equal(t, "fz", st.DeviceID)
		if st.BatteryPct != nil {
			require.GreaterOrEqual(t, *st.BatteryPct, 0.0)
			require.LessOrEqual(t, *st.BatteryPct, 100.0)
		}
	})
}
