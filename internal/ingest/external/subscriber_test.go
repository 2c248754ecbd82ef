package external

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/testutil/mosquittotest"
)

func TestDeviceMessagesReachTheHandler(t *testing.T) {
	b := mosquittotest.Start(t, mosquittotest.WithACL("user tester", "topic write devices/#"))
	h := newFakeHandler()
	s := startSub(t, hubOptions(t, b, h))
	dev := newDevice(t, b, "wl-0001")
	tester := newDevice(t, b, "tester")
	tests := []struct {
		desc    string
		from    *device
		topic   string
		handled bool // false: acknowledged and ignored
	}{
		{desc: "telemetry", from: dev, topic: "devices/wl-0001/telemetry", handled: true},
		{desc: "event", from: dev, topic: "devices/wl-0001/events", handled: true},
		{desc: "status", from: dev, topic: "devices/wl-0001/status", handled: true},
		{desc: "empty device id is not a device topic", from: tester, topic: "devices//telemetry"},
	}
	for i, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			before := s.Stats()
			r := tc.from.publish(t, tc.topic, fmt.Sprintf(`{"case":%d}`, i))
			require.Eventually(t, func() bool { return s.Stats().Acked == before.Acked+1 }, waitFor, tick)
			if tc.handled {
				require.True(t, h.has(r), "handler did not get %+v; got %v", r, h.stored())
				require.Equal(t, before.Ignored, s.Stats().Ignored)
			} else {
				require.Equal(t, before.Ignored+1, s.Stats().Ignored)
				for got := range h.stored() {
					require.NotEqual(t, tc.topic, got.Topic)
				}
			}
		})
	}
	require.True(t, s.Connected())
}

// With calls completing out of order, the PUBACKs on the wire are still
// exactly the PUBLISHes in the order they arrived, each acknowledged once,
// and a new session with the same client id gets nothing redelivered.
func TestAcksGoOutInArrivalOrder(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	h.maxDelay = 3 * time.Millisecond
	tap := &wireTap{}
	o := hubOptions(t, b, h)
	o.wrapConn = tap.wrap
	s := startSub(t, o)

	var want []record
	var waits []func(testing.TB)
	devs := []*device{newDevice(t, b, "d-1"), newDevice(t, b, "d-2"), newDevice(t, b, "d-3")}
	for _, d := range devs { // all three at once
		recs, wait := d.send("order", 200)
		want, waits = append(want, recs...), append(waits, wait)
	}
	for _, wait := range waits {
		wait(t)
	}
	n := int64(len(want))
	require.Eventually(t, func() bool { return s.Stats().Acked == n }, waitFor, tick)
	require.Eventually(t, func() bool { _, _, acks := tap.snapshot(); return len(acks) == int(n) }, waitFor, tick)

	conns, publishes, pubacks := tap.snapshot()
	require.Equal(t, 1, conns, "the connection never dropped")
	require.Len(t, publishes, int(n))
	require.Equal(t, publishes, pubacks, "PUBACKs in PUBLISH order, one each")
	st := s.Stats()
	require.Equal(t, Stats{Received: n, Acked: n}, st)
	for _, r := range want {
		require.Equal(t, 1, h.stored()[r], "%+v", r)
	}

	// Nothing was left unacknowledged in the session.
	s.Close()
	h2 := newFakeHandler()
	o2 := hubOptions(t, b, h2)
	s2 := startSub(t, o2)
	marker := devs[0].publish(t, "devices/d-1/telemetry", `{"marker":true}`)
	require.Eventually(t, func() bool { return h2.has(marker) }, waitFor, tick)
	require.Equal(t, map[record]int{marker: 1}, h2.stored(), "nothing redelivered")
	require.Equal(t, int64(1), s2.Stats().Received)
}

// A Handler error stops acknowledgements and drops the connection; the
// broker redelivers, and every message is stored in the end.
func TestFailedMessagesAreRedelivered(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	h.maxDelay = time.Millisecond
	var injected atomic.Int64
	h.fail = func(r record, n int) bool { // the first attempt at every 50th message of d-1
		if n > 1 || r.DeviceID != "d-1" {
			return false
		}
		for _, seq := range []string{`"seq":7,`, `"seq":57,`, `"seq":107,`} {
			if strings.Contains(r.Payload, seq) {
				injected.Add(1)
				return true
			}
		}
		return false
	}
	s := startSub(t, hubOptions(t, b, h))
	d1, d2 := newDevice(t, b, "d-1"), newDevice(t, b, "d-2")
	want := append(d1.telemetry(t, "fail", 150), d2.telemetry(t, "fail", 150)...)

	require.Eventually(t, func() bool { return h.distinct() == len(want) }, waitFor, tick)
	stored := h.stored()
	for _, r := range want {
		require.Positive(t, stored[r], "lost %+v", r)
	}
	require.Len(t, stored, len(want), "nothing but what was published")
	require.Positive(t, injected.Load())
	require.Positive(t, s.Stats().Failed)
	require.Eventually(t, func() bool { st := s.Stats(); return st.Reconnects >= st.Failed }, waitFor, tick,
		"each failure drops the connection, and paho reconnects")
	require.Eventually(t, s.Connected, waitFor, tick)
}

