package bench

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// storeOnly writes n readings of the bench's shape straight into a fresh
// store, in batches like the hub's group writer makes under load, and
// returns readings/s: the ceiling the full hub path is compared with.
func storeOnly(ctx context.Context, t Target, n int64) (float64, error) {
	if n <= 0 {
		return 0, nil
	}
	if isPostgres(t.DB) {
		return copyFromBaseline(ctx, t.DB, n)
	}
	dir, err := os.MkdirTemp("", "hub-bench-store-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	return timeBatches(n, func(rs []model.Reading) error {
		_, err := s.WriteBatch(ctx, store.Batch{Readings: rs})
		return err
	})
}

const baselineBatch = 1000

// timeBatches feeds n readings to write in batches and returns readings/s.
func timeBatches(n int64, write func([]model.Reading) error) (float64, error) {
	base := time.Now().Add(-time.Hour)
	start := time.Now()
	for i := int64(0); i < n; i += baselineBatch {
		rs := make([]model.Reading, 0, baselineBatch)
		for j := i; j < min(i+baselineBatch, n); j++ {
			rs = append(rs, model.Reading{DeviceID: fmt.Sprintf("bench-%05d", j%100), TS: base.Add(time.Duration(j) * time.Millisecond),
				Seq: j, Values: map[string]float64{"water_level_m": 1086.4, "rain_mm": 0.5, "flow_m3s": 320.4, "supply_v": 12.8}})
		}
		if err := write(rs); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
