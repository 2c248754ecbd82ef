package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/store"
)

// Per-kind behaviour of the event engine (SPEC §3–§5), each case run on the
// in-memory fake, SQLite and PostGIS, with explicit sample times and a
// controllable clock — never a sleep.

func (r *rig) addDevice(d model.Device) {
	r.devs.mu.Lock()
	defer r.devs.mu.Unlock()
	r.devs.devs[d.ID] = d
}

// at stores one reading at ts and waits until it is evaluated.
func (r *rig) at(t *testing.T, device string, ts time.Time, values map[string]float64, flags map[string]string) {
	t.Helper()
	r.seq++
	r.e.Stored([]model.Reading{{DeviceID: device, TS: ts, Seq: r.seq, Values: values, Flags: flags}}, nil, nil)
	r.flush(t)
}

// ev stores one event with fields at ts and waits until it is evaluated.
func (r *rig) ev(t *testing.T, device, typ string, ts time.Time, fields map[string]any) {
	t.Helper()
	r.e.Stored(nil, []model.Event{{DeviceID: device, TS: ts, Type: typ, Fields: fields}}, nil)
	r.flush(t)
}

func (r *rig) incidents(t *testing.T, status string) []model.Incident {
	t.Helper()
	ins, err := r.e.Incidents(context.Background(), store.IncidentFilter{Status: status, Limit: 100})
	require.NoError(t, err)
	return ins
}

// Bands move an open alarm's severity up as the value climbs past them and
// down as it falls back past their clear levels — one alarm throughout.
func TestBandsRaiseAndLowerSeverity(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRigWith(t, newStore(), withRule(profile.Rule{ID: "lvl", Type: "threshold", Metric: "flow_m3s",
			Alarm: "flow_high", Label: "流量偏大", Op: "above", Value: 1000, Clear: 999, Consecutive: 1,
			Severity: model.SeverityMinor, Bands: []profile.Band{
				{Value: 1002, Clear: 1001.5, Severity: model.SeverityMajor},
				{Value: 1005, Clear: 1004, Severity: model.SeverityCritical}}}))
		for _, step := range []struct {
			v    float64
			want string // "" = cleared
		}{
			{1000.5, model.SeverityMinor},
			{1003, model.SeverityMajor},
			{1006, model.SeverityCritical},
			{1004.5, model.SeverityCritical}, // above the top band's clear level
			{1003.9, model.SeverityMajor},
			{1001.4, model.SeverityMinor}, // below the first band's clear level
			{1009, model.SeverityCritical},
			{998, ""},
		} {
			r.feed(t, "hy-1", "flow_m3s", step.v)
			all := r.store.all("hy-1", "flow_high")
			require.Len(t, all, 1, "one alarm throughout, at %v", step.v)
			if step.want == "" {
				require.Equal(t, model.AlarmCleared, all[0].Status)
				continue
			}
			require.Equal(t, model.AlarmActive, all[0].Status, "at %v", step.v)
			require.Equal(t, step.want, all[0].Severity, "at %v", step.v)
		}
	})
}

// A minimum duration: the breach must last for_s, whatever the count.
func TestMinimumDuration(t *testing.T) {
	r := newRigWith(t, nil, withRule(profile.Rule{ID: "dur", Type: "threshold", Metric: "flow_m3s", Alarm: "flow_high",
		Label: "流量偏大", Op: "above", Value: 1000, Clear: 900, Consecutive: 2, ForS: 300, Severity: model.SeverityMinor}))
	r.feed(t, "hy-1", "flow_m3s", 1100, 1100, 1100, 1100, 1100) // minutes 1–5: 4 minutes into the breach
	require.Empty(t, r.store.all("hy-1", "flow_high"))
	r.feed(t, "hy-1", "flow_m3s", 950) // between clear and trigger: the breach is broken
	r.feed(t, "hy-1", "flow_m3s", 1100, 1100, 1100, 1100, 1100)
	require.Empty(t, r.store.all("hy-1", "flow_high"), "the breach restarted at minute 7")
	r.feed(t, "hy-1", "flow_m3s", 1100) // minute 12: five minutes since minute 7
	require.Equal(t, 1100.0, r.active(t, "hy-1", "flow_high").Value)
}

