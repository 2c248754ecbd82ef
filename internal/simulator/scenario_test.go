package simulator

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/gis"
)

// sightingBearing is the raw bearing_deg of a tower's sighting event.
func sightingBearing(t *testing.T, ev Event) float64 {
	t.Helper()
	b, ok := ev.Fields["bearing_deg"].(float64)
	require.True(t, ok, "bearing_deg in %+v", ev)
	return b
}

// TestSightingTriangulates: towers with a north offset report raw pan
// angles; adding each tower's offset back (as the hub does) and crossing the
// two bearings lands within 50 m of the fire, for random towers, offsets and
// fires.
func TestSightingTriangulates(t *testing.T) {
	p := loadProfiles(t)["firecam"]
	rng := rand.New(rand.NewPCG(9, 9))
	tested := 0
	for tested < 200 {
		fireLon, fireLat := 105.6+0.6*rng.Float64(), 38.4+0.8*rng.Float64()
		var obs [2]gis.Bearing
		for i := range obs {
			lon, lat := gis.Destination(fireLon, fireLat, 360*rng.Float64(), 3000+17000*rng.Float64())
			offset := 10*rng.Float64() - 5
			d := FleetDevice{ID: fmt.Sprintf("fc-%d", i), Kind: "firecam", Lon: lon, Lat: lat, Params: map[string]float64{"north_offset_deg": offset}}
			g := newTestGenerator(t, d, p, uint64(i))
			ev := g.Sighting(epoch, "smoke", fireLon, fireLat, 0.9)
			b, err := json.Marshal(ev)
			require.NoError(t, err)
			requireValidEvent(t, p, b)
			obs[i] = gis.Bearing{Lon: lon, Lat: lat, Deg: gis.Calibrate(sightingBearing(t, ev), offset)}
		}
		lon, lat, err := gis.Triangulate(obs[0], obs[1], gis.TriangulateOptions{MinAngleDeg: 20})
		if err != nil {
			continue // near-parallel towers: the hub refuses those too
		}
		require.Less(t, gis.Distance(lon, lat, fireLon, fireLat), 50.0, "fix %v,%v for fire %v,%v", lon, lat, fireLon, fireLat)
		tested++
	}
}

// TestDemoFireScenario checks the demo's fire: two neighbouring 贺兰山 towers
// with their own north offsets, 3–8 km from a point in 阿拉善左旗, bearings
// crossing well above 20°; their events triangulate back to the point.
func TestDemoFireScenario(t *testing.T) {
	set := loadProfiles(t)
	f := loadDemoFleet(t, set)
	byID := map[string]FleetDevice{}
	for _, d := range f.Devices {
		byID[d.ID] = d
	}
	fires := 0
	for _, s := range f.Scenarios {
		if s.Type != "fire" {
			continue
		}
		fires++
		require.Len(t, s.Towers, 2, s.Name)
		require.True(t, inBanner(t, "阿拉善左旗", s.Lon, s.Lat), "%s: the fire is in 阿拉善左旗", s.Name)
		var obs [2]gis.Bearing
		var at [2]time.Duration
		for i, id := range s.Towers {
			d := byID[id]
			offset := d.Params["north_offset_deg"]
			require.NotZero(t, offset, "%s: its north offset is what the scenario exercises", id)
			dist := gis.Distance(d.Lon, d.Lat, s.Lon, s.Lat)
			require.True(t, dist >= 3000 && dist <= 8000, "%s is %.0f m from the fire", id, dist)
			ev := newTestGenerator(t, d, set["firecam"], 1).Sighting(epoch, s.Event, s.Lon, s.Lat, s.Confidence)
			require.Equal(t, s.Confidence, ev.Fields["confidence"])
			require.GreaterOrEqual(t, s.Confidence, set["firecam"].Events[s.Event].MinConfidence, "the hub must not ignore it")
			pitch := ev.Fields["pitch_deg"].(float64)
			require.True(t, pitch < 0 && pitch > -5, "pitch %v", pitch)
			obs[i] = gis.Bearing{Lon: d.Lon, Lat: d.Lat, Deg: gis.Calibrate(sightingBearing(t, ev), offset)}
		}
		for i, st := range f.steps() {
			if st.scenario.Name == s.Name {
				at[i%2] = st.at
			}
		}
		require.Equal(t, defaultSightingGap, (at[1] - at[0]).Abs(), "the towers report a few seconds apart")
		cross := math.Abs(obs[0].Deg - obs[1].Deg)
		cross = math.Min(cross, 360-cross)
		require.Greater(t, math.Min(cross, 180-cross), 20.0, "crossing angle")
		lon, lat, err := gis.Triangulate(obs[0], obs[1], gis.TriangulateOptions{})
		require.NoError(t, err)
		require.Less(t, gis.Distance(lon, lat, s.Lon, s.Lat), 50.0)
		// Without the offsets the fix would be far off: calibration matters.
		raw0, raw1 := obs[0], obs[1]
		raw0.Deg -= byID[s.Towers[0]].Params["north_offset_deg"]
		raw1.Deg -= byID[s.Towers[1]].Params["north_offset_deg"]
		if lon, lat, err := gis.Triangulate(raw0, raw1, gis.TriangulateOptions{}); err == nil {
			require.Greater(t, gis.Distance(lon, lat, s.Lon, s.Lat), 100.0)
		}
	}
	require.Positive(t, fires)
}

