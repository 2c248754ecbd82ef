package live_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/live"
)

// body is an entity as these tests publish it; like the hub's entities it
// carries its id, so a snapshot's lists can be keyed.
type body struct {
	ID string `json:"id"`
	V  int    `json:"v"`
}

// raw is body{id, v} as the hub encodes it.
func raw(id string, v int) json.RawMessage {
	b, _ := json.Marshal(body{ID: id, V: v})
	return b
}

// view is a screen's state: entity → id → body.
type view map[string]map[string]string

func (v view) upsert(entity, id string, data json.RawMessage) {
	if v[entity] == nil {
		v[entity] = map[string]string{}
	}
	v[entity][id] = string(data)
}

func (v view) remove(entity, id string) {
	delete(v[entity], id)
	if len(v[entity]) == 0 {
		delete(v, entity)
	}
}

// snapshotView is the state a snapshot frame describes.
func snapshotView(t *testing.T, f frame) view {
	t.Helper()
	require.Equal(t, "snapshot", f.Type)
	v := view{}
	for entity, list := range f.Entities {
		for _, data := range list {
			var b body
			require.NoError(t, json.Unmarshal(data, &b))
			v.upsert(entity, b.ID, data)
		}
	}
	return v
}

// replay applies a stream the way a screen does — a snapshot, then deltas
// each exactly one after the last — and returns the state and the last seq.
func replay(t *testing.T, frames []frame) (view, uint64) {
	t.Helper()
	require.NotEmpty(t, frames)
	v, seq := snapshotView(t, frames[0]), frames[0].Seq
	for _, f := range frames[1:] {
		require.Equal(t, "delta", f.Type)
		require.Equal(t, seq+1, f.Seq, "a delta out of order or missing")
		seq = f.Seq
		switch f.Op {
		case "upsert":
			v.upsert(f.Entity, f.ID, f.Data)
		case "remove":
			v.remove(f.Entity, f.ID)
		default:
			t.Fatalf("op %q", f.Op)
		}
	}
	return v, seq
}

// hubView is the hub's view now, as a fresh subscriber's snapshot shows it.
func hubView(t *testing.T, h *live.Hub) (view, uint64) {
	t.Helper()
	s := h.Subscribe(0, false)
	defer h.Unsubscribe(s)
	f := next(t, s)
	return snapshotView(t, f), f.Seq
}

// queued takes the frames waiting in s's queue without waiting for more:
// after Flush every frame of the flush is queued.
func queued(t *testing.T, s *live.Subscriber) []frame {
	t.Helper()
	var out []frame
	for len(s.Frames()) > 0 {
		out = append(out, decode(t, <-s.Frames()))
	}
	return out
}

func dial(t *testing.T, srv *httptest.Server, query string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+query, nil)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readFrame reads one frame into a fresh value: json leaves the fields a frame
// lacks as they were.
func readFrame(t *testing.T, conn *websocket.Conn) frame {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	var f frame
	require.NoError(t, conn.ReadJSON(&f))
	return f
}

// readUntil reads frames until done says so; it runs on its own goroutine,
// so it returns the error for the test to check.
func readUntil(conn *websocket.Conn, done func(frame) bool) ([]frame, error) {
	var out []frame
	for {
		if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
			return out, err
		}
		var f frame
		if err := conn.ReadJSON(&f); err != nil {
			return out, fmt.Errorf("after %d frames: %w", len(out), err)
		}
		out = append(out, f)
		if done(f) {
			return out, nil
		}
	}
}

