package postgis_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
)

// BenchmarkWriteBatch measures readings per second through one committed
// batch of 500 (what the ingest group writer does under load), as
// store/sqlite's benchmark does. Each op is one reading. The figure depends
// on the server: pgtest's throwaway cluster runs with fsync=off, so point
// HUB_TEST_POSTGRES_DSN at a durable server for a production-like number.
func BenchmarkWriteBatch(b *testing.B) {
	s := open(b, pgtest.DSN(b))
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
