package envindex

import "math/big"

// Measure names one pollutant over one averaging window: the keys of
// Concentrations.
type Measure string

// The measures HJ 633-2012 Table 1 has breakpoints for. Units are μg/m³
// except CO, which is mg/m³.
const (
	SO2Avg1h   Measure = "so2_1h"   // SO2 1-hour average
	SO2Avg24h  Measure = "so2_24h"  // SO2 24-hour average
	NO2Avg1h   Measure = "no2_1h"   // NO2 1-hour average
	NO2Avg24h  Measure = "no2_24h"  // NO2 24-hour average
	COAvg1h    Measure = "co_1h"    // CO 1-hour average, mg/m³
	COAvg24h   Measure = "co_24h"   // CO 24-hour average, mg/m³
	O3Avg1h    Measure = "o3_1h"    // O3 1-hour average (daily maximum for the daily report)
	O3Avg8h    Measure = "o3_8h"    // O3 8-hour moving average (daily maximum for the daily report)
	PM10Avg24h Measure = "pm10_24h" // PM10 24-hour (moving) average
	PM25Avg24h Measure = "pm25_24h" // PM2.5 24-hour (moving) average
)

// Pollutant is what a primary pollutant is reported as.
type Pollutant string

// The six pollutants of HJ 633-2012.
const (
	SO2  Pollutant = "SO2"
	NO2  Pollutant = "NO2"
	CO   Pollutant = "CO"
	O3   Pollutant = "O3"
	PM10 Pollutant = "PM10"
	PM25 Pollutant = "PM2.5"
)

// Pollutant returns the pollutant m measures.
func (m Measure) Pollutant() Pollutant { return measurePollutant[m] }

var measurePollutant = map[Measure]Pollutant{
	SO2Avg1h: SO2, SO2Avg24h: SO2, NO2Avg1h: NO2, NO2Avg24h: NO2,
	COAvg1h: CO, COAvg24h: CO, O3Avg1h: O3, O3Avg8h: O3,
	PM10Avg24h: PM10, PM25Avg24h: PM25,
}

// iaqiSteps are the IAQI values of the table's columns.
var iaqiSteps = []int{0, 50, 100, 150, 200, 300, 400, 500}

// breakpoints is HJ 633-2012 《环境空气质量指数（AQI）技术规定（试行）》
// Table 1 「空气质量分指数及对应的污染物项目浓度限值」, one row per measure,
// column i holding BP for IAQI iaqiSteps[i]. The numbers are the standard's
// (checked against the text of HJ 633-2012 as published by the Ministry of
// Environmental Protection, 2012-02-29, and the GB 3095-2012 grade II limits
// that the IAQI 100 column equals: SO2 24h 150 / 1h 500, NO2 80 / 200,
// CO 4 / 10, O3 8h 160 / 1h 200, PM10 150, PM2.5 75). The SO2 1-h row stops
// at 800 (table note 2 of the standard) and the O3 8-h row at 800 (note 3);
// above those the special rules in aqi.go apply.
var breakpoints = map[Measure][]string{
	SO2Avg24h:  {"0", "50", "150", "475", "800", "1600", "2100", "2620"},
	SO2Avg1h:   {"0", "150", "500", "650", "800"},
	NO2Avg24h:  {"0", "40", "80", "180", "280", "565", "750", "940"},
	NO2Avg1h:   {"0", "100", "200", "700", "1200", "2340", "3090", "3840"},
	PM10Avg24h: {"0", "50", "150", "250", "350", "420", "500", "600"},
	COAvg24h:   {"0", "2", "4", "14", "24", "36", "48", "60"},
	COAvg1h:    {"0", "5", "10", "35", "60", "90", "120", "150"},
	O3Avg1h:    {"0", "160", "200", "300", "400", "800", "1000", "1200"},
	O3Avg8h:    {"0", "100", "160", "215", "265", "800"},
	PM25Avg24h: {"0", "35", "75", "115", "150", "250", "350", "500"},
}

// bpRats is breakpoints parsed once.
var bpRats = func() map[Measure][]*big.Rat {
	out := make(map[Measure][]*big.Rat, len(breakpoints))
	for m, row := range breakpoints {
		for _, s := range row {
			out[m] = append(out[m], rat(s))
		}
	}
	return out
}()

// Band is one row of HJ 633-2012 Table 2 (and the colours of Appendix A).
type Band struct {
	Level    int    // 1..6 (一级..六级)
	LevelCN  string // 一级 .. 六级
	Category string // 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染
	Colour   string // 绿色 .. 褐红色
	RGB      string // "#RRGGBB" from Appendix A (R,G,B)
	MaxAQI   int    // upper AQI bound of the band (the last is open)
}

// bands is HJ 633-2012 Table 2 「空气质量指数及相关信息」 with the RGB values of
// Appendix A 「空气质量指数类别的表示颜色」.
var bands = []Band{
	{1, "一级", "优", "绿色", "#00E400", 50},         // R0 G228 B0
	{2, "二级", "良", "黄色", "#FFFF00", 100},        // R255 G255 B0
	{3, "三级", "轻度污染", "橙色", "#FF7E00", 150},     // R255 G126 B0
	{4, "四级", "中度污染", "红色", "#FF0000", 200},     // R255 G0 B0
	{5, "五级", "重度污染", "紫色", "#99004C", 300},     // R153 G0 B76
	{6, "六级", "严重污染", "褐红色", "#7E0023", MaxAQI}, // R126 G0 B35
}

// BandOf returns the Table 2 band an AQI falls into (0..50 → 一级 优 …
// above 300 → 六级 严重污染).
func BandOf(aqi int) Band {
	for _, b := range bands {
		if aqi <= b.MaxAQI {
			return b
		}
	}
	return bands[len(bands)-1]
}