// Rainfall: the hydrology profile's 24 h accumulation with its bands
// (暴雨 50, 大暴雨 100, 特大暴雨 250 mm), from interval amounts.
func TestRainfallAccumulationBands(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		r.feed(t, "hy-1", "rain_mm", 30, 20) // 50 mm: not above 50
		require.Empty(t, r.store.all("hy-1", "rain_24h_rainstorm"))
		v := r.e.View(testDevices["hy-1"])
		require.Equal(t, 50.0, v.Derived["rain_24h"])
		require.Equal(t, 50.0, v.Derived["rain_1h"])
		r.feed(t, "hy-1", "rain_mm", 5) // 55 mm
		require.Equal(t, model.SeverityMinor, r.active(t, "hy-1", "rain_24h_rainstorm").Severity)
		r.feed(t, "hy-1", "rain_mm", 50) // 105 mm
		require.Equal(t, model.SeverityMajor, r.active(t, "hy-1", "rain_24h_rainstorm").Severity)
		r.feed(t, "hy-1", "rain_mm", 150) // 255 mm
		a := r.active(t, "hy-1", "rain_24h_rainstorm")
		require.Equal(t, model.SeverityCritical, a.Severity)
		require.Equal(t, 255.0, a.Value)
		require.Equal(t, 250.0, a.Threshold, "the threshold of the band it is in")
		// The 3 h sum passed 100 mm too: the 3 h rule's critical band.
		require.Equal(t, model.SeverityCritical, r.active(t, "hy-1", "rain_3h_rainstorm").Severity)
		require.Equal(t, 255.0, r.e.View(testDevices["hy-1"]).Derived["rain_3h"])
	})
}

// Per-station warning (警戒) and guaranteed (保证) levels, and the lines
// the screen draws them with.
func TestWaterLevelsAgainstStationLines(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		dev := model.Device{ID: "hy-9", Kind: "hydrology", Name: "黄河乌斯太站", RegionCode: "152921", Lon: 106.73, Lat: 39.40,
			RuleOverrides: map[string]model.RuleOverride{
				"water_level_warning":    {Value: 1087.5, Clear: 1087.3},
				"water_level_guaranteed": {Value: 1088.0, Clear: 1087.8}}}
		r.addDevice(dev)
		v := r.e.View(dev)
		require.Equal(t, []engine.Line{
			{Rule: "water_level_warning", Label: "超警戒水位", Metric: "water_level_m", Value: 1087.5, Severity: model.SeverityMajor},
			{Rule: "water_level_guaranteed", Label: "超保证水位", Metric: "water_level_m", Value: 1088.0, Severity: model.SeverityCritical},
			{Rule: "supply_low", Label: "供电电压过低", Metric: "supply_v", Value: 11.0, Severity: model.SeverityWarning},
		}, v.Lines)
		r.feed(t, "hy-9", "water_level_m", 1087.6, 1087.6, 1087.6) // warning: 3 consecutive
		require.Equal(t, 1087.5, r.active(t, "hy-9", "water_level_over_warning").Threshold)
		require.Empty(t, r.store.all("hy-9", "water_level_over_guaranteed"))
		r.feed(t, "hy-9", "water_level_m", 1088.1, 1088.2) // guaranteed: 2 consecutive
		require.Equal(t, model.SeverityCritical, r.active(t, "hy-9", "water_level_over_guaranteed").Severity)
		r.feed(t, "hy-9", "water_level_m", 1087.2) // below both clear levels
		require.Equal(t, model.AlarmCleared, r.store.all("hy-9", "water_level_over_warning")[0].Status)
		require.Equal(t, model.AlarmCleared, r.store.all("hy-9", "water_level_over_guaranteed")[0].Status)
		// Rate of rise, a derived value judged by the level_rising_fast rule,
		// over 30 min once the samples span 7.5 min: minutes 1–6 span 5.
		_, ok := r.e.View(dev).Derived["level_rise_mh"]
		require.False(t, ok, "five minutes of samples give no rate yet")
		r.feed(t, "hy-9", "water_level_m", 1087.2, 1087.2, 1087.2) // minute 9: 1087.6 → 1087.2 over 8 min
		require.InDelta(t, (1087.2-1087.6)/(8.0/60), r.e.View(dev).Derived["level_rise_mh"], 1e-9)
		lines := r.e.View(dev).Lines
		require.Len(t, lines, 2, "once the station reports, lines only for what it sends: no supply_v line")
		require.Equal(t, "water_level_m", lines[1].Metric)
	})
}

