package external

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/testutil/mosquittotest"
)

// waitFor is how long an Eventually waits; generous, since it only costs
// time when something is broken.
const (
	waitFor = 30 * time.Second
	tick    = 10 * time.Millisecond
)

// record is one message as the Handler saw it.
type record struct {
	DeviceID, Topic, Payload string
}

// fakeHandler records what it is given. It can fail chosen attempts, add a
// random delay (so calls complete out of order) and hold every call at a
// gate.
type fakeHandler struct {
	mu       sync.Mutex
	ok       map[record]int // successful calls per message
	done     []record       // successful calls in completion order
	attempts map[record]int
	entered  int
	// fail, when set, decides whether attempt n (1-based) of r fails.
	fail     func(r record, n int) bool
	maxDelay time.Duration
	gate     chan struct{} // when not nil, calls wait until it is closed
}

func newFakeHandler() *fakeHandler {
	return &fakeHandler{ok: map[record]int{}, attempts: map[record]int{}}
}

func (h *fakeHandler) Handle(_ context.Context, deviceID, topic string, payload []byte) error {
	r := record{deviceID, topic, string(payload)}
	h.mu.Lock()
	h.attempts[r]++
	n := h.attempts[r]
	h.entered++
	gate, maxDelay, fail := h.gate, h.maxDelay, h.fail
	h.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if maxDelay > 0 { // a store commit of varying length, so calls finish out of order
		time.Sleep(rand.N(maxDelay))
	}
	if fail != nil && fail(r, n) {
		return fmt.Errorf("fake store down for %s", r.Payload)
	}
	h.mu.Lock()
	h.ok[r]++
	h.done = append(h.done, r)
	h.mu.Unlock()
	return nil
}

// completed returns deviceID's successful calls in the order they finished.
func (h *fakeHandler) completed(deviceID string) []record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []record
	for _, r := range h.done {
		if r.DeviceID == deviceID {
			out = append(out, r)
		}
	}
	return out
}

// distinct is how many different messages were stored at least once.
func (h *fakeHandler) distinct() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ok)
}

func (h *fakeHandler) stored() map[record]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := make(map[record]int, len(h.ok))
	for r, n := range h.ok {
		m[r] = n
	}
	return m
}

func (h *fakeHandler) has(r record) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ok[r] > 0
}

func (h *fakeHandler) enteredCalls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.entered
}

// testLogger collects the subscriber's log and prints it if the test fails.
func testLogger(t testing.TB) *slog.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			t.Logf("subscriber log:\n%s", buf.String())
			mu.Unlock()
		}
	})
	return slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// hubOptions are Options for the hub user on b, with a client id unique to
// the test and quick reconnects.
func hubOptions(t testing.TB, b *mosquittotest.Broker, h Handler) Options {
	return Options{
		URL:                  b.URL,
		ClientID:             "hub-" + unsafeID.ReplaceAllString(t.Name(), "-"),
		Username:             mosquittotest.HubUser,
		Password:             b.HubPassword,
		Handler:              h,
		Logger:               testLogger(t),
		MaxReconnectInterval: 500 * time.Millisecond,
	}
}

// startSub starts a subscriber and closes it when the test ends.
func startSub(t testing.TB, o Options) *Subscriber {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	s, err := Start(ctx, o)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// device is an MQTT client logged in as device id.
type device struct {
	id     string
	client paho.Client
}

// newDevice creates broker account id and connects with it.
func newDevice(t testing.TB, b *mosquittotest.Broker, id string) *device {
	t.Helper()
	b.AddUser(t, id, "pw-"+id)
	o := paho.NewClientOptions().AddBroker(b.URL).SetClientID("dev-" + id).
		SetUsername(id).SetPassword("pw-" + id).SetCleanSession(true).
		SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond)
	c := paho.NewClient(o)
	tok := c.Connect()
	require.True(t, tok.WaitTimeout(waitFor), "device %s: no CONNACK", id)
	require.NoError(t, tok.Error(), "device %s", id)
	t.Cleanup(func() { c.Disconnect(0) })
	return &device{id: id, client: c}
}

// publish sends one QoS1 message and waits for the broker's PUBACK.
func (d *device) publish(t testing.TB, topic, payload string) record {
	t.Helper()
	tok := d.client.Publish(topic, 1, false, payload)
	require.True(t, tok.WaitTimeout(waitFor), "no PUBACK for %s", topic)
	require.NoError(t, tok.Error())
	return record{DeviceID: d.id, Topic: topic, Payload: payload}
}

// telemetry publishes n messages on the device's telemetry topic and waits
// for the broker's PUBACKs.
func (d *device) telemetry(t testing.TB, prefix string, n int) []record {
	t.Helper()
	recs, wait := d.send(prefix, n)
	wait(t)
	return recs
}

// send publishes n telemetry messages without waiting; wait waits for
// their PUBACKs. Several devices can send at once.
func (d *device) send(prefix string, n int) (recs []record, wait func(testing.TB)) {
	topic := "devices/" + d.id + "/telemetry"
	toks := make([]paho.Token, n)
	recs = make([]record, n)
	for i := range n {
		p := fmt.Sprintf(`{"seq":%d,"tag":%q}`, i, prefix)
		toks[i] = d.client.Publish(topic, 1, false, p)
		recs[i] = record{DeviceID: d.id, Topic: topic, Payload: p}
	}
	return recs, func(t testing.TB) {
		t.Helper()
		for _, tok := range toks {
			require.True(t, tok.WaitTimeout(waitFor), "no PUBACK")
			require.NoError(t, tok.Error())
		}
	}
}

// wireTap watches a subscriber's connection: the QoS1 PUBLISH packet ids it
// reads from the broker and the PUBACK ids it writes, each in wire order.
type wireTap struct {
	mu        sync.Mutex
	conns     int
	publishes []uint16
	pubacks   []uint16
}

func (w *wireTap) wrap(c net.Conn) net.Conn {
	w.mu.Lock()
	w.conns++
	w.mu.Unlock()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	go w.parse(inR, func(cp packets.ControlPacket) {
		if p, ok := cp.(*packets.PublishPacket); ok && p.Qos == 1 {
			w.publishes = append(w.publishes, p.MessageID)
		}
	})
	go w.parse(outR, func(cp packets.ControlPacket) {
		if p, ok := cp.(*packets.PubackPacket); ok {
			w.pubacks = append(w.pubacks, p.MessageID)
		}
	})
	return &tapConn{Conn: c, in: inW, out: outW}
}

func (w *wireTap) parse(r *io.PipeReader, record func(packets.ControlPacket)) {
	defer r.Close()
	for {
		cp, err := packets.ReadPacket(r)
		if err != nil {
			return
		}
		w.mu.Lock()
		record(cp)
		w.mu.Unlock()
	}
}

func (w *wireTap) snapshot() (conns int, publishes, pubacks []uint16) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conns, append([]uint16(nil), w.publishes...), append([]uint16(nil), w.pubacks...)
}

// tapConn copies what crosses the connection to the tap's parsers.
type tapConn struct {
	net.Conn
	in, out *io.PipeWriter
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		_, _ = c.in.Write(b[:n])
	}
	if err != nil {
		_ = c.in.CloseWithError(err)
	}
	return n, err
}

func (c *tapConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		_, _ = c.out.Write(b[:n])
	}
	return n, err
}

func (c *tapConn) Close() error {
	_ = c.in.Close()
	_ = c.out.Close()
	return c.Conn.Close()
}
