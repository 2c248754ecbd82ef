// Sources the tables below were verified against (2026-11, every value):
//
//   - HJ 633-2012 《环境空气质量指数（AQI）技术规定（试行）》, MEP 2012-02-29,
//     https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/W020120410332725219541.pdf
//     (the official PDF; not reachable from here, cited for the reader).
//     Front matter and contents as transcribed at
//     https://doc.wtbworld.com/doc/32317.html.
//   - An HTML transcription of Table 1 with its three notes (public source
//     file "空气质量浓度和指数换算表", AirQualityDenAndIndexTable.aspx): all ten
//     columns agree with breakpoints below, except that it prints 52 for SO2
//     24-h at IAQI 50, a typo (every other source, and the GB 3095-2012 grade
//     I limit, say 50).
//   - Independent implementations that agree row for row:
//     github.com/ringsaturn/go-aqi mep/mep.go (its green, 0,255,0, is wrong);
//     github.com/caiyunapp/aqi-hub src/cn.rs and
//     src/aqi_hub/aqi_cn/common.py (Table 2 levels, categories and the
//     Appendix A RGB/hex colours; its SO2 24-h row copies the 1-h row by
//     mistake); github.com/lijing1133082/web-project-summary-diary
//     utils/pollution_range.js.
//   - Table 1 note 2 (SO2 1-h > 800) and note 3 (O3 8-h > 800) as quoted in
//     those sources: "…不再进行其空气质量分指数计算，…按24小时平均浓度
//     计算的分指数报告" / "…按1小时平均浓度计算的分指数报告".
//
// No value here differed from those sources. HJ 633-2012 has been replaced
// by HJ 633—2026 (in force 2026-03-01, published with GB 3095—2026; MEE page
// https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/202602/t20260225_1144441.shtml),
// which by secondary sources lowers the IAQI 100 breakpoint of PM2.5 24-h
// from 75 to 60 and of PM10 24-h from 150 to 120 and may change the real-time
// rules. This file deliberately stays on HJ 633-2012 until the 2026 text is
// verified; see doc.go.

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
// column i holding BP for IAQI iaqiSteps[i] (sources at the top of this
// file). The IAQI 100 column equals the GB 3095-2012 grade II limits
// (SO2 24h 150 / 1h 500, NO2 80 / 200, CO 4 / 10, O3 8h 160 / 1h 200,
// PM10 150, PM2.5 75), a cross-check of its own. The SO2 1-h row stops at
// 800 (Table 1 note 2) and the O3 8-h row at 800 (note 3); above those the
// special rules in aqi.go apply.
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