// TestOverride: a pollution scenario pulls PM2.5 up to its value and lets
// it go again; the clock hour's mean climbs past 150 μg/m³ (IAQI 200, heavy
// pollution by HJ 633-2012).
func TestOverride(t *testing.T) {
	p := loadProfiles(t)["pollution"]
	g := newTestGenerator(t, FleetDevice{ID: "aq", Kind: "pollution"}, p, 3)
	g.period = 2
	start := time.Date(2026, 7, 21, 2, 0, 0, 0, time.UTC) // a clock hour, 10:00 CST
	var plateau, hour []float64
	for at := time.Duration(0); at < time.Hour; at += 2 * time.Second {
		now := start.Add(at)
		if at == 30*time.Second {
			g.Override(now, map[string]float64{"pm25_ugm3": 260}, 20*time.Minute, 0)
		}
		tel, _ := g.Tick(now)
		v := tel.Values["pm25_ugm3"].(float64)
		hour = append(hour, v)
		switch {
		case at < 30*time.Second:
			require.Less(t, v, 120.0, "before the episode")
		case at >= 2*time.Minute && at < 20*time.Minute:
			plateau = append(plateau, v)
		case at > 21*time.Minute:
			require.Less(t, v, 200.0, "after the episode")
		}
		if at == 10*time.Minute {
			require.Greater(t, mean(hour), 150.0, "heavy pollution within ten minutes")
		}
	}
	require.InDelta(t, 260, mean(plateau), 10)
	require.Empty(t, g.overrides, "a finished override is dropped")
}