// Many producers change a few hundred entities (and one hot stats entity)
// thousands of times while screens watch over the WebSocket, some from the
// start and some joining midway: each sees a snapshot and then deltas with
// seq rising by exactly 1, and what it ends with is exactly the hub's view,
// which is exactly the producers' last changes.
func TestCoalescedNoGapsUnderLoad(t *testing.T) {
	for _, tc := range []struct {
		desc     string
		coalesce time.Duration
	}{
		{"1 ms window: many small flushes", time.Millisecond},
		{"default window: few large flushes", 0},
		{"no coalescing: a delta per change", live.Immediate},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			const producers, each, perProducer, readers = 8, 2000, 40, 4
			h := newHub(t, live.Options{Coalesce: tc.coalesce, Queue: 1 << 15, Ring: 1 << 16})
			srv := httptest.NewServer(h)
			defer srv.Close()

			type result struct {
				frames []frame
				err    error
			}
			results := make([]result, readers)
			var readersDone sync.WaitGroup
			read := func(i int) {
				conn := dial(t, srv, "")
				readersDone.Add(1)
				go func() {
					defer readersDone.Done()
					// A reader subscribed late may find the end marker in its snapshot.
					results[i].frames, results[i].err = readUntil(conn, func(f frame) bool {
						return f.Entity == "end" || len(f.Entities["end"]) > 0
					})
				}()
			}
			for i := range readers / 2 {
				read(i)
			}

			// Each producer owns its devices, so its last change to each is final.
			finals := make([]view, producers)
			halfway := make(chan struct{})
			var producing sync.WaitGroup
			for p := range producers {
				producing.Add(1)
				go func() {
					defer producing.Done()
					final := view{}
					for i := range each {
						if p == 0 && i == each/2 {
							close(halfway)
						}
						id := fmt.Sprintf("d%d-%d", p, i*7%perProducer)
						if i%11 == 10 {
							h.Remove("device", id)
							final.remove("device", id)
						} else {
							h.Upsert("device", id, body{ID: id, V: i})
							final.upsert("device", id, raw(id, i))
						}
						if p == 0 { // the hot entity
							h.Upsert("stats", "hub", body{ID: "hub", V: i})
							final.upsert("stats", "hub", raw("hub", i))
						}
					}
					finals[p] = final
				}()
			}
			<-halfway
			for i := readers / 2; i < readers; i++ {
				read(i)
			}
			producing.Wait()
			h.Flush()
			h.Upsert("end", "end", body{ID: "end"})
			h.Flush()
			readersDone.Wait()

			want := view{"end": {"end": string(raw("end", 0))}}
			for _, f := range finals {
				for entity, m := range f {
					for id, data := range m {
						want.upsert(entity, id, json.RawMessage(data))
					}
				}
			}
			got, seq := hubView(t, h)
			require.Equal(t, want, got, "the hub's view is the last change of each entity")
			require.Equal(t, h.Seq(), seq)
			for i, r := range results {
				require.NoError(t, r.err, "reader %d", i)
				v, last := replay(t, r.frames)
				require.Equal(t, seq, last, "reader %d", i)
				require.Equal(t, want, v, "reader %d", i)
			}
			subs, dropped := h.Stats()
			require.Equal(t, readers, subs)
			require.Zero(t, dropped)
		})
	}
}

