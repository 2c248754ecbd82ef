package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// BenchmarkWriteBatch measures readings per second through one committed
// batch of 500 (what the ingest group writer does under load). Each op is one
// reading; synchronous=FULL, so every batch is fsynced.
func BenchmarkWriteBatch(b *testing.B) {
	s, err := sqlite.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 500
	t0 := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		var rs []model.Reading
		for j := i; j < min(i+batch, b.N); j++ {
			rs = append(rs, model.Reading{DeviceID: fmt.Sprintf("dev-%03d", j%100), TS: t0.Add(time.Duration(j) * time.Millisecond),
				Seq: int64(j), Values: map[string]float64{"water_level_m": 1086.4, "rain_mm": 0.5, "flow_m3s": 320, "supply_v": 12.8}})
		}
		if _, err := s.WriteBatch(context.Background(), store.Batch{Readings: rs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}
