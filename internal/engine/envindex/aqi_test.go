package envindex

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every expected IAQI below is worked by hand from HJ 633-2012 Table 1 with
// IAQI = (IAQI_Hi − IAQI_Lo)/(BP_Hi − BP_Lo) × (C − BP_Lo) + IAQI_Lo,
// rounded up.
func TestHourlyAQI(t *testing.T) {
	tests := []struct {
		desc      string
		in        Concentrations
		aqi       int
		iaqi      map[Pollutant]int
		primary   []Pollutant
		exceeding []Pollutant
		level     int
		category  string
		rgb       string
	}{
		{
			// SO2 1h 12:   0–150  → 50/150×12            = 4
			// NO2 1h 28:   0–100  → 50/100×28            = 14
			// PM10 24h 80: 50–150 → 50 + 50/100×30       = 65
			// CO 1h 0.6:   0–5    → 50/5×0.6             = 6
			// O3 1h 96:    0–160  → 50/160×96            = 30
			// PM2.5 24h 80: 75–115 → 100 + 50/40×5 = 106.25 → 107
			desc: "ordinary: PM2.5 primary, rounded up",
			in: Concentrations{SO2Avg1h: 12, NO2Avg1h: 28, PM10Avg24h: 80,
				COAvg1h: 0.6, O3Avg1h: 96, PM25Avg24h: 80},
			aqi:     107,
			iaqi:    map[Pollutant]int{SO2: 4, NO2: 14, PM10: 65, CO: 6, O3: 30, PM25: 107},
			primary: []Pollutant{PM25}, exceeding: []Pollutant{PM25},
			level: 3, category: "轻度污染", rgb: "#FF7E00",
		},
		{
			// PM10 24h 201:   150–250 → 100 + 50/100×51   = 125.5   → 126
			// PM2.5 24h 95.5: 75–115  → 100 + 50/40×20.5  = 125.625 → 126
			// O3 1h 50:       0–160   → 50/160×50         = 15.625  → 16
			// The tie exists only after rounding up; both are listed.
			desc:      "tie: PM10 and PM2.5 both primary",
			in:        Concentrations{PM10Avg24h: 201, PM25Avg24h: 95.5, O3Avg1h: 50},
			aqi:       126,
			iaqi:      map[Pollutant]int{PM10: 126, PM25: 126, O3: 16},
			primary:   []Pollutant{PM10, PM25},
			exceeding: []Pollutant{PM10, PM25},
			level:     3, category: "轻度污染", rgb: "#FF7E00",
		},
		{
			// SO2 1h 900 > 800: not indexed (Table 1 note); use SO2 24h 300:
			//   150–475 → 100 + 50/325×150 = 100 + 23.08 = 123.08 → 124
			// NO2 1h 50: 0–100 → 25
			desc:      "SO2 1-hour above 800 uses the 24-hour average",
			in:        Concentrations{SO2Avg1h: 900, SO2Avg24h: 300, NO2Avg1h: 50},
			aqi:       124,
			iaqi:      map[Pollutant]int{SO2: 124, NO2: 25},
			primary:   []Pollutant{SO2},
			exceeding: []Pollutant{SO2},
			level:     3, category: "轻度污染", rgb: "#FF7E00",
		},
		{
			// SO2 1h exactly 800: still on the 1-h table, 650–800 → 200.
			// The 24-h value (300) is not used.
			desc:    "SO2 1-hour exactly 800 stays on the 1-hour table",
			in:      Concentrations{SO2Avg1h: 800, SO2Avg24h: 300},
			aqi:     200,
			iaqi:    map[Pollutant]int{SO2: 200},
			primary: []Pollutant{SO2}, exceeding: []Pollutant{SO2},
			level: 4, category: "中度污染", rgb: "#FF0000",
		},
		{
			// PM2.5 24h 4.9:  0–35  → 50/35×4.9     = 7 exactly
			//   (float64 gives 7.000000000000001 and would ceil to 8)
			// CO 1h 65.4:     60–90 → 200 + 100/30×5.4 = 218 exactly
			//   (float64 gives 218.00000000000003 → 219)
			// NO2 1h 200: on the 100–200 breakpoint → 100
			desc:      "values landing exactly on integers: no round-up slip",
			in:        Concentrations{PM25Avg24h: 4.9, COAvg1h: 65.4, NO2Avg1h: 200},
			aqi:       218,
			iaqi:      map[Pollutant]int{PM25: 7, CO: 218, NO2: 100},
			primary:   []Pollutant{CO},
			exceeding: []Pollutant{CO},
			level:     5, category: "重度污染", rgb: "#99004C",
		},
		{
			// SO2 1h 150 → 50 (breakpoint); NO2 1h 10 → 5; PM2.5 24h 35 → 50.
			// AQI 50 ≤ 50: no primary pollutant although two tie at 50.
			desc:  "AQI 50: no primary pollutant",
			in:    Concentrations{SO2Avg1h: 150, NO2Avg1h: 10, PM25Avg24h: 35},
			aqi:   50,
			iaqi:  map[Pollutant]int{SO2: 50, NO2: 5, PM25: 50},
			level: 1, category: "优", rgb: "#00E400",
		},
		{
			// PM2.5 24h 400: 350–500 → 400 + 100/150×50 = 433.33 → 434
			// PM10 24h 600: top breakpoint exactly → 500, not capped
			desc:      "highest band",
			in:        Concentrations{PM25Avg24h: 400, PM10Avg24h: 600},
			aqi:       500,
			iaqi:      map[Pollutant]int{PM25: 434, PM10: 500},
			primary:   []Pollutant{PM10},
			exceeding: []Pollutant{PM10, PM25},
			level:     6, category: "严重污染", rgb: "#7E0023",
		},
		{
			// NaN SO2 is missing and skipped.
			// NO2 1h 150: 100–200 → 50 + 50/100×50 = 75
			desc:    "NaN is missing",
			in:      Concentrations{SO2Avg1h: math.NaN(), NO2Avg1h: 150},
			aqi:     75,
			iaqi:    map[Pollutant]int{NO2: 75},
			primary: []Pollutant{NO2},
			level:   2, category: "良", rgb: "#FFFF00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := HourlyAQI(tt.in)
			require.NoError(t, err)
			requireResult(t, got, tt.aqi, tt.iaqi, tt.primary, tt.exceeding)
			require.Equal(t, tt.level, got.Band.Level)
			require.Equal(t, tt.category, got.Band.Category)
			require.Equal(t, tt.rgb, got.Band.RGB)
		})
	}
}

