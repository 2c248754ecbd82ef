package engine

import "time"

// windowBuckets is how many buckets a sliding window is kept in. Samples
// closer together than span/windowBuckets share a bucket, so a window's
// memory is bounded whatever the sample rate — a device sending far faster
// than its interval cannot grow it. The price is at the window's old edge:
// a bucket leaves only once all its samples are older than the span, so a
// sum may include up to one bucket (1/240 of the window) too many. Samples
// at least that far apart — every profile interval against its windows —
// are exact.
const windowBuckets = 240

// window aggregates one value over the last span, for sums, means and rates.
type window struct {
	span, width time.Duration
	buf         []bucket
	live        []bucket // the part of buf in the window, oldest first
	total       float64  // sum over live, kept as buckets come and go
	n           int      // samples in live
}

type bucket struct {
	idx         int64 // ts / width
	first, last point
	sum         float64
	n           int
}

type point struct {
	ts time.Time
	v  float64
}

func newWindow(seconds float64) *window {
	span := time.Duration(seconds * float64(time.Second))
	return &window{span: span, width: max(span/windowBuckets, time.Nanosecond)}
}

// add folds in a sample and lets go of buckets wholly at or before
// ts − span. Samples must come in time order (the engine ignores older
// readings).
func (w *window) add(ts time.Time, v float64) {
	idx := ts.UnixNano() / int64(w.width)
	if n := len(w.live); n > 0 && w.live[n-1].idx == idx {
		b := &w.live[n-1]
		b.last, b.sum, b.n = point{ts, v}, b.sum+v, b.n+1
	} else {
		if len(w.live) > 0 && cap(w.buf) == len(w.buf) && len(w.live) <= len(w.buf)/2 {
			w.buf = append(w.buf[:0], w.live...) // compact rather than grow
			w.live = w.buf
			w.total = 0 // and shed the rounding the running sum gathered
			for _, b := range w.live {
				w.total += b.sum
			}
		}
		w.buf = append(w.buf, bucket{idx: idx, first: point{ts, v}, last: point{ts, v}})
		w.live = w.buf[len(w.buf)-len(w.live)-1:]
		b := &w.live[len(w.live)-1]
		b.sum, b.n = v, 1
	}
	w.total += v
	w.n++
	cut := ts.Add(-w.span)
	drop := 0
	for drop < len(w.live) && !w.live[drop].last.ts.After(cut) {
		w.total -= w.live[drop].sum
		w.n -= w.live[drop].n
		drop++
	}
	w.live = w.live[drop:]
	if len(w.live) == 1 {
		w.total = w.live[0].sum
	}
}

func (w *window) sum() float64 { return w.total }

func (w *window) mean() (float64, bool) {
	if w.n == 0 {
		return 0, false
	}
	return w.total / float64(w.n), true
}

// rate is the change per hour between the first and last sample, once they
// span a quarter of the window: over a shorter span a centimetre of sensor
// noise between two samples seconds apart reads as metres per hour.
func (w *window) rate() (float64, bool) {
	if len(w.live) == 0 {
		return 0, false
	}
	first, last := w.live[0].first, w.live[len(w.live)-1].last
	span := last.ts.Sub(first.ts)
	if span <= 0 || span < w.span/4 {
		return 0, false
	}
	return (last.v - first.v) / span.Hours(), true
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
