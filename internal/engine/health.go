package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// Device health (SPEC §4): a device is offline when its last will or status
// says so, or when it has been silent for OfflineAfter reporting intervals;
// either raises one maintenance alarm for the device's operator, which
// clears itself when the device is heard from again.
const (
	AlarmOffline    = "device_offline"
	CategoryDevice  = "device" // a fault of the equipment: for its operator, never an incident
	OfflineAfter    = 3        // reporting intervals of silence
	offlineLabel    = "设备离线"
	offlineSeverity = model.SeverityMinor
)

// Sweep is the scheduled health pass, judged at time at (the hub runs it on
// a schedule). It marks devices silent for OfflineAfter intervals of their
// profile as offline and raises their maintenance alarm (after a restart,
// silence is counted from the start, not from before it); raises absence
// alarms for metrics a device has stopped sending while it still reports;
// and clears event alarms not seen again within their auto-clear time. It
// returns how many devices it marked offline.
func (e *Engine) Sweep(ctx context.Context, at time.Time) (marked int) {
	devs := e.opts.Devices.List()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, dev := range devs {
		st, ok := e.devices[dev.ID]
		p, known := e.opts.Profiles[dev.Kind]
		if !ok || !known {
			continue
		}
		interval := time.Duration(p.IntervalS * float64(time.Second))
		if st.Online {
			since := st.LastSeen
			if since.Before(e.started) {
				since = e.started
			}
			if silent := at.Sub(since); silent > OfflineAfter*interval {
				st.Online = false
				e.raiseOffline(ctx, dev, fmt.Sprintf("%s 已 %s 未上报数据（上报周期 %gs）", dev.Name, silent.Round(time.Second), p.IntervalS))
				e.publishDevice(ctx, dev.ID)
				marked++
				continue
			}
			e.sweepAbsence(ctx, dev, p, st, interval)
		}
		e.sweepAutoClear(ctx, dev, p, at)
	}
	e.publishOnline(devs)
	return marked
}

// sweepAbsence: a metric the device has sent before, silent for the rule's
// number of intervals while the device itself still reports (by its latest
// reading time, so a replayed buffer does not fool it).
func (e *Engine) sweepAbsence(ctx context.Context, dev model.Device, p *profile.Profile, st *deviceState, interval time.Duration) {
	for _, rule := range e.rules(dev) {
		if rule.Type != "absence" {
			continue
		}
		seen, ok := st.metricSeen[rule.Metric]
		rs := st.rule(rule.ID)
		if !ok || rs.active {
			continue
		}
		if gap := st.LastTS.Sub(seen); gap >= time.Duration(rule.Intervals*float64(interval)) {
			rs.active = true
			e.raise(ctx, dev, model.Alarm{Source: dev.ID, Type: rule.Alarm, Label: rule.Label, Severity: rule.Severity,
				Category: category(p, rule.Category), Metric: rule.Metric, LastSeen: st.LastTS,
				Message: fmt.Sprintf("%s 的%s已 %s 无数据，设备仍在上报", dev.Name, valueName(p, rule.Metric), gap.Round(time.Second))}, true)
		}
	}
}

// sweepAutoClear clears event alarms whose event has not been seen again
// for the event's auto_clear_s.
func (e *Engine) sweepAutoClear(ctx context.Context, dev model.Device, p *profile.Profile, at time.Time) {
	for typ, a := range e.active[dev.ID] {
		et, ok := p.Events[typ]
		if !ok || et.AutoClearS <= 0 {
			continue
		}
		if quiet := at.Sub(a.LastSeen); quiet.Seconds() >= et.AutoClearS {
			e.forgetRule(alarmKey{dev.ID, typ})
			e.clear(ctx, alarmKey{dev.ID, typ}, "", fmt.Sprintf("%s 已 %s 未再出现，自动解除", et.Label, quiet.Round(time.Second)))
		}
	}
}

func (e *Engine) raiseOffline(ctx context.Context, dev model.Device, why string) {
	e.raise(ctx, dev, model.Alarm{Source: dev.ID, Type: AlarmOffline, Label: offlineLabel, Severity: offlineSeverity,
		Category: CategoryDevice, LastSeen: e.opts.Now().UTC(), Message: why}, false)
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
