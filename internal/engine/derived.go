package engine

import (
	"math"
	"time"

	"github.com/ywtg/hub/internal/engine/envindex"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// Derived values (SPEC §4): what the engine computes from a device's metrics
// — rainfall over windows, a level's rate of rise, the AQI, the water class —
// declared in the profile's derived section, judged by rules like metrics,
// and shown beside the latest values.

// AQIView is an air quality index report (HJ 633-2012) as the API and the
// screen show it.
type AQIView struct {
	AQI       int            `json:"aqi"`
	Level     int            `json:"level"`    // 1..6
	Category  string         `json:"category"` // 优 … 严重污染
	Colour    string         `json:"colour"`   // #RRGGBB of HJ 633-2012 Appendix A
	Primary   []string       `json:"primary,omitempty"`
	Exceeding []string       `json:"exceeding,omitempty"`
	IAQI      map[string]int `json:"iaqi"` // by pollutant
	// Hours is how many hourly means the 24-hour averages rest on. The
	// standard's validity minimums (20 hourly values for a 24-hour mean) are
	// reported, not enforced, so a new station shows an index at once.
	Hours int       `json:"hours"`
	Hour  time.Time `json:"hour"` // start of the clock hour it is for (UTC)
}

// WaterView is a GB 3838-2002 surface-water classification.
type WaterView struct {
	Class       string            `json:"class"`   // I … V, 劣V
	ClassN      int               `json:"class_n"` // 1 … 6
	Determining []string          `json:"determining"`
	Target      string            `json:"target,omitempty"`
	Exceeding   []WaterExceedance `json:"exceeding,omitempty"`
}

// WaterExceedance is one factor worse than the station's target class.
type WaterExceedance struct {
	Factor   string   `json:"factor"` // the metric
	Value    float64  `json:"value"`
	Class    string   `json:"class"`
	Limit    *float64 `json:"limit,omitempty"`
	Multiple *float64 `json:"multiple,omitempty"` // (C − limit) / limit
}

// Line is a level a device's rule judges a metric against (a station's
// 警戒水位), for drawing beside the metric.
type Line struct {
	Rule     string  `json:"rule"`
	Label    string  `json:"label"`
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
	Severity string  `json:"severity"`
}

// airMetrics maps the pollution profile's air metrics to HJ 633 pollutants.
var airMetrics = map[string]struct{ h1, h24 envindex.Measure }{
	"so2_ugm3":  {envindex.SO2Avg1h, envindex.SO2Avg24h},
	"no2_ugm3":  {envindex.NO2Avg1h, envindex.NO2Avg24h},
	"co_mgm3":   {envindex.COAvg1h, envindex.COAvg24h},
	"o3_ugm3":   {envindex.O3Avg1h, ""},
	"pm10_ugm3": {"", envindex.PM10Avg24h},
	"pm25_ugm3": {"", envindex.PM25Avg24h},
}

// waterMetrics maps metrics to GB 3838-2002 factors.
var waterMetrics = map[string]envindex.Factor{
	"ph": envindex.PH, "do_mgl": envindex.DO, "cod_mgl": envindex.COD, "nh3n_mgl": envindex.NH3N, "tp_mgl": envindex.TP,
}

// aqiEvery is how often, in sample time, a station's AQI is recomputed.
const aqiEvery = time.Minute

// factorMetric is waterMetrics the other way round.
var factorMetric = func() map[envindex.Factor]string {
	out := map[envindex.Factor]string{}
	for m, f := range waterMetrics {
		out[f] = m
	}
	return out
}()

// Pollution station types (the station_type param).
const stationSurfaceWater = 1

type derivedState struct {
	windows map[string]*window   // sum, rate and mean values, by name
	values  map[string]float64   // latest derived numbers, by name
	judged  map[string]float64   // latest values that may be judged (flag N)
	air     map[string]*hourRing // air metrics' hourly means
	aqi     *AQIView
	aqi24   *AQIView
	aqiAt   time.Time // sample time of the last AQI
	water   *WaterView
}

// update folds judged values sampled at ts into the device's derived values
// and returns the names of those that changed.
func (d *derivedState) update(p *profile.Profile, order []string, dev model.Device, ts time.Time, vals map[string]float64) []string {
	if len(order) == 0 {
		return nil
	}
	if d.values == nil {
		d.values, d.windows, d.judged, d.air = map[string]float64{}, map[string]*window{}, map[string]float64{}, map[string]*hourRing{}
	}
	for m, v := range vals {
		d.judged[m] = v
	}
	var changed []string
	for _, name := range order {
		def := p.Derived[name]
		var v float64
		var ok bool
		switch def.Type {
		case "sum", "rate", "mean":
			x, in := vals[def.Metric]
			if !in {
				continue
			}
			w := d.windows[name]
			if w == nil {
				w = newWindow(def.WindowS)
				d.windows[name] = w
			}
			w.add(ts, x)
			v, ok = w.value(def.Type)
		case "aqi":
			v, ok = d.updateAQI(ts, vals)
		case "water_class":
			v, ok = d.updateWater(p, dev, vals)
		}
		if ok {
			d.values[name] = v
			changed = append(changed, name)
		}
	}
	return changed
}

func (d *derivedState) updateAQI(ts time.Time, vals map[string]float64) (float64, bool) {
	touched := false
	for m, v := range vals {
		if _, ok := airMetrics[m]; !ok {
			continue
		}
		r := d.air[m]
		if r == nil {
			r = &hourRing{}
			d.air[m] = r
		}
		r.add(ts, v)
		touched = true
	}
	if !touched {
		return 0, false
	}
	// The index is exact decimal arithmetic over a dozen sub-indices: worth
	// computing once a minute of sample time (and at each new clock hour),
	// not for every sample of a station sending faster.
	hour := ts.Unix() / 3600
	if d.aqi != nil && hour == d.aqiAt.Unix()/3600 && ts.Sub(d.aqiAt) < aqiEvery {
		return 0, false
	}
	d.aqiAt = ts
	now, day := envindex.Concentrations{}, envindex.Concentrations{}
	hours := 0
	for m, ms := range airMetrics {
		r := d.air[m]
		if r == nil {
			continue
		}
		h1, ok := r.mean(hour)
		if !ok {
			continue // not sampled this hour: stale, left out
		}
		h24, n := r.meanOver(hour, 24)
		hours = max(hours, n)
		if ms.h1 != "" {
			now[ms.h1] = h1
		}
		if ms.h24 != "" {
			now[ms.h24], day[ms.h24] = h24, h24
		}
		if m == "o3_ugm3" {
			day[envindex.O3Avg8h], day[envindex.O3Avg1h] = r.maxMoving(hour, 24, 8), r.maxMoving(hour, 24, 1)
		}
	}
	res, err := envindex.HourlyAQI(now)
	if err != nil {
		return 0, false
	}
	at := time.Unix(hour*3600, 0).UTC()
	d.aqi = aqiView(res, hours, at)
	if res24, err := envindex.DailyAQI(day); err == nil {
		d.aqi24 = aqiView(res24, hours, at)
	}
	return float64(res.AQI), true
}

func aqiView(r envindex.Result, hours int, at time.Time) *AQIView {
	v := &AQIView{AQI: r.AQI, Level: r.Band.Level, Category: r.Band.Category, Colour: r.Band.RGB,
		IAQI: map[string]int{}, Hours: hours, Hour: at}
	for _, p := range r.Primary {
		v.Primary = append(v.Primary, string(p))
	}
	for _, p := range r.Exceeding {
		v.Exceeding = append(v.Exceeding, string(p))
	}
	for _, s := range r.Indices {
		v.IAQI[string(s.Pollutant)] = s.IAQI
	}
	return v
}

func (d *derivedState) updateWater(p *profile.Profile, dev model.Device, vals map[string]float64) (float64, bool) {
	if p.Param(dev.Params, "station_type") != stationSurfaceWater {
		return 0, false
	}
	touched := false
	sample := envindex.Sample{}
	for m, f := range waterMetrics {
		if _, ok := vals[m]; ok {
			touched = true
		}
		if v, ok := d.judged[m]; ok {
			sample[f] = v
		}
	}
	if !touched {
		return 0, false
	}
	body := envindex.River
	if p.Param(dev.Params, "water_body") == 1 {
		body = envindex.Lake
	}
	res, err := envindex.WaterClass(sample, body)
	if err != nil {
		return 0, false
	}
	w := &WaterView{Class: res.Class.String(), ClassN: int(res.Class)}
	for _, f := range res.Determining {
		w.Determining = append(w.Determining, factorMetric[f])
	}
	target := envindex.Class(p.Param(dev.Params, "water_target_class"))
	if target >= envindex.ClassI && target <= envindex.ClassV {
		w.Target = target.String()
		for _, e := range envindex.Exceedance(sample, target, body) {
			x := WaterExceedance{Factor: factorMetric[e.Factor], Value: e.Value, Class: e.Class.String()}
			if e.Limit != nil {
				f, _ := e.Limit.Float64()
				x.Limit = &f
			}
			if e.Multiple != nil {
				f, _ := e.Multiple.Float64()
				f = math.Round(f*1000) / 1000
				x.Multiple = &f
			}
			w.Exceeding = append(w.Exceeding, x)
		}
	}
	d.water = w
	return float64(res.Class), true
}

// hourRing keeps a metric's sums per clock hour for the last day.
type hourRing struct{ b [25]hourBucket }

type hourBucket struct {
	hour int64 // hours since the epoch; 0 = empty
	sum  float64
	n    int
}

func (r *hourRing) add(ts time.Time, v float64) {
	h := ts.Unix() / 3600
	b := &r.b[h%int64(len(r.b))]
	if b.hour != h {
		*b = hourBucket{hour: h}
	}
	b.sum += v
	b.n++
}

func (r *hourRing) mean(h int64) (float64, bool) {
	b := r.b[h%int64(len(r.b))]
	if b.hour != h || b.n == 0 {
		return 0, false
	}
	return b.sum / float64(b.n), true
}

// meanOver is the mean of the hourly means of the span hours ending at h,
// and how many there were.
func (r *hourRing) meanOver(h int64, span int) (float64, int) {
	sum, n := 0.0, 0
	for i := 0; i < span; i++ {
		if m, ok := r.mean(h - int64(i)); ok {
			sum += m
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// maxMoving is the greatest width-hour moving mean ending within the span
// hours up to h (the day's maximum 8-hour O3, say).
func (r *hourRing) maxMoving(h int64, span, width int) float64 {
	best := math.NaN()
	for i := 0; i < span; i++ {
		if _, ok := r.mean(h - int64(i)); !ok {
			continue
		}
		m, _ := r.meanOver(h-int64(i), width)
		if math.IsNaN(best) || m > best {
			best = m
		}
	}
	return best
}

// lines are the levels of the device's threshold rules on its own metrics.
func lines(rules []profile.Rule, p *profile.Profile) []Line {
	var out []Line
	for _, r := range rules {
		if r.Type != "threshold" {
			continue
		}
		if _, raw := p.Metrics[r.Metric]; !raw {
			continue
		}
		out = append(out, Line{Rule: r.ID, Label: r.Label, Metric: r.Metric, Value: r.Value, Severity: r.Severity})
		for _, b := range r.Bands {
			out = append(out, Line{Rule: r.ID, Label: r.Label, Metric: r.Metric, Value: b.Value, Severity: b.Severity})
		}
	}
	return out
}
