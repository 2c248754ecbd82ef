package live_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ywtg/hub/internal/live"
)

// benchDevice is shaped like the hub's device view (about 300 bytes of JSON).
type benchDevice struct {
	ID         string             `json:"id"`
	Kind       string             `json:"kind"`
	Name       string             `json:"name"`
	Lon        float64            `json:"lon"`
	Lat        float64            `json:"lat"`
	RegionCode string             `json:"region_code"`
	RegionName string             `json:"region_name"`
	Online     bool               `json:"online"`
	LastSeen   time.Time          `json:"last_seen"`
	Values     map[string]float64 `json:"values"`
}

// BenchmarkUpsert is the cost of one Upsert — what the ingest and engine path
// pays — with 0, 100 and 1000 subscribers, each drained by a goroutine, over
// 300 devices. With coalescing the fan-out happens on the flusher; without
// it, inside Upsert. deltas/op is the deltas sent per Upsert, dropped the
// subscribers dropped as slow.
func BenchmarkUpsert(b *testing.B) {
	for _, mode := range []struct {
		desc     string
		coalesce time.Duration
	}{
		{"coalesce=250ms", 0},
		{"immediate", live.Immediate},
	} {
		for _, n := range []int{0, 100, 1000} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", mode.desc, n), func(b *testing.B) {
				h := live.New(live.Options{Coalesce: mode.coalesce})
				var drained sync.WaitGroup
				for range n {
					s := h.Subscribe(0, false)
					drained.Add(1)
					go func() {
						defer drained.Done()
						for {
							select {
							case <-s.Frames():
							case <-s.Gone():
								return
							}
						}
					}()
				}
				ids := make([]string, 300)
				for i := range ids {
					ids[i] = fmt.Sprintf("hy-%03d", i)
				}
				d := benchDevice{Kind: "hydrology", Name: "测试水文站", Lon: 105.67, Lat: 38.84, RegionCode: "152921",
					RegionName: "巴彦浩特镇", Online: true, LastSeen: time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC),
					Values: map[string]float64{"water_level_m": 1069.5, "rain_mm": 0.2}}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					d.ID = ids[i%len(ids)]
					d.Values["water_level_m"] = 1069 + float64(i%100)/100
					h.Upsert("device", d.ID, &d)
				}
				b.StopTimer()
				h.Close() // flushes, then lets the drainers go
				drained.Wait()
				_, dropped := h.Stats()
				b.ReportMetric(float64(h.Seq())/float64(b.N), "deltas/op")
				b.ReportMetric(float64(dropped), "dropped")
			})
		}
	}
}
