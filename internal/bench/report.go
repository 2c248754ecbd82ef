package bench

import (
	"fmt"
	"io"
	"strings"
)

// Report writes the results as a Markdown table.
func Report(w io.Writer, o Options, rs []Result) {
	o.defaults()
	fmt.Fprintf(w, "| target | devices | readings/s stored (hub path) | hub CPU | hub peak RSS | store-only readings/s | hub / store-only | stored = acked |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		if r.Err != nil {
			fmt.Fprintf(w, "| %s | %d | failed: %s | | | | | |\n", r.Target, r.Devices, strings.ReplaceAll(r.Err.Error(), "|", "/"))
			continue
		}
		ratio := "—"
		if r.StoreOnlyRate > 0 {
			ratio = fmt.Sprintf("%.0f %%", 100*r.Rate/r.StoreOnlyRate)
		}
		fmt.Fprintf(w, "| %s | %d | **%.0f** | %.0f %% | %.0f MiB | %.0f | %s | %v (%d ≥ %d) |\n", r.Target, r.Devices, r.Rate,
			r.CPUPercent, r.PeakRSSMiB, r.StoreOnlyRate, ratio, r.Stored >= r.Acked, r.Stored, r.Acked)
	}
	fmt.Fprintf(w, "\nWindow %d unacknowledged QoS1 publishes per device, %d sample(s) per message, warm-up %s, measured %s. "+
		"Hub CPU is of one core (200 %% = both cores of a 2-core machine).\n", o.Window, o.Batch, o.Warmup, o.Duration)
	for _, r := range rs {
		if r.Screens > 0 && r.Err == nil {
			fmt.Fprintf(w, "%s: %d screens on /ws/screen read %d frames; %d dropped by the hub or failed.\n",
				r.Target, r.Screens, r.ScreenFrames, r.ScreensLost)
		}
	}
}
