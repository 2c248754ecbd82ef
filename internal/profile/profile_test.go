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

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ desc, yaml string }{
		{"no kind", "interval_s: 1\n"},
		{"unknown field", "kind: x\ninterval_s: 1\nbogus: 1\n"},
		{"bad metric type", "kind: x\ninterval_s: 1\nmetrics: {a: {type: str}}\n"},
		{"rule on unknown metric", "kind: x\ninterval_s: 1\nrules: [{id: r, type: threshold, alarm: a, metric: nope, op: above, value: 1, clear: 0, consecutive: 1}]\n"},
		{"clear on wrong side", "kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\nrules: [{id: r, type: threshold, alarm: a, metric: a, op: above, value: 1, clear: 2, consecutive: 1}]\n"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := profile.Parse([]byte(tc.yaml))
			require.ErrorIs(t, err, profile.ErrInvalid)
		})
	}
}
