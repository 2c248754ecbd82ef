package live_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/live"
)

type frame struct {
	Type     string                       `json:"type"`
	Seq      uint64                       `json:"seq"`
	Entity   string                       `json:"entity"`
	Op       string                       `json:"op"`
	ID       string                       `json:"id"`
	Data     json.RawMessage              `json:"data"`
	Entities map[string][]json.RawMessage `json:"entities"`
}

func decode(t *testing.T, b []byte) frame {
	t.Helper()
	var f frame
	require.NoError(t, json.Unmarshal(b, &f))
	return f
}

func next(t *testing.T, s *live.Subscriber) frame {
	t.Helper()
	select {
	case b := <-s.Frames():
		return decode(t, b)
	case <-time.After(5 * time.Second):
		t.Fatal("no frame")
	}
	return frame{}
}

// modes are the two ways a hub publishes, for tests in which each flush
// carries one change per entity: there both send the same deltas. The
// coalescing hub's window is so long that its flusher never flushes: h.Flush
// does (a no-op without coalescing), and a new subscriber's snapshot.
var modes = []struct {
	desc     string
	coalesce time.Duration
}{
	{"immediate", live.Immediate},
	{"coalesced", time.Hour},
}

// newHub returns a hub closed when the test ends.
func newHub(t testing.TB, opts live.Options) *live.Hub {
	h := live.New(opts)
	t.Cleanup(h.Close)
	return h
}

// Without coalescing every change is its own delta, sent at once.
func TestSnapshotThenOrderedDeltas(t *testing.T) {
	h := newHub(t, live.Options{Coalesce: live.Immediate})
	h.Upsert("device", "a", map[string]int{"v": 1})
	h.Upsert("device", "b", map[string]int{"v": 2})
	h.Remove("device", "b")
	h.Remove("device", "zzz") // removing what is absent is not a change
	s := h.Subscribe(0, false)
	snap := next(t, s)
	require.Equal(t, "snapshot", snap.Type)
	require.EqualValues(t, 3, snap.Seq)
	require.Len(t, snap.Entities["device"], 1)
	h.Upsert("alarm", "1", map[string]string{"status": "active"})
	d := next(t, s)
	require.Equal(t, frame{Type: "delta", Seq: 4, Entity: "alarm", Op: "upsert", ID: "1", Data: json.RawMessage(`{"status":"active"}`)}, d)
}

func TestResume(t *testing.T) {
	for _, m := range modes {
		t.Run(m.desc, func(t *testing.T) {
			for _, tc := range []struct {
				desc     string
				ring     int
				since    uint64
				wantType string
				deltas   int
			}{
				{"within the ring: resume and replay", 16, 5, "resume", 5},
				{"up to date: resume with nothing to replay", 16, 10, "resume", 0},
				{"older than the ring: fresh snapshot", 4, 2, "snapshot", 0},
				{"from the future: fresh snapshot", 16, 99, "snapshot", 0},
			} {
				t.Run(tc.desc, func(t *testing.T) {
					h := newHub(t, live.Options{Ring: tc.ring, Coalesce: m.coalesce})
					for i := range 10 {
						h.Upsert("device", fmt.Sprint(i), i)
						h.Flush()
					}
					s := h.Subscribe(tc.since, true)
					first := next(t, s)
					require.Equal(t, tc.wantType, first.Type)
					seq := first.Seq
					for range tc.deltas {
						d := next(t, s)
						require.Equal(t, seq+1, d.Seq)
						seq = d.Seq
					}
					if tc.wantType == "snapshot" {
						require.EqualValues(t, 10, first.Seq)
						require.Len(t, first.Entities["device"], 10)
					}
					h.Upsert("device", "new", 1)
					h.Flush()
					require.EqualValues(t, 11, next(t, s).Seq)
				})
			}
		})
	}
}

// A subscriber that stops reading is dropped; publishing never blocks, and a
// subscriber that keeps up is unaffected.
func TestSlowSubscriberDropped(t *testing.T) {
	for _, m := range modes {
		t.Run(m.desc, func(t *testing.T) {
			h := newHub(t, live.Options{Queue: 8, Coalesce: m.coalesce})
			slow := h.Subscribe(0, false)
			fast := h.Subscribe(0, false)
			require.Equal(t, "snapshot", next(t, fast).Type)
			for i := range 1000 {
				h.Upsert("device", "a", i)
				h.Flush()
				require.EqualValues(t, i+1, next(t, fast).Seq)
			}
			select {
			case <-slow.Gone():
			default:
				t.Fatal("the slow subscriber was not dropped")
			}
			subs, dropped := h.Stats()
			require.EqualValues(t, 1, dropped)
			require.Equal(t, 1, subs)
		})
	}
}

