package hub_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/hub"
	"github.com/ywtg/hub/internal/model"
)

// revokeWait bounds how long a change made by another process may take to
// reach a running hub: it reloads devices every 5 s.
const revokeWait = 30 * time.Second

// Device identity over the real embedded broker: a device connects with its
// own secret only, publishes only under its own topics, and is cut off at
// once when an administrator disables it or rotates its secret.
func TestDeviceIdentity(t *testing.T) {
	h := startHub(t)
	secretA := h.register(t, hydrologyStation("hy-a"))
	secretB := h.register(t, hydrologyStation("hy-b"))

	t.Run("another device's secret does not connect", func(t *testing.T) {
		_, err := h.dial("hy-a", secretB)
		require.Error(t, err)
		dls, counts := h.deadLetters(t)
		require.EqualValues(t, 1, counts["auth_failed"])
		dl := findReason(dls, "auth_failed")
		require.Equal(t, "hy-a", dl.DeviceID)
		require.NotContains(t, dl.Detail, secretB, "a refusal never echoes the secret")
	})

	t.Run("publishing into another device's topics is refused and never stored", func(t *testing.T) {
		c := h.connect(t, "hy-a", secretA)
		payload := fmt.Sprintf(`{"ts":%q,"seq":1,"values":{"water_level_m":1069.5}}`, now())
		tok := c.Publish("devices/hy-b/telemetry", 1, false, []byte(payload))
		tok.WaitTimeout(2 * time.Second) // MQTT 3.1.1 has no refusal: the broker drops the client
		require.Eventually(t, func() bool {
			_, counts := h.deadLetters(t)
			return counts["acl_denied"] == 1
		}, waitLong, tick)
		dls, _ := h.deadLetters(t)
		dl := findReason(dls, "acl_denied")
		require.Equal(t, "hy-a", dl.DeviceID)
		require.Equal(t, "devices/hy-b/telemetry", dl.Topic)
		require.Zero(t, readingCount(t, h, "hy-b"), "nothing was stored as hy-b's reading")
		require.Empty(t, h.device(t, "hy-b").Values)

		c2 := h.connect(t, "hy-a", secretA)
		sub := c2.Subscribe("devices/hy-b/commands", 1, nil)
		require.True(t, sub.WaitTimeout(5*time.Second))
		require.Eventually(t, func() bool {
			_, counts := h.deadLetters(t)
			return counts["acl_denied"] == 2
		}, waitLong, tick, "a refused subscription is counted too")
	})

	t.Run("disabled through the API: disconnected, cannot reconnect or publish", func(t *testing.T) {
		c := h.connect(t, "hy-a", secretA)
		publish(t, c, "devices/hy-a/telemetry", sample(2, map[string]any{"water_level_m": 1069.1}))
		require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/devices/hy-a/disable", nil, nil))
		require.Eventually(t, func() bool { return !c.IsConnectionOpen() }, waitLong, tick, "its session ends at once")
		tok := c.Publish("devices/hy-a/telemetry", 1, false, []byte(`{}`))
		require.True(t, tok.WaitTimeout(5*time.Second))
		require.Error(t, tok.Error(), "no publish once disconnected")

		_, err := h.dial("hy-a", secretA)
		require.Error(t, err, "a disabled device cannot connect with its secret")
		_, counts := h.deadLetters(t)
		require.EqualValues(t, 1, counts["device_disabled"])

		require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/devices/hy-a/enable", nil, nil))
		c = h.connect(t, "hy-a", secretA)
		publish(t, c, "devices/hy-a/telemetry", sample(3, map[string]any{"water_level_m": 1069.2}))
		require.Eventually(t, func() bool { return h.device(t, "hy-a").Values["water_level_m"] == 1069.2 }, waitLong, tick)
	})

	t.Run("rotated through the API: the old secret fails, the new one works", func(t *testing.T) {
		old := h.connect(t, "hy-b", secretB)
		var out struct {
			Secret string `json:"secret"`
		}
		require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/devices/hy-b/rotate", nil, &out))
		require.NotEmpty(t, out.Secret)
		require.Eventually(t, func() bool { return !old.IsConnectionOpen() }, waitLong, tick, "the session on the old secret ends")
		_, err := h.dial("hy-b", secretB)
		require.Error(t, err)
		c := h.connect(t, "hy-b", out.Secret)
		publish(t, c, "devices/hy-b/telemetry", sample(4, map[string]any{"water_level_m": 1068.7}))
		require.Eventually(t, func() bool { return h.device(t, "hy-b").Values["water_level_m"] == 1068.7 }, waitLong, tick)
	})
}

