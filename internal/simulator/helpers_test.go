package simulator

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/profile"
)

const demoFleetPath = "../../deploy/demo/fleet.yaml"

func loadProfiles(t *testing.T) profile.Set {
	t.Helper()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	return set
}

func loadDemoFleet(t *testing.T, set profile.Set) *Fleet {
	t.Helper()
	b, err := os.ReadFile(demoFleetPath)
	require.NoError(t, err)
	f, err := LoadFleet(b, set)
	require.NoError(t, err)
	return f
}

// requireValidTelemetry checks a devices/{id}/telemetry payload against the
// profile as a strict ingest would: known metrics only, values of the
// metric's type inside its physical range, flags exactly when the profile
// has them.
func requireValidTelemetry(t *testing.T, p *profile.Profile, payload []byte) {
	t.Helper()
	var tel struct {
		TS     string            `json:"ts"`
		Seq    int64             `json:"seq"`
		Values map[string]any    `json:"values"`
		Flags  map[string]string `json:"flags"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&tel), "%s", payload)
	requireTimestamp(t, tel.TS)
	require.Positive(t, tel.Seq)
	require.NotEmpty(t, tel.Values)
	for name, v := range tel.Values {
		m, ok := p.Metrics[name]
		require.True(t, ok, "%s: unknown metric %s", p.Kind, name)
		requireMetricValue(t, name, m, v)
	}
	if len(p.Flags) == 0 {
		require.Nil(t, tel.Flags, "%s sends no flags", p.Kind)
		return
	}
	require.Len(t, tel.Flags, len(tel.Values))
	for name, f := range tel.Flags {
		require.Contains(t, tel.Values, name)
		require.True(t, slices.Contains(p.Flags, f), "flag %q", f)
	}
}

func requireMetricValue(t *testing.T, name string, m profile.Metric, v any) {
	t.Helper()
	switch m.Type {
	case "bool":
		require.IsType(t, true, v, name)
	case "enum":
		s, ok := v.(string)
		require.True(t, ok, "%s: enum value %v is not a string", name, v)
		require.Contains(t, m.Enum, s, name)
	default:
		f, ok := v.(float64)
		require.True(t, ok, "%s: %v is not a number", name, v)
		requireInRange(t, name, f, m.Min, m.Max)
		if m.Type == "int" {
			require.Equal(t, math.Trunc(f), f, "%s: int metric sent %v", name, f)
		}
	}
}

func requireInRange(t *testing.T, name string, f float64, lo, hi *float64) {
	t.Helper()
	if lo != nil {
		require.GreaterOrEqual(t, f, *lo, name)
	}
	if hi != nil {
		require.LessOrEqual(t, f, *hi, name)
	}
}

// requireValidEvent checks a devices/{id}/events payload against the profile.
func requireValidEvent(t *testing.T, p *profile.Profile, payload []byte) {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(payload, &m))
	ts, _ := m["ts"].(string)
	requireTimestamp(t, ts)
	typ, _ := m["type"].(string)
	ev, ok := p.Events[typ]
	require.True(t, ok, "%s: unknown event type %q", p.Kind, typ)
	for name, f := range ev.Fields {
		if f.Required {
			require.Contains(t, m, name, "%s.%s is required", typ, name)
		}
	}
	for name, v := range m {
		if name == "ts" || name == "type" {
			continue
		}
		f, ok := ev.Fields[name]
		require.True(t, ok, "%s: unknown field %s", typ, name)
		switch f.Type {
		case "bool":
			require.IsType(t, true, v, name)
		case "string":
			require.IsType(t, "", v, name)
		default:
			n, ok := v.(float64)
			require.True(t, ok, "%s.%s: %v is not a number", typ, name, v)
			requireInRange(t, name, n, f.Min, f.Max)
		}
	}
}

var msTimestamp = regexp.MustCompile(`T\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$`)

func requireTimestamp(t *testing.T, ts string) {
	t.Helper()
	_, err := time.Parse(time.RFC3339Nano, ts)
	require.NoError(t, err, "ts %q", ts)
	require.True(t, msTimestamp.MatchString(ts), "ts %q must carry milliseconds", ts)
}