// Only N-flagged samples may raise an exceedance alarm; others are stored
// and shown with their flag.
func TestOnlyFlagNRaisesExceedance(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		ts := t0.Add(8 * time.Hour)
		for i := range 4 {
			r.at(t, "aq-1", ts.Add(time.Duration(i)*time.Minute), map[string]float64{"pm25_ugm3": 200}, map[string]string{"pm25_ugm3": "M"})
		}
		require.Empty(t, r.store.all("aq-1", ""), "flag M (maintenance) data raises nothing")
		v := r.e.View(testDevices["aq-1"])
		require.Equal(t, 200.0, v.Values["pm25_ugm3"])
		require.Equal(t, "M", v.Flags["pm25_ugm3"])
		require.Nil(t, v.AQI, "nor does it feed the index")
		for i := range 3 {
			r.at(t, "aq-1", ts.Add(time.Duration(10+i)*time.Minute), map[string]float64{"pm25_ugm3": 200}, map[string]string{"pm25_ugm3": "N"})
		}
		require.Equal(t, 200.0, r.active(t, "aq-1", "pm25_over_limit").Value)
	})
}

// AQI through the engine, computed by hand from HJ 633-2012 Table 1: the
// hourly report uses each pollutant's mean over the clock hour (SO2, NO2,
// CO, O3) and the 24-hour mean of hourly means (PM10, PM2.5).
func TestAQIByHand(t *testing.T) {
	air := func(pm25, pm10, so2, no2, co, o3 float64) map[string]float64 {
		return map[string]float64{"pm25_ugm3": pm25, "pm10_ugm3": pm10, "so2_ugm3": so2, "no2_ugm3": no2, "co_mgm3": co, "o3_ugm3": o3}
	}
	h8 := t0.Add(8 * time.Hour)
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		t.Run("one primary pollutant", func(t *testing.T) {
			r := newRig(t, newStore())
			r.at(t, "aq-1", h8.Add(10*time.Minute), air(80, 100, 10, 40, 0.5, 100), nil)
			// PM2.5 80: (150−100)/(115−75)·(80−75)+100 = 106.25 → 107
			// PM10 100: (100−50)/(150−50)·(100−50)+50 = 75; SO2 1h 10: 50/150·10 = 3.33 → 4
			// NO2 1h 40: 50/100·40 = 20; CO 1h 0.5: 50/5·0.5 = 5; O3 1h 100: 50/160·100 = 31.25 → 32
			a := r.e.View(testDevices["aq-1"]).AQI
			require.NotNil(t, a)
			require.Equal(t, engine.AQIView{AQI: 107, Level: 3, Category: "轻度污染", Colour: "#FF7E00",
				Primary: []string{"PM2.5"}, Exceeding: []string{"PM2.5"},
				IAQI: map[string]int{"PM2.5": 107, "PM10": 75, "SO2": 4, "NO2": 20, "CO": 5, "O3": 32}, Hours: 1, Hour: h8}, *a)
			// A second sample in the hour: the hour's mean PM2.5 is 85 →
			// 50/40·10+100 = 112.5 → 113.
			r.at(t, "aq-1", h8.Add(20*time.Minute), air(90, 100, 10, 40, 0.5, 100), nil)
			require.Equal(t, 113, r.e.View(testDevices["aq-1"]).AQI.AQI)
			require.Equal(t, 113.0, r.e.View(testDevices["aq-1"]).Derived["aqi"])
		})
		t.Run("a tie lists every primary pollutant", func(t *testing.T) {
			r := newRig(t, newStore())
			// PM2.5 115 → 150 exactly; PM10 250 → 150 exactly; the rest low.
			r.at(t, "aq-1", h8, air(115, 250, 10, 40, 0.5, 100), nil)
			a := r.e.View(testDevices["aq-1"]).AQI
			require.Equal(t, 150, a.AQI)
			require.Equal(t, []string{"PM10", "PM2.5"}, a.Primary, "Table 1 order")
			require.Equal(t, "轻度污染", a.Category, "101–150 is 轻度污染")
		})
		t.Run("SO2 1-hour above 800 takes the 24-hour sub-index", func(t *testing.T) {
			r := newRig(t, newStore())
			r.at(t, "aq-1", h8.Add(-30*time.Minute), map[string]float64{"so2_ugm3": 100}, nil) // the 07:00 hour: 100
			r.at(t, "aq-1", h8.Add(5*time.Minute), map[string]float64{"so2_ugm3": 900}, nil)   // the 08:00 hour: 900
			// SO2 1h 900 > 800: not indexed; SO2 24h = (100+900)/2 = 500 →
			// (200−150)/(800−475)·(500−475)+150 = 153.85 → 154.
			a := r.e.View(testDevices["aq-1"]).AQI
			require.Equal(t, 154, a.AQI)
			require.Equal(t, []string{"SO2"}, a.Primary)
			require.Equal(t, 2, a.Hours)
		})
		t.Run("O3 8-hour above 800 takes the 1-hour sub-index in the 24-hour report", func(t *testing.T) {
			r := newRig(t, newStore())
			r.at(t, "aq-1", h8, map[string]float64{"o3_ugm3": 900}, nil)
			// Daily: O3 8h = 900 > 800 → O3 1h (the day's maximum, 900):
			// (400−300)/(1000−800)·(900−800)+300 = 350.
			v := r.e.View(testDevices["aq-1"])
			require.Equal(t, 350, v.AQI24h.AQI)
			require.Equal(t, []string{"O3"}, v.AQI24h.Primary)
			// Hourly: O3 1h 900 → the same 350.
			require.Equal(t, 350, v.AQI.AQI)
			require.Equal(t, "严重污染", v.AQI.Category)
			require.Equal(t, "#7E0023", v.AQI.Colour)
		})
		t.Run("AQI 50 or below names no primary pollutant", func(t *testing.T) {
			r := newRig(t, newStore())
			r.at(t, "aq-1", h8, air(20, 40, 5, 20, 0.3, 60), nil)
			// PM2.5 20: 50/35·20 = 28.57 → 29; PM10 40: 50/50·40 = 40; O3 60: 18.75 → 19
			a := r.e.View(testDevices["aq-1"]).AQI
			require.Equal(t, 40, a.AQI)
			require.Equal(t, "优", a.Category)
			require.Empty(t, a.Primary)
		})
		t.Run("heavy pollution raises the AQI alarm, its band follows", func(t *testing.T) {
			r := newRig(t, newStore())
			r.at(t, "aq-1", h8, air(160, 100, 10, 40, 0.5, 100), nil)
			// PM2.5 160: (300−200)/(250−150)·(160−150)+200 = 210
			a := r.active(t, "aq-1", "air_heavy_pollution")
			require.Equal(t, 210.0, a.Value)
			require.Equal(t, model.SeverityMajor, a.Severity)
			r.at(t, "aq-1", h8.Add(time.Minute), air(400, 100, 10, 40, 0.5, 100), nil)
			// hour mean (160+400)/2 = 280: (400−300)/(350−250)·(280−250)+300 = 330
			a = r.active(t, "aq-1", "air_heavy_pollution")
			require.Equal(t, 330.0, a.Value)
			require.Equal(t, model.SeverityCritical, a.Severity)
		})
	})
}

