package engine

import (
	"testing"
	"time"
)

// Samples further apart than a bucket are summed exactly over the span.
func TestWindowExactWhenSparse(t *testing.T) {
	w := newWindow(600) // 2.5 s buckets
	t0 := time.Unix(0, 0)
	for i := 0; i < 1000; i++ {
		w.add(t0.Add(time.Duration(i)*10*time.Second), float64(i))
		want := 0.0
		for j := max(0, i-59); j <= i; j++ { // samples within (ts−600 s, ts]
			want += float64(j)
		}
		if w.sum() != want {
			t.Fatalf("i=%d: sum %v, want %v", i, w.sum(), want)
		}
		if m, _ := w.mean(); m != want/float64(min(i+1, 60)) {
			t.Fatalf("i=%d: mean %v", i, m)
		}
	}
	if cap(w.buf) > 4*windowBuckets {
		t.Fatalf("buffer grew to %d buckets", cap(w.buf))
	}
}

// Dense samples share buckets: memory stays bounded, and the sum is off by
// at most the bucket straddling the window's old edge.
func TestWindowBoundedWhenDense(t *testing.T) {
	w := newWindow(3600) // 15 s buckets
	t0 := time.Unix(0, 0)
	const perSecond = 50
	for i := 0; i < 2*3600*perSecond; i++ {
		w.add(t0.Add(time.Duration(i)*time.Second/perSecond), 1)
	}
	if cap(w.buf) > 4*windowBuckets {
		t.Fatalf("buffer grew to %d buckets", cap(w.buf))
	}
	exact := float64(3600 * perSecond)
	if got := w.sum(); got < exact || got > exact+15*perSecond {
		t.Fatalf("sum %v, want within one bucket above %v", got, exact)
	}
	if r, ok := w.rate(); !ok || r != 0 {
		t.Fatalf("rate of a constant: %v %v", r, ok)
	}
}