func TestDailyAQI(t *testing.T) {
	tests := []struct {
		desc      string
		in        Concentrations
		aqi       int
		iaqi      map[Pollutant]int
		primary   []Pollutant
		exceeding []Pollutant
		category  string
	}{
		{
			// SO2 24h 60:   50–150  → 50 + 50/100×10   = 55
			// NO2 24h 90:   80–180  → 100 + 50/100×10  = 105
			// PM10 24h 120: 50–150  → 50 + 50/100×70   = 85
			// CO 24h 2.2:   2–4     → 50 + 50/2×0.2    = 55 exactly
			//   (float64 gives 55.00000000000001 → 56)
			// O3 8h 170:    160–215 → 100 + 50/55×10   = 109.09 → 110
			// PM2.5 24h 70: 35–75   → 50 + 50/40×35    = 93.75  → 94
			// O3 1h 250 is not used: O3 8h ≤ 800.
			desc: "ordinary daily: O3 8-hour primary",
			in: Concentrations{SO2Avg24h: 60, NO2Avg24h: 90, PM10Avg24h: 120,
				COAvg24h: 2.2, O3Avg8h: 170, PM25Avg24h: 70, O3Avg1h: 250},
			aqi:       110,
			iaqi:      map[Pollutant]int{SO2: 55, NO2: 105, PM10: 85, CO: 55, O3: 110, PM25: 94},
			primary:   []Pollutant{O3},
			exceeding: []Pollutant{NO2, O3},
			category:  "轻度污染",
		},
		{
			// O3 8h 850 > 800: not indexed (Table 1 note); use O3 1h 900:
			//   800–1000 → 300 + 100/200×100 = 350
			// PM2.5 24h 60: 35–75 → 50 + 50/40×25 = 81.25 → 82
			desc:      "O3 8-hour above 800 uses the 1-hour average",
			in:        Concentrations{O3Avg8h: 850, O3Avg1h: 900, PM25Avg24h: 60},
			aqi:       350,
			iaqi:      map[Pollutant]int{O3: 350, PM25: 82},
			primary:   []Pollutant{O3},
			exceeding: []Pollutant{O3},
			category:  "严重污染",
		},
		{
			// O3 8h exactly 800: last 8-h breakpoint → 300; 1 h not used.
			desc:      "O3 8-hour exactly 800 stays on the 8-hour table",
			in:        Concentrations{O3Avg8h: 800, O3Avg1h: 1100},
			aqi:       300,
			iaqi:      map[Pollutant]int{O3: 300},
			primary:   []Pollutant{O3},
			exceeding: []Pollutant{O3},
			category:  "重度污染",
		},
		{
			// PM2.5 24h 75 and CO 24h 14 sit on breakpoints → 100 and 150.
			desc:      "breakpoints exactly",
			in:        Concentrations{PM25Avg24h: 75, COAvg24h: 14},
			aqi:       150,
			iaqi:      map[Pollutant]int{PM25: 100, CO: 150},
			primary:   []Pollutant{CO},
			exceeding: []Pollutant{CO},
			category:  "轻度污染",
		},
		{
			// PM2.5 24h 620 > 500 (top breakpoint): capped at 500.
			desc:      "above the top breakpoint is capped at 500",
			in:        Concentrations{PM25Avg24h: 620, SO2Avg24h: 10},
			aqi:       500,
			iaqi:      map[Pollutant]int{PM25: 500, SO2: 10},
			primary:   []Pollutant{PM25},
			exceeding: []Pollutant{PM25},
			category:  "严重污染",
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := DailyAQI(tt.in)
			require.NoError(t, err)
			requireResult(t, got, tt.aqi, tt.iaqi, tt.primary, tt.exceeding)
			require.Equal(t, tt.category, got.Band.Category)
		})
	}
}