// Changes within one window: at most one delta per entity, carrying its last
// value, in the order the entities were first touched; a remove replaces a
// pending upsert, and one that removes nothing the screens have sends
// nothing. The window ends with a flush, or early with a new screen's
// snapshot, which is the view after the window's deltas.
func TestCoalescing(t *testing.T) {
	upserts := func(h *live.Hub, entity, id string, n int) {
		for i := range n {
			h.Upsert(entity, id, body{ID: id, V: i})
		}
	}
	upsert := func(entity, id string, v int) frame {
		return frame{Entity: entity, Op: "upsert", ID: id, Data: raw(id, v)}
	}
	remove := func(entity, id string) frame { return frame{Entity: entity, Op: "remove", ID: id} }
	for _, tc := range []struct {
		desc   string
		before func(h *live.Hub) // flushed before the window
		window func(h *live.Hub)
		want   []frame // the window's deltas, without type and seq
	}{
		{
			desc:   "100 upserts of one entity: one delta with the last value",
			window: func(h *live.Hub) { upserts(h, "device", "a", 100) },
			want:   []frame{upsert("device", "a", 99)},
		},
		{
			desc:   "100 upserts of an entity already shown: one delta with the last value",
			before: func(h *live.Hub) { upserts(h, "device", "a", 1) },
			window: func(h *live.Hub) { upserts(h, "device", "a", 100) },
			want:   []frame{upsert("device", "a", 99)},
		},
		{
			desc: "a hot entity among others: one delta each, in the order first touched",
			window: func(h *live.Hub) {
				h.Upsert("device", "b", body{ID: "b", V: -1})
				for i := range 100 {
					h.Upsert("stats", "hub", body{ID: "hub", V: i})
					h.Upsert("device", "a", body{ID: "a", V: i})
				}
				h.Upsert("device", "b", body{ID: "b", V: 7})
			},
			want: []frame{upsert("device", "b", 7), upsert("stats", "hub", 99), upsert("device", "a", 99)},
		},
		{
			desc:   "remove after pending upserts of a shown entity: one remove",
			before: func(h *live.Hub) { upserts(h, "device", "a", 1) },
			window: func(h *live.Hub) { upserts(h, "device", "a", 3); h.Remove("device", "a") },
			want:   []frame{remove("device", "a")},
		},
		{
			desc:   "upserts then remove of an entity never shown: nothing",
			window: func(h *live.Hub) { upserts(h, "device", "a", 3); h.Remove("device", "a") },
		},
		{
			desc:   "remove of an entity never shown: nothing",
			before: func(h *live.Hub) { upserts(h, "device", "a", 1) },
			window: func(h *live.Hub) { h.Remove("device", "zz"); h.Remove("alarm", "a") },
		},
		{
			desc:   "remove then upsert of a shown entity: one upsert with the new value",
			before: func(h *live.Hub) { upserts(h, "device", "a", 1) },
			window: func(h *live.Hub) { h.Remove("device", "a"); h.Upsert("device", "a", body{ID: "a", V: 5}) },
			want:   []frame{upsert("device", "a", 5)},
		},
		{
			desc:   "remove, upsert, remove of a shown entity: one remove",
			before: func(h *live.Hub) { upserts(h, "device", "a", 1) },
			window: func(h *live.Hub) { h.Remove("device", "a"); upserts(h, "device", "a", 2); h.Remove("device", "a") },
			want:   []frame{remove("device", "a")},
		},
		{
			desc:   "remove then upsert of an entity never shown: one upsert",
			window: func(h *live.Hub) { h.Remove("device", "a"); h.Upsert("device", "a", body{ID: "a", V: 5}) },
			want:   []frame{upsert("device", "a", 5)},
		},
		{
			desc: "removes and upserts keep the order first touched",
			before: func(h *live.Hub) {
				upserts(h, "device", "a", 1)
				upserts(h, "device", "b", 1)
			},
			window: func(h *live.Hub) {
				h.Remove("device", "b")
				h.Upsert("alarm", "c", body{ID: "c", V: 1})
				h.Remove("device", "a")
				h.Upsert("device", "b", body{ID: "b", V: 2})
				h.Remove("alarm", "c") // c was never shown
				h.Upsert("device", "x", body{ID: "x", V: 3})
			},
			want: []frame{upsert("device", "b", 2), remove("device", "a"), upsert("device", "x", 3)},
		},
	} {
		for _, end := range []struct {
			desc      string
			newScreen bool
		}{
			{"window ended by Flush", false},
			{"window ended by a new screen's snapshot", true},
		} {
			t.Run(tc.desc+"/"+end.desc, func(t *testing.T) {
				h := newHub(t, live.Options{Coalesce: time.Hour}) // the flusher never flushes
				if tc.before != nil {
					tc.before(h)
					h.Flush()
				}
				s := h.Subscribe(0, false) // a screen already watching
				snap := next(t, s)
				beforeSeq := snap.Seq

				tc.window(h)
				require.Equal(t, beforeSeq, h.Seq(), "nothing is sent within the window")
				require.Empty(t, queued(t, s))
				var late frame
				if end.newScreen {
					late = next(t, h.Subscribe(0, false))
				} else {
					h.Flush()
				}

				got := queued(t, s)
				var want []frame
				for i, f := range tc.want {
					f.Type, f.Seq = "delta", beforeSeq+uint64(i)+1
					want = append(want, f)
				}
				require.Equal(t, want, got)
				require.Equal(t, beforeSeq+uint64(len(want)), h.Seq())

				v, _ := replay(t, append([]frame{snap}, got...))
				after, afterSeq := hubView(t, h)
				require.Equal(t, after, v, "snapshot and deltas make the hub's view")
				if end.newScreen {
					require.Equal(t, afterSeq, late.Seq, "the new screen's snapshot is the view after the last delta")
					require.Equal(t, after, snapshotView(t, late))
				}
				h.Flush()
				require.Empty(t, queued(t, s), "a flush with nothing pending sends nothing")
			})
		}
	}
}

