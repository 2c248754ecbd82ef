package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// Device health (SPEC §4): a device is offline when its last will or status
// says so, or when it has been silent for OfflineAfter reporting intervals;
// either raises one maintenance alarm for the device's operator, which
// clears itself when the device is heard from again.
const (
	AlarmOffline    = "device_offline"
	OfflineAfter    = 3 // reporting intervals of silence
	offlineLabel    = "设备离线"
	offlineSeverity = model.SeverityMinor
)

// Sweep marks devices that have been silent for OfflineAfter intervals of
// their profile as offline and raises their maintenance alarm. The hub runs
// it on a schedule; at is the time to judge by. After a restart, silence is
// counted from the start, not from before it.
func (e *Engine) Sweep(ctx context.Context, at time.Time) (marked int) {
	devs := e.opts.Devices.List()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, dev := range devs {
		st, ok := e.devices[dev.ID]
		p, known := e.opts.Profiles[dev.Kind]
		if !ok || !known || !st.Online {
			continue
		}
		limit := time.Duration(OfflineAfter * p.IntervalS * float64(time.Second))
		since := st.LastSeen
		if since.Before(e.started) {
			since = e.started
		}
		if silent := at.Sub(since); silent > limit {
			st.Online = false
			e.raiseOffline(ctx, dev, fmt.Sprintf("%s 已 %s 未上报数据（上报周期 %gs）", dev.Name, silent.Round(time.Second), p.IntervalS))
			e.publishDevice(ctx, dev.ID)
			marked++
		}
	}
	return marked
}

func (e *Engine) raiseOffline(ctx context.Context, dev model.Device, why string) {
	e.raise(ctx, dev, model.Alarm{Source: dev.ID, Type: AlarmOffline, Label: offlineLabel, Severity: offlineSeverity,
		LastSeen: e.opts.Now().UTC(), Message: why})
}

// heard clears a device's offline alarm: it has been heard from.
func (e *Engine) heard(ctx context.Context, id string) {
	if _, ok := e.active.get(alarmKey{id, AlarmOffline}); ok {
		e.clear(ctx, alarmKey{id, AlarmOffline}, "", "device reporting again")
	}
}

// statusHealth raises the offline alarm on an offline status (a last will)
// and clears it on an online one.
func (e *Engine) statusHealth(ctx context.Context, s model.Status) {
	if s.State == model.StateOnline {
		e.heard(ctx, s.DeviceID)
		return
	}
	dev, err := e.opts.Devices.Lookup(ctx, s.DeviceID)
	if err != nil {
		return
	}
	e.raiseOffline(ctx, dev, dev.Name+" 报告离线（遗嘱消息或状态上报）")
}