// GB 3838-2002 class by the worst single factor, with exceedance multiples
// against the station's target class; rivers and lakes differ on TP.
func TestWaterClassByHand(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		river := model.Device{ID: "wq-1", Kind: "pollution", Name: "额济纳河断面", RegionCode: "152923", Lon: 101.0, Lat: 41.9,
			Params: map[string]float64{"station_type": 1, "water_target_class": 3}}
		lake := model.Device{ID: "wq-2", Kind: "pollution", Name: "居延海断面", RegionCode: "152923", Lon: 101.2, Lat: 42.3,
			Params: map[string]float64{"station_type": 1, "water_target_class": 3, "water_body": 1}}
		r.addDevice(river)
		r.addDevice(lake)
		// COD 25: I/II ≤ 15, III ≤ 20, IV ≤ 30 → IV; NH3-N 0.4 → II (≤ 0.5);
		// TP 0.1 in a river → II (≤ 0.1); DO 6 → II (≥ 6); pH 7.5 in 6–9.
		// Worst single factor: COD, class IV; against III its multiple is
		// (25 − 20)/20 = 0.25.
		sample := map[string]float64{"cod_mgl": 25, "nh3n_mgl": 0.4, "tp_mgl": 0.1, "do_mgl": 6, "ph": 7.5}
		r.at(t, "wq-1", t0.Add(time.Minute), sample, nil)
		w := r.e.View(river).Water
		require.NotNil(t, w)
		limit, mult := 20.0, 0.25
		require.Equal(t, engine.WaterView{Class: "IV", ClassN: 4, Determining: []string{"cod_mgl"}, Target: "III",
			Exceeding: []engine.WaterExceedance{{Factor: "cod_mgl", Value: 25, Class: "IV", Limit: &limit, Multiple: &mult}}}, *w)
		require.Empty(t, r.store.all("wq-1", "water_quality_below_target"), "two consecutive samples needed")
		r.at(t, "wq-1", t0.Add(2*time.Minute), sample, nil)
		require.Equal(t, 4.0, r.active(t, "wq-1", "water_quality_below_target").Value)

		// In a lake TP 0.1 is class IV (II ≤ 0.025, III ≤ 0.05, IV ≤ 0.1):
		// COD and TP tie for the worst; TP's multiple is (0.1 − 0.05)/0.05 = 1.
		r.at(t, "wq-2", t0.Add(time.Minute), sample, nil)
		w = r.e.View(lake).Water
		require.Equal(t, "IV", w.Class)
		require.Equal(t, []string{"cod_mgl", "tp_mgl"}, w.Determining)
		require.Len(t, w.Exceeding, 2)
		require.Equal(t, "tp_mgl", w.Exceeding[1].Factor)
		require.InDelta(t, 1.0, *w.Exceeding[1].Multiple, 1e-12)

		// An air station is not classified even if it sends a COD value.
		r.at(t, "aq-1", t0.Add(time.Minute), map[string]float64{"cod_mgl": 25}, nil)
		require.Nil(t, r.e.View(testDevices["aq-1"]).Water)
	})
}

