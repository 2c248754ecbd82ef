package hub_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	// 巴彦浩特 (Bayanhot), seat of 阿拉善左旗.
	bayanhotLon, bayanhotLat = 105.67, 38.84
	waitLong                 = 10 * time.Second
	tick                     = 20 * time.Millisecond
)

func hydrologyStation(id string) map[string]any {
	return map[string]any{"id": id, "kind": "hydrology", "name": "测试水文站", "lon": 106.736, "lat": 39.385,
		"rule_overrides": map[string]any{"water_level_warning": map[string]any{"value": 1070.0, "clear": 1069.8},
			"water_level_guaranteed": map[string]any{"value": 1071.0, "clear": 1070.8},
			// Test samples come milliseconds apart: any rise is "fast".
			"level_rising_fast": map[string]any{"value": 1e9, "clear": 1e8}}}
}

// A device publishes with paho; the reading is stored, shows in the device
// API and arrives on the screen; a threshold crossing held for the rule's
// consecutive samples opens exactly one alarm, and falling back past the
// hysteresis band clears it.
func TestEndToEnd(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		h := startShape(t, sh)
		secret := h.register(t, hydrologyStation("hy-e2e"))
		scr := h.screen(t, "")
		snap := scr.next()
		require.Equal(t, "snapshot", snap.Type)
		require.Len(t, snap.Entities["device"], 1, "the registered device is in the snapshot")

		c := h.connect(t, "hy-e2e", secret)
		publish(t, c, "devices/hy-e2e/telemetry", sample(1, map[string]any{"water_level_m": 1069.5, "rain_mm": 0.2}))
		require.Eventually(t, func() bool { return h.device(t, "hy-e2e").Values["water_level_m"] == 1069.5 }, waitLong, tick)
		v := h.device(t, "hy-e2e")
		require.True(t, v.Online)
		require.Equal(t, "152921", v.RegionCode, "乌斯太 lies in 阿拉善左旗")
		d := scr.waitFor(func(f frame) bool {
			return f.Entity == "device" && f.ID == "hy-e2e" && strings.Contains(string(f.Data), "1069.5")
		})
		require.Equal(t, "patch", d.Op, "a known device is sent what changed")
		require.NotContains(t, string(d.Data), `"name"`, "not its unchanged name")

		// Rule: above 1070 for 3 consecutive samples; clears at or below 1069.8.
		level := func(seq int64, v float64) {
			publish(t, c, "devices/hy-e2e/telemetry", sample(seq, map[string]any{"water_level_m": v}))
		}
		level(2, 1070.3)
		level(3, 1070.4)
		require.Eventually(t, func() bool { return h.device(t, "hy-e2e").Values["water_level_m"] == 1070.4 }, waitLong, tick)
		require.Empty(t, h.alarms(t, "?status=active"), "two samples over the line are not enough")
		level(4, 1070.6)
		require.Eventually(t, func() bool { return len(h.alarms(t, "?status=active")) == 1 }, waitLong, tick)
		level(5, 1070.9)
		level(6, 1069.9) // inside the hysteresis band: still active
		require.Eventually(t, func() bool { return h.device(t, "hy-e2e").Values["water_level_m"] == 1069.9 }, waitLong, tick)
		active := h.alarms(t, "?status=active")
		require.Len(t, active, 1, "one active alarm per source and type, updated in place")
		require.Equal(t, "water_level_over_warning", active[0].Type)
		require.Equal(t, 2, active[0].Count)
		require.Equal(t, 1070.9, active[0].Value)
		scr.waitFor(func(f frame) bool { return f.Entity == "alarm" && f.Op == "upsert" })

		level(7, 1069.7)
		require.Eventually(t, func() bool { return len(h.alarms(t, "?status=active")) == 0 }, waitLong, tick)
		all := h.alarms(t, "?status=all")
		require.Len(t, all, 1)
		require.Equal(t, "cleared", all[0].Status)
		scr.waitFor(func(f frame) bool { return f.Entity == "alarm" && f.Op == "remove" })

		var acked alarm
		require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/alarms/"+itoa(all[0].ID)+"/ack", map[string]any{"by": "值班员王"}, &acked))
		require.True(t, acked.Acked)
		require.Equal(t, http.StatusConflict, h.call(t, http.MethodPost, "/api/v1/alarms/"+itoa(all[0].ID)+"/ack", nil, nil))
	})
}

// A QoS1 redelivery of the same (device, ts, seq) is stored once.
func TestDuplicateIsNotCountedTwice(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		h := startShape(t, sh)
		secret := h.register(t, hydrologyStation("hy-dup"))
		c := h.connect(t, "hy-dup", secret)
		s := sample(1, map[string]any{"water_level_m": 1069.1})
		publish(t, c, "devices/hy-dup/telemetry", s)
		publish(t, c, "devices/hy-dup/telemetry", s)
		publish(t, c, "devices/hy-dup/telemetry", []any{s, sample(2, map[string]any{"water_level_m": 1069.2})})
		var stats map[string]int64
		require.Eventually(t, func() bool { // an external broker acknowledges before the hub stores
			h.call(t, http.MethodGet, "/api/v1/stats", nil, &stats)
			return stats["readings_stored"]+stats["readings_duplicate"] == 4
		}, waitLong, tick)
		var out struct {
			Readings []json.RawMessage `json:"readings"`
		}
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/devices/hy-dup/readings", nil, &out))
		require.Len(t, out.Readings, 2)
		require.EqualValues(t, 2, stats["readings_stored"])
		require.EqualValues(t, 2, stats["readings_duplicate"])
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
