package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
)

// published is one message the broker accepted, with who sent it.
type published struct {
	username, topic string
	payload         []byte
	retain          bool
}

// testHook authenticates devices against a map of secrets, lets each
// publish only under devices/{its id}/, and records what was published.
type testHook struct {
	mochi.HookBase
	secrets map[string]string
	mu      sync.Mutex
	msgs    []published
}

func (h *testHook) ID() string { return "sim-test" }

func (h *testHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPublished}, []byte{b})
}

func (h *testHook) OnConnectAuthenticate(_ *mochi.Client, pk packets.Packet) bool {
	s, ok := h.secrets[string(pk.Connect.Username)]
	return ok && s == string(pk.Connect.Password)
}

func (h *testHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	return write && strings.HasPrefix(topic, "devices/"+string(cl.Properties.Username)+"/")
}

func (h *testHook) OnPublished(cl *mochi.Client, pk packets.Packet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, published{string(cl.Properties.Username), pk.TopicName, bytes.Clone(pk.Payload), pk.FixedHeader.Retain})
}

func (h *testHook) messages() []published {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]published(nil), h.msgs...)
}

// startBroker runs an embedded mochi broker on a free local port.
func startBroker(t *testing.T, secrets map[string]string) (string, *mochi.Server, *testHook) {
	t.Helper()
	srv := mochi.New(&mochi.Options{Logger: slog.New(slog.DiscardHandler)})
	hook := &testHook{secrets: secrets}
	require.NoError(t, srv.AddHook(hook, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(listeners.NewNet("t1", ln)))
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { _ = srv.Close() })
	return "tcp://" + ln.Addr().String(), srv, hook
}

// retainedState is the state in a device's retained status, "" if none or
// unreadable. It must not fail the test: Eventually calls it off the test
// goroutine.
func retainedState(srv *mochi.Server, id string) string {
	for _, pk := range srv.Topics.Messages("devices/" + id + "/status") {
		var s struct{ State string }
		if json.Unmarshal(pk.Payload, &s) == nil {
			return s.State
		}
	}
	return ""
}