// Elevator entrapment inferred from telemetry: someone in the car, door
// shut, not moving for 60 s; it clears when the condition ends.
func TestElevatorEntrapmentInferred(t *testing.T) {
	stuck := map[string]float64{"person_present": 1, "door_open": 0, "speed_ms": 0, "in_door_zone": 1}
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		for s := 0; s <= 50; s += 10 {
			r.at(t, "el-1", t0.Add(time.Duration(s)*time.Second), stuck, nil)
		}
		require.Empty(t, r.store.all("el-1", "entrapment"), "50 s is not yet 60")
		r.at(t, "el-1", t0.Add(60*time.Second), stuck, nil)
		a := r.active(t, "el-1", "entrapment")
		require.Equal(t, model.SeverityCritical, a.Severity)
		require.Equal(t, "elevator", a.Category)
		r.at(t, "el-1", t0.Add(70*time.Second), stuck, nil)
		require.Equal(t, 2, r.active(t, "el-1", "entrapment").Count)
		r.at(t, "el-1", t0.Add(80*time.Second), map[string]float64{"door_open": 1}, nil) // rescued: the door opens
		require.Equal(t, model.AlarmCleared, r.store.all("el-1", "entrapment")[0].Status)

		// A break in the condition restarts the 60 s.
		r.at(t, "el-1", t0.Add(100*time.Second), stuck, nil)
		r.at(t, "el-1", t0.Add(140*time.Second), map[string]float64{"speed_ms": 0.8}, nil)
		r.at(t, "el-1", t0.Add(150*time.Second), stuck, nil)
		r.at(t, "el-1", t0.Add(200*time.Second), stuck, nil)
		require.Len(t, r.store.all("el-1", "entrapment"), 1, "no new alarm: 50 s since the break")
		r.at(t, "el-1", t0.Add(210*time.Second), stuck, nil)
		require.Len(t, r.store.all("el-1", "entrapment"), 2)
	})
}