// Messages published while the hub is away wait in its persistent session.
func TestSessionKeepsMessagesWhileTheHubIsDown(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	o := hubOptions(t, b, h)
	s := startSub(t, o)
	s.Close()
	require.False(t, s.Connected())

	want := newDevice(t, b, "d-1").telemetry(t, "offline", 100)
	s2 := startSub(t, o) // same client id: same session
	require.Eventually(t, func() bool { return h.distinct() == len(want) }, waitFor, tick)
	for _, r := range want {
		require.Equal(t, 1, h.stored()[r], "%+v", r)
	}
	require.Eventually(t, func() bool { return s2.Stats().Acked == int64(len(want)) }, waitFor, tick)
}

// After a broker restart that lost every session, the subscriber reconnects,
// subscribes again and receives new messages; Connected follows.
func TestBrokerRestart(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	s := startSub(t, hubOptions(t, b, h))
	before := newDevice(t, b, "d-1").telemetry(t, "before", 10)
	require.Eventually(t, func() bool { return h.distinct() == len(before) }, waitFor, tick)

	b.Stop(t)
	require.Eventually(t, func() bool { return !s.Connected() }, waitFor, tick)
	b.Restart(t)
	require.Eventually(t, s.Connected, waitFor, tick)
	require.Positive(t, s.Stats().Reconnects)

	after := newDevice(t, b, "d-2").telemetry(t, "after", 10)
	require.Eventually(t, func() bool { return h.distinct() == len(before)+len(after) }, waitFor, tick)
	for _, r := range after {
		require.True(t, h.has(r), "%+v", r)
	}
}

func TestSharedSubscription(t *testing.T) {
	tests := []struct {
		desc  string
		share string
		split bool // each subscriber gets part; otherwise each gets all
	}{
		{desc: "group hub splits the messages", share: "hub", split: true},
		{desc: "plain subscriptions each get every message", share: ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			b := mosquittotest.Start(t)
			ha, hb := newFakeHandler(), newFakeHandler()
			oa, ob := hubOptions(t, b, ha), hubOptions(t, b, hb)
			oa.ClientID, ob.ClientID = oa.ClientID+"-a", ob.ClientID+"-b"
			oa.Share, ob.Share = tc.share, tc.share
			startSub(t, oa)
			startSub(t, ob)
			want := append(newDevice(t, b, "d-1").telemetry(t, "share", 100), newDevice(t, b, "d-2").telemetry(t, "share", 100)...)

			if !tc.split {
				require.Eventually(t, func() bool { return ha.distinct() == len(want) && hb.distinct() == len(want) }, waitFor, tick)
				return
			}
			require.Eventually(t, func() bool { return ha.distinct()+hb.distinct() == len(want) }, waitFor, tick)
			a, bb := ha.stored(), hb.stored()
			require.NotEmpty(t, a)
			require.NotEmpty(t, bb)
			union := maps.Clone(a)
			for r, n := range bb {
				require.Zero(t, union[r], "%+v went to both", r)
				union[r] = n
			}
			for _, r := range want {
				require.Equal(t, 1, union[r], "%+v", r)
			}
		})
	}
}

// The broker's ACL, not the hub, keeps a device to its own topics: what it
// refuses never reaches the Handler.
func TestACLKeepsDevicesToTheirOwnTopics(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	startSub(t, hubOptions(t, b, h))
	d1 := newDevice(t, b, "d-1")
	newDevice(t, b, "d-2")
	tests := []struct {
		desc, topic string
	}{
		{desc: "another device's telemetry", topic: "devices/d-2/telemetry"},
		{desc: "another device's status", topic: "devices/d-2/status"},
		{desc: "its own command topic", topic: "devices/d-1/commands"},
	}
	for i, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			denied := d1.publish(t, tc.topic, fmt.Sprintf(`{"denied":%d}`, i))
			// The broker forwards one client's messages in order, so once the
			// marker is here the refused message would have been too.
			marker := d1.publish(t, "devices/d-1/telemetry", fmt.Sprintf(`{"marker":%d}`, i))
			require.Eventually(t, func() bool { return h.has(marker) }, waitFor, tick)
			for r := range h.stored() {
				require.NotEqual(t, denied.Payload, r.Payload, "refused message reached the handler as %+v", r)
				require.Equal(t, "d-1", r.DeviceID)
			}
		})
	}
}