func mean(vs []float64) float64 {
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

func TestTimeline(t *testing.T) {
	f := &Fleet{Scenarios: []Scenario{
		{Type: "fire", Towers: []string{"a", "b"}, AtS: 25, EveryS: 1800},
		{Type: "entrapment", Device: "e", AtS: 20, EveryS: 1800, DurationS: 90},
		{Type: "pollution", Device: "p", AtS: 30, DurationS: 600},
	}}
	tl := timeline(f.steps())
	var got []string
	for {
		s, ok := tl.pop()
		if !ok || s.at > time.Hour {
			break
		}
		got = append(got, fmt.Sprintf("%s@%s", s.device, s.at))
	}
	require.Equal(t, []string{"e@20s", "a@25s", "b@29s", "p@30s", "e@30m20s", "a@30m25s", "b@30m29s"}, got)
}

func TestScenarioRejects(t *testing.T) {
	set := loadProfiles(t)
	const devices = `devices:
  - {id: fc-01, kind: firecam, lon: 105.80, lat: 38.70}
  - {id: fc-02, kind: firecam, lon: 105.83, lat: 38.66}
  - {id: el-01, kind: elevator, lon: 105.69, lat: 38.84}
  - {id: aq-01, kind: pollution, lon: 105.69, lat: 38.84}
  - {id: ps-01, kind: pollution, lon: 106.69, lat: 39.41, sim: {pm25_ugm3: {model: none}}}
scenarios:
`
	const fire = "{type: fire, event: smoke, lon: 105.85, lat: 38.72, towers: [fc-01, fc-02], at_s: 20"
	for _, tc := range []struct{ desc, yaml string }{
		{"unknown type", "{type: flood, device: el-01, at_s: 1}"},
		{"unknown field", fire + ", colour: red}"},
		{"field of another type", fire + ", device: el-01}"},
		{"unknown tower", "{type: fire, event: smoke, lon: 105.85, lat: 38.72, towers: [fc-01, fc-99]}"},
		{"tower named twice", "{type: fire, event: smoke, lon: 105.85, lat: 38.72, towers: [fc-01, fc-01]}"},
		{"no towers", "{type: fire, event: smoke, lon: 105.85, lat: 38.72}"},
		{"a tower that is not a camera", "{type: fire, event: smoke, lon: 105.85, lat: 38.72, towers: [fc-01, el-01]}"},
		{"an event without a bearing", "{type: fire, event: lens_blocked, lon: 105.85, lat: 38.72, towers: [fc-01, fc-02]}"},
		{"no event", "{type: fire, lon: 105.85, lat: 38.72, towers: [fc-01, fc-02]}"},
		{"fire beyond a tower's range", "{type: fire, event: fire, lon: 106.85, lat: 38.72, towers: [fc-01, fc-02]}"},
		{"fire without coordinates", "{type: fire, event: fire, towers: [fc-01, fc-02]}"},
		{"confidence above 1", fire + ", confidence: 1.5}"},
		{"negative at_s", "{type: fire, event: smoke, lon: 105.85, lat: 38.72, towers: [fc-01], at_s: -1}"},
		{"entrapment of an unknown device", "{type: entrapment, device: el-99, duration_s: 90}"},
		{"entrapment of a camera", "{type: entrapment, device: fc-01, duration_s: 90}"},
		{"entrapment without a duration", "{type: entrapment, device: el-01}"},
		{"entrapment repeating before it ends", "{type: entrapment, device: el-01, duration_s: 90, every_s: 60}"},
		{"entrapment with an unknown event", "{type: entrapment, device: el-01, duration_s: 90, event: stuck}"},
		{"pollution without values", "{type: pollution, device: aq-01, duration_s: 90}"},
		{"pollution of an unknown metric", "{type: pollution, device: aq-01, duration_s: 90, values: {pm1_ugm3: 80}}"},
		{"pollution of a metric the station does not send", "{type: pollution, device: ps-01, duration_s: 90, values: {pm25_ugm3: 260}}"},
		{"negative ramp", "{type: pollution, device: aq-01, duration_s: 90, ramp_s: -1, values: {pm25_ugm3: 260}}"},
		{"pollution beyond the physical range", "{type: pollution, device: aq-01, duration_s: 90, values: {pm25_ugm3: 5000}}"},
		{"pollution of an elevator", "{type: pollution, device: el-01, duration_s: 90, values: {floor: 3}}"},
		{"pollution of a bool", "{type: pollution, device: el-01, duration_s: 90, values: {door_open: 1}}"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := LoadFleet([]byte(devices+"  - "+tc.yaml+"\n"), set)
			require.ErrorIs(t, err, ErrInvalidFleet)
		})
	}
	f, err := LoadFleet([]byte(devices+"  - "+fire+"}\n"), set)
	require.NoError(t, err, "the base scenario is valid")
	require.Len(t, f.Scenarios, 1)
}

// inBanner reports whether a point lies in the named banner of the demo
// league (deploy/demo/regions).
func inBanner(t *testing.T, name string, lon, lat float64) bool {
	t.Helper()
	for banner, rings := range demoBanners(t) {
		if strings.Contains(banner, name) {
			return inPolygon(rings, lon, lat)
		}
	}
	t.Fatalf("no banner %s", name)
	return false
}
