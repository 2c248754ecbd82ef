package simulator

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/profile"
)

var epoch = time.Date(2026, 7, 21, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newTestGenerator(t *testing.T, d FleetDevice, p *profile.Profile, seed uint64) *Generator {
	t.Helper()
	g, err := NewGenerator(d, p, rand.New(rand.NewPCG(seed, 1)))
	require.NoError(t, err)
	return g
}

// TestGeneratedPayloadsValid runs a bare device of every kind for 2,000
// ticks and every demo device (with its overrides) for 500, at the profile
// interval, and checks every payload as ingest would.
func TestGeneratedPayloadsValid(t *testing.T) {
	set := loadProfiles(t)
	fleet := loadDemoFleet(t, set)
	var devs []FleetDevice
	for _, k := range set.Kinds() {
		devs = append(devs, FleetDevice{ID: "bare-" + k, Kind: k, Lon: 105.7, Lat: 38.8})
	}
	devs = append(devs, fleet.Devices...)
	for i, d := range devs {
		ticks := 2000
		if i >= len(set) {
			ticks = 500
		}
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			p := set[d.Kind]
			g := newTestGenerator(t, d, p, 1)
			step := time.Duration(p.IntervalS * float64(time.Second))
			var prevSeq int64
			for i := range ticks {
				tel, events := g.Tick(epoch.Add(time.Duration(i) * step))
				require.Equal(t, prevSeq+1, tel.Seq)
				prevSeq = tel.Seq
				b, err := json.Marshal(tel)
				require.NoError(t, err)
				requireValidTelemetry(t, p, b)
				for _, ev := range events {
					b, err := json.Marshal(ev)
					require.NoError(t, err)
					requireValidEvent(t, p, b)
				}
			}
		})
	}
}

// TestEventFieldsValid draws every event type of every kind many times,
// including those the profiles never inject.
func TestEventFieldsValid(t *testing.T) {
	set := loadProfiles(t)
	for _, k := range set.Kinds() {
		p := set[k]
		g := newTestGenerator(t, FleetDevice{ID: "ev-" + k, Kind: k}, p, 2)
		g.Tick(epoch)
		for _, typ := range slices.Sorted(maps.Keys(p.Events)) {
			t.Run(k+"/"+typ, func(t *testing.T) {
				for range 200 {
					b, err := json.Marshal(g.Event(epoch, typ))
					require.NoError(t, err)
					requireValidEvent(t, p, b)
				}
			})
		}
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	set := loadProfiles(t)
	d := FleetDevice{ID: "el-01", Kind: "elevator"}
	run := func(seed uint64) []byte {
		g := newTestGenerator(t, d, set["elevator"], seed)
		var out []byte
		for i := range 50 {
			tel, _ := g.Tick(epoch.Add(time.Duration(i) * 10 * time.Second))
			b, err := json.Marshal(tel)
			require.NoError(t, err)
			out = append(out, b...)
		}
		return out
	}
	require.Equal(t, run(7), run(7))
	require.NotEqual(t, run(7), run(8), "devices with different seeds must differ")
}

// TestHydrologyEpisode checks the flood model: a station's level crosses its
// own warning level during episodes, and rain is heavier while it does.
func TestHydrologyEpisode(t *testing.T) {
	set := loadProfiles(t)
	p := set["hydrology"]
	d := FleetDevice{ID: "hy-01", Kind: "hydrology", Sim: map[string]map[string]any{"water_level_m": {"base": 1062.3}}}
	g := newTestGenerator(t, d, p, 3)
	var above, wetAbove, below, wetBelow int
	var rainAbove, rainBelow float64
	for i := range 20000 {
		tel, _ := g.Tick(epoch.Add(time.Duration(i) * 10 * time.Second))
		level, rain := tel.Values["water_level_m"].(float64), tel.Values["rain_mm"].(float64)
		require.InDelta(t, 1062.3, level, 2, "level stays near its station's base")
		if level > 1062.3+0.9 {
			above++
			rainAbove += rain
			if rain > 0 {
				wetAbove++
			}
		} else {
			below++
			rainBelow += rain
			if rain > 0 {
				wetBelow++
			}
		}
	}
	require.Positive(t, above, "an episode must cross the station's warning level")
	require.Greater(t, rainAbove/float64(above), rainBelow/float64(below), "floods come with more rain")
}

func TestSignalModels(t *testing.T) {
	num := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		desc  string
		m     profile.Metric
		spec  map[string]any
		check func(t *testing.T, vs []any)
	}{
		{"walk keeps whole steps inside its range", profile.Metric{Type: "int"},
			map[string]any{"model": "walk", "base": 1, "step": 1, "min": 1, "max": 5},
			func(t *testing.T, vs []any) {
				for _, v := range vs {
					f := v.(float64)
					require.True(t, f >= 1 && f <= 5 && f == float64(int(f)), "%v", f)
				}
			}},
		{"sweep wraps before max", profile.Metric{Type: "number", Min: num(0), Max: num(360)},
			map[string]any{"model": "sweep", "base": 0, "step": 7.5, "min": 0, "max": 360},
			func(t *testing.T, vs []any) {
				for i := 1; i < len(vs); i++ {
					a, b := vs[i-1].(float64), vs[i].(float64)
					require.True(t, b == a+7.5 || (a == 352.5 && b == 0), "%v then %v", a, b)
				}
			}},
		{"choice with one weight", profile.Metric{Type: "enum", Enum: map[string]float64{"normal": 0, "fire": 2}},
			map[string]any{"model": "choice", "weights": map[string]any{"normal": 1, "fire": 0}},
			func(t *testing.T, vs []any) {
				for _, v := range vs {
					require.Equal(t, "normal", v)
				}
			}},
		{"sine stays clamped to the physical range", profile.Metric{Type: "number", Min: num(0), Max: num(1)},
			map[string]any{"model": "sine", "base": 0.5, "amplitude": 3, "period_s": 100, "noise": 1},
			func(t *testing.T, vs []any) {
				for _, v := range vs {
					require.True(t, v.(float64) >= 0 && v.(float64) <= 1)
				}
			}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, 4))
			sig, _, err := buildSignal("x", tc.m, tc.spec, rng)
			require.NoError(t, err)
			var vs []any
			for i := range 500 {
				vs = append(vs, finish(tc.m, sig.sample(&tick{now: float64(i), dt: 1, rng: rng})))
			}
			tc.check(t, vs)
		})
	}
}
