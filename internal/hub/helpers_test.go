package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/hub"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
	"github.com/ywtg/hub/internal/testutil/mosquittotest"
)

// testHub is a hub started in-process on port 0 with a fresh data dir.
type testHub struct {
	*hub.Hub
	base   string                // http://127.0.0.1:port
	broker *mosquittotest.Broker // the external broker, nil for the embedded one
	token  string                // an administrator's API token
}

// shape is a runtime shape of SPEC §2 that the end-to-end tests run against.
type shape struct {
	name string
	// opts returns what differs from the embedded default, and the external
	// broker if the shape has one.
	opts func(t *testing.T) (hub.Options, *mosquittotest.Broker)
}

// external reports whether devices talk to an external broker, which then
// owns authentication and ACL (the hub never sees those refusals).
func (sh shape) external() bool { return sh.name == "postgis+mosquitto" }

var shapes = []shape{
	{"embedded", func(t *testing.T) (hub.Options, *mosquittotest.Broker) { return hub.Options{}, nil }},
	{"postgis", func(t *testing.T) (hub.Options, *mosquittotest.Broker) { return hub.Options{DB: pgtest.DSN(t)}, nil }},
	{"postgis+mosquitto", func(t *testing.T) (hub.Options, *mosquittotest.Broker) {
		b := mosquittotest.Start(t)
		// MQTTAddr is the broker's own, busy port: with an external broker the
		// hub must not try to listen there.
		return hub.Options{DB: pgtest.DSN(t), MQTTURL: b.URL, MQTTAddr: strings.TrimPrefix(b.URL, "tcp://"),
			MQTTUsername: mosquittotest.HubUser, MQTTPassword: b.HubPassword, MQTTClientID: "hub-test"}, b
	}},
}

// eachShape runs fn as a subtest per shape.
func eachShape(t *testing.T, fn func(t *testing.T, sh shape)) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) { fn(t, sh) })
	}
}

func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("HUB_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// startHub starts an embedded-shape hub.
func startHub(t *testing.T) *testHub { return startShape(t, shapes[0]) }

// startShape starts a hub of the given shape on free ports.
func startShape(t *testing.T, sh shape) *testHub {
	t.Helper()
	o, b := sh.opts(t)
	o.DataDir = t.TempDir()
	h := startWith(t, o)
	h.broker = b
	return h
}

// startWith starts a hub with o on free ports and stops it at cleanup.
func startWith(t testing.TB, o hub.Options) *testHub {
	t.Helper()
	o.HTTPAddr, o.Logger = "127.0.0.1:0", testLogger()
	if o.MQTTAddr == "" {
		o.MQTTAddr = "127.0.0.1:0"
	}
	h, err := hub.Start(context.Background(), o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	th := &testHub{Hub: h, base: "http://" + h.HTTPAddr()}
	th.token = th.tokenFor(t, dispatch.RoleAdmin, "")
	return th
}

// tokenFor issues an API token of role (and agency, for an agency user).
func (h *testHub) tokenFor(t testing.TB, role, agency string) string {
	t.Helper()
	tok, err := h.IssueToken(context.Background(), strings.TrimSpace("test "+role+" "+agency), role, agency)
	require.NoError(t, err)
	return tok
}

// page is the URL of one of the hub's pages, carrying the admin's token.
func (h *testHub) page(path string) string { return h.pageAs(path, h.token) }

// pageAs is the URL of a page carrying token.
func (h *testHub) pageAs(path, token string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return h.base + path + sep + "token=" + token
}

// register provisions a device through the API and returns its secret.
func (h *testHub) register(t *testing.T, body map[string]any) string {
	t.Helper()
	var out struct {
		Secret string `json:"secret"`
	}
	status := h.call(t, http.MethodPost, "/api/v1/devices", body, &out)
	require.Equal(t, http.StatusCreated, status)
	require.NotEmpty(t, out.Secret)
	if h.broker != nil { // the external broker authenticates devices itself
		h.broker.AddUser(t, body["id"].(string), out.Secret)
	}
	return out.Secret
}

// send does one HTTP request: body (nil: none) as JSON, token (if any)
// as a Bearer token. It returns the status and the body read whole.
func send(t testing.TB, method, url, token string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// call does an API request as the admin and decodes the JSON answer into
// out (if not nil).
func (h *testHub) call(t testing.TB, method, path string, body, out any) int {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		raw, err = json.Marshal(body)
		require.NoError(t, err)
	}
	status, b := send(t, method, h.base+path, h.token, raw)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), "body: %s", b)
	}
	return status
}

// device returns GET /api/v1/devices/{id}.
func (h *testHub) device(t *testing.T, id string) deviceView {
	t.Helper()
	var v deviceView
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/devices/"+id, nil, &v))
	return v
}

type deviceView struct {
	ID         string             `json:"id"`
	RegionCode string             `json:"region_code"`
	Online     bool               `json:"online"`
	Values     map[string]float64 `json:"values"`
}

type alarm struct {
	ID         int64   `json:"id"`
	Source     string  `json:"source"`
	Type       string  `json:"type"`
	Status     string  `json:"status"`
	Count      int     `json:"count"`
	Value      float64 `json:"value"`
	Acked      bool    `json:"acked"`
	Severity   string  `json:"severity"`
	IncidentID int64   `json:"incident_id"`
}

