package envindex

import (
	"math"
	"strconv"
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
			// NO2 24h 80:   on the 40–80 / 50–100 breakpoint → 100
			// PM2.5 24h 75: on the 35–75 / 50–100 breakpoint → 100
			// SO2 24h 100:  50–150 → 50 + 50/100×50 = 75
			// Tie at 100: both primary; IAQI 100 is not > 100, so nothing
			// is 超标 although the day is at the top of 良.
			desc:     "tie at 100: two primary pollutants, none exceeding",
			in:       Concentrations{NO2Avg24h: 80, PM25Avg24h: 75, SO2Avg24h: 100},
			aqi:      100,
			iaqi:     map[Pollutant]int{NO2: 100, PM25: 100, SO2: 75},
			primary:  []Pollutant{NO2, PM25},
			category: "良",
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

	// SO2 1h 1000 > 800 → SO2 24h 3000, above its top breakpoint 2620:
	// substituted and then capped at 500.
	got, err = HourlyAQI(Concentrations{SO2Avg1h: 1000, SO2Avg24h: 3000})
	require.NoError(t, err)
	require.Equal(t, []SubIndex{{Pollutant: SO2, Measure: SO2Avg24h, Value: 3000,
		IAQI: MaxAQI, Capped: true, Substituted: true}}, got.Indices)
	require.True(t, got.Capped)

	// O3 8h 900 > 800 → O3 1h 1100: 1000–1200 → 400 + 100/200×100 = 450,
	// substituted, not capped.
	got, err = DailyAQI(Concentrations{O3Avg8h: 900, O3Avg1h: 1100})
	require.NoError(t, err)
	require.Equal(t, []SubIndex{{Pollutant: O3, Measure: O3Avg1h, Value: 1100,
		IAQI: 450, Substituted: true}}, got.Indices)
	require.False(t, got.Capped)
}

// TestIAQIPerMeasure checks one interior point of every Table 1 row, each
// worked by hand from the row's two neighbouring breakpoints, so a typo in
// any row shows up here and not only in the breakpoints themselves.
func TestIAQIPerMeasure(t *testing.T) {
	tests := []struct {
		desc  string
		daily bool
		m     Measure
		c     float64
		want  int
	}{
		// SO2 24h 1000: 800–1600 → 200 + 100/800×200 = 225
		{desc: "SO2 24h", daily: true, m: SO2Avg24h, c: 1000, want: 225},
		// SO2 1h 600: 500–650 → 100 + 50/150×100 = 133.33 → 134
		{desc: "SO2 1h", m: SO2Avg1h, c: 600, want: 134},
		// NO2 24h 600: 565–750 → 300 + 100/185×35 = 318.92 → 319
		{desc: "NO2 24h", daily: true, m: NO2Avg24h, c: 600, want: 319},
		// NO2 1h 2500: 2340–3090 → 300 + 100/750×160 = 321.33 → 322
		{desc: "NO2 1h", m: NO2Avg1h, c: 2500, want: 322},
		// PM10 24h 430: 420–500 → 300 + 100/80×10 = 312.5 → 313
		{desc: "PM10 24h", daily: true, m: PM10Avg24h, c: 430, want: 313},
		// CO 24h 30: 24–36 → 200 + 100/12×6 = 250
		{desc: "CO 24h", daily: true, m: COAvg24h, c: 30, want: 250},
		// CO 1h 100: 90–120 → 300 + 100/30×10 = 333.33 → 334
		{desc: "CO 1h", m: COAvg1h, c: 100, want: 334},
		// O3 1h 160.8: 160–200 → 50 + 50/40×0.8 = 51 exactly
		// (float64 gives 51.000000000000014 and would ceil to 52)
		{desc: "O3 1h", m: O3Avg1h, c: 160.8, want: 51},
		// O3 8h 240: 215–265 → 150 + 50/50×25 = 175
		{desc: "O3 8h", daily: true, m: O3Avg8h, c: 240, want: 175},
		// PM2.5 24h 300: 250–350 → 300 + 100/100×50 = 350
		{desc: "PM2.5 24h", daily: true, m: PM25Avg24h, c: 300, want: 350},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			f := HourlyAQI
			if tt.daily {
				f = DailyAQI
			}
			got, err := f(Concentrations{tt.m: tt.c})
			require.NoError(t, err)
			require.Len(t, got.Indices, 1)
			require.Equal(t, tt.m, got.Indices[0].Measure)
			require.Equal(t, tt.want, got.Indices[0].IAQI)
			require.Equal(t, tt.want, got.AQI)
		})
	}
}

