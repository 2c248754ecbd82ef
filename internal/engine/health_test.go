package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
)

// The hydrology profile reports every 60 s: silent for more than 3 × 60 s
// after its last message, a device is offline and its operator gets one
// maintenance alarm, which clears when the device is heard from again.
func TestSweepMarksSilentDevicesOffline(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	r.feed(t, "hy-1", "water_level_m", 900) // heard at `now` (the engine's clock)

	for _, tc := range []struct {
		desc   string
		at     time.Duration // after the last message
		marked int
	}{
		{"within three intervals: still online", 179 * time.Second, 0},
		{"past three intervals: offline", 181 * time.Second, 1},
		{"already offline: not marked twice", 10 * time.Minute, 0},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.marked, r.e.Sweep(ctx, now.Add(tc.at)))
		})
	}
	require.False(t, r.e.View(testDevices["hy-1"]).Online)
	a := r.active(t, "hy-1", engine.AlarmOffline)
	require.Equal(t, model.SeverityMinor, a.Severity)
	require.Empty(t, r.store.all("aq-1", engine.AlarmOffline), "never-heard devices are not swept")

	r.feed(t, "hy-1", "water_level_m", 900.1)
	require.True(t, r.e.View(testDevices["hy-1"]).Online)
	all := r.store.all("hy-1", engine.AlarmOffline)
	require.Len(t, all, 1)
	require.Equal(t, model.AlarmCleared, all[0].Status, "heard again: the alarm clears itself")
}

// A last will (offline status) raises the alarm at once; an online status
// clears it.
func TestOfflineStatusRaisesMaintenanceAlarm(t *testing.T) {
	r := newRig(t, nil)
	r.e.Stored(nil, nil, []model.Status{{DeviceID: "el-1", State: model.StateOffline, TS: t0}})
	r.flush(t)
	require.Equal(t, engine.AlarmOffline, r.active(t, "el-1", engine.AlarmOffline).Type)
	r.e.Stored(nil, nil, []model.Status{{DeviceID: "el-1", State: model.StateOffline, TS: t0.Add(time.Second)}})
	r.flush(t)
	require.Equal(t, 2, r.active(t, "el-1", engine.AlarmOffline).Count, "repeats update the one alarm")
	r.e.Stored(nil, nil, []model.Status{{DeviceID: "el-1", State: model.StateOnline, TS: t0.Add(time.Minute)}})
	r.flush(t)
	require.Equal(t, model.AlarmCleared, r.store.all("el-1", engine.AlarmOffline)[0].Status)
}

// After a restart, silence is counted from the start: devices do not all
// go offline at the first sweep because the hub itself was down.
func TestSweepGraceAfterStart(t *testing.T) {
	st := newMemStore()
	st.statuses = append(st.statuses, model.Status{DeviceID: "hy-1", State: model.StateOnline, TS: t0})
	r := newRig(t, st) // the engine starts at `now`, an hour after hy-1 was last heard
	require.True(t, r.e.View(testDevices["hy-1"]).Online)
	require.Zero(t, r.e.Sweep(context.Background(), now.Add(time.Minute)))
	require.Equal(t, 1, r.e.Sweep(context.Background(), now.Add(4*time.Minute)))
}
