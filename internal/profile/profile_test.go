package profile_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/profile"
)

func TestLoadBuiltIn(t *testing.T) {
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	require.Equal(t, []string{"elevator", "firecam", "hydrology", "pollution"}, set.Kinds())
	for _, k := range set.Kinds() {
		p := set[k]
		require.NotEmpty(t, p.Metrics, k)
		require.NotEmpty(t, p.Samples["telemetry"], "%s needs a sample telemetry payload", k)
	}
}

// A threshold rule may judge a derived value.
func TestRuleOnDerivedValue(t *testing.T) {
	p, err := profile.Parse([]byte("kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nderived: {s: {type: sum, metric: a, window_s: 60}}\n" +
		"rules: [{id: r, type: threshold, alarm: a, metric: s, op: above, value: 1, clear: 0, consecutive: 1, severity: minor}]\n"))
	require.NoError(t, err)
	require.True(t, p.HasValue("s"))
	require.Equal(t, 0.0, p.Param(nil, "nope"))
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ desc, yaml string }{
		{"no kind", "interval_s: 1\n"},
		{"unknown field", "kind: x\ninterval_s: 1\nbogus: 1\n"},
		{"bad metric type", "kind: x\ninterval_s: 1\nmetrics: {a: {type: str}}\n"},
		{"rule on unknown metric", "kind: x\ninterval_s: 1\nrules: [{id: r, type: threshold, alarm: a, metric: nope, op: above, value: 1, clear: 0, consecutive: 1, severity: minor}]\n"},
		{"clear on wrong side", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: threshold, alarm: a, metric: a, op: above, value: 1, clear: 2, consecutive: 1, severity: minor}]\n"},
		{"unknown severity", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: threshold, alarm: a, metric: a, op: above, value: 1, clear: 0, consecutive: 1, severity: dire}]\n"},
		{"band below the trigger", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: threshold, alarm: a, metric: a, op: above, value: 1, clear: 0, consecutive: 1, severity: minor, bands: [{value: 0.5, clear: 0.4, severity: major}]}]\n"},
		{"band clear beyond its level", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: threshold, alarm: a, metric: a, op: above, value: 1, clear: 0, consecutive: 1, severity: minor, bands: [{value: 2, clear: 3, severity: major}]}]\n"},
		{"band with an unknown severity", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: threshold, alarm: a, metric: a, op: above, value: 1, clear: 0, consecutive: 1, severity: minor, bands: [{value: 2, clear: 1.5, severity: dire}]}]\n"},
		{"duplicate rule id", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: absence, alarm: a, metric: a, intervals: 2, severity: minor}, {id: r, type: absence, alarm: b, metric: a, intervals: 2, severity: minor}]\n"},
		{"condition without clauses", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: condition, alarm: a, for_s: 5, severity: minor}]\n"},
		{"condition on an unknown metric", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: condition, alarm: a, when: [{metric: b, op: eq, value: 1}], severity: minor}]\n"},
		{"condition with an unknown op", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: condition, alarm: a, when: [{metric: a, op: near, value: 1}], severity: minor}]\n"},
		{"absence without intervals", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: absence, alarm: a, metric: a, severity: minor}]\n"},
		{"derived of an unknown type", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nderived: {d: {type: median, metric: a, window_s: 60}}\n"},
		{"derived on an unknown metric", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nderived: {d: {type: sum, metric: b, window_s: 60}}\n"},
		{"derived window missing", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nderived: {d: {type: sum, metric: a}}\n"},
		{"derived named like a metric", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nderived: {a: {type: sum, metric: a, window_s: 60}}\n"},
		{"event located otherwise than by bearing", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nevents: {e: {label: E, locate: gps}}\n"},
		{"event confidence above 1", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nevents: {e: {label: E, min_confidence: 1.5}}\n"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := profile.Parse([]byte(tc.yaml))
			require.ErrorIs(t, err, profile.ErrInvalid)
		})
	}
}
