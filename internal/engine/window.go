package engine

import "time"

// maxWindowPoints bounds one sliding window: a device sending far faster than
// its interval cannot grow it without limit. Past the bound the oldest points
// are dropped, so a sum then covers less than its window; at the profiles'
// intervals (a 24 h rainfall sum at one sample a minute is 1,440 points) the
// bound is never reached.
const maxWindowPoints = 20000

// window holds the samples of one metric over the last span.
type window struct {
	span time.Duration
	buf  []point
	pts  []point // the live part of buf
}

type point struct {
	ts time.Time
	v  float64
}

func newWindow(seconds float64) *window {
	return &window{span: time.Duration(seconds * float64(time.Second))}
}

// add appends a sample and drops those at or before ts − span. Samples must
// come in time order (the engine ignores older readings).
func (w *window) add(ts time.Time, v float64) {
	if len(w.pts) > 0 && cap(w.buf)-len(w.buf) == 0 && len(w.pts) <= len(w.buf)/2 {
		w.buf = append(w.buf[:0], w.pts...) // compact rather than grow
		w.pts = w.buf
	}
	w.buf = append(w.buf, point{ts, v})
	w.pts = w.buf[len(w.buf)-len(w.pts)-1:]
	cut := ts.Add(-w.span)
	drop := 0
	for drop < len(w.pts) && !w.pts[drop].ts.After(cut) {
		drop++
	}
	drop = max(drop, len(w.pts)-maxWindowPoints)
	w.pts = w.pts[drop:]
}

func (w *window) sum() float64 {
	s := 0.0
	for _, p := range w.pts {
		s += p.v
	}
	return s
}

func (w *window) mean() (float64, bool) {
	if len(w.pts) == 0 {
		return 0, false
	}
	return w.sum() / float64(len(w.pts)), true
}

// rate is the change per hour between the first and last sample; it needs
// two samples at different times.
func (w *window) rate() (float64, bool) {
	if len(w.pts) < 2 {
		return 0, false
	}
	first, last := w.pts[0], w.pts[len(w.pts)-1]
	hours := last.ts.Sub(first.ts).Hours()
	if hours <= 0 {
		return 0, false
	}
	return (last.v - first.v) / hours, true
}

// value computes a window of the given type (sum, rate, mean).
func (w *window) value(typ string) (float64, bool) {
	switch typ {
	case "sum", "accumulation":
		return w.sum(), true
	case "rate":
		return w.rate()
	case "mean":
		return w.mean()
	}
	return 0, false
}
