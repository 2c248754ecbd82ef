package simulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/profile"
)

// TestPerIntervalScaling: an amount per interval_s is scaled by the time
// actually elapsed since the previous sample — the nominal period for the
// first sample — so that a faster simulator does not multiply rainfall.
func TestPerIntervalScaling(t *testing.T) {
	p := &profile.Profile{Kind: "gauge", IntervalS: 60, Metrics: map[string]profile.Metric{
		"rain_mm":  {Type: "number", Sim: map[string]any{"model": "sine", "base": 0.6, "per_interval": true}},
		"level_m":  {Type: "number", Sim: map[string]any{"model": "sine", "base": 0.6}},
		"tipped_n": {Type: "int", Sim: map[string]any{"model": "sine", "base": 30, "per_interval": false}},
	}}
	for _, tc := range []struct {
		desc       string
		period     time.Duration // 0: the profile's interval
		step       time.Duration
		first, per float64
	}{
		{"at the profile's interval", 0, time.Minute, 0.6, 0.6},
		{"30 times faster", 2 * time.Second, 2 * time.Second, 0.02, 0.02},
		{"first sample at the profile's interval, then faster", 0, 2 * time.Second, 0.6, 0.02},
		{"slower", 5 * time.Minute, 5 * time.Minute, 3, 3},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			g := newTestGenerator(t, FleetDevice{ID: "g", Kind: "gauge"}, p, 1)
			if tc.period > 0 {
				g.period = tc.period.Seconds()
			}
			for i := range 5 {
				tel, _ := g.Tick(epoch.Add(time.Duration(i) * tc.step))
				want := tc.per
				if i == 0 {
					want = tc.first
				}
				require.InDelta(t, want, tel.Values["rain_mm"], 1e-9, "sample %d", i)
				require.Equal(t, 0.6, tel.Values["level_m"], "a level is not an amount")
				require.Equal(t, 30.0, tel.Values["tipped_n"])
			}
		})
	}
}

// TestRainSumsIndependentOfRate: the hydrology profile's rain over a day
// sums to about the same at the demo's 2 s as at the profile's 60 s.
func TestRainSumsIndependentOfRate(t *testing.T) {
	p := loadProfiles(t)["hydrology"]
	daily := func(step time.Duration, seed uint64) float64 {
		g := newTestGenerator(t, FleetDevice{ID: "hy", Kind: "hydrology"}, p, seed)
		g.period = step.Seconds()
		sum := 0.0
		for at := time.Duration(0); at < 24*time.Hour; at += step {
			tel, _ := g.Tick(epoch.Add(at))
			sum += tel.Values["rain_mm"].(float64)
		}
		return sum
	}
	var fast, slow float64
	for seed := range uint64(4) {
		fast += daily(2*time.Second, seed)
		slow += daily(time.Minute, seed)
	}
	require.Positive(t, slow)
	require.InDelta(t, 1, fast/slow, 0.3, "daily rain at 2 s (%.1f mm) vs 60 s (%.1f mm)", fast, slow)
}

// TestPollutionFlags: pollution samples are flagged N but for about 2 %.
func TestPollutionFlags(t *testing.T) {
	set := loadProfiles(t)
	p := set["pollution"]
	g := newTestGenerator(t, FleetDevice{ID: "aq", Kind: "pollution"}, p, 6)
	counts := map[string]int{}
	total := 0
	for i := range 5000 {
		tel, _ := g.Tick(epoch.Add(time.Duration(i) * time.Minute))
		require.Len(t, tel.Flags, len(tel.Values))
		for _, f := range tel.Flags {
			require.Contains(t, p.Flags, f)
			counts[f]++
			total++
		}
	}
	other := float64(total-counts["N"]) / float64(total)
	require.InDelta(t, 0.02, other, 0.005, "share of flags other than N: %v", counts)
	require.Positive(t, counts["M"])
	require.Positive(t, counts["D"])

	h := newTestGenerator(t, FleetDevice{ID: "hy", Kind: "hydrology"}, set["hydrology"], 6)
	for i := range 100 {
		tel, _ := h.Tick(epoch.Add(time.Duration(i) * time.Minute))
		for _, f := range tel.Flags {
			require.Equal(t, "N", f, "a metric without flags weights is always N")
		}
	}
}
