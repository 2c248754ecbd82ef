package simulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Summary is what a Run sent and what the broker acknowledged. Every
// message counted in Sent ends in Acked or Failed.
type Summary struct {
	Devices    int
	Connected  int // devices that connected at least once
	Elapsed    time.Duration
	Sent       int64 // telemetry and events; status messages are not counted
	Acked      int64
	Failed     int64
	Reconnects int64 // successful reconnections after a lost connection
	// ScenarioSteps counts scenario steps handed to their devices (a fire
	// seen by two towers is two steps); missed ones are scenario_dropped errors.
	ScenarioSteps int64
	Rate          float64 // acknowledged messages per second over Elapsed
	Kinds         map[string]KindSummary
	// Errors counts failures by kind: not_connected, puback_timeout,
	// publish_timeout, publish_error, connect_error (a retried first
	// connect), connection_lost, status_publish, marshal_error,
	// scenario_dropped.
	Errors map[string]int64
	// ConnectFailures lists the devices that never connected, by id.
	ConnectFailures []ConnectFailure
}

// KindSummary is Summary's counts for one device kind.
type KindSummary struct {
	Devices, Connected int
	Telemetry, Events  int64
	Acked, Failed      int64
}

// ConnectFailure is a device that never connected. Reason is one of
// bad_credentials (CONNACK 4), not_authorized (CONNACK 5 — what mochi and
// mosquitto answer a wrong password with on MQTT 3.1.1),
// identifier_rejected, bad_protocol_version, missing_credentials (none in
// Options.Credentials), stopped_before_connecting or
// "unreachable: <last error>".
type ConnectFailure struct {
	DeviceID, Kind, Reason string
}

// stats is Summary under construction, shared by every device of a run.
type stats struct {
	mu        sync.Mutex
	start     time.Time
	stopped   time.Time
	devices   int
	scenarios int
	up        int
	s         Summary
	failures  map[string]ConnectFailure
	everUp    map[string]bool
}

func newStats(f *Fleet, start time.Time) *stats {
	st := &stats{start: start, devices: len(f.Devices), scenarios: len(f.Scenarios), failures: map[string]ConnectFailure{}, everUp: map[string]bool{}}
	st.s = Summary{Devices: len(f.Devices), Kinds: map[string]KindSummary{}, Errors: map[string]int64{}}
	for _, d := range f.Devices {
		k := st.s.Kinds[d.Kind]
		k.Devices++
		st.s.Kinds[d.Kind] = k
	}
	return st
}

func (st *stats) update(kind string, fn func(*KindSummary)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := st.s.Kinds[kind]
	fn(&k)
	st.s.Kinds[kind] = k
}

func (st *stats) sent(kind string, isEvent bool) {
	st.update(kind, func(k *KindSummary) {
		st.s.Sent++
		if isEvent {
			k.Events++
		} else {
			k.Telemetry++
		}
	})
}

func (st *stats) acked(kind string) {
	st.update(kind, func(k *KindSummary) { st.s.Acked++; k.Acked++ })
}

func (st *stats) failed(kind, why string) {
	st.update(kind, func(k *KindSummary) { st.s.Failed++; k.Failed++; st.s.Errors[why]++ })
}

func (st *stats) addError(why string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Errors[why]++
}

func (st *stats) connected(d FleetDevice) {
	st.update(d.Kind, func(k *KindSummary) {
		if !st.everUp[d.ID] {
			st.everUp[d.ID] = true
			st.s.Connected++
			k.Connected++
		}
	})
}

func (st *stats) scenarioStep() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.ScenarioSteps++
}

func (st *stats) reconnected() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Reconnects++
}

func (st *stats) setUp(delta int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.up += delta
}

func (st *stats) connectFailure(d FleetDevice, reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.failures[d.ID] = ConnectFailure{DeviceID: d.ID, Kind: d.Kind, Reason: reason}
}

func (st *stats) markStopped() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.stopped.IsZero() {
		st.stopped = time.Now()
	}
}

type progressSnapshot struct {
	devices, up         int
	sent, acked, errors int64
	scenarios, steps    int64
}

// scenarioNote is the progress line's scenario part, empty without any.
func (p progressSnapshot) scenarioNote() string {
	if p.scenarios == 0 {
		return ""
	}
	return fmt.Sprintf("  scenario steps %d", p.steps)
}

func (st *stats) progress() progressSnapshot {
	st.mu.Lock()
	defer st.mu.Unlock()
	var errs int64
	for _, n := range st.s.Errors {
		errs += n
	}
	return progressSnapshot{devices: st.devices, up: st.up, sent: st.s.Sent, acked: st.s.Acked, errors: errs,
		scenarios: int64(st.scenarios), steps: st.s.ScenarioSteps}
}

// summary freezes the counts. Elapsed runs from the start to the moment the
// run was told to stop (or to end, if every device gave up first).
func (st *stats) summary(end time.Time) Summary {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.stopped.IsZero() && st.stopped.Before(end) {
		end = st.stopped
	}
	s := st.s
	s.Kinds = maps.Clone(st.s.Kinds)
	s.Errors = maps.Clone(st.s.Errors)
	s.Elapsed = end.Sub(st.start)
	if s.Elapsed > 0 {
		s.Rate = float64(s.Acked) / s.Elapsed.Seconds()
	}
	for _, id := range slices.Sorted(maps.Keys(st.failures)) {
		s.ConnectFailures = append(s.ConnectFailures, st.failures[id])
	}
	return s
}

// String renders the summary as a few aligned tables.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "devices %d, connected %d, elapsed %s, achieved %.1f msg/s\n",
		s.Devices, s.Connected, s.Elapsed.Round(time.Millisecond), s.Rate)
	fmt.Fprintf(&b, "sent %d, acked %d, failed %d, reconnects %d", s.Sent, s.Acked, s.Failed, s.Reconnects)
	if s.ScenarioSteps > 0 {
		fmt.Fprintf(&b, ", scenario steps %d", s.ScenarioSteps)
	}
	b.WriteString("\n\n")
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "kind\tdevices\tconnected\ttelemetry\tevents\tacked\tfailed\t")
	var total KindSummary
	for _, kind := range slices.Sorted(maps.Keys(s.Kinds)) {
		k := s.Kinds[kind]
		writeKindRow(w, kind, k)
		total.Devices, total.Connected = total.Devices+k.Devices, total.Connected+k.Connected
		total.Telemetry, total.Events = total.Telemetry+k.Telemetry, total.Events+k.Events
		total.Acked, total.Failed = total.Acked+k.Acked, total.Failed+k.Failed
	}
	writeKindRow(w, "total", total)
	_ = w.Flush()
	if len(s.Errors) > 0 {
		b.WriteString("\nerrors\n")
		w = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, why := range slices.Sorted(maps.Keys(s.Errors)) {
			fmt.Fprintf(w, "  %s\t%d\n", why, s.Errors[why])
		}
		_ = w.Flush()
	}
	if len(s.ConnectFailures) > 0 {
		fmt.Fprintf(&b, "\nconnect failures (%d)\n", len(s.ConnectFailures))
		w = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, f := range s.ConnectFailures {
			fmt.Fprintf(w, "  %s\t%s\t%s\n", f.DeviceID, f.Kind, f.Reason)
		}
		_ = w.Flush()
	}
	return b.String()
}

func writeKindRow(w *tabwriter.Writer, name string, k KindSummary) {
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, k.Devices, k.Connected, k.Telemetry, k.Events, k.Acked, k.Failed)
}
