package mosquittotest_test

import (
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/testutil/mosquittotest"
)

func connect(url, user, password string) error {
	o := paho.NewClientOptions().AddBroker(url).SetClientID("probe-" + user).
		SetUsername(user).SetPassword(password).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(o)
	tok := c.Connect()
	tok.Wait()
	if tok.Error() == nil {
		c.Disconnect(0)
	}
	return tok.Error()
}

func TestBrokerAuthentication(t *testing.T) {
	b := mosquittotest.Start(t)
	b.AddUser(t, "dev-1", "s3cret")
	tests := []struct {
		desc, user, password string
		ok                   bool
	}{
		{desc: "hub user", user: mosquittotest.HubUser, password: b.HubPassword, ok: true},
		{desc: "added device", user: "dev-1", password: "s3cret", ok: true},
		{desc: "wrong password", user: "dev-1", password: "nope"},
		{desc: "unknown user", user: "dev-2", password: "s3cret"},
		{desc: "anonymous", user: "", password: ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			err := connect(b.URL, tc.user, tc.password)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestBrokerRestartKeepsPortAndUsers(t *testing.T) {
	b := mosquittotest.Start(t)
	b.AddUser(t, "dev-1", "s3cret")
	url := b.URL
	b.Stop(t)
	require.Error(t, connect(url, "dev-1", "s3cret"), "a stopped broker accepts no connection")
	b.Restart(t)
	require.Equal(t, url, b.URL)
	require.NoError(t, connect(b.URL, "dev-1", "s3cret"))
}

// With persistence a persistent session and its queued message survive a
// restart; without it they are gone.
func TestRestartPersistence(t *testing.T) {
	tests := []struct {
		desc string
		opts []mosquittotest.Option
		want []string // what the hub session gets after the restart
	}{
		{desc: "persistence on", opts: []mosquittotest.Option{mosquittotest.WithPersistence()}, want: []string{"queued", "marker"}},
		{desc: "persistence off", want: []string{"marker"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			b := mosquittotest.Start(t, tc.opts...)
			b.AddUser(t, "dev-1", "s3cret")
			var mu sync.Mutex
			var got []string
			hub := connectClient(t, b.URL, "hub-session", mosquittotest.HubUser, b.HubPassword, func(_ paho.Client, m paho.Message) {
				mu.Lock()
				got = append(got, string(m.Payload()))
				mu.Unlock()
			})
			subscribe(t, hub)
			hub.Disconnect(100)
			publish(t, b.URL, "queued")

			b.Restart(t)
			hub = connectClient(t, b.URL, "hub-session", mosquittotest.HubUser, b.HubPassword, func(_ paho.Client, m paho.Message) {
				mu.Lock()
				got = append(got, string(m.Payload()))
				mu.Unlock()
			})
			defer hub.Disconnect(0)
			subscribe(t, hub) // the session may be new
			// The queued message, if kept, arrives before the marker.
			publish(t, b.URL, "marker")
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) > 0 && got[len(got)-1] == "marker"
			}, 10*time.Second, 10*time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, tc.want, got)
		})
	}
}

// connectClient connects with a persistent session.
func connectClient(t *testing.T, url, id, user, password string, h paho.MessageHandler) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).SetUsername(user).SetPassword(password).
		SetCleanSession(false).SetAutoReconnect(false).SetDefaultPublishHandler(h))
	tok := c.Connect()
	require.True(t, tok.WaitTimeout(5*time.Second))
	require.NoError(t, tok.Error())
	return c
}

func subscribe(t *testing.T, c paho.Client) {
	t.Helper()
	tok := c.Subscribe("devices/+/telemetry", 1, nil)
	require.True(t, tok.WaitTimeout(5*time.Second))
	require.NoError(t, tok.Error())
}

// publish sends one QoS1 message as dev-1.
func publish(t *testing.T, url, payload string) {
	t.Helper()
	dev := connectClient(t, url, "dev-1", "dev-1", "s3cret", nil)
	defer dev.Disconnect(100)
	tok := dev.Publish("devices/dev-1/telemetry", 1, false, payload)
	require.True(t, tok.WaitTimeout(5*time.Second))
	require.NoError(t, tok.Error())
}