func (h *testHub) alarms(t *testing.T, query string) []alarm {
	t.Helper()
	var out struct {
		Alarms []alarm `json:"alarms"`
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/alarms"+query, nil, &out))
	return out.Alarms
}

type deadLetter struct {
	DeviceID string `json:"device_id"`
	Topic    string `json:"topic"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail"`
	Payload  string `json:"payload"`
}

func (h *testHub) deadLetters(t *testing.T) ([]deadLetter, map[string]int64) {
	t.Helper()
	var out struct {
		DeadLetters []deadLetter     `json:"deadletters"`
		Counters    map[string]int64 `json:"counters"`
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/deadletters?limit=1000", nil, &out))
	return out.DeadLetters, out.Counters
}

// connect opens a paho session for a device; it fails the test if refused.
func (h *testHub) connect(t *testing.T, id, secret string) paho.Client {
	t.Helper()
	c, err := h.dial(id, secret)
	require.NoError(t, err)
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func (h *testHub) dial(id, secret string) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker("tcp://"+h.MQTTAddr()).SetClientID(id).SetUsername(id).
		SetPassword(secret).SetProtocolVersion(4).SetCleanSession(false).SetAutoReconnect(false).SetConnectTimeout(5*time.Second).
		SetWill("devices/"+id+"/status", `{"state":"offline"}`, 1, true)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect timed out")
	}
	return c, tok.Error()
}

// publish sends a QoS1 message and waits for the PUBACK, which the hub sends
// only after the message is stored.
func publish(t *testing.T, c paho.Client, topic string, payload any) {
	t.Helper()
	b, ok := payload.([]byte)
	if !ok {
		var err error
		b, err = json.Marshal(payload)
		require.NoError(t, err)
	}
	tok := c.Publish(topic, 1, false, b)
	require.True(t, tok.WaitTimeout(10*time.Second), "no PUBACK for %s", topic)
	require.NoError(t, tok.Error())
}

func sample(seq int64, values map[string]any) map[string]any {
	return map[string]any{"ts": time.Now().UTC().Add(time.Duration(seq) * time.Millisecond).Format(time.RFC3339Nano),
		"seq": seq, "values": values}
}

// screen is a /ws/screen client that checks the protocol as it reads.
type screen struct {
	t    *testing.T
	conn *websocket.Conn
	seq  uint64
}

type frame struct {
	Type     string                       `json:"type"`
	Seq      uint64                       `json:"seq"`
	Entity   string                       `json:"entity"`
	Op       string                       `json:"op"`
	ID       string                       `json:"id"`
	Data     json.RawMessage              `json:"data"`
	Entities map[string][]json.RawMessage `json:"entities"`
}

func (h *testHub) screen(t *testing.T, query string) *screen {
	t.Helper()
	hdr := http.Header{"Authorization": {"Bearer " + h.token}}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+h.HTTPAddr()+"/ws/screen"+query, hdr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &screen{t: t, conn: conn}
}

// next reads one frame, requiring deltas to follow each other without a gap.
func (s *screen) next() frame {
	s.t.Helper()
	require.NoError(s.t, s.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	var f frame
	require.NoError(s.t, s.conn.ReadJSON(&f))
	switch f.Type {
	case "snapshot", "resume":
		s.seq = f.Seq
	case "delta":
		require.Equal(s.t, s.seq+1, f.Seq, "delta out of order or missing")
		s.seq = f.Seq
	default:
		s.t.Fatalf("unknown frame type %q", f.Type)
	}
	return f
}

// waitFor reads frames until match returns true; it fails the test if
// none matches within waitLong, however many other frames arrive.
func (s *screen) waitFor(match func(frame) bool) frame {
	s.t.Helper()
	for end := time.Now().Add(waitLong); time.Now().Before(end); {
		if f := s.next(); match(f) {
			return f
		}
	}
	s.t.Fatalf("no matching frame within %s", waitLong)
	return frame{}
}

// binary finds the first of names on PATH. Without one the test skips, saying
// why — except under CI (CI set), where .ci/run installs it and its absence
// is a failure, so a broken install cannot pass as skipped tests.
func binary(t *testing.T, install string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("none of %v on this machine (%s)", names, install)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI must install it")
	}
	t.Skip(msg + "; skipping")
	return ""
}

func TestMain(m *testing.M) { pgtest.Main(m) }

// restartable returns a func that starts a hub of shape sh on one data dir
// and store (and broker), each call a fresh process-like start: for tests
// that stop a hub and start it again. The caller closes each hub.
func restartable(t *testing.T, sh shape) func() *testHub {
	o, broker := sh.opts(t)
	o.DataDir = t.TempDir()
	var token string // the store keeps it: one admin token for every start
	return func() *testHub {
		o.HTTPAddr, o.MQTTAddr, o.Logger = "127.0.0.1:0", "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil))
		h, err := hub.Start(context.Background(), o)
		require.NoError(t, err)
		th := &testHub{Hub: h, base: "http://" + h.HTTPAddr(), broker: broker, token: token}
		if token == "" {
			token = th.tokenFor(t, dispatch.RoleAdmin, "")
			th.token = token
		}
		return th
	}
}