// Stopped outside the door zone for at least 45 s.
func TestElevatorStoppedOutsideDoorZone(t *testing.T) {
	r := newRig(t, nil)
	out := map[string]float64{"in_door_zone": 0, "speed_ms": 0, "person_present": 0, "door_open": 0}
	r.at(t, "el-1", t0, out, nil)
	r.at(t, "el-1", t0.Add(40*time.Second), out, nil)
	require.Empty(t, r.store.all("el-1", "stopped_outside_door_zone"))
	r.at(t, "el-1", t0.Add(45*time.Second), out, nil)
	require.Equal(t, model.SeverityMajor, r.active(t, "el-1", "stopped_outside_door_zone").Severity)
	require.Empty(t, r.store.all("el-1", "entrapment"), "nobody in the car")
	r.at(t, "el-1", t0.Add(50*time.Second), map[string]float64{"in_door_zone": 1}, nil)
	require.Equal(t, model.AlarmCleared, r.store.all("el-1", "stopped_outside_door_zone")[0].Status)
}

// The terminal's own entrapment event opens the alarm; telemetry that never
// showed the car stuck does not clear it, telemetry that shows it stuck and
// then freed does.
func TestElevatorEntrapmentEvent(t *testing.T) {
	r := newRig(t, nil)
	r.ev(t, "el-1", "entrapment", t0, map[string]any{"floor": 7.0, "at_floor": false})
	require.Equal(t, model.SeverityCritical, r.active(t, "el-1", "entrapment").Severity)
	r.at(t, "el-1", t0.Add(10*time.Second), map[string]float64{"person_present": 0, "door_open": 0, "speed_ms": 0}, nil)
	r.active(t, "el-1", "entrapment") // still active: a sensor may miss a person
	r.at(t, "el-1", t0.Add(20*time.Second), map[string]float64{"person_present": 1}, nil)
	r.at(t, "el-1", t0.Add(30*time.Second), map[string]float64{"door_open": 1}, nil)
	require.Equal(t, model.AlarmCleared, r.store.all("el-1", "entrapment")[0].Status)
}

// An event that ends another alarm (power restored ends power loss).
func TestEventClearsAnother(t *testing.T) {
	r := newRig(t, nil)
	r.ev(t, "el-1", "power_loss", t0, nil)
	r.active(t, "el-1", "power_loss")
	r.ev(t, "el-1", "power_restored", t0.Add(time.Minute), nil)
	require.Equal(t, model.AlarmCleared, r.store.all("el-1", "power_loss")[0].Status)
	require.Empty(t, r.store.all("el-1", "power_restored"), "the ending event raises nothing")
}

// Absence: a metric the station sent before falls silent for 10 intervals
// while the station keeps reporting; it clears when the metric returns. A
// metric a device never sent is not absent.
func TestAbsenceRule(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		ctx := context.Background()
		r.at(t, "hy-1", t0, map[string]float64{"rain_mm": 0, "water_level_m": 900}, nil)
		for m := 1; m <= 9; m++ {
			r.at(t, "hy-1", t0.Add(time.Duration(m)*time.Minute), map[string]float64{"water_level_m": 900}, nil)
		}
		r.e.Sweep(ctx, now)
		require.Empty(t, r.store.all("hy-1", "rain_gauge_silent"), "9 minutes of silence")
		r.at(t, "hy-1", t0.Add(10*time.Minute), map[string]float64{"water_level_m": 900}, nil)
		r.e.Sweep(ctx, now)
		a := r.active(t, "hy-1", "rain_gauge_silent")
		require.Equal(t, "device", a.Category)
		require.Zero(t, a.IncidentID, "equipment faults are for the operator, not incidents")
		r.e.Sweep(ctx, now)
		require.Len(t, r.store.all("hy-1", "rain_gauge_silent"), 1)
		r.at(t, "hy-1", t0.Add(11*time.Minute), map[string]float64{"rain_mm": 0.5}, nil)
		require.Equal(t, model.AlarmCleared, r.store.all("hy-1", "rain_gauge_silent")[0].Status)

		r.at(t, "hy-2", t0, map[string]float64{"water_level_m": 900}, nil)
		r.at(t, "hy-2", t0.Add(30*time.Minute), map[string]float64{"water_level_m": 900}, nil)
		r.e.Sweep(ctx, now)
		require.Empty(t, r.store.all("hy-2", "rain_gauge_silent"))
	})
}

