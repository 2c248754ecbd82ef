package engine

import "github.com/ywtg/hub/internal/model"

// OnlineCount is how many devices of a group are online.
type OnlineCount struct {
	Total  int     `json:"total"`
	Online int     `json:"online"`
	Rate   float64 `json:"rate"` // online / total, 0 when there are none
}

// OnlineSummary is the online rate overall, per kind and per region.
type OnlineSummary struct {
	All      OnlineCount            `json:"all"`
	ByKind   map[string]OnlineCount `json:"by_kind"`
	ByRegion map[string]OnlineCount `json:"by_region"`
}

// Online returns the online rate of the registered devices (disabled ones
// left out), overall, per kind and per region.
func (e *Engine) Online() OnlineSummary {
	devs := e.opts.Devices.List()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.online(devs)
}

func (e *Engine) online(devs []model.Device) OnlineSummary {
	s := OnlineSummary{ByKind: map[string]OnlineCount{}, ByRegion: map[string]OnlineCount{}}
	add := func(m map[string]OnlineCount, k string, on bool) {
		c := m[k]
		c.count(on)
		m[k] = c
	}
	for _, d := range devs {
		if d.Disabled {
			continue
		}
		st, ok := e.devices[d.ID]
		on := ok && st.Online
		s.All.count(on)
		add(s.ByKind, d.Kind, on)
		add(s.ByRegion, d.RegionCode, on)
	}
	return s
}

func (c *OnlineCount) count(on bool) {
	c.Total++
	if on {
		c.Online++
	}
	c.Rate = float64(c.Online) / float64(c.Total)
}

func (e *Engine) publishOnline(devs []model.Device) {
	e.opts.Live.Upsert(EntityOnline, "summary", e.online(devs))
}
