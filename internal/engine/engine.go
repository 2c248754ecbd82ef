// Package engine is where readings become alarms. It keeps each device's live
// state, evaluates the profile rules (thresholds with hysteresis and a minimum
// number of consecutive samples; device events), and owns the alarm lifecycle:
// one active alarm per (source, type), updated in place, cleared by rule or
// by hand, acknowledged. Every change goes to the store and to the live
// fan-out. It is fed by ingest after each commit and never blocks it for long.
package engine

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/store"
)

// Store is what the engine keeps and reloads.
type Store interface {
	InsertAlarm(ctx context.Context, a *model.Alarm) error
	AddAlarmComment(ctx context.Context, c *model.AlarmComment) error
	ListAlarmComments(ctx context.Context, alarmID int64) ([]model.AlarmComment, error)
	InsertIncident(ctx context.Context, in *model.Incident) error
	UpdateIncident(ctx context.Context, in *model.Incident) error
	GetIncident(ctx context.Context, id int64) (model.Incident, error)
	ListIncidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error)
	UpdateAlarm(ctx context.Context, a *model.Alarm) error
	GetAlarm(ctx context.Context, id int64) (model.Alarm, error)
	ListAlarms(ctx context.Context, f store.AlarmFilter) ([]model.Alarm, error)
	LatestReadings(ctx context.Context) (map[string]model.Reading, error)
	ListStatuses(ctx context.Context) ([]model.Status, error)
}

// Devices resolves a device id to its registration.
type Devices interface {
	Lookup(ctx context.Context, id string) (model.Device, error)
	List() []model.Device
}

// Publisher receives entity changes for the screens.
type Publisher interface {
	Upsert(entity, id string, data any)
	Remove(entity, id string)
}

// Live entity names.
const (
	EntityDevice = "device"
	EntityAlarm  = "alarm"
	// EntityAlarmComment carries comments added to alarms.
	EntityAlarmComment = "alarm_comment"
	// EntityOnline is the online-rate summary (one entity, id "summary").
	EntityOnline = "online"
)

// Options configures an Engine.
type Options struct {
	Profiles profile.Set
	Store    Store
	Devices  Devices
	Live     Publisher
	Logger   *slog.Logger
	Now      func() time.Time
	// Queue is how many stored batches may wait for evaluation; when full,
	// ingest waits (backpressure), it never drops.
	Queue int
	// Regions places incidents in their region; nil keeps the first
	// alarm's device region.
	Regions Locator
	// Correlations by category; nil means DefaultCorrelations.
	Correlations map[string]Correlation
	// OnIncident hears every stored incident change (opened, joined,
	// severity up, closed) — the dispatch loop's source. It must not block.
	OnIncident func(model.Incident)
}

type stored struct {
	readings []model.Reading
	events   []model.Event
	statuses []model.Status
}

// Engine evaluates rules and owns alarms.
type Engine struct {
	opts  Options
	log   *slog.Logger
	queue chan stored
	done  chan struct{}

	started time.Time // silence before this is not the device's fault

	mu        sync.Mutex
	devices   map[string]*deviceState
	active    activeSet
	incidents map[int64]*incidentState // open ones
	// liveComments are the comments on the screens, by active alarm id.
	liveComments map[int64][]int64

	derivedOrder map[string][]string // kind → its derived values' names, sorted

	suppressed atomic.Int64 // events below their confidence threshold
}

type alarmKey struct{ source, typ string }

type deviceState struct {
	model.DeviceState
	rules   map[string]*ruleState // by rule id
	derived derivedState
	// metricSeen is when each metric was last sampled, for absence rules.
	metricSeen map[string]time.Time
}

type ruleState struct {
	breaches int       // consecutive samples past the trigger level
	since    time.Time // first sample of the current breach or condition
	active   bool      // an alarm is open for this rule
	// held: a condition rule has seen its condition since its alarm opened,
	// so the condition ending clears it (a reported entrapment opens the
	// alarm without that, and is not cleared by telemetry that never showed it).
	held   bool
	band   int     // 0: the base level; i: Bands[i-1]
	window *window // accumulation and rate rules
}

