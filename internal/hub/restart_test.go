package hub_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// After a restart on the same data dir the hub still knows the device, its
// latest values and its active alarm, and a reading back under the clear
// level clears that alarm: rule state is restored, not just rows.
func TestStateSurvivesRestart(t *testing.T) { eachShape(t, testStateSurvivesRestart) }

func testStateSurvivesRestart(t *testing.T, sh shape) {
	start := restartable(t, sh)
	h := start()
	secret := h.register(t, hydrologyStation("hy-restart"))
	c, err := h.dial("hy-restart", secret)
	require.NoError(t, err)
	for i, v := range []float64{1070.5, 1070.6, 1070.7} {
		publish(t, c, "devices/hy-restart/telemetry", sample(int64(i+1), map[string]any{"water_level_m": v}))
	}
	require.Eventually(t, func() bool { return len(waterAlarms(h.alarms(t, "?status=active"))) == 1 }, waitLong, tick)
	c.Disconnect(100) // the device leaves: its offline maintenance alarm opens too
	require.NoError(t, h.Close())

	h = start()
	defer h.Close()
	require.Len(t, waterAlarms(h.alarms(t, "?status=active")), 1)
	require.Equal(t, 1070.7, h.device(t, "hy-restart").Values["water_level_m"])
	c = h.connect(t, "hy-restart", secret)
	publish(t, c, "devices/hy-restart/telemetry", sample(10, map[string]any{"water_level_m": 1069.5}))
	require.Eventually(t, func() bool { return len(h.alarms(t, "?status=active")) == 0 }, waitLong, tick,
		"the reading clears both the water-level and the offline alarm")
	require.Equal(t, "cleared", waterAlarms(h.alarms(t, "?status=all"))[0].Status)
}

// waterAlarms keeps the water-level alarms.
func waterAlarms(all []alarm) []alarm {
	var out []alarm
	for _, a := range all {
		if a.Type == "water_level_over_warning" {
			out = append(out, a)
		}
	}
	return out
}
