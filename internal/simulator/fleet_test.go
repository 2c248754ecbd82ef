package simulator

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadFleetDemo(t *testing.T) {
	set := loadProfiles(t)
	f := loadDemoFleet(t, set)
	require.GreaterOrEqual(t, len(f.Devices), 90)
	kinds := map[string]int{}
	for _, d := range f.Devices {
		kinds[d.Kind]++
		require.NotEmpty(t, d.Name, d.ID)
		require.NotEmpty(t, d.Operator, d.ID)
	}
	require.ElementsMatch(t, set.Kinds(), keys(kinds))
	for _, d := range f.Devices {
		if d.Kind != "hydrology" {
			continue
		}
		base, ok := toFloat(d.Sim["water_level_m"]["base"])
		require.True(t, ok, d.ID)
		// A flood episode (peak +1.6 m in the profile) must cross the
		// station's own warning level, and the clear level sits below it.
		o := d.RuleOverrides["water_level_warning"]
		require.Greater(t, base+1.6, o.Value, d.ID)
		require.Less(t, o.Clear, o.Value, d.ID)
		require.Greater(t, o.Value, base-1, "%s: warning level far below normal water", d.ID)
	}
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestLoadFleetRejects(t *testing.T) {
	set := loadProfiles(t)
	const ok = "  - {id: fc-01, kind: firecam, lon: 105.9, lat: 38.8}\n"
	for _, tc := range []struct{ desc, yaml string }{
		{"empty", "devices: []\n"},
		{"unknown top-level field", "devices:\n" + ok + "bogus: 1\n"},
		{"unknown device field", "devices:\n  - {id: fc-01, kind: firecam, lon: 105.9, lat: 38.8, colour: red}\n"},
		{"duplicate id", "devices:\n" + ok + ok},
		{"empty id", "devices:\n  - {kind: firecam, lon: 105.9, lat: 38.8}\n"},
		{"id with a topic separator", "devices:\n  - {id: fc/01, kind: firecam, lon: 105.9, lat: 38.8}\n"},
		{"unknown kind", "devices:\n  - {id: x-01, kind: toaster, lon: 105.9, lat: 38.8}\n"},
		{"longitude out of range", "devices:\n  - {id: fc-01, kind: firecam, lon: 205.9, lat: 38.8}\n"},
		{"latitude out of range", "devices:\n  - {id: fc-01, kind: firecam, lon: 105.9, lat: -91}\n"},
		{"missing coordinates", "devices:\n  - {id: fc-01, kind: firecam}\n"},
		{"unknown override rule", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, rule_overrides: {flood: {value: 2, clear: 1}}}\n"},
		{"override clear on the wrong side", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, rule_overrides: {water_level_warning: {value: 1, clear: 2}}}\n"},
		{"sim for an unknown metric", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, sim: {depth_m: {base: 1}}}\n"},
		{"unknown model", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, sim: {water_level_m: {model: fractal}}}\n"},
		{"unknown model parameter", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, sim: {water_level_m: {bsae: 1}}}\n"},
		{"model for the wrong type", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {door_open: {model: sine, base: 1}}}\n"},
		{"choice of an unknown enum key", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {direction: {weights: {sideways: 1}}}}\n"},
		{"metric without a model", "devices:\n  - {id: ps-01, kind: pollution, lon: 106.7, lat: 39.4, sim: {cod_mgl: {base: 40}}}\n"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := LoadFleet([]byte(tc.yaml), set)
			require.ErrorIs(t, err, ErrInvalidFleet)
		})
	}
}

// TestDemoFleetInsideBanners keeps every demo device inside one of the
// league's banner polygons (deploy/demo/regions).
func TestDemoFleetInsideBanners(t *testing.T) {
	b, err := os.ReadFile("../../deploy/demo/regions/alxa-league-banners.geojson")
	require.NoError(t, err)
	var fc struct {
		Features []struct {
			Properties struct{ Name string }
			Geometry   struct {
				Type        string
				Coordinates json.RawMessage
			}
		}
	}
	require.NoError(t, json.Unmarshal(b, &fc))
	banners := map[string][][][2]float64{} // name → rings, outer first
	for _, f := range fc.Features {
		require.Equal(t, "Polygon", f.Geometry.Type)
		var rings [][][2]float64
		require.NoError(t, json.Unmarshal(f.Geometry.Coordinates, &rings))
		banners[f.Properties.Name] = rings
	}
	require.Len(t, banners, 3)
	for _, d := range loadDemoFleet(t, loadProfiles(t)).Devices {
		var in []string
		for name, rings := range banners {
			if inRing(rings[0], d.Lon, d.Lat) && !slices.ContainsFunc(rings[1:], func(h [][2]float64) bool { return inRing(h, d.Lon, d.Lat) }) {
				in = append(in, name)
			}
		}
		require.Len(t, in, 1, "%s (%s) at %v,%v must lie in exactly one banner", d.ID, d.Name, d.Lon, d.Lat)
	}
}

// inRing is the even-odd ray-casting test.
func inRing(ring [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}
