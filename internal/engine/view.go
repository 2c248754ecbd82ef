package engine

import (
	"context"
	"maps"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// DeviceView is a device with its live state, as the API and screens show it.
type DeviceView struct {
	model.Device
	Online        bool               `json:"online"`
	LastSeen      time.Time          `json:"last_seen,omitzero"`
	LastTS        time.Time          `json:"last_ts,omitzero"`
	Values        map[string]float64 `json:"values"`
	Flags         map[string]string  `json:"flags,omitempty"`
	FW            string             `json:"fw,omitempty"`
	BatteryPct    *float64           `json:"battery_pct,omitempty"`
	AlarmSeverity string             `json:"alarm_severity"`
	ActiveAlarms  int                `json:"active_alarms"`
	// Derived values by name (rain_1h, level_rise_mh, aqi, water_class …),
	// computed from samples that may be judged (flag N).
	Derived map[string]float64 `json:"derived,omitempty"`
	AQI     *AQIView           `json:"aqi,omitempty"`     // hourly (real-time) report
	AQI24h  *AQIView           `json:"aqi_24h,omitempty"` // over the last 24 hours
	Water   *WaterView         `json:"water,omitempty"`
	// Lines are the levels the device's rules judge its metrics against.
	Lines []Line `json:"lines,omitempty"`
}

// View returns one device's view.
func (e *Engine) View(dev model.Device) DeviceView {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.view(dev)
}

// Views returns every registered device's view.
func (e *Engine) Views() []DeviceView {
	devs := e.opts.Devices.List()
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]DeviceView, len(devs))
	for i, d := range devs {
		out[i] = e.view(d)
	}
	return out
}

func (e *Engine) view(dev model.Device) DeviceView {
	v := DeviceView{Device: dev, Values: map[string]float64{}}
	if st, ok := e.devices[dev.ID]; ok {
		v.Online, v.LastSeen, v.LastTS, v.FW, v.BatteryPct = st.Online, st.LastSeen, st.LastTS, st.FW, st.Battery
		v.Values = maps.Clone(st.Values)
		if v.Values == nil {
			v.Values = map[string]float64{}
		}
		v.Flags = maps.Clone(st.Flags)
		v.Derived = maps.Clone(st.derived.values)
		v.AQI, v.AQI24h, v.Water = st.derived.aqi, st.derived.aqi24, st.derived.water
	}
	if p, ok := e.opts.Profiles[dev.Kind]; ok {
		// Lines for the metrics the device sends (an outlet's COD limit is
		// no line for an air station), or all of them before it has sent.
		for _, l := range lines(e.rules(dev), p) {
			if _, sent := v.Values[l.Metric]; sent || len(v.Values) == 0 {
				v.Lines = append(v.Lines, l)
			}
		}
	}
	for _, a := range e.active[dev.ID] {
		v.ActiveAlarms++
		if model.SeverityRank(a.Severity) > model.SeverityRank(v.AlarmSeverity) {
			v.AlarmSeverity = a.Severity
		}
	}
	return v
}

func (e *Engine) publishDevice(ctx context.Context, id string) {
	dev, err := e.opts.Devices.Lookup(ctx, id)
	if err != nil {
		return
	}
	e.opts.Live.Upsert(EntityDevice, id, e.view(dev))
}

// Announce publishes a device that was just registered.
func (e *Engine) Announce(dev model.Device) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.Live.Upsert(EntityDevice, dev.ID, e.view(dev))
}