// The flusher sends the pending changes without being asked, and Close sends
// what is still pending before it disconnects; changes after Close apply at
// once.
func TestFlusherAndClose(t *testing.T) {
	t.Run("the flusher sends the last value", func(t *testing.T) {
		h := newHub(t, live.Options{Coalesce: time.Millisecond})
		s := h.Subscribe(0, false)
		require.Equal(t, "snapshot", next(t, s).Type)
		for i := range 100 {
			h.Upsert("device", "a", body{ID: "a", V: i})
		}
		var seq uint64
		for {
			d := next(t, s) // waits for the flusher
			require.Equal(t, seq+1, d.Seq)
			seq = d.Seq
			if string(d.Data) == string(raw("a", 99)) {
				break
			}
		}
		require.Equal(t, seq, h.Seq())
	})
	t.Run("Close flushes first", func(t *testing.T) {
		h := live.New(live.Options{Coalesce: time.Hour})
		s := h.Subscribe(0, false)
		h.Upsert("device", "a", body{ID: "a", V: 1})
		h.Upsert("device", "b", body{ID: "b", V: 1})
		h.Close()
		<-s.Gone()
		frames := queued(t, s)
		v, seq := replay(t, frames)
		require.EqualValues(t, 2, seq)
		require.Equal(t, view{"device": {"a": string(raw("a", 1)), "b": string(raw("b", 1))}}, v)

		h.Remove("device", "a")
		require.EqualValues(t, 3, h.Seq(), "after Close a change applies at once")
		h.Close() // twice is harmless
	})
}

