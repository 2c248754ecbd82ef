package live

import (
	"testing"
	"time"
)

// The window stays at its base at a fleet's usual pace and grows with the
// flushes under load, so a screen is sent about MaxRate deltas a second, up
// to MaxWindow.
func TestNextWindow(t *testing.T) {
	base := 250 * time.Millisecond
	for _, tc := range []struct {
		n, rate int
		want    time.Duration
	}{
		{0, 100, base},
		{10, 100, base}, // 10 deltas in 250 ms: 40/s, under the bound
		{25, 100, base}, // exactly 100/s
		{50, 100, 500 * time.Millisecond},
		{150, 100, 1500 * time.Millisecond},
		{1000, 100, MaxWindow}, // capped: every entity at least every 3 s
		{1000, -1, base},       // no bound
		{1000, 1000, time.Second},
	} {
		if got := nextWindow(tc.n, base, tc.rate); got != tc.want {
			t.Errorf("nextWindow(%d, %v, %d) = %v, want %v", tc.n, base, tc.rate, got, tc.want)
		}
	}
	if got := nextWindow(1000, 5*time.Second, 100); got != 5*time.Second {
		t.Errorf("a base longer than MaxWindow stands: got %v", got)
	}
}
