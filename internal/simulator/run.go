package simulator

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/profile"
)

// Options configures Run.
type Options struct {
	BrokerURL string // tcp://host:1883, ssl://…, ws://…
	Fleet     *Fleet
	Profiles  profile.Set
	// Credentials maps device id to its secret (the MQTT password). A fleet
	// device without one is reported as a connect failure, not an error.
	Credentials map[string]string
	// Rate is samples per second per device; 0 means each profile's
	// 1/interval_s; at most 1000 (a 1 ms period). Events come on top, at
	// their profile rates per wall-clock hour.
	Rate float64
	// Duration bounds the run; 0 runs until ctx is done.
	Duration time.Duration
	// Seed makes the signals reproducible (not the timing).
	Seed   int64
	Logger *slog.Logger // nil discards
	// Progress receives a status line every ProgressEvery (default 5 s);
	// nil prints none.
	Progress      io.Writer
	ProgressEvery time.Duration
	// AckTimeout bounds the wait for each PUBACK; 0 means 10 s.
	AckTimeout time.Duration
	// ConnectStagger is the delay between two devices' first connects, so a
	// large fleet does not stampede the broker; 0 means 10 ms.
	ConnectStagger time.Duration
}

const (
	defaultAckTimeout     = 10 * time.Second
	defaultConnectStagger = 10 * time.Millisecond
	defaultProgressEvery  = 5 * time.Second
)

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.BrokerURL == "":
		return o, fmt.Errorf("%w: BrokerURL is empty", ErrInvalidOptions)
	case o.Fleet == nil || len(o.Fleet.Devices) == 0:
		return o, fmt.Errorf("%w: no fleet devices", ErrInvalidOptions)
	case !(o.Rate >= 0) || math.IsInf(o.Rate, 1):
		return o, fmt.Errorf("%w: Rate must be a finite number >= 0", ErrInvalidOptions)
	}
	for _, d := range o.Fleet.Devices {
		if o.Profiles[d.Kind] == nil {
			return o, fmt.Errorf("%w: device %s: no profile for kind %q", ErrInvalidOptions, d.ID, d.Kind)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = defaultAckTimeout
	}
	if o.ConnectStagger <= 0 {
		o.ConnectStagger = defaultConnectStagger
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = defaultProgressEvery
	}
	return o, nil
}

// Run connects every fleet device to the broker and publishes until ctx is
// done or Duration has passed, then publishes each device's retained offline
// status, disconnects, and returns what was sent and acknowledged. It returns
// an error only for unusable Options; devices that cannot connect are listed
// in Summary.ConnectFailures.
func Run(ctx context.Context, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	st := newStats(opts.Fleet, time.Now())
	stopMark := context.AfterFunc(ctx, st.markStopped)
	defer stopMark()
	devices := make([]*device, 0, len(opts.Fleet.Devices))
	for _, fd := range opts.Fleet.Devices {
		d, err := newDevice(opts, fd, st)
		if err != nil {
			return Summary{}, fmt.Errorf("device %s: %w", fd.ID, err)
		}
		devices = append(devices, d)
	}
	stopProgress := startProgress(opts, st)
	var wg sync.WaitGroup
	for i, d := range devices {
		wg.Go(func() { d.run(ctx, time.Duration(i)*opts.ConnectStagger) })
	}
	if len(opts.Fleet.Scenarios) > 0 {
		opts.Logger.Info("scenarios scheduled", "scenarios", opts.Fleet.describe())
		wg.Go(func() { playScenarios(ctx, opts, st, devices) })
	}
	wg.Wait()
	stopProgress()
	return st.summary(time.Now()), nil
}

// playScenarios hands each scenario step to its device at its time from
// the run's start, until ctx is done. A device that has stopped or never
// connected, or whose queue is full, misses the step, which counts as a
// scenario_dropped error.
func playScenarios(ctx context.Context, opts Options, st *stats, devices []*device) {
	byID := make(map[string]*device, len(devices))
	for _, d := range devices {
		byID[d.fd.ID] = d
	}
	tl := timeline(opts.Fleet.steps())
	for {
		s, ok := tl.pop()
		if !ok || !sleepCtx(ctx, time.Until(st.start.Add(s.at))) {
			return
		}
		d := byID[s.device]
		if d == nil || !d.inject(s.act) {
			st.addError("scenario_dropped")
			opts.Logger.Warn("scenario step dropped", "scenario", s.scenario.label(), "device_id", s.device)
			continue
		}
		st.scenarioStep()
		opts.Logger.Info("scenario step", "scenario", s.scenario.label(), "type", s.scenario.Type, "device_id", s.device,
			"at", s.at.Round(time.Millisecond))
	}
}

// deviceRand seeds a generator per device from the run seed and the id, so a
// device's signals do not depend on its position in the fleet.
func deviceRand(seed int64, id string, stream uint64) *rand.Rand {
	h := fnv.New64a()
	_, _ = io.WriteString(h, id)
	return rand.New(rand.NewPCG(uint64(seed)^stream, h.Sum64()))
}

// startProgress prints a line every ProgressEvery until the returned func is
// called.
func startProgress(opts Options, st *stats) (stop func()) {
	if opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(opts.ProgressEvery)
		defer t.Stop()
		var lastAcked int64
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				p := st.progress()
				rate := float64(p.acked-lastAcked) / now.Sub(last).Seconds()
				lastAcked, last = p.acked, now
				fmt.Fprintf(opts.Progress, "%6s  connected %d/%d  sent %d  acked %d  errors %d  rate %.1f msg/s%s\n",
					now.Sub(st.start).Round(time.Second), p.up, p.devices, p.sent, p.acked, p.errors, rate, p.scenarioNote())
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