// TestBreakpointTable checks the shape of Table 1: every row starts at 0,
// rises strictly, has a column for each IAQI step it reaches (SO2 1-h stops
// at 200, O3 8-h at 300, the rest at 500), and each breakpoint itself maps
// to its step exactly.
func TestBreakpointTable(t *testing.T) {
	steps := map[Measure]int{SO2Avg1h: 5, O3Avg8h: 6}
	for m, row := range bpRats {
		t.Run(string(m), func(t *testing.T) {
			want, ok := steps[m]
			if !ok {
				want = len(iaqiSteps)
			}
			require.Len(t, row, want)
			require.Zero(t, row[0].Sign())
			for i, bp := range row {
				if i > 0 {
					require.Positive(t, bp.Cmp(row[i-1]), "not rising at %d", i)
				}
				iaqi, capped := iaqiOf(m, bp)
				require.False(t, capped)
				require.Equal(t, iaqiSteps[i], iaqi)
			}
			require.NotEmpty(t, m.Pollutant())
		})
	}
}

// TestAQIBandBoundaries walks the PM2.5 24-h row across every Table 2 band
// boundary. Just above a breakpoint the round-up (进位) already lands in the
// next band:
//
//	35    → 50                                   优
//	35.1  → 50 + 50/40×0.1   = 50.125  → 51      良
//	75    → 100                                  良
//	75.1  → 100 + 50/40×0.1  = 100.125 → 101     轻度污染
//	115   → 150                                  轻度污染
//	115.1 → 150 + 50/35×0.1  = 150.14  → 151     中度污染
//	150   → 200                                  中度污染
//	150.1 → 200 + 100/100×0.1 = 200.1  → 201     重度污染
//	250   → 300                                  重度污染
//	250.1 → 300 + 100/100×0.1 = 300.1  → 301     严重污染
//	500   → 500 (top breakpoint, not capped)     严重污染
//	501   → above 500: capped at 500             严重污染
func TestAQIBandBoundaries(t *testing.T) {
	tests := []struct {
		c      float64
		aqi    int
		level  int
		rgb    string
		capped bool
	}{
		{c: 0, aqi: 0, level: 1, rgb: "#00E400"},
		{c: 35, aqi: 50, level: 1, rgb: "#00E400"},
		{c: 35.1, aqi: 51, level: 2, rgb: "#FFFF00"},
		{c: 75, aqi: 100, level: 2, rgb: "#FFFF00"},
		{c: 75.1, aqi: 101, level: 3, rgb: "#FF7E00"},
		{c: 115, aqi: 150, level: 3, rgb: "#FF7E00"},
		{c: 115.1, aqi: 151, level: 4, rgb: "#FF0000"},
		{c: 150, aqi: 200, level: 4, rgb: "#FF0000"},
		{c: 150.1, aqi: 201, level: 5, rgb: "#99004C"},
		{c: 250, aqi: 300, level: 5, rgb: "#99004C"},
		{c: 250.1, aqi: 301, level: 6, rgb: "#7E0023"},
		{c: 500, aqi: 500, level: 6, rgb: "#7E0023"},
		{c: 501, aqi: 500, level: 6, rgb: "#7E0023", capped: true},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatFloat(tt.c, 'f', -1, 64), func(t *testing.T) {
			got, err := DailyAQI(Concentrations{PM25Avg24h: tt.c})
			require.NoError(t, err)
			require.Equal(t, tt.aqi, got.AQI)
			require.Equal(t, tt.level, got.Band.Level)
			require.Equal(t, tt.rgb, got.Band.RGB)
			require.Equal(t, tt.capped, got.Capped)
			var primary, exceeding []Pollutant
			if tt.aqi > 50 {
				primary = []Pollutant{PM25}
			}
			if tt.aqi > 100 {
				exceeding = []Pollutant{PM25}
			}
			require.Equal(t, primary, got.Primary)
			require.Equal(t, exceeding, got.Exceeding)
		})
	}
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

// TestBandOf checks every field of HJ 633-2012 Table 2 and the Appendix A
// colours (RGB 0,228,0 / 255,255,0 / 255,126,0 / 255,0,0 / 153,0,76 /
// 126,0,35) on both sides of each band boundary.
func TestBandOf(t *testing.T) {
	b1 := Band{1, "一级", "优", "绿色", "#00E400", 50}
	b2 := Band{2, "二级", "良", "黄色", "#FFFF00", 100}
	b3 := Band{3, "三级", "轻度污染", "橙色", "#FF7E00", 150}
	b4 := Band{4, "四级", "中度污染", "红色", "#FF0000", 200}
	b5 := Band{5, "五级", "重度污染", "紫色", "#99004C", 300}
	b6 := Band{6, "六级", "严重污染", "褐红色", "#7E0023", 500}
	tests := []struct {
		aqi  int
		want Band
	}{
		{0, b1}, {50, b1}, {51, b2}, {100, b2}, {101, b3}, {150, b3},
		{151, b4}, {200, b4}, {201, b5}, {300, b5}, {301, b6}, {500, b6},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.aqi), func(t *testing.T) {
			require.Equal(t, tt.want, BandOf(tt.aqi))
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
