// Package bench is the benchmark harness of SPEC §12, version 1: it starts
// the hub binary as its own process for each target (store × broker), loads
// it through real MQTT from many device connections at saturation, and
// reports sustained readings/s with the hub's CPU and peak RSS — beside the
// same rows written straight into the store (the store-only baseline). It
// never asserts anything: it measures and prints.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Target is one hub shape to measure.
type Target struct {
	Name      string // "sqlite", "postgis", "postgis+mosquitto"
	DB        string // "" = SQLite in a temp dir; else a postgres:// DSN of a fresh database
	BrokerURL string // "" = the hub's embedded broker
	// BrokerUser/Password: the hub's account on an external broker.
	BrokerUser, BrokerPassword string
}

// Options configures a run.
type Options struct {
	HubBin string // path to the hub binary
	// HubCPUs pins the hub to these CPUs (taskset -c syntax, e.g. "0"), so
	// that on one machine the load and the screens, pinned elsewhere, do not
	// take the hub's CPU time: the nearest this machine gets to clients on
	// another. "" leaves scheduling to the kernel.
	HubCPUs  string
	Targets  []Target      // what to measure
	Devices  int           // device connections; default 100
	Window   int           // unacknowledged publishes per device; default 32
	Batch    int           // samples per MQTT message (1 = single sample); default 1
	Warmup   time.Duration // load before measuring; default 3s
	Duration time.Duration // measured load; default 15s
	// Screens are WebSocket clients on /ws/screen during the run, reading
	// every frame: the cost of the fan-out to the wall (SPEC §7).
	Screens  int
	Progress io.Writer // progress lines; nil = none
	Logger   *slog.Logger
}

func (o *Options) defaults() {
	if o.Devices <= 0 {
		o.Devices = 100
	}
	if o.Window <= 0 {
		o.Window = 32
	}
	if o.Batch <= 0 {
		o.Batch = 1
	}
	if o.Warmup <= 0 {
		o.Warmup = 3 * time.Second
	}
	if o.Duration <= 0 {
		o.Duration = 15 * time.Second
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Result is one target's figures.
type Result struct {
	Target        string
	Devices       int
	Readings      int64   // acknowledged during the measured window
	Rate          float64 // acknowledged readings/s, sustained over the window
	Stored        int64   // readings the hub reports stored at the end
	Acked         int64   // every acknowledged reading, warm-up included
	CPUPercent    float64 // hub process, of one core (200 = both of 2 cores)
	PeakRSSMiB    float64
	StoreOnlyRate float64 // the same rows written directly (0 = not measured)
	Screens       int     // screens connected throughout
	ScreenFrames  int64   // frames they read
	ScreensLost   int64   // screens dropped by the hub (too slow) or failed
	Err           error
}

// Run measures every target in turn.
func Run(ctx context.Context, o Options) []Result {
	o.defaults()
	out := make([]Result, 0, len(o.Targets))
	for _, t := range o.Targets {
		fmt.Fprintf(o.Progress, "== %s: %d devices, window %d, %d sample(s)/message, %d screens, warm-up %s, measure %s\n",
			t.Name, o.Devices, o.Window, o.Batch, o.Screens, o.Warmup, o.Duration)
		r := runTarget(ctx, o, t)
		if r.Err != nil {
			fmt.Fprintf(o.Progress, "   %s failed: %v\n", t.Name, r.Err)
		}
		out = append(out, r)
	}
	return out
}

func runTarget(ctx context.Context, o Options, t Target) Result {
	res := Result{Target: t.Name, Devices: o.Devices}
	hub, err := startHub(ctx, o, t)
	if err != nil {
		res.Err = err
		return res
	}
	defer hub.stop()
	creds, err := hub.provision(ctx, o.Devices)
	if err != nil {
		res.Err = err
		return res
	}
	lg := newLoad(o, hub.brokerURL(), creds, t)
	if err := lg.connect(ctx); err != nil {
		res.Err = err
		return res
	}
	defer lg.close()
	scr, err := openScreens(ctx, hub.url(""), hub.token, o.Screens)
	if err != nil {
		res.Err = err
		return res
	}
	res.Err = measure(ctx, o, hub, lg, &res)
	scr.close()
	res.Screens, res.ScreenFrames, res.ScreensLost = o.Screens, scr.frames.Load(), scr.closed.Load()
	if res.Err == nil {
		res.StoreOnlyRate, res.Err = storeOnly(ctx, t, res.Readings)
	}
	return res
}

// measure runs the load through warm-up and the window. The rate is what
// the hub stored in the window (its own counter): with the embedded broker a
// device's PUBACK already means stored, but an external broker acknowledges
// on receipt, so only the hub's count measures the hub. With an external
// broker the devices also pause while the broker holds more than maxBacklog
// readings for the hub, so the figure is a rate the hub sustains, not a queue
// growing in the broker.
func measure(ctx context.Context, o Options, hub *hubProc, lg *load, res *Result) error {
	lctx, stop := context.WithCancel(ctx)
	if hub.external {
		go lg.throttle(lctx, hub)
	}
	done := lg.run(lctx)
	sleep(ctx, o.Warmup)
	cpu0, start, stored0 := hub.cpu(), time.Now(), hub.stored()
	tick := time.NewTicker(time.Second)
	for end := start.Add(o.Duration); time.Now().Before(end) && ctx.Err() == nil; {
		<-tick.C
		n := hub.stored() - stored0
		fmt.Fprintf(o.Progress, "   %4.0fs  stored %d  %.0f readings/s  errors %d\n", time.Since(start).Seconds(),
			n, float64(n)/time.Since(start).Seconds(), lg.errors.Load())
	}
	tick.Stop()
	elapsed, stored1, cpu1 := time.Since(start), hub.stored(), hub.cpu()
	stop()
	<-done
	res.Readings = stored1 - stored0
	res.Rate = float64(res.Readings) / elapsed.Seconds()
	res.CPUPercent = 100 * (cpu1 - cpu0).Seconds() / elapsed.Seconds()
	res.PeakRSSMiB = hub.peakRSSMiB()
	res.Acked = lg.acked.Load()
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	res.Stored, err = hub.storedAtLeast(ctx, res.Acked, 60*time.Second)
	if err != nil {
		return err
	}
	if lg.errors.Load() > 0 {
		return fmt.Errorf("%d publishes failed", lg.errors.Load())
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
