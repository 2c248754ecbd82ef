// Package live fans the hub's state out to screens. It keeps a materialised
// view of entities (device, alarm, stats) and turns changes into deltas with a
// strictly increasing sequence number, kept in a ring buffer so a screen that
// reconnects with ?since=SEQ resumes without a gap. Each screen has a bounded
// queue: a screen that falls behind is dropped, never waited for. It knows
// nothing of devices or alarms beyond their JSON.
//
// Changes are coalesced per entity: Upsert and Remove only note the latest
// change of each (entity, id), and a flusher turns the noted changes into
// deltas once per window (Options.Coalesce), so an entity that changes ten
// times a second reaches the screens a few times a second, with its last value.
package live

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Delta is one change to one entity.
type Delta struct {
	Type   string          `json:"type"` // "delta"
	Seq    uint64          `json:"seq"`
	Entity string          `json:"entity"`
	Op     string          `json:"op"` // upsert | patch | remove
	ID     string          `json:"id"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// Snapshot is the whole view at Seq.
type Snapshot struct {
	Type     string                       `json:"type"` // "snapshot"
	Seq      uint64                       `json:"seq"`
	Entities map[string][]json.RawMessage `json:"entities"`
}

// DefaultCoalesce is the coalescing window when Options.Coalesce is 0.
const DefaultCoalesce = 250 * time.Millisecond

// DefaultMaxRate is Options.MaxRate when it is 0.
const DefaultMaxRate = 100

// MaxWindow is the longest a coalescing window grows under load: every entity
// still reaches the screens at least this often, well inside the screen's
// 5-second freshness light.
const MaxWindow = 3 * time.Second

// Immediate, as Options.Coalesce, turns coalescing off: every change becomes
// a delta at once, inside Upsert or Remove.
const Immediate time.Duration = -1

// Options configures a Hub.
type Options struct {
	Ring  int // deltas kept for resume; default 8192
	Queue int // frames buffered per subscriber; default 1024
	// Coalesce is the window in which changes to one entity collapse into
	// one delta carrying the last value: 0 means DefaultCoalesce, a negative
	// value (Immediate) one delta per change, sent from Upsert or Remove.
	Coalesce time.Duration
	// MaxRate bounds the deltas a screen is sent per second, on average:
	// after a flush of n deltas the next window is n/MaxRate seconds when
	// that is longer than Coalesce (at most MaxWindow). Every screen is sent
	// every delta, so this is what bounds the fan-out's cost when ingest
	// is heavy; at a fleet's usual pace the window stays at Coalesce. 0
	// means DefaultMaxRate; negative, no bound.
	MaxRate int
	// Patch names the entities whose changes are sent as patches: only
	// the top-level fields that changed, a removed field as null, merged by
	// the screen into what it holds. For entities whose values carry much
	// that rarely changes (a device's name, place and rule lines beside its
	// latest readings).
	Patch []string
	// Epoch is the sequence number before the first delta. A process that
	// restarts must not reuse the numbers of its previous life, or a screen
	// resuming with ?since= from the old one would skip the new one's first
	// deltas; the hub passes EpochNow().
	Epoch  uint64
	Logger *slog.Logger
}

// EpochNow is an Epoch above every sequence number an earlier process can
// have reached: the start time in milliseconds × 1000 (a thousand deltas a
// millisecond of uptime would be needed to catch up), still an exact
// integer in JavaScript (below 2^53 until the year 2255).
func EpochNow() uint64 { return uint64(time.Now().UnixMilli()) * 1000 }

// Hub is the live view and its subscribers.
type Hub struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	seq      uint64
	entities map[string]map[string]json.RawMessage
	ring     []Delta // ring[seq % len] holds delta seq
	subs     map[*Subscriber]struct{}
	dropped  uint64
	spare    pendingSet // the set the next flush swaps in; under mu

	// Coalescing (Coalesce > 0). Lock order: mu, then pmu; Upsert and
	// Remove take only pmu, so they never wait for a fan-out.
	pmu     sync.Mutex
	pending pendingSet // changes since the last flush; under pmu
	closed  bool       // after Close changes apply at once; under pmu

	wake      chan struct{} // the pending set became non-empty
	stop      chan struct{} // closed by Close: the flusher returns
	done      chan struct{} // closed when the flusher has returned
	closeOnce sync.Once
}

// key names one entity.
type key struct{ entity, id string }

// change is the latest noted change of one entity.
type change struct {
	key
	remove bool
	data   json.RawMessage
}

// pendingSet holds the latest change of each entity touched since the last
// flush, in the order each entity was first touched.
type pendingSet struct {
	order []change
	index map[key]int // position in order
}

func newPendingSet() pendingSet { return pendingSet{index: map[key]int{}} }

// put notes c, replacing an earlier change of the same entity in place; true
// when the set was empty.
func (p *pendingSet) put(c change) bool {
	if i, ok := p.index[c.key]; ok {
		p.order[i].remove, p.order[i].data = c.remove, c.data
		return false
	}
	p.index[c.key] = len(p.order)
	p.order = append(p.order, c)
	return len(p.order) == 1
}

// reset empties the set, keeping its storage.
func (p *pendingSet) reset() {
	clear(p.order) // drop the references to the data
	p.order = p.order[:0]
	clear(p.index)
}

// New returns an empty hub. With coalescing on it starts the flusher; Close
// stops it.
func New(opts Options) *Hub {
	if opts.Ring <= 0 {
		opts.Ring = 8192
	}
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.Coalesce == 0 {
		opts.Coalesce = DefaultCoalesce
	}
	if opts.MaxRate == 0 {
		opts.MaxRate = DefaultMaxRate
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Hub{opts: opts, log: opts.Logger, entities: map[string]map[string]json.RawMessage{},
		ring: make([]Delta, opts.Ring), subs: map[*Subscriber]struct{}{}, seq: opts.Epoch}
	if opts.Coalesce > 0 {
		h.pending, h.spare = newPendingSet(), newPendingSet()
		h.wake, h.stop, h.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go h.flusher()
	}
	return h
}

// Upsert replaces an entity. The change reaches the subscribers with the
// next flush (at once without coalescing); Upsert never waits for them.
func (h *Hub) Upsert(entity, id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		h.log.Error("live entity not encodable", "entity", entity, "id", id, "err", err)
		return
	}
	h.note(change{key: key{entity, id}, data: b})
}

// Remove deletes an entity, like Upsert. Removing an entity the screens do
// not have — never sent, or upserted and removed within one window — sends
// nothing.
func (h *Hub) Remove(entity, id string) {
	h.note(change{key: key{entity, id}, remove: true})
}

// note adds c to the pending set, or applies it at once when coalescing is
// off or the hub closed.
func (h *Hub) note(c change) {
	if h.opts.Coalesce > 0 {
		h.pmu.Lock()
		if !h.closed {
			first := h.pending.put(c)
			h.pmu.Unlock()
			if first {
				select {
				case h.wake <- struct{}{}:
				default: // already woken
				}
			}
			return
		}
		h.pmu.Unlock()
		// Closed: Close flushed the pending set while holding mu, so
		// applying now keeps the order.
	}
	h.mu.Lock()
	h.applyLocked(c)
	h.mu.Unlock()
}

// flusher flushes one window after the first change of each batch, so an
// entity gets at most one delta per window and none wait longer.
func (h *Hub) flusher() {
	defer close(h.done)
	t := time.NewTimer(h.opts.Coalesce)
	t.Stop()
	window := h.opts.Coalesce
	for {
		select {
		case <-h.stop:
			return
		case <-h.wake:
		}
		t.Reset(window)
		select {
		case <-h.stop:
			t.Stop()
			return
		case <-t.C:
		}
		window = nextWindow(h.flush(), h.opts.Coalesce, h.opts.MaxRate)
	}
}

// nextWindow is the coalescing window after a flush of n deltas: base, or
// long enough that n deltas a window stay within maxRate a second, up to
// MaxWindow.
func nextWindow(n int, base time.Duration, maxRate int) time.Duration {
	if maxRate <= 0 {
		return base
	}
	w := time.Duration(n) * time.Second / time.Duration(maxRate)
	return min(max(w, base), max(MaxWindow, base))
}

// Flush turns the pending changes into deltas now, in the order their
// entities were first touched, and fans them out. The flusher calls it every
// window; tests and shutdown call it to not wait. A no-op without coalescing.
func (h *Hub) Flush() { h.flush() }

// flush is Flush, returning how many changes it applied.
func (h *Hub) flush() int {
	if h.opts.Coalesce <= 0 {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.flushLocked()
}

func (h *Hub) flushLocked() int {
	h.pmu.Lock()
	h.pending, h.spare = h.spare, h.pending
	h.pmu.Unlock()
	batch := &h.spare
	n := len(batch.order)
	for i := range batch.order {
		h.applyLocked(batch.order[i])
	}
	batch.reset()
	return n
}

// applyLocked applies one change to the view and, when it changes the view,
// assigns it the next seq, rings it and fans it out.
func (h *Hub) applyLocked(c change) {
	d := Delta{Type: "delta", Entity: c.entity, Op: "upsert", ID: c.id, Data: c.data}
	if c.remove {
		d.Op, d.Data = "remove", nil
	}
	m := h.entities[d.Entity]
	if m == nil {
		m = map[string]json.RawMessage{}
		h.entities[d.Entity] = m
	}
	if d.Op == "remove" {
		if _, ok := m[d.ID]; !ok {
			return
		}
		delete(m, d.ID)
	} else {
		prev, had := m[d.ID]
		m[d.ID] = d.Data
		// With no screen connected a patch would save nothing; a screen
		// resuming later takes the whole value as well.
		if had && len(h.subs) > 0 && slices.Contains(h.opts.Patch, d.Entity) {
			if p, ok := patch(prev, d.Data); ok {
				d.Op, d.Data = "patch", p
			}
		}
	}
	h.seq++
	d.Seq = h.seq
	h.ring[d.Seq%uint64(len(h.ring))] = d
	if len(h.subs) == 0 {
		return
	}
	frame, _ := json.Marshal(d)
	for s := range h.subs {
		if !s.offer(frame) {
			delete(h.subs, s)
			h.dropped++
		}
	}
}

// patch is next's top-level fields that differ from prev's, with a field
// prev had and next lacks as null; ok is false unless both are objects.
func patch(prev, next json.RawMessage) (json.RawMessage, bool) {
	var a, b map[string]json.RawMessage
	if json.Unmarshal(prev, &a) != nil || json.Unmarshal(next, &b) != nil || a == nil || b == nil {
		return nil, false
	}
	out := make(map[string]json.RawMessage, len(b))
	for k, v := range b {
		if old, ok := a[k]; !ok || !bytes.Equal(old, v) {
			out[k] = v
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out[k] = json.RawMessage("null")
		}
	}
	p, err := json.Marshal(out)
	return p, err == nil
}

// Seq is the sequence number of the last delta.
func (h *Hub) Seq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// Stats reports subscribers connected and dropped as slow so far.
func (h *Hub) Stats() (subscribers int, dropped uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs), h.dropped
}

// Subscribe registers a subscriber. Its first frame is a snapshot, or — when
// since > 0 and every delta after since is still in the ring — a resume
// marker followed by those deltas. Both happen under the hub's lock, so no
// delta is missed or repeated between the first frame and the live stream.
// A snapshot ends the coalescing window early: the pending changes are
// flushed first (the other subscribers get them as deltas), so a new screen
// starts from every change made before it connected. A resume does not
// flush; the pending changes follow it as deltas.
func (h *Hub) Subscribe(since uint64, hasSince bool) *Subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscriber{ch: make(chan []byte, h.opts.Queue), gone: make(chan struct{})}
	resume := hasSince && h.canResume(since)
	if !resume && h.opts.Coalesce > 0 {
		h.flushLocked()
	}
	if resume {
		frame, _ := json.Marshal(map[string]any{"type": "resume", "seq": since})
		s.offer(frame)
		for q := since + 1; q <= h.seq; q++ {
			f, _ := json.Marshal(h.ring[q%uint64(len(h.ring))])
			if !s.offer(f) {
				// Too far behind to replay through the queue: start afresh.
				s = &Subscriber{ch: make(chan []byte, h.opts.Queue), gone: make(chan struct{})}
				s.offer(h.snapshotLocked())
				break
			}
		}
	} else {
		s.offer(h.snapshotLocked())
	}
	h.subs[s] = struct{}{}
	return s
}

func (h *Hub) canResume(since uint64) bool {
	return since >= h.opts.Epoch && since <= h.seq && h.seq-since < uint64(len(h.ring))
}

func (h *Hub) snapshotLocked() []byte {
	snap := Snapshot{Type: "snapshot", Seq: h.seq, Entities: map[string][]json.RawMessage{}}
	for name, m := range h.entities {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		list := make([]json.RawMessage, len(ids))
		for i, id := range ids {
			list[i] = m[id]
		}
		snap.Entities[name] = list
	}
	b, _ := json.Marshal(snap)
	return b
}

// Close stops the flusher, flushes the pending changes and disconnects every
// subscriber (going away); screens reconnect to whichever hub answers next.
// Changes after Close apply at once.
func (h *Hub) Close() {
	if h.opts.Coalesce > 0 {
		h.closeOnce.Do(func() {
			close(h.stop)
			<-h.done
		})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.opts.Coalesce > 0 {
		h.pmu.Lock()
		h.closed = true
		h.pmu.Unlock()
		h.flushLocked()
	}
	for s := range h.subs {
		s.closing.Store(true)
		s.close()
		delete(h.subs, s)
	}
}

// Unsubscribe removes s; safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	s.close()
}

// Subscriber is one screen's queue of frames.
type Subscriber struct {
	ch      chan []byte
	gone    chan struct{}
	once    sync.Once
	failed  atomic.Bool // dropped for being slow
	closing atomic.Bool // the hub is shutting down
}

// offer queues a frame without blocking; false (and the subscriber closed)
// when the queue is full.
func (s *Subscriber) offer(frame []byte) bool {
	select {
	case s.ch <- frame:
		return true
	default:
		s.failed.Store(true)
		s.close()
		return false
	}
}

func (s *Subscriber) close() { s.once.Do(func() { close(s.gone) }) }

// Frames is the subscriber's queue.
func (s *Subscriber) Frames() <-chan []byte { return s.ch }

// Gone is closed when the hub dropped the subscriber (too slow) or it was
// unsubscribed.
func (s *Subscriber) Gone() <-chan struct{} { return s.gone }