// Auto-clear: an event alarm clears when its event has not been seen again
// for the event's auto_clear_s; seeing it again restarts the wait.
func TestEventAutoClear(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		ctx := context.Background()
		r.ev(t, "el-1", "alarm_button", t0, nil) // auto_clear_s: 600
		r.e.Sweep(ctx, t0.Add(599*time.Second))
		r.active(t, "el-1", "alarm_button")
		r.ev(t, "el-1", "alarm_button", t0.Add(500*time.Second), nil) // pressed again
		r.e.Sweep(ctx, t0.Add(1000*time.Second))
		require.Equal(t, 2, r.active(t, "el-1", "alarm_button").Count)
		r.e.Sweep(ctx, t0.Add(1100*time.Second))
		all := r.store.all("el-1", "alarm_button")
		require.Len(t, all, 1)
		require.Equal(t, model.AlarmCleared, all[0].Status)
		require.Contains(t, all[0].Message, "自动解除")
		// Events without auto_clear_s stay until cleared otherwise.
		r.ev(t, "el-1", "overspeed", t0, nil)
		r.e.Sweep(ctx, t0.Add(48*time.Hour))
		r.active(t, "el-1", "overspeed")
	})
}

// Online rate overall, per kind and per region.
func TestOnlineRate(t *testing.T) {
	r := newRig(t, nil)
	r.feed(t, "hy-1", "water_level_m", 900)
	r.feed(t, "aq-1", "pm25_ugm3", 10)
	s := r.e.Online()
	require.Equal(t, engine.OnlineCount{Total: 6, Online: 2, Rate: 2.0 / 6}, s.All)
	require.Equal(t, engine.OnlineCount{Total: 2, Online: 1, Rate: 0.5}, s.ByKind["hydrology"])
	require.Equal(t, engine.OnlineCount{Total: 4, Online: 1, Rate: 0.25}, s.ByRegion["152921"])
	require.Equal(t, engine.OnlineCount{Total: 2, Online: 1, Rate: 0.5}, s.ByRegion["152923"])
}

// A device's overrides: its own bands and count, or the rule turned off.
func TestRuleOverridesPerDevice(t *testing.T) {
	r := newRig(t, nil)
	own := model.Device{ID: "hy-8", Kind: "hydrology", Name: "自定站", RegionCode: "152921", Lon: 105.7, Lat: 38.8,
		RuleOverrides: map[string]model.RuleOverride{
			"water_level_warning": {Value: 1000, Clear: 999, Consecutive: 1,
				Bands: []model.RuleBand{{Value: 1001, Clear: 1000.5, Severity: model.SeverityCritical}}},
			"water_level_guaranteed": {Off: true},
			"level_rising_fast":      {Off: true}}}
	r.addDevice(own)
	r.feed(t, "hy-8", "water_level_m", 1000.5)
	require.Equal(t, model.SeverityMajor, r.active(t, "hy-8", "water_level_over_warning").Severity, "one sample is enough here")
	r.feed(t, "hy-8", "water_level_m", 1200)
	require.Equal(t, model.SeverityCritical, r.active(t, "hy-8", "water_level_over_warning").Severity, "its own band")
	require.Empty(t, r.store.all("hy-8", "water_level_over_guaranteed"), "turned off for this station")
	for _, l := range r.e.View(own).Lines {
		require.NotEqual(t, "water_level_guaranteed", l.Rule, "a rule turned off draws no line")
	}
}