// `hub devices disable|enable|rotate` in another process, on its own handle
// to the store, reaches a running hub within seconds.
func TestDeviceRevocationByCLI(t *testing.T) {
	for _, sh := range shapes[:2] { // embedded broker on SQLite, and on PostGIS
		t.Run(sh.name, func(t *testing.T) {
			o, _ := sh.opts(t)
			o.DataDir = t.TempDir()
			h := startWith(t, o)
			secret := h.register(t, hydrologyStation("hy-cli"))
			cli := func(args ...string) string {
				t.Helper()
				var out bytes.Buffer
				args = append([]string{"devices"}, append(args, "--data-dir", o.DataDir, "--db", o.DB)...)
				require.NoError(t, hub.Main(context.Background(), args, &out, slog.New(slog.NewTextHandler(io.Discard, nil))))
				return out.String()
			}

			c := h.connect(t, "hy-cli", secret)
			scr := h.screen(t, "")
			require.Contains(t, cli("disable", "hy-cli"), "disabled hy-cli")
			require.Eventually(t, func() bool { return !c.IsConnectionOpen() }, revokeWait, tick, "the hub ends the session")
			_, err := h.dial("hy-cli", secret)
			require.Error(t, err)
			scr.waitFor(func(f frame) bool { // the screen shows it disabled without waiting for a reading
				return f.Type == "delta" && f.Entity == "device" && f.ID == "hy-cli" && strings.Contains(string(f.Data), `"disabled":true`)
			})

			cli("enable", "hy-cli")
			c = eventuallyConnect(t, h, "hy-cli", secret)
			scr.waitFor(func(f frame) bool {
				return f.Type == "delta" && f.Entity == "device" && f.ID == "hy-cli" && !strings.Contains(string(f.Data), `"disabled":true`)
			})

			m := regexp.MustCompile(`MQTT password: (\S+)`).FindStringSubmatch(cli("rotate", "hy-cli"))
			require.Len(t, m, 2)
			require.Eventually(t, func() bool { return !c.IsConnectionOpen() }, revokeWait, tick, "rotation ends the session")
			_, err = h.dial("hy-cli", secret)
			require.Error(t, err, "the old secret no longer works")
			c = h.connect(t, "hy-cli", m[1])
			publish(t, c, "devices/hy-cli/telemetry", sample(1, map[string]any{"water_level_m": 1069.3}))
		})
	}
}

// eventuallyConnect dials until the hub admits the device.
func eventuallyConnect(t *testing.T, h *testHub, id, secret string) paho.Client {
	t.Helper()
	var c paho.Client
	require.Eventually(t, func() bool {
		var err error
		c, err = h.dial(id, secret)
		return err == nil
	}, revokeWait, 250*time.Millisecond)
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func readingCount(t *testing.T, h *testHub, id string) int {
	t.Helper()
	var out struct{ Count int }
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/devices/"+id+"/readings", nil, &out))
	return out.Count
}

// A device connects with its own id as client id: taking another device's
// client id (and so its session) is refused by the embedded broker and by
// the external brokers' endpoint alike.
func TestClientIDIsTheDeviceID(t *testing.T) {
	h := startHub(t)
	secretA := h.register(t, map[string]any{"id": "hy-cid-a", "kind": "hydrology", "lon": 105.6, "lat": 38.8})
	secretB := h.register(t, map[string]any{"id": "hy-cid-b", "kind": "hydrology", "lon": 105.7, "lat": 38.9})
	b := h.connect(t, "hy-cid-b", secretB)

	thief := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + h.MQTTAddr()).SetClientID("hy-cid-b").
		SetUsername("hy-cid-a").SetPassword(secretA).SetConnectTimeout(5 * time.Second).SetAutoReconnect(false))
	tok := thief.Connect()
	require.True(t, tok.WaitTimeout(10*time.Second))
	require.Error(t, tok.Error(), "a device may not take another device's client id")
	require.True(t, b.IsConnectionOpen(), "the rightful session goes on")
	dls, _ := h.deadLetters(t)
	require.True(t, slices.ContainsFunc(dls, func(d deadLetter) bool {
		return d.DeviceID == "hy-cid-a" && d.Reason == model.ReasonClientID
	}), "the refusal is recorded: %+v", dls)

	for clientID, want := range map[string]string{"hy-cid-b": "deny", "hy-cid-a": "allow", "": "allow"} {
		var out struct {
			Result string `json:"result"`
		}
		require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/broker/emqx/authn",
			map[string]any{"username": "hy-cid-a", "password": secretA, "clientid": clientID}, &out))
		require.Equal(t, want, out.Result, "EMQX asks about client id %q", clientID)
	}
}
