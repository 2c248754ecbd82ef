package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/live"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// refusalLog is the ingest pipeline's Refuse, recorded.
type refusalLog struct {
	mu  sync.Mutex
	got []model.DeadLetter
}

func (l *refusalLog) Refuse(_ context.Context, deviceID, topic, reason, detail string, _ []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, model.DeadLetter{DeviceID: deviceID, Topic: topic, Reason: reason, Detail: detail})
	return nil
}

// take returns what was refused since the last take.
func (l *refusalLog) take() []model.DeadLetter {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

const (
	hubUser     = "hub-prod"
	hubPassword = "s3cret-of-the-hub"
)

// brokerRig is the API with the broker endpoints and three devices: hy-1 and
// hy-2 enabled, hy-off disabled.
type brokerRig struct {
	h        http.Handler
	opts     api.Options // h's
	reg      *registry.Registry
	refusals *refusalLog
	secrets  map[string]string
}

func newBrokerRig(t testing.TB) *brokerRig {
	t.Helper()
	ctx := context.Background()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := registry.New(st, townLocator{}, set)
	hub := live.New(live.Options{Logger: log})
	t.Cleanup(hub.Close)
	eng := engine.New(engine.Options{Profiles: set, Store: st, Devices: reg, Live: hub, Logger: log})
	require.NoError(t, eng.Load(ctx))
	rig := &brokerRig{reg: reg, refusals: &refusalLog{}, secrets: map[string]string{}}
	for _, id := range []string{"hy-1", "hy-2", "hy-off"} {
		_, secret, err := reg.Add(ctx, model.Device{ID: id, Kind: "hydrology", Lon: 105.6, Lat: 38.8})
		require.NoError(t, err)
		rig.secrets[id] = secret
	}
	require.NoError(t, reg.Disable(ctx, "hy-off"))
	rig.opts = api.Options{Registry: reg, Engine: eng, Store: st, Profiles: set, Logger: log,
		Broker: api.BrokerOptions{Devices: reg, Refusals: rig.refusals, Username: hubUser, Password: hubPassword}}
	rig.h = api.New(rig.opts)
	return rig
}

// as returns the rig's API behind another authorizer.
func (rig *brokerRig) as(auth api.Authorizer) http.Handler {
	o := rig.opts
	o.Auth = auth
	return api.New(o)
}

// post sends body with a content type and returns status, Content-Type and body.
func (rig *brokerRig) post(t testing.TB, path, contentType, body string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	rig.h.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

// contract is one broker's way of asking and of reading the answer.
type contract struct {
	name string
	// connect and topic ask and return whether the broker reads allow, and
	// for connect whether it reads superuser.
	connect func(t *testing.T, rig *brokerRig, username, password string) (allow, super bool)
	topic   func(t *testing.T, rig *brokerRig, username, topic string, a registry.Access) bool
}

func emqx() contract {
	return contract{name: "emqx",
		connect: func(t *testing.T, rig *brokerRig, username, password string) (bool, bool) {
			body := mustJSON(t, map[string]string{"username": username, "password": password, "clientid": username, "peerhost": "10.1.2.3"})
			status, ct, resp := rig.post(t, "/api/v1/broker/emqx/authn", "application/json", body)
			require.Equal(t, http.StatusOK, status, resp)
			require.Contains(t, ct, "application/json")
			var out struct {
				Result      string `json:"result"`
				IsSuperuser *bool  `json:"is_superuser"`
			}
			require.NoError(t, json.Unmarshal([]byte(resp), &out))
			require.Contains(t, []string{"allow", "deny"}, out.Result)
			require.NotNil(t, out.IsSuperuser, "is_superuser is always sent")
			return out.Result == "allow", *out.IsSuperuser
		},
		topic: func(t *testing.T, rig *brokerRig, username, topic string, a registry.Access) bool {
			body := mustJSON(t, map[string]string{"username": username, "clientid": username, "topic": topic, "action": a.String()})
			status, _, resp := rig.post(t, "/api/v1/broker/emqx/authz", "application/json", body)
			require.Equal(t, http.StatusOK, status, resp)
			var out map[string]string
			require.NoError(t, json.Unmarshal([]byte(resp), &out))
			require.Equal(t, []string{"result"}, slices.Sorted(maps.Keys(out)))
			return out["result"] == "allow"
		},
	}
}

// mosquitto is mosquitto-go-auth's HTTP backend in one params mode (json,
// form) and one response mode (status, json, text), read as the backend
// reads it: any non-2xx is a denial; json wants ok true; text wants "ok".
func mosquitto(params, mode string) contract {
	ask := func(t *testing.T, rig *brokerRig, uri string, fields map[string]any) bool {
		path := "/api/v1/broker/mosquitto/" + uri
		if mode != "status" {
			path += "?mode=" + mode
		}
		var status int
		var resp string
		if params == "form" {
			q := url.Values{}
			for k, v := range fields {
				q.Set(k, fmt.Sprint(v))
			}
			status, _, resp = rig.post(t, path, "application/x-www-form-urlencoded", q.Encode())
		} else {
			status, _, resp = rig.post(t, path, "application/json", mustJSON(t, fields))
		}
		require.Contains(t, []int{http.StatusOK, http.StatusForbidden}, status, resp)
		if status != http.StatusOK {
			require.Equal(t, "status", mode, "only the status mode denies by status")
			return false
		}
		switch mode {
		case "json":
			var out struct {
				OK    *bool   `json:"ok"`
				Error *string `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(resp), &out), resp)
			require.NotNil(t, out.OK)
			require.NotNil(t, out.Error)
			require.Equal(t, *out.OK, *out.Error == "", "an error exactly when not ok")
			return *out.OK
		case "text":
			require.NotEmpty(t, resp)
			return resp == "ok"
		}
		return true
	}
	return contract{name: "mosquitto/" + params + "/" + mode,
		connect: func(t *testing.T, rig *brokerRig, username, password string) (bool, bool) {
			ok := ask(t, rig, "user", map[string]any{"username": username, "password": password, "clientid": username})
			// The backend asks about superusers by username, and only for
			// clients it has let in.
			return ok, ok && ask(t, rig, "superuser", map[string]any{"username": username})
		},
		topic: func(t *testing.T, rig *brokerRig, username, topic string, a registry.Access) bool {
			acc := map[registry.Access]int{registry.Read: 1, registry.Publish: 2, registry.Subscribe: 4}[a]
			return ask(t, rig, "acl", map[string]any{"username": username, "clientid": username, "topic": topic, "acc": acc})
		},
	}
}

func contracts() []contract {
	out := []contract{emqx()}
	for _, params := range []string{"json", "form"} {
		for _, mode := range []string{"status", "json", "text"} {
			out = append(out, mosquitto(params, mode))
		}
	}
	return out
}

// TestBrokerContracts: EMQX and every mosquitto-go-auth mode decide alike,
// the way the embedded broker does, and record the same refusals.
func TestBrokerContracts(t *testing.T) {
	rig := newBrokerRig(t)
	s := rig.secrets
	connects := []struct {
		desc, username, password string
		allow, super             bool
		reason                   string // recorded refusal
	}{
		{"a device with its own secret", "hy-1", s["hy-1"], true, false, ""},
		{"a device with another device's secret", "hy-1", s["hy-2"], false, false, model.ReasonAuthFailed},
		{"a device with a wrong secret", "hy-1", s["hy-1"] + "x", false, false, model.ReasonAuthFailed},
		{"a device without a secret", "hy-1", "", false, false, model.ReasonAuthFailed},
		{"an unknown device", "ghost", s["hy-1"], false, false, model.ReasonUnknownDevice},
		{"no username", "", s["hy-1"], false, false, model.ReasonUnknownDevice},
		{"a disabled device with its secret", "hy-off", s["hy-off"], false, false, model.ReasonDeviceDisabled},
		{"the hub's account", hubUser, hubPassword, true, true, ""},
		{"the hub's account with a wrong password", hubUser, hubPassword + "x", false, false, model.ReasonAuthFailed},
		{"the hub's account with a device's secret", hubUser, s["hy-1"], false, false, model.ReasonAuthFailed},
	}
	pub, sub, read := registry.Publish, registry.Subscribe, registry.Read
	topics := []struct {
		desc, username, topic string
		access                registry.Access
		allow                 bool
		reason                string // recorded refusal
	}{
		{"publish own telemetry", "hy-1", "devices/hy-1/telemetry", pub, true, ""},
		{"publish own command acknowledgement", "hy-1", "devices/hy-1/commands/ack", pub, true, ""},
		{"publish into another device's topic", "hy-1", "devices/hy-2/telemetry", pub, false, model.ReasonACLDenied},
		{"publish to own commands", "hy-1", "devices/hy-1/commands", pub, false, model.ReasonACLDenied},
		{"publish outside devices/", "hy-1", "alarms/all", pub, false, model.ReasonACLDenied},
		{"subscribe own commands", "hy-1", "devices/hy-1/commands", sub, true, ""},
		{"subscribe own commands subtree", "hy-1", "devices/hy-1/commands/#", sub, true, ""},
		{"subscribe another device's commands", "hy-1", "devices/hy-2/commands", sub, false, model.ReasonACLDenied},
		{"subscribe every device", "hy-1", "devices/#", sub, false, model.ReasonACLDenied},
		{"a disabled device publishes its own telemetry", "hy-off", "devices/hy-off/telemetry", pub, false, model.ReasonDeviceDisabled},
		{"a disabled device subscribes its commands", "hy-off", "devices/hy-off/commands", sub, false, model.ReasonDeviceDisabled},
		{"an unknown device publishes", "ghost", "devices/ghost/telemetry", pub, false, model.ReasonUnknownDevice},
		{"the hub publishes a command", hubUser, "devices/hy-1/commands", pub, true, ""},
		{"the hub subscribes to all telemetry", hubUser, "$share/hubs/devices/+/telemetry", sub, true, ""},
	}
	for _, c := range contracts() {
		t.Run(c.name, func(t *testing.T) {
			rig.refusals.take()
			for _, tc := range connects {
				t.Run("connect: "+tc.desc, func(t *testing.T) {
					allow, super := c.connect(t, rig, tc.username, tc.password)
					require.Equal(t, tc.allow, allow)
					require.Equal(t, tc.super, super)
					requireRefused(t, rig.refusals.take(), tc.username, "", tc.reason)
				})
			}
			for _, tc := range topics {
				t.Run(tc.desc, func(t *testing.T) {
					require.Equal(t, tc.allow, c.topic(t, rig, tc.username, tc.topic, tc.access))
					requireRefused(t, rig.refusals.take(), tc.username, tc.topic, tc.reason)
				})
			}
			if c.name != "emqx" { // EMQX never asks about a delivery
				t.Run("a delivery of own commands", func(t *testing.T) {
					require.True(t, c.topic(t, rig, "hy-1", "devices/hy-1/commands", read))
				})
				t.Run("a refused delivery is not recorded", func(t *testing.T) {
					require.False(t, c.topic(t, rig, "hy-1", "devices/hy-2/commands", read))
					require.Empty(t, rig.refusals.take(), "the embedded broker does not record refused deliveries either")
				})
			}
		})
	}
	t.Run("the decisions are the embedded broker's", func(t *testing.T) {
		ctx := context.Background()
		for _, tc := range topics {
			if tc.username == hubUser {
				continue // the hub's account exists on external brokers only
			}
			err := rig.reg.Authorize(ctx, tc.username, tc.topic, tc.access)
			require.Equal(t, tc.allow, err == nil, tc.desc)
		}
	})
}

func requireRefused(t *testing.T, got []model.DeadLetter, id, topic, reason string) {
	t.Helper()
	if reason == "" {
		require.Empty(t, got, "an allowed request records nothing")
		return
	}
	require.Len(t, got, 1, "each refusal is recorded once")
	require.Equal(t, id, got[0].DeviceID)
	require.Equal(t, topic, got[0].Topic)
	require.Equal(t, reason, got[0].Reason)
	require.NotEmpty(t, got[0].Detail)
}

// TestBrokerMalformed: a request no broker would send is a clear 400 (or 413)
// with a reason — never a 5xx, never a decision, never a recorded refusal.
func TestBrokerMalformed(t *testing.T) {
	rig := newBrokerRig(t)
	const (
		form    = "application/x-www-form-urlencoded"
		jsonCT  = "application/json"
		authn   = "/api/v1/broker/emqx/authn"
		authz   = "/api/v1/broker/emqx/authz"
		user    = "/api/v1/broker/mosquitto/user"
		super   = "/api/v1/broker/mosquitto/superuser"
		acl     = "/api/v1/broker/mosquitto/acl"
		goodACL = `{"username":"hy-1","clientid":"hy-1","topic":"devices/hy-1/telemetry","acc":2}`
	)
	for _, tc := range []struct {
		desc, path, contentType, body string
		status                        int
		says                          string // in the error message
	}{
		{"empty body", authn, jsonCT, "", 400, "JSON object"},
		{"truncated JSON", authn, jsonCT, `{"username":"hy-1"`, 400, "JSON object"},
		{"a JSON array", authn, jsonCT, `["hy-1","x"]`, 400, "JSON object"},
		{"JSON null", authn, jsonCT, `null`, 400, "JSON object"},
		{"a JSON string", authz, jsonCT, `"hy-1"`, 400, "JSON object"},
		{"two objects", authn, jsonCT, `{"username":"a","password":"b"}{}`, 400, "JSON object"},
		{"no password", authn, jsonCT, `{"username":"hy-1"}`, 400, `"password" is missing`},
		{"no username", user, jsonCT, `{"password":"x"}`, 400, `"username" is missing`},
		{"a numeric username", authn, jsonCT, `{"username":1,"password":"x"}`, 400, `"username" must be a string`},
		{"a null password", user, jsonCT, `{"username":"hy-1","password":null}`, 400, `"password" must be a string`},
		{"an object as client id", authn, jsonCT, `{"username":"hy-1","password":"x","clientid":{}}`, 400, `"clientid" must be a string`},
		{"no topic", authz, jsonCT, `{"username":"hy-1","action":"publish"}`, 400, `"topic" is missing`},
		{"an unknown action", authz, jsonCT, `{"username":"hy-1","topic":"t","action":"delete"}`, 400, "neither publish nor subscribe"},
		{"action in capitals", authz, jsonCT, `{"username":"hy-1","topic":"t","action":"PUBLISH"}`, 400, "neither publish nor subscribe"},
		{"no acc", acl, jsonCT, `{"username":"hy-1","topic":"t"}`, 400, `"acc" is missing`},
		{"acc 0", acl, jsonCT, `{"username":"hy-1","topic":"t","acc":0}`, 400, "is not 1 (read)"},
		{"acc 5", acl, form, `username=hy-1&topic=t&acc=5`, 400, "is not 1 (read)"},
		{"acc a word", acl, form, `username=hy-1&topic=t&acc=write`, 400, "is not 1 (read)"},
		{"acc a fraction", acl, jsonCT, `{"username":"hy-1","topic":"t","acc":2.5}`, 400, "is not 1 (read)"},
		{"acc huge", acl, jsonCT, `{"username":"hy-1","topic":"t","acc":1e400}`, 400, "is not 1 (read)"},
		{"a broken form", user, form, `username=%zz&password=x`, 400, "not a form"},
		{"a form sent as JSON", user, jsonCT, `username=hy-1&password=x`, 400, "JSON object"},
		{"no content type, a form", super, "", `username=hy-1`, 400, "or a form"},
		{"an unknown response mode", acl + "?mode=xml", jsonCT, goodACL, 400, "not status, json or text"},
		{"a body over 64 KiB", authn, jsonCT, `{"username":"` + strings.Repeat("a", 70<<10) + `","password":"x"}`, 413, "over"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			status, ct, body := rig.post(t, tc.path, tc.contentType, tc.body)
			require.Equal(t, tc.status, status, body)
			require.Contains(t, ct, "application/json")
			var e struct{ Error, Reason string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			require.NotEmpty(t, e.Reason)
			require.Contains(t, e.Error, tc.says)
			require.Empty(t, rig.refusals.take(), "a malformed request is no device's refusal")
		})
	}
	t.Run("acc as a JSON string and extra fields are fine", func(t *testing.T) {
		status, _, body := rig.post(t, acl, jsonCT, `{"username":"hy-1","topic":"devices/hy-1/telemetry","acc":"2","extra":[1]}`)
		require.Equal(t, http.StatusOK, status, body)
	})
}

// FuzzBrokerAuth feeds arbitrary bodies, content types and modes to every
// broker endpoint: no panic, never a 5xx, and only the statuses the contracts
// know.
func FuzzBrokerAuth(f *testing.F) {
	rig := newBrokerRig(f)
	paths := []string{"emqx/authn", "emqx/authz", "mosquitto/user", "mosquitto/superuser", "mosquitto/acl"}
	for _, seed := range []struct {
		path        uint8
		contentType string
		mode        string
		body        string
	}{
		{0, "application/json", "", `{"username":"hy-1","password":"x","clientid":"hy-1","peerhost":"10.0.0.1"}`},
		{0, "application/json", "", `{"username":"` + hubUser + `","password":"` + hubPassword + `"}`},
		{1, "application/json", "", `{"username":"hy-1","clientid":"hy-1","topic":"devices/hy-1/telemetry","action":"publish"}`},
		{1, "application/json; charset=utf-8", "", `{"username":"hy-off","topic":"devices/+/commands","action":"subscribe"}`},
		{2, "application/x-www-form-urlencoded", "text", "username=hy-1&password=x&clientid=hy-1"},
		{3, "application/json", "json", `{"username":"hy-1"}`},
		{4, "application/json", "status", `{"username":"hy-1","clientid":"hy-1","topic":"devices/hy-2/telemetry","acc":2}`},
		{4, "application/x-www-form-urlencoded", "json", "username=hy-1&topic=devices%2Fhy-1%2Fcommands&acc=4"},
		{4, "application/json", "", `{"username":"hy-1","topic":"t","acc":-1e99}`},
		{0, "", "", `{"username":"\ud800","password":"\u0000"}`},
		{1, "text/plain", "", "\xff\xfe{"},
		{2, "multipart/form-data; boundary=x", "xml", "--x--"},
		{0, "application/json", "", `{"username":{"a":[1,2,{"b":null}]},"password":true}`},
	} {
		f.Add(seed.path, seed.contentType, seed.mode, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, path uint8, contentType, mode string, body []byte) {
		target := "/api/v1/broker/" + paths[int(path)%len(paths)] + "?mode=" + url.QueryEscape(mode)
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		rig.h.ServeHTTP(rec, req)
		require.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge},
			rec.Code, "body %q: %s", body, rec.Body.String())
		rig.refusals.take()
	})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
