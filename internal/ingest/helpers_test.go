package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/ingest"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/store"
)

// memWriter is an in-memory ingest.Writer with the store's batch semantics:
// a reading already stored under (device, ts, seq), or an event under
// (device, ts, type), is reported as not new and not stored again.
type memWriter struct {
	mu          sync.Mutex
	fail        error
	gated       bool // when set, each WriteBatch signals entered, then waits on proceed
	entered     chan struct{}
	proceed     chan struct{}
	seen        map[string]bool
	readings    []model.Reading // attempted, in commit order
	inserted    int
	events      []model.Event
	statuses    []model.Status
	deadLetters []model.DeadLetter
	commits     int
}

func newMemWriter() *memWriter {
	return &memWriter{seen: map[string]bool{}, entered: make(chan struct{}), proceed: make(chan struct{})}
}

func (w *memWriter) gate(on bool) {
	w.mu.Lock()
	w.gated = on
	w.mu.Unlock()
}

func (w *memWriter) WriteBatch(_ context.Context, b store.Batch) (store.BatchResult, error) {
	w.mu.Lock()
	gated := w.gated
	w.mu.Unlock()
	if gated {
		w.entered <- struct{}{}
		<-w.proceed
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	res := store.BatchResult{Inserted: make([]bool, len(b.Readings)), EventNew: make([]bool, len(b.Events))}
	if w.fail != nil {
		return res, w.fail
	}
	w.commits++
	for i, r := range b.Readings {
		k := fmt.Sprintf("r|%s|%d|%d", r.DeviceID, r.TS.UnixNano(), r.Seq)
		res.Inserted[i] = !w.seen[k]
		if res.Inserted[i] {
			w.inserted++
		}
		w.seen[k] = true
		w.readings = append(w.readings, r)
	}
	for i, e := range b.Events {
		k := fmt.Sprintf("e|%s|%d|%s", e.DeviceID, e.TS.UnixNano(), e.Type)
		res.EventNew[i] = !w.seen[k]
		w.seen[k] = true
		w.events = append(w.events, e)
	}
	w.statuses = append(w.statuses, b.Statuses...)
	w.deadLetters = append(w.deadLetters, b.DeadLetters...)
	return res, nil
}

func (w *memWriter) setFail(err error) {
	w.mu.Lock()
	w.fail = err
	w.mu.Unlock()
}

type written struct {
	readings    []model.Reading
	inserted    int
	events      []model.Event
	statuses    []model.Status
	deadLetters []model.DeadLetter
}

func (w *memWriter) snapshot() written {
	w.mu.Lock()
	defer w.mu.Unlock()
	return written{append([]model.Reading(nil), w.readings...), w.inserted, append([]model.Event(nil), w.events...),
		append([]model.Status(nil), w.statuses...), append([]model.DeadLetter(nil), w.deadLetters...)}
}

// recSink records what the pipeline reports as newly stored.
type recSink struct {
	mu       sync.Mutex
	readings []model.Reading
	events   []model.Event
	statuses []model.Status
	calls    int
}

func (s *recSink) Stored(readings []model.Reading, events []model.Event, statuses []model.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.readings = append(s.readings, readings...)
	s.events = append(s.events, events...)
	s.statuses = append(s.statuses, statuses...)
}

func (s *recSink) snapshot() (readings []model.Reading, events []model.Event, statuses []model.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Reading(nil), s.readings...), append([]model.Event(nil), s.events...), append([]model.Status(nil), s.statuses...)
}

// fakeDevices is a fixed registry.
type fakeDevices map[string]model.Device

func (d fakeDevices) Lookup(_ context.Context, id string) (model.Device, error) {
	dev, ok := d[id]
	if !ok {
		return model.Device{}, fmt.Errorf("unknown device: %s", id)
	}
	return dev, nil
}

var testDevices = fakeDevices{
	"hy-1":  {ID: "hy-1", Kind: "hydrology"},
	"aq-1":  {ID: "aq-1", Kind: "pollution"},
	"el-1":  {ID: "el-1", Kind: "elevator"},
	"cam-1": {ID: "cam-1", Kind: "firecam"},
	"wx-1":  {ID: "wx-1", Kind: "weather"}, // registered with a kind no profile describes
}

func loadProfiles(t testing.TB) profile.Set {
	t.Helper()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	return set
}

type rig struct {
	p    *ingest.Pipeline
	w    *memWriter
	sink *recSink
	once sync.Once
}

func (r *rig) close() { r.once.Do(r.p.Close) }

func newRig(t testing.TB, set profile.Set, tune func(*ingest.Options)) *rig {
	t.Helper()
	r := &rig{w: newMemWriter(), sink: &recSink{}}
	opts := ingest.Options{Profiles: set, Devices: testDevices, Store: r.w, Sink: r.sink,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	if tune != nil {
		tune(&opts)
	}
	r.p = ingest.New(opts)
	t.Cleanup(r.close)
	return r
}
