package hub

import (
	"context"
	"fmt"
	"maps"
	"os"
	"time"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/ingest"
	"github.com/ywtg/hub/internal/profile"
)

func loadProfiles(dir string) (profile.Set, error) {
	fsys := devices.FS
	if dir != "" {
		set, err := profile.Load(os.DirFS(dir))
		if err != nil {
			return nil, fmt.Errorf("profiles in %s: %w", dir, err)
		}
		return set, nil
	}
	return profile.Load(fsys)
}

func loadRegions(dir string) (*gis.Index, error) {
	var regions []gis.Region
	var err error
	if dir != "" {
		regions, err = gis.LoadDir(os.DirFS(dir))
	} else {
		regions, err = gis.LoadDir(demo.Regions())
	}
	if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	return gis.NewIndex(regions)
}

// locator adapts the region index to the registry.
type locator struct{ ix *gis.Index }

func (l locator) Locate(lon, lat float64) (string, string, bool) {
	r, ok := l.ix.Locate(lon, lat)
	return r.Code, r.Name, ok
}

// counters merges ingest and live counters for the API and /metrics.
func (h *Hub) counters() map[string]int64 {
	c := h.pipeline.Counters().Snapshot()
	subs, dropped := h.live.Stats()
	c["screens_connected"] = int64(subs)
	c["screens_dropped_slow"] = int64(dropped)
	c["live_seq"] = int64(h.live.Seq())
	if h.tokenAuth != nil {
		maps.Copy(c, h.tokenAuth.Counts())
	}
	return c
}

// stats is the live "stats" entity; its ts drives the screen's freshness light.
type stats struct {
	ID            string    `json:"id"`
	TS            time.Time `json:"ts"`
	ReadingsTotal int64     `json:"readings_total"`
	ReadingsPerS  float64   `json:"readings_per_s"`
	DeadLetters   int64     `json:"deadletters_total"`
	DevicesTotal  int       `json:"devices_total"`
	DevicesOnline int       `json:"devices_online"`
	AlarmsActive  int       `json:"alarms_active"`
}

// publishStats sends the stats entity once a second. The rate is averaged
// over the last rateWindow ticks: devices report in bursts, and a one-second
// rate would jump between zero and hundreds.
func (h *Hub) publishStats(ctx context.Context) {
	defer h.bg.Done()
	const rateWindow = 5
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	type point struct {
		at    time.Time
		total int64
	}
	window := []point{{time.Now(), 0}}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			c := h.pipeline.Counters()
			total := c.Get(ingest.CountReadings)
			window = append(window, point{now, total})
			if len(window) > rateWindow+1 {
				window = window[1:]
			}
			first := window[0]
			s := stats{ID: "hub", TS: now.UTC(), ReadingsTotal: total, DeadLetters: c.Get(ingest.CountRejected),
				ReadingsPerS: float64(total-first.total) / now.Sub(first.at).Seconds(), AlarmsActive: len(h.engine.ActiveAlarms())}
			for _, v := range h.engine.Views() {
				s.DevicesTotal++
				if v.Online {
					s.DevicesOnline++
				}
			}
			h.live.Upsert("stats", s.ID, s)
		}
	}
}