func TestRunAgainstBroker(t *testing.T) {
	set := loadProfiles(t)
	fleet := &Fleet{Devices: []FleetDevice{
		{ID: "fc-t-01", Kind: "firecam", Lon: 105.9, Lat: 38.8},
		{ID: "hy-t-01", Kind: "hydrology", Lon: 106.7, Lat: 39.4},
		{ID: "el-t-01", Kind: "elevator", Lon: 105.7, Lat: 38.84},
		{ID: "el-t-02", Kind: "elevator", Lon: 105.7, Lat: 38.84},
	}}
	secrets := map[string]string{"fc-t-01": "s1", "hy-t-01": "s2", "el-t-01": "s3", "el-t-02": "right"}
	url, srv, hook := startBroker(t, secrets)
	creds := map[string]string{"fc-t-01": "s1", "hy-t-01": "s2", "el-t-01": "s3", "el-t-02": "wrong"}
	good := []string{"fc-t-01", "hy-t-01", "el-t-01"}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var progress syncBuffer
	type result struct {
		s   Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Run(ctx, Options{BrokerURL: url, Fleet: fleet, Profiles: set, Credentials: creds,
			Rate: 50, Seed: 1, ConnectStagger: time.Millisecond, Progress: &progress, ProgressEvery: 20 * time.Millisecond})
		done <- result{s, err}
	}()

	telemetryFrom := func(id string) int {
		n := 0
		for _, m := range hook.messages() {
			if m.topic == "devices/"+id+"/telemetry" {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool {
		for _, id := range good {
			if telemetryFrom(id) < 3 || retainedState(srv, id) != model.StateOnline {
				return false
			}
		}
		return strings.Contains(progress.String(), "connected 3/4")
	}, 10*time.Second, 10*time.Millisecond, "every good device goes online, sends telemetry and shows in the progress")
	cancel()
	r := <-done
	require.NoError(t, r.err)
	s := r.s

	for _, m := range hook.messages() {
		parts := strings.Split(m.topic, "/")
		require.Len(t, parts, 3, m.topic)
		require.Equal(t, "devices", parts[0])
		require.Equal(t, m.username, parts[1], "each device publishes under its own id")
		require.Contains(t, good, m.username)
		p := set[kindOf(fleet, m.username)]
		switch parts[2] {
		case "telemetry":
			require.False(t, m.retain)
			requireValidTelemetry(t, p, m.payload)
		case "events":
			requireValidEvent(t, p, m.payload)
		case "status":
			require.True(t, m.retain, "status is retained")
		default:
			t.Fatalf("unexpected topic %s", m.topic)
		}
	}
	for _, id := range good {
		require.Equal(t, model.StateOffline, retainedState(srv, id), "a clean stop leaves a retained offline status")
	}
	require.Empty(t, retainedState(srv, "el-t-02"))

	require.Equal(t, 4, s.Devices)
	require.Equal(t, 3, s.Connected)
	require.Equal(t, []ConnectFailure{{DeviceID: "el-t-02", Kind: "elevator", Reason: "not_authorized"}}, s.ConnectFailures)
	require.Positive(t, s.Acked)
	require.Equal(t, s.Sent, s.Acked+s.Failed)
	require.Equal(t, 2, s.Kinds["elevator"].Devices)
	require.Equal(t, 1, s.Kinds["elevator"].Connected)
	require.Positive(t, s.Kinds["hydrology"].Telemetry)
	require.Contains(t, s.String(), "el-t-02")
	require.Contains(t, s.String(), "not_authorized")
}

func TestRunNothingConnects(t *testing.T) {
	set := loadProfiles(t)
	url, _, _ := startBroker(t, map[string]string{})
	fleet := &Fleet{Devices: []FleetDevice{{ID: "fc-t-01", Kind: "firecam", Lon: 105.9, Lat: 38.8}, {ID: "fc-t-02", Kind: "firecam", Lon: 105.9, Lat: 38.8}}}
	s, err := Run(t.Context(), Options{BrokerURL: url, Fleet: fleet, Profiles: set,
		Credentials: map[string]string{"fc-t-01": "x"}, Duration: time.Minute})
	require.NoError(t, err)
	require.Zero(t, s.Connected)
	require.Equal(t, []ConnectFailure{
		{DeviceID: "fc-t-01", Kind: "firecam", Reason: "not_authorized"},
		{DeviceID: "fc-t-02", Kind: "firecam", Reason: "missing_credentials"},
	}, s.ConnectFailures)
}

func TestRunRejectsOptions(t *testing.T) {
	set := loadProfiles(t)
	fleet := &Fleet{Devices: []FleetDevice{{ID: "fc-t-01", Kind: "firecam", Lon: 105.9, Lat: 38.8}}}
	for _, tc := range []struct {
		desc string
		opts Options
	}{
		{"no broker", Options{Fleet: fleet, Profiles: set}},
		{"no fleet", Options{BrokerURL: "tcp://127.0.0.1:1", Profiles: set}},
		{"negative rate", Options{BrokerURL: "tcp://127.0.0.1:1", Fleet: fleet, Profiles: set, Rate: -1}},
		{"NaN rate", Options{BrokerURL: "tcp://127.0.0.1:1", Fleet: fleet, Profiles: set, Rate: math.NaN()}},
		{"kind without profile", Options{BrokerURL: "tcp://127.0.0.1:1", Fleet: fleet}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := Run(t.Context(), tc.opts)
			require.ErrorIs(t, err, ErrInvalidOptions)
		})
	}
}

func kindOf(f *Fleet, id string) string {
	for _, d := range f.Devices {
		if d.ID == id {
			return d.Kind
		}
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunReconnects drops a device's connection at the broker and expects
// paho to reconnect it, the device to announce itself online again, and the
// summary to count the reconnection.
func TestRunReconnects(t *testing.T) {
	set := loadProfiles(t)
	url, srv, hook := startBroker(t, map[string]string{"hy-t-01": "s"})
	fleet := &Fleet{Devices: []FleetDevice{{ID: "hy-t-01", Kind: "hydrology", Lon: 106.7, Lat: 39.4}}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan Summary, 1)
	go func() {
		s, _ := Run(ctx, Options{BrokerURL: url, Fleet: fleet, Profiles: set, Credentials: map[string]string{"hy-t-01": "s"}, Rate: 50})
		done <- s
	}()
	onlines := func() int {
		n := 0
		for _, m := range hook.messages() {
			if m.topic == "devices/hy-t-01/status" && bytes.Contains(m.payload, []byte(`"online"`)) {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return onlines() == 1 }, 10*time.Second, 10*time.Millisecond)
	cl, ok := srv.Clients.Get("hy-t-01")
	require.True(t, ok)
	cl.Stop(errors.New("kicked by test"))
	require.Eventually(t, func() bool { return onlines() == 2 }, 30*time.Second, 10*time.Millisecond, "online again after a reconnect")
	cancel()
	s := <-done
	require.Equal(t, int64(1), s.Reconnects)
	require.Equal(t, int64(1), s.Errors["connection_lost"])
	require.Equal(t, s.Sent, s.Acked+s.Failed)
	require.Equal(t, model.StateOffline, retainedState(srv, "hy-t-01"))
}

// TestRunPlaysScenarios: scenario steps reach their devices over the
// broker — both towers' sightings, with the raw bearings their offsets call
// for, a few moments apart — and a step for a device that cannot connect is
// counted as dropped.
func TestRunPlaysScenarios(t *testing.T) {
	set := loadProfiles(t)
	fleet := &Fleet{
		Devices: []FleetDevice{
			{ID: "fc-a", Kind: "firecam", Lon: 105.8269, Lat: 38.6772, Params: map[string]float64{"north_offset_deg": 2.5}},
			{ID: "fc-b", Kind: "firecam", Lon: 105.7889, Lat: 38.7149, Params: map[string]float64{"north_offset_deg": -1.8}},
			{ID: "el-a", Kind: "elevator", Lon: 105.69, Lat: 38.84},
			{ID: "el-ghost", Kind: "elevator", Lon: 105.69, Lat: 38.84},
			{ID: "aq-a", Kind: "pollution", Lon: 105.69, Lat: 38.84},
		},
		Scenarios: []Scenario{
			{Type: "fire", Event: "smoke", Lon: 105.856, Lat: 38.719, Towers: []string{"fc-a", "fc-b"}, Confidence: 0.8, GapS: 0.05},
			{Type: "entrapment", Device: "el-a", DurationS: 90},
			{Type: "entrapment", Device: "el-ghost", DurationS: 90},
			{Type: "pollution", Device: "aq-a", DurationS: 60, Values: map[string]float64{"pm25_ugm3": 260}},
		},
	}
	secrets := map[string]string{"fc-a": "a", "fc-b": "b", "el-a": "c", "aq-a": "d"}
	url, _, hook := startBroker(t, secrets)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var progress syncBuffer
	done := make(chan Summary, 1)
	go func() {
		s, _ := Run(ctx, Options{BrokerURL: url, Fleet: fleet, Profiles: set, Credentials: secrets, Rate: 20,
			ConnectStagger: time.Millisecond, Progress: &progress, ProgressEvery: 20 * time.Millisecond})
		done <- s
	}()
	smoke := func() map[string]published {
		out := map[string]published{}
		for _, m := range hook.messages() {
			if strings.HasSuffix(m.topic, "/events") && bytes.Contains(m.payload, []byte(`"type":"smoke"`)) {
				out[m.username] = m
			}
		}
		return out
	}
	require.Eventually(t, func() bool { return len(smoke()) == 2 && strings.Contains(progress.String(), "scenario steps 4") },
		10*time.Second, 10*time.Millisecond, "both towers report the smoke")
	cancel()
	s := <-done
	require.Equal(t, int64(4), s.ScenarioSteps)
	require.Equal(t, int64(1), s.Errors["scenario_dropped"])
	require.Contains(t, s.String(), "scenario steps 4")
	for _, d := range fleet.Devices[:2] {
		m := smoke()[d.ID]
		requireValidEvent(t, set["firecam"], m.payload)
		var ev struct {
			BearingDeg float64 `json:"bearing_deg"`
			Confidence float64 `json:"confidence"`
			PitchDeg   float64 `json:"pitch_deg"`
		}
		require.NoError(t, json.Unmarshal(m.payload, &ev))
		want := RawBearing(d.Lon, d.Lat, 105.856, 38.719, d.Params["north_offset_deg"])
		require.InDelta(t, want, ev.BearingDeg, 0.006, d.ID)
		require.Equal(t, 0.8, ev.Confidence)
		require.Negative(t, ev.PitchDeg)
	}
}