// Over the WebSocket without coalescing: concurrent producers, a client sees
// a snapshot and then every change as a delta exactly once, in order
// (TestCoalescedNoGapsUnderLoad is the coalescing hub's).
func TestWebSocketNoGapsUnderLoad(t *testing.T) {
	h := newHub(t, live.Options{Queue: 1 << 16, Ring: 1 << 16, Coalesce: live.Immediate})
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer conn.Close()
	var snap frame
	require.NoError(t, conn.ReadJSON(&snap))
	require.Equal(t, "snapshot", snap.Type)

	const producers, each = 4, 2000
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h.Upsert("device", fmt.Sprintf("p%d-%d", p, i%50), i)
			}
		}()
	}
	seq := snap.Seq
	for seq < snap.Seq+producers*each {
		var f frame
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		require.NoError(t, conn.ReadJSON(&f))
		require.Equal(t, seq+1, f.Seq)
		seq = f.Seq
	}
	wg.Wait()
}

func TestResumeOverWebSocket(t *testing.T) {
	h := newHub(t, live.Options{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for i := range 5 {
		h.Upsert("device", fmt.Sprint(i), i)
		h.Flush()
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"?since=3", nil)
	require.NoError(t, err)
	defer conn.Close()
	var f frame
	require.NoError(t, conn.ReadJSON(&f))
	require.Equal(t, frame{Type: "resume", Seq: 3}, f)
	require.NoError(t, conn.ReadJSON(&f))
	require.EqualValues(t, 4, f.Seq)
	require.NoError(t, conn.ReadJSON(&f))
	require.EqualValues(t, 5, f.Seq)

	resp, err := srv.Client().Get(srv.URL + "?since=abc")
	require.NoError(t, err)
	require.Equal(t, 400, resp.StatusCode)
}

// A screen that last saw a delta of an earlier process resumes against the
// new one with a fresh snapshot, never a resume that would skip the new
// process's first deltas.
func TestResumeAcrossARestart(t *testing.T) {
	old := live.New(live.Options{Coalesce: live.Immediate, Epoch: 1000})
	for i := 0; i < 5; i++ {
		old.Upsert("device", "d", map[string]int{"v": i})
	}
	since := old.Seq()
	old.Close()

	fresh := live.New(live.Options{Coalesce: live.Immediate, Epoch: 1000 + 1000}) // started later
	t.Cleanup(fresh.Close)
	for i := 0; i < 3; i++ {
		fresh.Upsert("device", "e"+strconv.Itoa(i), map[string]int{"v": i})
	}
	for _, tc := range []struct {
		desc  string
		since uint64
	}{
		{"since from the old process", since},
		{"since just below the new epoch", 1999},
		{"since ahead of the new process", fresh.Seq() + 10},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			sub := fresh.Subscribe(tc.since, true)
			defer fresh.Unsubscribe(sub)
			var f frame
			require.NoError(t, json.Unmarshal(<-sub.Frames(), &f))
			require.Equal(t, "snapshot", f.Type)
			require.Equal(t, fresh.Seq(), f.Seq)
			require.Len(t, f.Entities["device"], 3)
		})
	}
	sub := fresh.Subscribe(2001, true)
	defer fresh.Unsubscribe(sub)
	var f frame
	require.NoError(t, json.Unmarshal(<-sub.Frames(), &f))
	require.Equal(t, "resume", f.Type, "a since of this process still resumes")
}

// An entity named in Options.Patch is sent whole once, then as the
// top-level fields that changed (a dropped field as null); snapshots and
// other entities stay whole, and a resume replays the patches.
func TestPatches(t *testing.T) {
	for _, m := range modes {
		t.Run(m.desc, func(t *testing.T) {
			h := newHub(t, live.Options{Coalesce: m.coalesce, Patch: []string{"device"}})
			s := h.Subscribe(0, false)
			require.Equal(t, "snapshot", next(t, s).Type)
			type dev struct {
				Name   string         `json:"name"`
				Values map[string]int `json:"values"`
				FW     string         `json:"fw,omitempty"`
			}
			h.Upsert("device", "a", dev{Name: "水位站", Values: map[string]int{"level": 1}, FW: "v1"})
			h.Flush()
			first := next(t, s)
			require.Equal(t, "upsert", first.Op, "a new entity is sent whole")
			h.Upsert("device", "a", dev{Name: "水位站", Values: map[string]int{"level": 2}})
			h.Flush()
			p := next(t, s)
			require.Equal(t, "patch", p.Op)
			require.JSONEq(t, `{"values":{"level":2},"fw":null}`, string(p.Data))
			h.Upsert("alarm", "1", dev{Name: "x"})
			h.Upsert("alarm", "1", dev{Name: "y"})
			h.Flush()
			a := next(t, s)
			require.Equal(t, "upsert", a.Op, "entities not named stay whole")

			snap := next(t, h.Subscribe(0, false))
			require.JSONEq(t, `{"name":"水位站","values":{"level":2}}`, string(snap.Entities["device"][0]), "the snapshot holds the whole value")
			resumed := h.Subscribe(first.Seq, true)
			require.Equal(t, "resume", next(t, resumed).Type)
			require.Equal(t, p, next(t, resumed), "a resume replays the patch")
		})
	}
}