// A screen that disconnects and comes back with ?since=SEQ gets exactly the
// deltas it missed — coalesced as every screen got them — or, when they have
// left the ring, a snapshot of the view now.
func TestCoalescedResume(t *testing.T) {
	for _, tc := range []struct {
		desc     string
		ring     int
		missed   bool // changes while disconnected: 8 deltas
		wantType string
	}{
		{"missed deltas still in the ring: resume, replay exactly them", 64, true, "resume"},
		{"nothing missed: resume, replay nothing", 64, false, "resume"},
		{"missed deltas older than the ring: a fresh snapshot", 4, true, "snapshot"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			h := newHub(t, live.Options{Coalesce: time.Hour, Ring: tc.ring}) // the flusher never flushes
			srv := httptest.NewServer(h)
			defer srv.Close()
			ref := h.Subscribe(0, false) // sees everything
			ids := []string{"a", "b", "c", "d", "e"}

			conn := dial(t, srv, "")
			require.Equal(t, "snapshot", readFrame(t, conn).Type)
			for _, id := range ids {
				h.Upsert("device", id, body{ID: id, V: 1})
			}
			h.Flush()
			var since uint64
			for range ids {
				since = readFrame(t, conn).Seq
			}
			require.EqualValues(t, len(ids), since)
			conn.Close()

			if tc.missed {
				for r := range 4 { // 5 deltas: each device's last value
					for _, id := range ids {
						h.Upsert("device", id, body{ID: id, V: 10 + r})
					}
				}
				h.Flush()
				h.Remove("device", "a") // 2 deltas: a back with a new value, b removed
				h.Upsert("device", "a", body{ID: "a", V: 20})
				h.Remove("device", "b")
				h.Flush()
				h.Upsert("device", "x", body{ID: "x", V: 1}) // 1 delta: c; x was never shown
				h.Remove("device", "x")
				h.Upsert("device", "c", body{ID: "c", V: 30})
				h.Flush()
			}
			all := queued(t, ref)
			refView, refSeq := replay(t, all)
			var missed []frame
			for _, f := range all[1:] {
				if f.Seq > since {
					missed = append(missed, f)
				}
			}
			if tc.missed {
				require.Len(t, missed, 8)
			} else {
				require.Empty(t, missed)
			}

			conn = dial(t, srv, fmt.Sprintf("?since=%d", since))
			first := readFrame(t, conn)
			require.Equal(t, tc.wantType, first.Type)
			if tc.wantType == "resume" {
				require.Equal(t, since, first.Seq)
				var got []frame
				for range missed {
					got = append(got, readFrame(t, conn))
				}
				require.Equal(t, missed, got, "exactly the missed deltas")
			} else {
				require.Equal(t, refSeq, first.Seq)
				require.Equal(t, refView, snapshotView(t, first))
			}

			// And the stream goes on from there, nothing skipped or repeated.
			h.Upsert("device", "d", body{ID: "d", V: 40})
			h.Flush()
			require.Equal(t, frame{Type: "delta", Seq: refSeq + 1, Entity: "device", Op: "upsert", ID: "d", Data: raw("d", 40)},
				readFrame(t, conn))
		})
	}
}

// A subscriber that stops reading fills its queue and is dropped, while
// ingest goes on — every Upsert returns (they run on the test goroutine: one
// that blocked would hang the test) — and a subscriber that keeps up gets
// every delta.
func TestCoalescedSlowSubscriberDropped(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		queue int
		ids   int // entities changed in each window: deltas per flush
	}{
		{"the queue fills in the second flush", 16, 10},
		{"the queue fills in the first flush", 4, 3},
		{"the queue fills after many flushes", 64, 1},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			const rounds, changes = 100, 10                                    // flushes; changes per entity in each
			h := newHub(t, live.Options{Queue: tc.queue, Coalesce: time.Hour}) // the flusher never flushes
			slow := h.Subscribe(0, false)
			fast := h.Subscribe(0, false)
			stream := []frame{next(t, fast)}
			upserts := 0
			for r := range rounds {
				for c := range changes {
					for i := range tc.ids {
						h.Upsert("device", fmt.Sprint(i), body{ID: fmt.Sprint(i), V: r*changes + c})
						upserts++
					}
				}
				h.Flush()
				got := queued(t, fast)
				require.Len(t, got, tc.ids, "round %d: one delta per entity", r)
				for _, d := range got {
					require.Equal(t, string(raw(d.ID, r*changes+changes-1)), string(d.Data), "round %d: the last value", r)
				}
				stream = append(stream, got...)
			}
			require.Equal(t, rounds*changes*tc.ids, upserts)

			select {
			case <-slow.Gone():
			default:
				t.Fatal("the slow subscriber was not dropped")
			}
			require.Len(t, slow.Frames(), tc.queue, "dropped with its queue full")
			subs, dropped := h.Stats()
			require.Equal(t, 1, subs)
			require.EqualValues(t, 1, dropped)

			v, seq := replay(t, stream)
			require.EqualValues(t, rounds*tc.ids, seq, "every delta reached the fast subscriber")
			want, _ := hubView(t, h)
			require.Equal(t, want, v)
		})
	}
}
