package envindex

import (
	"fmt"
	"math/big"
)

// MaxAQI is the top of HJ 633-2012 Table 1. A concentration above a
// measure's top breakpoint has no IAQI in the standard; it is reported as
// MaxAQI with SubIndex.Capped (and Result.Capped) set, so the AQI is always
// within 0..MaxAQI and the category is 严重污染.
const MaxAQI = 500

// Concentrations holds the averages a report is computed from, keyed by
// measure. A measure that is absent or NaN was not measured and is skipped;
// negative or infinite values are errors. Measures a report does not use
// are ignored.
type Concentrations map[Measure]float64

// SubIndex is one pollutant's air quality sub-index (IAQI).
type SubIndex struct {
	Pollutant Pollutant
	Measure   Measure // the average the IAQI was computed from
	Value     float64 // that average, as given
	IAQI      int
	// Capped means Value is above the top breakpoint of Table 1 and IAQI
	// was set to MaxAQI.
	Capped bool
	// Substituted means a special rule replaced the report's usual measure
	// (SO2 1-h > 800 → SO2 24-h; O3 8-h > 800 → O3 1-h).
	Substituted bool
}

// Result is an AQI report.
type Result struct {
	AQI  int
	Band Band // level, category and colour for AQI (Table 2, Appendix A)
	// Primary lists every pollutant whose IAQI equals AQI, in Table 1
	// order; empty when AQI <= 50 (首要污染物).
	Primary []Pollutant
	// Exceeding lists the pollutants with IAQI > 100 (超标污染物).
	Exceeding []Pollutant
	Indices   []SubIndex // one per pollutant present, in Table 1 order
	Capped    bool       // some sub-index was capped at MaxAQI
}

// slot is one pollutant of a report: the measure it uses and, for the two
// special rules, the limit above which another measure is used instead.
type slot struct {
	measure  Measure
	limit    string // "" when the measure has no special rule
	fallback Measure
}

// hourly is the real-time (hourly) report: 1-h averages for SO2, NO2, CO
// and O3, and the 24-h moving averages for PM10 and PM2.5 against their
// 24-h breakpoints. Table 1 note 2: an SO2 1-h average above 800 is not
// indexed; the SO2 IAQI is taken from the 24-h average.
var hourly = []slot{
	{measure: SO2Avg1h, limit: "800", fallback: SO2Avg24h},
	{measure: NO2Avg1h},
	{measure: PM10Avg24h},
	{measure: COAvg1h},
	{measure: O3Avg1h},
	{measure: PM25Avg24h},
}

// daily is the daily report: 24-h averages and the daily maximum O3 8-h
// moving average. Table 1 note 3: an O3 8-h average above 800 is not
// indexed; the O3 IAQI is taken from the (daily maximum) 1-h average.
var daily = []slot{
	{measure: SO2Avg24h},
	{measure: NO2Avg24h},
	{measure: PM10Avg24h},
	{measure: COAvg24h},
	{measure: O3Avg8h, limit: "800", fallback: O3Avg1h},
	{measure: PM25Avg24h},
}

// HourlyAQI computes the real-time AQI from SO2Avg1h, NO2Avg1h, COAvg1h,
// O3Avg1h, PM10Avg24h and PM25Avg24h (SO2Avg24h only for the SO2 > 800
// rule). It fails with ErrNoPollutant when none of them is present and with
// ErrFallbackMissing when SO2 1-h is above 800 without an SO2 24-h average.
func HourlyAQI(c Concentrations) (Result, error) { return compute(c, hourly) }

// DailyAQI computes the daily AQI from SO2Avg24h, NO2Avg24h, COAvg24h,
// O3Avg8h (the day's maximum 8-h moving average), PM10Avg24h and
// PM25Avg24h (O3Avg1h only for the O3 8-h > 800 rule). Errors as HourlyAQI.
func DailyAQI(c Concentrations) (Result, error) { return compute(c, daily) }

func compute(c Concentrations, plan []slot) (Result, error) {
	var res Result
	for _, s := range plan {
		sub, ok, err := indexSlot(c, s)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			continue
		}
		res.Indices = append(res.Indices, sub)
		res.Capped = res.Capped || sub.Capped
		res.AQI = max(res.AQI, sub.IAQI)
	}
	if len(res.Indices) == 0 {
		return Result{}, ErrNoPollutant
	}
	res.Band = BandOf(res.AQI)
	for _, sub := range res.Indices {
		if res.AQI > 50 && sub.IAQI == res.AQI {
			res.Primary = append(res.Primary, sub.Pollutant)
		}
		if sub.IAQI > 100 {
			res.Exceeding = append(res.Exceeding, sub.Pollutant)
		}
	}
	return res, nil
}

// indexSlot computes one pollutant's IAQI; ok is false when not measured.
func indexSlot(c Concentrations, s slot) (SubIndex, bool, error) {
	m := s.measure
	v, present := c[m]
	r, ok, err := measureValue(m, v, present)
	if err != nil || !ok {
		return SubIndex{}, false, err
	}
	substituted := false
	if s.limit != "" && r.Cmp(rat(s.limit)) > 0 {
		m, substituted = s.fallback, true
		v, present = c[m]
		r, ok, err = measureValue(m, v, present)
		if err != nil {
			return SubIndex{}, false, err
		}
		if !ok {
			return SubIndex{}, false, fmt.Errorf("%w: %s above %s needs %s",
				ErrFallbackMissing, s.measure, s.limit, m)
		}
	}
	iaqi, capped := iaqiOf(m, r)
	return SubIndex{Pollutant: m.Pollutant(), Measure: m, Value: v, IAQI: iaqi,
		Capped: capped, Substituted: substituted}, true, nil
}

func measureValue(m Measure, v float64, present bool) (*big.Rat, bool, error) {
	if !present {
		return nil, false, nil
	}
	r, ok, err := exact(v)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", m, err)
	}
	return r, ok, nil
}

// iaqiOf is HJ 633-2012 formula (1): IAQI = (IAQI_Hi − IAQI_Lo)/(BP_Hi − BP_Lo)
// × (C − BP_Lo) + IAQI_Lo, rounded up to an integer, computed exactly.
// A concentration above the measure's last breakpoint gives MaxAQI and
// capped = true (for the SO2 1-h and O3 8-h rows, whose last breakpoint is
// 800 at IAQI 200/300, the callers apply the special rules first). c must
// be non-negative and m one of the Measure constants.
func iaqiOf(m Measure, c *big.Rat) (iaqi int, capped bool) {
	row := bpRats[m]
	last := len(row) - 1
	if c.Cmp(row[last]) > 0 {
		return MaxAQI, true
	}
	i := 1
	for c.Cmp(row[i]) > 0 {
		i++
	}
	lo, hi := row[i-1], row[i]
	x := new(big.Rat).Sub(c, lo)
	x.Mul(x, big.NewRat(int64(iaqiSteps[i]-iaqiSteps[i-1]), 1))
	x.Quo(x, new(big.Rat).Sub(hi, lo))
	x.Add(x, big.NewRat(int64(iaqiSteps[i-1]), 1))
	return ceilRat(x), false
}
