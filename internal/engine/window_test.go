package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// withRule adds a rule to the hydrology profile.
func withRule(r profile.Rule) func(profile.Set) {
	return func(set profile.Set) { set["hydrology"].Rules = append(set["hydrology"].Rules, r) }
}

// Rainfall accumulated over a sliding hour: samples arrive a minute apart;
// the alarm opens when the hour's sum passes 20 mm and clears when old
// samples leave the window and the sum falls to 15 mm.
func TestAccumulationRule(t *testing.T) {
	r := newRigWith(t, nil, withRule(profile.Rule{ID: "rain_1h", Type: "accumulation", Metric: "rain_mm",
		Alarm: "rain_1h_heavy", Label: "1小时降水超过20毫米", Op: "above", Value: 20, Clear: 15, Consecutive: 1,
		Severity: model.SeverityMajor, WindowS: 3600}))
	r.feed(t, "hy-1", "rain_mm", 5, 5, 5, 5) // 20 mm: not above 20
	require.Empty(t, r.store.all("hy-1", "rain_1h_heavy"))
	r.feed(t, "hy-1", "rain_mm", 2) // 22 mm
	a := r.active(t, "hy-1", "rain_1h_heavy")
	require.Equal(t, 22.0, a.Value)
	r.feed(t, "hy-1", "rain_mm", make([]float64, 55)...) // minute 60: the first 5 mm still in the hour
	require.Equal(t, model.AlarmActive, r.store.all("hy-1", "rain_1h_heavy")[0].Status, "22 mm still within the hour")
	r.feed(t, "hy-1", "rain_mm", 0) // minute 61: the first sample left → 17 mm, above the clear level
	require.Equal(t, model.AlarmActive, r.store.all("hy-1", "rain_1h_heavy")[0].Status, "17 mm is above the clear level")
	r.feed(t, "hy-1", "rain_mm", 0) // minute 62: 12 mm
	require.Equal(t, model.AlarmCleared, r.store.all("hy-1", "rain_1h_heavy")[0].Status)
}

// Rate of rise over a 30-minute window, in metres per hour, samples a
// minute apart: (last − first in the window) ÷ span, once the samples span
// a quarter of the window (7.5 min), so two samples seconds apart cannot
// turn a centimetre of noise into metres per hour.
func TestRateRule(t *testing.T) {
	r := newRigWith(t, nil, withRule(profile.Rule{ID: "rise", Type: "rate", Metric: "water_level_m",
		Alarm: "water_rising_fast", Label: "水位快速上涨", Op: "above", Value: 0.5, Clear: 0.2, Consecutive: 2,
		Severity: model.SeverityWarning, WindowS: 1800}))
	level := 900.0
	for range 9 { // minutes 1–9, rising 1 cm a minute (0.6 m/h)
		r.feed(t, "hy-1", "water_level_m", level)
		level += 0.01
	}
	require.Empty(t, r.store.all("hy-1", "water_rising_fast"), "minute 9 is the first rate (8 min span): one breach")
	r.feed(t, "hy-1", "water_level_m", level) // minute 10: 0.09 m / 9 min = 0.6 m/h, the 2nd breach
	require.InDelta(t, 0.6, r.active(t, "hy-1", "water_rising_fast").Value, 1e-6)
	for range 10 { // minutes 11–20, flat: 0.09 m / 19 min ≈ 0.28 m/h, above the clear level
		r.feed(t, "hy-1", "water_level_m", level)
	}
	require.Equal(t, model.AlarmActive, r.store.all("hy-1", "water_rising_fast")[0].Status)
	for range 9 { // minute 29: 0.09 m / 28 min ≈ 0.19 m/h
		r.feed(t, "hy-1", "water_level_m", level)
	}
	require.Equal(t, model.AlarmCleared, r.store.all("hy-1", "water_rising_fast")[0].Status)
}

// A rule with a window the profile forgot is refused at load.
func TestWindowRuleNeedsWindow(t *testing.T) {
	_, err := profile.Parse([]byte("kind: x\ninterval_s: 1\nmetrics: {a: {type: number}}\n" +
		"rules: [{id: r, type: accumulation, alarm: a, metric: a, op: above, value: 1, clear: 0, consecutive: 1}]\n"))
	require.ErrorIs(t, err, profile.ErrInvalid)
}