// Close lets the messages it has taken finish, acknowledges them, and only
// then disconnects: the next session has nothing to redeliver.
func TestCloseAcknowledgesMessagesInFlight(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	h.gate = make(chan struct{})
	o := hubOptions(t, b, h)
	s := startSub(t, o)
	d := newDevice(t, b, "d-1")
	want := d.telemetry(t, "close", 20)
	// One device's messages are handled one after another: the first is in
	// the handler, the rest wait in its shard; all have been received.
	require.Eventually(t, func() bool {
		return s.Stats().Received == int64(len(want)) && h.enteredCalls() >= 1
	}, waitFor, tick)

	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	close(h.gate)
	require.Eventually(t, func() bool {
		select {
		case <-closed:
			return true
		default:
			return false
		}
	}, waitFor, tick)
	require.Equal(t, int64(len(want)), s.Stats().Acked)
	require.Equal(t, len(want), h.distinct())

	h2 := newFakeHandler()
	o.Handler = h2
	startSub(t, o)
	marker := d.publish(t, "devices/d-1/telemetry", `{"marker":true}`)
	require.Eventually(t, func() bool { return h2.has(marker) }, waitFor, tick)
	require.Equal(t, map[record]int{marker: 1}, h2.stored(), "nothing redelivered")
}

func TestStartRefusesBadOptions(t *testing.T) {
	h := newFakeHandler()
	tests := []struct {
		desc string
		opts Options
	}{
		{desc: "no URL", opts: Options{Handler: h}},
		{desc: "unsupported scheme", opts: Options{URL: "ws://127.0.0.1:9001", Handler: h}},
		{desc: "no host", opts: Options{URL: "tcp://", Handler: h}},
		{desc: "no handler", opts: Options{URL: "tcp://127.0.0.1:1883"}},
		{desc: "share group with a slash", opts: Options{URL: "tcp://127.0.0.1:1883", Handler: h, Share: "a/b"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := Start(context.Background(), tc.opts)
			require.ErrorIs(t, err, ErrOptions)
		})
	}
}

func TestStartGivesUpWhenTheContextEnds(t *testing.T) {
	b := mosquittotest.Start(t)
	gone := mosquittotest.Start(t)
	gone.Stop(t) // nothing listens on its port now
	tests := []struct {
		desc, url, password, lastErr string
	}{
		{desc: "nothing listens", url: gone.URL, password: b.HubPassword, lastErr: "connection refused"},
		{desc: "wrong password", url: b.URL, password: "wrong", lastErr: "not Authorized"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			o := hubOptions(t, b, newFakeHandler())
			o.URL, o.Password = tc.url, tc.password
			_, err := Start(ctx, o)
			require.ErrorIs(t, err, ErrConnect)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorContains(t, err, tc.lastErr)
		})
	}
}

func TestFilters(t *testing.T) {
	tests := []struct {
		desc, share string
		want        []string
	}{
		{desc: "plain", want: []string{"devices/+/events", "devices/+/status", "devices/+/telemetry"}},
		{desc: "shared", share: "hub", want: []string{"$share/hub/devices/+/events", "$share/hub/devices/+/status", "$share/hub/devices/+/telemetry"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			o := Options{Share: tc.share}
			f := o.filters()
			require.Equal(t, tc.want, slices.Sorted(maps.Keys(f)))
			for _, q := range f {
				require.Equal(t, byte(1), q)
			}
		})
	}
}

// Calls finish out of order across devices, but one device's messages are
// stored in the order it sent them: the engine relies on it (a later sample
// stored first would hide an earlier one from the rules).
func TestOneDeviceInOrder(t *testing.T) {
	b := mosquittotest.Start(t)
	h := newFakeHandler()
	h.maxDelay = 2 * time.Millisecond
	startSub(t, hubOptions(t, b, h))
	devs := []*device{newDevice(t, b, "o-1"), newDevice(t, b, "o-2"), newDevice(t, b, "o-3")}
	sent := map[string][]record{}
	var waits []func(testing.TB)
	for _, d := range devs {
		recs, wait := d.send("order", 60)
		sent[d.id], waits = recs, append(waits, wait)
	}
	for _, w := range waits {
		w(t)
	}
	for _, d := range devs {
		require.Eventually(t, func() bool { return len(h.completed(d.id)) == len(sent[d.id]) }, waitFor, tick)
		require.Equal(t, sent[d.id], h.completed(d.id), "device %s stored out of order", d.id)
	}
}
