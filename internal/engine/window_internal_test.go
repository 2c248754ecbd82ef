package engine

import (
	"testing"
	"time"
)

// The window sums exactly what is within its span and reuses its buffer
// rather than growing with every sample.
func TestWindowSumAndBuffer(t *testing.T) {
	w := newWindow(10)
	t0 := time.Unix(0, 0)
	for i := 0; i < 1000; i++ {
		w.add(t0.Add(time.Duration(i)*time.Second), float64(i))
		want := 0.0
		for j := max(0, i-9); j <= i; j++ {
			want += float64(j)
		}
		if w.sum() != want {
			t.Fatalf("i=%d sum %v want %v (len %d)", i, w.sum(), want, len(w.pts))
		}
	}
	if cap(w.buf) > 64 {
		t.Fatalf("buf grew to %d", cap(w.buf))
	}
}