func TestSubIndexFlags(t *testing.T) {
	got, err := HourlyAQI(Concentrations{SO2Avg1h: 900, SO2Avg24h: 300})
	require.NoError(t, err)
	require.Equal(t, []SubIndex{{Pollutant: SO2, Measure: SO2Avg24h, Value: 300,
		IAQI: 124, Substituted: true}}, got.Indices)
	require.False(t, got.Capped)

	got, err = DailyAQI(Concentrations{PM25Avg24h: 620})
	require.NoError(t, err)
	require.True(t, got.Capped)
	require.True(t, got.Indices[0].Capped)
}

func TestAQIErrors(t *testing.T) {
	tests := []struct {
		desc  string
		daily bool
		in    Concentrations
		err   error
	}{
		{desc: "empty", in: Concentrations{}, err: ErrNoPollutant},
		{desc: "only NaN", in: Concentrations{PM25Avg24h: math.NaN()}, err: ErrNoPollutant},
		{desc: "only measures the report does not use", in: Concentrations{SO2Avg24h: 10, O3Avg8h: 5}, err: ErrNoPollutant},
		{desc: "negative", in: Concentrations{NO2Avg1h: -1}, err: ErrNegative},
		{desc: "infinite", in: Concentrations{COAvg1h: math.Inf(1)}, err: ErrNotFinite},
		{desc: "SO2 > 800 without 24-h", in: Concentrations{SO2Avg1h: 801}, err: ErrFallbackMissing},
		{desc: "SO2 > 800 with NaN 24-h", in: Concentrations{SO2Avg1h: 801, SO2Avg24h: math.NaN()}, err: ErrFallbackMissing},
		{desc: "O3 8-h > 800 without 1-h", daily: true, in: Concentrations{O3Avg8h: 801}, err: ErrFallbackMissing},
		{desc: "O3 8-h > 800 with negative 1-h", daily: true, in: Concentrations{O3Avg8h: 801, O3Avg1h: -2}, err: ErrNegative},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			f := HourlyAQI
			if tt.daily {
				f = DailyAQI
			}
			_, err := f(tt.in)
			require.ErrorIs(t, err, tt.err)
		})
	}
}

func TestBandOf(t *testing.T) {
	tests := []struct {
		desc string
		aqi  int
		want string
	}{
		{desc: "0", aqi: 0, want: "优"}, {desc: "50", aqi: 50, want: "优"},
		{desc: "51", aqi: 51, want: "良"}, {desc: "100", aqi: 100, want: "良"},
		{desc: "101", aqi: 101, want: "轻度污染"}, {desc: "151", aqi: 151, want: "中度污染"},
		{desc: "201", aqi: 201, want: "重度污染"}, {desc: "300", aqi: 300, want: "重度污染"},
		{desc: "301", aqi: 301, want: "严重污染"}, {desc: "500", aqi: 500, want: "严重污染"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			require.Equal(t, tt.want, BandOf(tt.aqi).Category)
		})
	}
}

func requireResult(t *testing.T, got Result, aqi int, iaqi map[Pollutant]int, primary, exceeding []Pollutant) {
	t.Helper()
	require.Equal(t, aqi, got.AQI)
	gotIAQI := map[Pollutant]int{}
	for _, s := range got.Indices {
		gotIAQI[s.Pollutant] = s.IAQI
	}
	require.Equal(t, iaqi, gotIAQI)
	require.Equal(t, primary, got.Primary)
	require.Equal(t, exceeding, got.Exceeding)
}

func FuzzHourlyAQI(f *testing.F) {
	f.Add(12.0, 300.0, 28.0, 0.6, 96.0, 80.0, 80.0)
	f.Add(900.0, 300.0, 50.0, 65.4, 1300.0, 201.0, 95.5)
	f.Add(150.0, 0.0, 0.0, 0.0, 0.0, 600.0, 4.9)
	f.Fuzz(func(t *testing.T, so2, so2d, no2, co, o3, pm10, pm25 float64) {
		in := Concentrations{}
		for m, v := range map[Measure]float64{SO2Avg1h: so2, SO2Avg24h: so2d,
			NO2Avg1h: no2, COAvg1h: co, O3Avg1h: o3, PM10Avg24h: pm10, PM25Avg24h: pm25} {
			if v = math.Abs(v); !math.IsInf(v, 0) {
				in[m] = v // NaN stays: it means missing
			}
		}
		got, err := HourlyAQI(in)
		if err != nil {
			require.ErrorIs(t, err, ErrFallbackMissing) // SO2 24-h NaN or Inf
			return
		}
		top := 0
		for _, s := range got.Indices {
			require.GreaterOrEqual(t, s.IAQI, 0)
			require.LessOrEqual(t, s.IAQI, MaxAQI)
			top = max(top, s.IAQI)
		}
		require.Equal(t, top, got.AQI)
		require.Equal(t, got.AQI <= 50, len(got.Primary) == 0)
		require.Equal(t, BandOf(got.AQI), got.Band)
	})
}