// New returns an engine; Load it, then Start it.
func New(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.Correlations == nil {
		opts.Correlations = DefaultCorrelations
	}
	order := map[string][]string{}
	for kind, p := range opts.Profiles {
		order[kind] = slices.Sorted(maps.Keys(p.Derived))
	}
	return &Engine{opts: opts, log: opts.Logger, queue: make(chan stored, opts.Queue), done: make(chan struct{}), started: opts.Now(),
		devices: map[string]*deviceState{}, active: activeSet{}, incidents: map[int64]*incidentState{}, derivedOrder: order,
		liveComments: map[int64][]int64{}}
}

// Load restores live state from the store: latest values, statuses and the
// active alarms (with their rules marked active, so they clear correctly).
func (e *Engine) Load(ctx context.Context) error {
	latest, err := e.opts.Store.LatestReadings(ctx)
	if err != nil {
		return err
	}
	statuses, err := e.opts.Store.ListStatuses(ctx)
	if err != nil {
		return err
	}
	alarms, err := e.opts.Store.ListAlarms(ctx, store.AlarmFilter{Status: model.AlarmActive, Limit: 10000})
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, r := range latest {
		st := e.state(id)
		st.Values, st.Flags, st.LastTS, st.LastSeen = r.Values, r.Flags, r.TS, r.TS
	}
	for _, s := range statuses {
		e.applyStatus(s)
	}
	for i := range alarms {
		a := alarms[i]
		e.active.put(&a)
		e.markRule(a)
	}
	return e.loadIncidents(ctx)
}

// markRule marks the rule that raised a reloaded alarm as active.
func (e *Engine) markRule(a model.Alarm) {
	dev, err := e.opts.Devices.Lookup(context.Background(), a.Source)
	if err != nil {
		return
	}
	for _, r := range e.rules(dev) {
		if r.Alarm == a.Type {
			e.state(a.Source).rule(r.ID).active = true
		}
	}
}

// Start runs the evaluation loop until ctx ends and the queue drains.
func (e *Engine) Start(ctx context.Context) {
	go func() {
		defer close(e.done)
		for {
			select {
			case s := <-e.queue:
				e.process(ctx, s)
			case <-ctx.Done():
				e.drain(ctx)
				return
			}
		}
	}()
}

func (e *Engine) drain(ctx context.Context) {
	for {
		select {
		case s := <-e.queue:
			e.process(context.WithoutCancel(ctx), s)
		default:
			return
		}
	}
}

// Wait returns once the loop has stopped.
func (e *Engine) Wait() { <-e.done }

// Stored implements ingest.Sink: it queues newly stored data, in commit order.
func (e *Engine) Stored(readings []model.Reading, events []model.Event, statuses []model.Status) {
	e.queue <- stored{readings, events, statuses}
}

func (e *Engine) process(ctx context.Context, s stored) {
	e.mu.Lock()
	defer e.mu.Unlock()
	touched := map[string]bool{}
	for _, st := range s.statuses {
		e.applyStatus(st)
		e.statusHealth(ctx, st)
		touched[st.DeviceID] = true
	}
	readings := append([]model.Reading(nil), s.readings...)
	sort.SliceStable(readings, func(i, j int) bool { return readings[i].TS.Before(readings[j].TS) })
	for _, r := range readings {
		if e.applyReading(ctx, r) {
			touched[r.DeviceID] = true
		}
	}
	for _, ev := range s.events {
		e.applyEvent(ctx, ev)
		touched[ev.DeviceID] = true
	}
	for id := range touched {
		e.publishDevice(ctx, id)
	}
}

func (e *Engine) state(id string) *deviceState {
	st, ok := e.devices[id]
	if !ok {
		st = &deviceState{DeviceState: model.DeviceState{DeviceID: id}, rules: map[string]*ruleState{}}
		e.devices[id] = st
	}
	return st
}

func (d *deviceState) rule(id string) *ruleState {
	r, ok := d.rules[id]
	if !ok {
		r = &ruleState{}
		d.rules[id] = r
	}
	return r
}

func (e *Engine) applyStatus(s model.Status) {
	st := e.state(s.DeviceID)
	st.Online = s.State == model.StateOnline
	if s.FW != "" {
		st.FW = s.FW
	}
	if s.BatteryPct != nil {
		st.Battery = s.BatteryPct
	}
	if s.TS.After(st.LastSeen) {
		st.LastSeen = s.TS
	}
}
