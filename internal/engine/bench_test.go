package engine_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// BenchmarkEvaluate measures the engine's cost per reading: live values,
// derived values (hydrology: three rainfall windows and a rate of rise;
// pollution: the AQI from hourly means) and every rule, for 100 devices
// reporting in turn, without alarms.
func BenchmarkEvaluate(b *testing.B) {
	for _, kind := range []struct {
		name   string
		device func(i int) model.Device
		values func(i int) map[string]float64
	}{
		{"hydrology", func(i int) model.Device {
			return model.Device{ID: "hy-b" + strconv.Itoa(i), Kind: "hydrology", RegionCode: "152921", Lon: 105.7, Lat: 38.8}
		}, func(i int) map[string]float64 {
			return map[string]float64{"water_level_m": 1050, "rain_mm": 0, "flow_m3s": 300, "supply_v": 12.8}
		}},
		{"pollution", func(i int) model.Device {
			return model.Device{ID: "aq-b" + strconv.Itoa(i), Kind: "pollution", RegionCode: "152921", Lon: 105.7, Lat: 38.8}
		}, func(i int) map[string]float64 {
			return map[string]float64{"pm25_ugm3": 30 + float64(i%9), "pm10_ugm3": 60, "so2_ugm3": 10, "no2_ugm3": 20, "o3_ugm3": 80, "co_mgm3": 0.5}
		}},
	} {
		b.Run(kind.name, func(b *testing.B) {
			r := newRig(b, nil)
			for i := range 100 {
				r.addDevice(kind.device(i))
			}
			batch := make([]model.Reading, 100)
			b.ResetTimer()
			for n := 0; n < b.N; n += len(batch) {
				for i := range batch {
					batch[i] = model.Reading{DeviceID: kind.device(i).ID, TS: t0.Add(time.Duration(n/len(batch)) * time.Second), // a batch a second
						Seq: int64(n), Values: kind.values(i + n)}
				}
				r.e.Stored(batch, nil, nil)
				batch = make([]model.Reading, 100)
			}
			r.flush(b)
		})
	}
}
