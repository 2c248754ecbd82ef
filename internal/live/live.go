// Package live fans the hub's state out to screens. It keeps a materialised
// view of entities (device, alarm, stats) and turns every change into a delta
// with a strictly increasing sequence number, kept in a ring buffer so a
// screen that reconnects with ?since=SEQ resumes without a gap. Each screen has
// a bounded queue: a screen that falls behind is dropped, never waited for.
// It knows nothing of devices or alarms beyond their JSON.
package live

import (
	"encoding/json"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
)

// Delta is one change to one entity.
type Delta struct {
	Type   string          `json:"type"` // "delta"
	Seq    uint64          `json:"seq"`
	Entity string          `json:"entity"`
	Op     string          `json:"op"` // upsert | remove
	ID     string          `json:"id"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// Snapshot is the whole view at Seq.
type Snapshot struct {
	Type     string                       `json:"type"` // "snapshot"
	Seq      uint64                       `json:"seq"`
	Entities map[string][]json.RawMessage `json:"entities"`
}

// Options configures a Hub.
type Options struct {
	Ring   int // deltas kept for resume; default 8192
	Queue  int // frames buffered per subscriber; default 1024
	Logger *slog.Logger
}

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
}

// New returns an empty hub.
func New(opts Options) *Hub {
	if opts.Ring <= 0 {
		opts.Ring = 8192
	}
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Hub{opts: opts, log: opts.Logger, entities: map[string]map[string]json.RawMessage{},
		ring: make([]Delta, opts.Ring), subs: map[*Subscriber]struct{}{}}
}

// Upsert replaces an entity and broadcasts the change.
func (h *Hub) Upsert(entity, id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		h.log.Error("live entity not encodable", "entity", entity, "id", id, "err", err)
		return
	}
	h.apply(Delta{Type: "delta", Entity: entity, Op: "upsert", ID: id, Data: b})
}

// Remove deletes an entity and broadcasts the change.
func (h *Hub) Remove(entity, id string) {
	h.apply(Delta{Type: "delta", Entity: entity, Op: "remove", ID: id})
}

func (h *Hub) apply(d Delta) {
	h.mu.Lock()
	defer h.mu.Unlock()
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
		m[d.ID] = d.Data
	}
	h.seq++
	d.Seq = h.seq
	h.ring[d.Seq%uint64(len(h.ring))] = d
	frame, _ := json.Marshal(d)
	for s := range h.subs {
		if !s.offer(frame) {
			delete(h.subs, s)
			h.dropped++
		}
	}
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
func (h *Hub) Subscribe(since uint64, hasSince bool) *Subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscriber{ch: make(chan []byte, h.opts.Queue), gone: make(chan struct{})}
	if hasSince && h.canResume(since) {
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
	return since <= h.seq && h.seq-since < uint64(len(h.ring))
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

// Close disconnects every subscriber (going away); screens reconnect to
// whichever hub answers next.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
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
