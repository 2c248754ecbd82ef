package simulator

import (
	"encoding/json"
	"maps"
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
		// station's own warning and guaranteed levels, in that order, and
		// each clears below where it opens.
		warn, guar := d.RuleOverrides["water_level_warning"], d.RuleOverrides["water_level_guaranteed"]
		require.Greater(t, base+1.6, guar.Value, d.ID)
		require.Greater(t, guar.Value, warn.Value, d.ID)
		require.Less(t, warn.Clear, warn.Value, d.ID)
		require.Less(t, guar.Clear, guar.Value, d.ID)
		require.Greater(t, warn.Value, base-1, "%s: warning level far below normal water", d.ID)
	}
	requireDemoStations(t, set.Kinds(), f)
	for _, s := range f.Scenarios {
		require.True(t, s.AtS >= 20 && s.AtS <= 60, "%s starts %vs into the demo", s.label(), s.AtS)
	}
	types := map[string]bool{}
	for _, s := range f.Scenarios {
		types[s.Type] = true
		if s.Type == "entrapment" {
			require.Greater(t, s.DurationS, 60.0, "long enough for the inferred entrapment")
		}
	}
	require.Equal(t, map[string]bool{"fire": true, "entrapment": true, "pollution": true}, types)
}

// requireDemoStations: each pollution station sends what its station_type
// measures and nothing else — air stations the six air pollutants, surface
// water the GB 3838 factors, outlets COD, NH3-N and flow among others.
func requireDemoStations(t *testing.T, _ []string, f *Fleet) {
	t.Helper()
	set := loadProfiles(t)
	p := set["pollution"]
	air := []string{"co_mgm3", "no2_ugm3", "o3_ugm3", "pm10_ugm3", "pm25_ugm3", "so2_ugm3"}
	byType := map[float64]int{}
	for _, d := range f.Devices {
		if d.Kind != "pollution" {
			continue
		}
		typ := p.Param(d.Params, "station_type")
		byType[typ]++
		g := newTestGenerator(t, d, p, 1)
		tel, _ := g.Tick(epoch)
		sent := slices.Sorted(maps.Keys(tel.Values))
		switch typ {
		case 0:
			require.Equal(t, air, sent, d.ID)
		case 1:
			require.Equal(t, []string{"cod_mgl", "do_mgl", "nh3n_mgl", "ph", "tp_mgl"}, sent, d.ID)
		case 2:
			require.Subset(t, sent, []string{"cod_mgl", "nh3n_mgl", "flow_m3h"}, d.ID)
			require.NotContains(t, sent, "pm25_ugm3", d.ID)
		default:
			t.Fatalf("%s: station_type %v", d.ID, typ)
		}
	}
	require.GreaterOrEqual(t, byType[0], 4, "air stations")
	require.GreaterOrEqual(t, byType[1], 3, "surface-water stations")
	require.GreaterOrEqual(t, byType[2], 1, "outlets")
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
		{"unknown param", "devices:\n  - {id: fc-01, kind: firecam, lon: 105.9, lat: 38.8, params: {tilt_offset_deg: 1}}\n"},
		{"per_interval on a bool", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {service_mode: {per_interval: true}}}\n"},
		{"per_interval not a bool", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, sim: {rain_mm: {per_interval: 1}}}\n"},
		{"flags for a kind without flags", "devices:\n  - {id: fc-01, kind: firecam, lon: 105.9, lat: 38.8, sim: {pan_deg: {flags: {N: 1}}}}\n"},
		{"unknown flag", "devices:\n  - {id: aq-01, kind: pollution, lon: 105.7, lat: 38.8, sim: {pm25_ugm3: {flags: {N: 1, X: 1}}}}\n"},
		{"episode starting before the run", "devices:\n  - {id: hy-01, kind: hydrology, lon: 106.7, lat: 39.4, sim: {water_level_m: {episode: {first_at_s: -1}}}}\n"},
		{"unknown lift output", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {floor: {output: altitude}}}\n"},
		{"lift output for the wrong type", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {door_open: {output: speed}}}\n"},
		{"unknown lift parameter", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {floor: {max_floors: 9}}}\n"},
		{"lift parameters disagree", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {speed_ms: {max_floor: 9}}}\n"},
		{"lift with too few floors", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {floor: {max_floor: 2}}}\n"},
		{"lift with low landings", "devices:\n  - {id: el-01, kind: elevator, lon: 105.7, lat: 38.8, sim: {floor: {floor_height_m: 1}}}\n"},
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
	banners := demoBanners(t)
	require.Len(t, banners, 3)
	for _, d := range loadDemoFleet(t, loadProfiles(t)).Devices {
		var in []string
		for name, rings := range banners {
			if inPolygon(rings, d.Lon, d.Lat) {
				in = append(in, name)
			}
		}
		require.Len(t, in, 1, "%s (%s) at %v,%v must lie in exactly one banner", d.ID, d.Name, d.Lon, d.Lat)
	}
}

// demoBanners reads the league's banner polygons: name → rings, outer first.
func demoBanners(t *testing.T) map[string][][][2]float64 {
	t.Helper()
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
	banners := map[string][][][2]float64{}
	for _, f := range fc.Features {
		require.Equal(t, "Polygon", f.Geometry.Type)
		var rings [][][2]float64
		require.NoError(t, json.Unmarshal(f.Geometry.Coordinates, &rings))
		banners[f.Properties.Name] = rings
	}
	return banners
}

// inPolygon: inside the outer ring and outside every hole.
func inPolygon(rings [][][2]float64, lon, lat float64) bool {
	return inRing(rings[0], lon, lat) && !slices.ContainsFunc(rings[1:], func(h [][2]float64) bool { return inRing(h, lon, lat) })
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
