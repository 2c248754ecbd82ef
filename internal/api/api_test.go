package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/live"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// townLocator places points west of 105.5° in town 152921100 and the others
// in its sibling town 152921101, both in 阿拉善左旗 (152921); points south of
// 30° are outside every region.
type townLocator struct{}

func (townLocator) Locate(lon, lat float64) (string, string, bool) {
	switch {
	case lat < 30:
		return "", "", false
	case lon < 105.5:
		return "152921100", "巴彦浩特镇", true
	default:
		return "152921101", "嘉尔嘎勒赛汉镇", true
	}
}

type server struct {
	h      http.Handler
	store  *sqlite.Store
	reg    *registry.Registry
	eng    *engine.Engine
	counts map[string]int64
}

func newServer(t testing.TB) *server {
	t.Helper()
	ctx := context.Background()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := registry.New(st, townLocator{}, set)
	require.NoError(t, reg.Load(ctx))
	hub := live.New(live.Options{Logger: log})
	t.Cleanup(hub.Close)
	eng := engine.New(engine.Options{Profiles: set, Store: st, Devices: reg, Live: hub, Logger: log})
	require.NoError(t, eng.Load(ctx))
	ectx, cancel := context.WithCancel(ctx)
	eng.Start(ectx)
	t.Cleanup(func() { cancel(); eng.Wait() })
	s := &server{store: st, reg: reg, eng: eng, counts: map[string]int64{
		"rejected_bad_topic": 3, "rejected_out_of_range": 1, "readings_stored": 10}}
	s.h = api.New(api.Options{Registry: reg, Engine: eng, Store: st, Profiles: set, Regions: []byte(`{"type":"FeatureCollection","features":[]}`),
		Counters: func() map[string]int64 { return s.counts }, Live: hub, Logger: log})
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *server) do(t testing.TB, method, path, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	require.Contains(t, r.header.Get("Content-Type"), "application/json", "body: %s", r.body)
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (s *server) addDevice(t testing.TB, id string, lon, lat float64) string {
	t.Helper()
	r := s.do(t, http.MethodPost, "/api/v1/devices", fmt.Sprintf(`{"id":%q,"kind":"hydrology","lon":%v,"lat":%v}`, id, lon, lat))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	return r.json(t)["secret"].(string)
}

// alarm stores an alarm directly, as the engine of an earlier run would have.
func (s *server) alarm(t testing.TB, typ, status string, acked bool) int64 {
	t.Helper()
	ts := time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)
	a := &model.Alarm{Source: "hy-1", Type: typ, Label: typ, Severity: model.SeverityMajor, Status: status, Acked: acked,
		Count: 1, FirstSeen: ts, LastSeen: ts}
	if acked {
		a.AckedBy, a.AckedAt = "earlier", ts
	}
	if status == model.AlarmCleared {
		a.ClearedAt = ts
	}
	require.NoError(t, s.store.InsertAlarm(context.Background(), a))
	return a.ID
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	s.addDevice(t, "hy-1", 105.2, 38.8)
	active := s.alarm(t, "water_level_over_warning", model.AlarmActive, false)
	acked := s.alarm(t, "supply_voltage_low", model.AlarmActive, true)
	cleared := s.alarm(t, "door_opened", model.AlarmCleared, false)
	require.NoError(t, s.eng.Load(context.Background())) // the engine holds the active ones

	valid := `{"id":"hy-2","kind":"hydrology","lon":105.2,"lat":38.8}`
	for _, tc := range []struct {
		desc, method, path, body string
		status                   int
		reason                   string
	}{
		{desc: "bad JSON", method: "POST", path: "/api/v1/devices", body: `{"id":`, status: 400, reason: "malformed"},
		{desc: "empty body", method: "POST", path: "/api/v1/devices", status: 400, reason: "malformed"},
		{desc: "array body", method: "POST", path: "/api/v1/devices", body: `[` + valid + `]`, status: 400, reason: "malformed"},
		{desc: "unknown field", method: "POST", path: "/api/v1/devices", body: `{"id":"hy-2","kind":"hydrology","lon":105.2,"lat":38.8,"secret":"mine"}`, status: 400, reason: "malformed"},
		{desc: "trailing object", method: "POST", path: "/api/v1/devices", body: valid + valid, status: 400, reason: "malformed"},
		{desc: "trailing garbage", method: "POST", path: "/api/v1/devices", body: valid + ` x`, status: 400, reason: "malformed"},
		{desc: "wrong type", method: "POST", path: "/api/v1/devices", body: `{"id":2,"kind":"hydrology","lon":105.2,"lat":38.8}`, status: 400, reason: "malformed"},
		{desc: "coordinates as strings", method: "POST", path: "/api/v1/devices", body: `{"id":"hy-2","kind":"hydrology","lon":"105.2","lat":"38.8"}`, status: 400, reason: "malformed"},
		{desc: "body over 1 MiB", method: "POST", path: "/api/v1/devices", body: `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413, reason: "too_large"},
		{desc: "invalid id", method: "POST", path: "/api/v1/devices", body: `{"id":"hy/2","kind":"hydrology","lon":105.2,"lat":38.8}`, status: 400, reason: "invalid"},
		{desc: "unknown kind", method: "POST", path: "/api/v1/devices", body: `{"id":"hy-2","kind":"radar","lon":105.2,"lat":38.8}`, status: 400, reason: "invalid"},
		{desc: "missing coordinates are 0,0", method: "POST", path: "/api/v1/devices", body: `{"id":"hy-2","kind":"hydrology"}`, status: 400, reason: "invalid"},
		{desc: "override for an unknown rule", method: "POST", path: "/api/v1/devices",
			body: `{"id":"hy-2","kind":"hydrology","lon":105.2,"lat":38.8,"rule_overrides":{"flood":{"value":1,"clear":0}}}`, status: 400, reason: "invalid"},
		{desc: "taken id", method: "POST", path: "/api/v1/devices", body: `{"id":"hy-1","kind":"hydrology","lon":105.2,"lat":38.8}`, status: 409, reason: "exists"},
		{desc: "unknown device", method: "GET", path: "/api/v1/devices/ghost", status: 404, reason: "not_found"},
		{desc: "readings of an unknown device", method: "GET", path: "/api/v1/devices/ghost/readings", status: 404, reason: "not_found"},
		{desc: "readings from a bad time", method: "GET", path: "/api/v1/devices/hy-1/readings?from=yesterday", status: 400, reason: "invalid"},
		{desc: "readings to a bad time", method: "GET", path: "/api/v1/devices/hy-1/readings?to=2026-13-01T00:00:00Z", status: 400, reason: "invalid"},
		{desc: "readings with a negative limit", method: "GET", path: "/api/v1/devices/hy-1/readings?limit=-1", status: 400, reason: "invalid"},
		{desc: "alarm id not a number", method: "GET", path: "/api/v1/alarms/abc", status: 400, reason: "invalid"},
		{desc: "negative alarm id", method: "GET", path: "/api/v1/alarms/-1", status: 400, reason: "invalid"},
		{desc: "alarm id 0", method: "GET", path: "/api/v1/alarms/0", status: 400, reason: "invalid"},
		{desc: "alarm id beyond int64", method: "GET", path: "/api/v1/alarms/9223372036854775808", status: 400, reason: "invalid"},
		{desc: "alarm id with a fraction", method: "GET", path: "/api/v1/alarms/1.5", status: 400, reason: "invalid"},
		{desc: "unknown alarm", method: "GET", path: "/api/v1/alarms/999", status: 404, reason: "not_found"},
		{desc: "ack an unknown alarm", method: "POST", path: "/api/v1/alarms/999/ack", status: 404, reason: "not_found"},
		{desc: "clear an unknown alarm", method: "POST", path: "/api/v1/alarms/999/clear", status: 404, reason: "not_found"},
		{desc: "ack a bad id", method: "POST", path: "/api/v1/alarms/abc/ack", status: 400, reason: "invalid"},
		{desc: "clear a negative id", method: "POST", path: "/api/v1/alarms/-1/clear", status: 400, reason: "invalid"},
		{desc: "ack with an unknown field", method: "POST", path: fmt.Sprintf("/api/v1/alarms/%d/ack", active), body: `{"by":"x","note":"y"}`, status: 400, reason: "malformed"},
		{desc: "ack with bad JSON", method: "POST", path: fmt.Sprintf("/api/v1/alarms/%d/ack", active), body: `{"by":`, status: 400, reason: "malformed"},
		{desc: "ack an acked alarm", method: "POST", path: fmt.Sprintf("/api/v1/alarms/%d/ack", acked), status: 409, reason: "already_acked"},
		{desc: "clear a cleared alarm", method: "POST", path: fmt.Sprintf("/api/v1/alarms/%d/clear", cleared), status: 409, reason: "not_active"},
		{desc: "alarm status bogus", method: "GET", path: "/api/v1/alarms?status=bogus", status: 400, reason: "invalid"},
		{desc: "alarm limit negative", method: "GET", path: "/api/v1/alarms?limit=-1", status: 400, reason: "invalid"},
		{desc: "alarm limit not a number", method: "GET", path: "/api/v1/alarms?limit=ten", status: 400, reason: "invalid"},
		{desc: "dead letter limit negative", method: "GET", path: "/api/v1/deadletters?limit=-1", status: 400, reason: "invalid"},
		{desc: "dead letter page not a number", method: "GET", path: "/api/v1/deadletters?before=x", status: 400, reason: "invalid"},
		{desc: "unknown API path", method: "GET", path: "/api/v1/nope", status: 404, reason: "not_found"},
		{desc: "unknown API sub-path", method: "GET", path: "/api/v1/devices/hy-1/nope", status: 404, reason: "not_found"},
		{desc: "unknown API version", method: "GET", path: "/api/v2/devices", status: 404, reason: "not_found"},
		{desc: "unknown API path with POST", method: "POST", path: "/api/v1/nope", status: 404, reason: "not_found"},
		{desc: "wrong method on a known path", method: "DELETE", path: "/api/v1/devices", status: 405, reason: "method_not_allowed"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := s.do(t, tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			m := r.json(t)
			require.Equal(t, tc.reason, m["reason"])
			require.NotEmpty(t, m["error"])
			require.Len(t, m, 2, "an error body is {error, reason}: %s", r.body)
		})
	}
	t.Run("nothing changed", func(t *testing.T) {
		r := s.do(t, "GET", "/api/v1/devices", "")
		require.Equal(t, 200, r.status)
		require.EqualValues(t, 1, r.json(t)["count"], "only hy-1 was registered")
		a, err := s.store.GetAlarm(context.Background(), active)
		require.NoError(t, err)
		require.False(t, a.Acked)
	})
}

func TestDevices(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	r := s.do(t, "POST", "/api/v1/devices",
		`{"id":"hy-1","kind":"hydrology","name":"狼心山","operator":"水务局","lon":105.2,"lat":38.8,"rule_overrides":{"water_level_warning":{"value":930.5,"clear":930.2}}}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var created struct {
		Device model.Device      `json:"device"`
		Secret string            `json:"secret"`
		MQTT   map[string]string `json:"mqtt"`
	}
	require.NoError(t, json.Unmarshal(r.body, &created))
	require.Equal(t, "hy-1", created.Device.ID)
	require.Equal(t, "152921100", created.Device.RegionCode)
	require.Equal(t, map[string]model.RuleOverride{"water_level_warning": {Value: 930.5, Clear: 930.2}}, created.Device.RuleOverrides)
	require.Equal(t, map[string]string{"username": "hy-1", "client_id": "hy-1", "topic_prefix": "devices/hy-1/"}, created.MQTT)
	require.NoError(t, s.reg.Authenticate(ctx, "hy-1", created.Secret), "the secret returned is the device's")
	require.NotContains(t, s.do(t, "GET", "/api/v1/devices/hy-1", "").body, []byte(created.Secret)) // never shown again

	s.addDevice(t, "hy-2", 106.1, 38.9) // 152921101
	s.addDevice(t, "hy-3", 120.0, 20.0) // unassigned
	r = s.do(t, "GET", "/api/v1/devices/hy-1", "")
	require.Equal(t, 200, r.status)
	v := r.json(t)
	require.Equal(t, "hy-1", v["id"])
	require.Equal(t, false, v["online"])
	require.Equal(t, map[string]any{}, v["values"])

	for _, tc := range []struct {
		desc, query string
		ids         []string
	}{
		{desc: "all", query: "", ids: []string{"hy-1", "hy-2", "hy-3"}},
		{desc: "by kind", query: "?kind=hydrology", ids: []string{"hy-1", "hy-2", "hy-3"}},
		{desc: "by another kind", query: "?kind=firecam", ids: nil},
		{desc: "by banner", query: "?region=152921", ids: []string{"hy-1", "hy-2"}},
		{desc: "by league", query: "?region=152900", ids: []string{"hy-1", "hy-2"}},
		{desc: "unassigned", query: "?region=unassigned", ids: []string{"hy-3"}},
		{desc: "offline", query: "?online=false", ids: []string{"hy-1", "hy-2", "hy-3"}},
		{desc: "online", query: "?online=true", ids: nil},
		{desc: "by town whose code ends in 0", query: "?region=152921100", ids: []string{"hy-1"}},
		{desc: "by sibling town", query: "?region=152921101", ids: []string{"hy-2"}},
		{desc: "by a code no device is in", query: "?region=152922", ids: nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := s.do(t, "GET", "/api/v1/devices"+tc.query, "")
			require.Equal(t, 200, r.status)
			var out struct {
				Devices []engine.DeviceView `json:"devices"`
				Count   int                 `json:"count"`
			}
			require.NoError(t, json.Unmarshal(r.body, &out))
			var ids []string
			for _, d := range out.Devices {
				ids = append(ids, d.ID)
			}
			require.Equal(t, tc.ids, ids)
			require.Equal(t, len(tc.ids), out.Count)
			require.NotNil(t, out.Devices, "an empty list is [], not null")
		})
	}

	t.Run("readings", func(t *testing.T) {
		base := time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)
		var rs []model.Reading
		for i := range 5 {
			rs = append(rs, model.Reading{DeviceID: "hy-1", TS: base.Add(time.Duration(i) * time.Minute), Seq: int64(i),
				Values: map[string]float64{"water_level_m": 930 + float64(i)}})
		}
		_, err := s.store.WriteBatch(ctx, store.Batch{Readings: rs})
		require.NoError(t, err)
		r := s.do(t, "GET", "/api/v1/devices/hy-1/readings?from=2026-07-21T00:01:00Z&to=2026-07-21T00:04:00Z&limit=2", "")
		require.Equal(t, 200, r.status, "%s", r.body)
		var out struct {
			Readings []model.Reading `json:"readings"`
			Count    int             `json:"count"`
		}
		require.NoError(t, json.Unmarshal(r.body, &out))
		require.Equal(t, 2, out.Count)
		require.Equal(t, []float64{933, 932}, []float64{out.Readings[0].Values["water_level_m"], out.Readings[1].Values["water_level_m"]})
		r = s.do(t, "GET", "/api/v1/devices/hy-2/readings", "")
		require.Equal(t, 200, r.status)
		require.JSONEq(t, `{"readings":[],"count":0}`, string(r.body))
	})
}

func TestAlarms(t *testing.T) {
	s := newServer(t)
	s.addDevice(t, "hy-1", 105.2, 38.8)
	a := s.alarm(t, "water_level_over_warning", model.AlarmActive, false)
	b := s.alarm(t, "supply_voltage_low", model.AlarmActive, false)
	s.alarm(t, "door_opened", model.AlarmCleared, false)
	require.NoError(t, s.eng.Load(context.Background()))

	count := func(query string) float64 {
		r := s.do(t, "GET", "/api/v1/alarms"+query, "")
		require.Equal(t, 200, r.status, "%s", r.body)
		return r.json(t)["count"].(float64)
	}
	require.EqualValues(t, 3, count(""))
	require.EqualValues(t, 3, count("?status=all"))
	require.EqualValues(t, 2, count("?status=active"))
	require.EqualValues(t, 1, count("?status=cleared"))
	require.EqualValues(t, 1, count("?status=active&limit=1"))
	require.EqualValues(t, 0, count("?source=ghost"))

	r := s.do(t, "POST", fmt.Sprintf("/api/v1/alarms/%d/ack", a), `{"by":"值班员 王"}`)
	require.Equal(t, 200, r.status, "%s", r.body)
	m := r.json(t)
	require.Equal(t, true, m["acked"])
	require.Equal(t, "值班员 王 (anonymous)", m["acked_by"])

	r = s.do(t, "POST", fmt.Sprintf("/api/v1/alarms/%d/ack", b), "") // no body at all
	require.Equal(t, 200, r.status, "%s", r.body)
	require.Equal(t, "anonymous", r.json(t)["acked_by"])

	r = s.do(t, "POST", fmt.Sprintf("/api/v1/alarms/%d/clear", a), `{}`)
	require.Equal(t, 200, r.status, "%s", r.body)
	require.Equal(t, model.AlarmCleared, r.json(t)["status"])
	require.EqualValues(t, 1, count("?status=active"))

	r = s.do(t, "GET", fmt.Sprintf("/api/v1/alarms/%d", a), "")
	require.Equal(t, 200, r.status)
	m = r.json(t)
	require.Equal(t, model.AlarmCleared, m["status"])
	require.Equal(t, true, m["acked"])
}

func TestOperations(t *testing.T) {
	s := newServer(t)
	_, err := s.store.WriteBatch(context.Background(), store.Batch{DeadLetters: []model.DeadLetter{
		{TS: time.Now(), DeviceID: "hy-1", Topic: "devices/hy-1/x", Reason: model.ReasonBadTopic, Payload: "{}"},
		{TS: time.Now(), DeviceID: "hy-1", Topic: "devices/hy-1/telemetry", Reason: model.ReasonOutOfRange, Payload: "{}"},
	}})
	require.NoError(t, err)

	t.Run("healthz", func(t *testing.T) {
		r := s.do(t, "GET", "/healthz", "")
		require.Equal(t, 200, r.status)
		require.Equal(t, map[string]any{"status": "ok"}, r.json(t))
	})
	t.Run("readyz", func(t *testing.T) {
		r := s.do(t, "GET", "/readyz", "")
		require.Equal(t, 200, r.status)
		require.Equal(t, map[string]any{"status": "ready"}, r.json(t))
	})
	t.Run("metrics", func(t *testing.T) {
		r := s.do(t, "GET", "/metrics", "")
		require.Equal(t, 200, r.status)
		require.Contains(t, r.header.Get("Content-Type"), "text/plain")
		body := string(r.body)
		require.Contains(t, body, "# TYPE hub_ingest_rejected_total counter\n")
		require.Contains(t, body, "\nhub_ingest_rejected_total{reason=\"bad_topic\"} 3\n")
		require.Contains(t, body, "\nhub_ingest_rejected_total{reason=\"out_of_range\"} 1\n")
		require.Contains(t, body, "\nhub_readings_stored 10\n")
		require.NotContains(t, body, "hub_rejected_", "reasons are labels, not metric names")
	})
	t.Run("dead letters", func(t *testing.T) {
		r := s.do(t, "GET", "/api/v1/deadletters?reason=bad_topic", "")
		require.Equal(t, 200, r.status)
		var out struct {
			DeadLetters []model.DeadLetter `json:"deadletters"`
			Count       int                `json:"count"`
			Counters    map[string]int64   `json:"counters"`
		}
		require.NoError(t, json.Unmarshal(r.body, &out))
		require.Equal(t, 1, out.Count)
		require.Equal(t, model.ReasonBadTopic, out.DeadLetters[0].Reason)
		require.Equal(t, map[string]int64{"bad_topic": 3, "out_of_range": 1}, out.Counters)
	})
	t.Run("profiles", func(t *testing.T) {
		r := s.do(t, "GET", "/api/v1/profiles", "")
		require.Equal(t, 200, r.status)
		m := r.json(t)
		require.Contains(t, m, "hydrology")
		require.Len(t, m, 4)
	})
	t.Run("screen path outside the API is not a JSON error", func(t *testing.T) {
		r := s.do(t, "GET", "/no-such-page", "")
		require.Equal(t, 404, r.status)
		require.NotContains(t, r.header.Get("Content-Type"), "application/json")
	})
}

func FuzzAddDevice(f *testing.F) {
	for _, seed := range []string{
		`{"id":"hy-1","kind":"hydrology","lon":105.2,"lat":38.8}`,
		`{"id":"aq-1","kind":"pollution","name":"站","operator":"环境局","lon":101,"lat":41,"rule_overrides":{"pm25_heavy":{"value":80,"clear":70}}}`,
		`{"id":"hy-2","kind":"hydrology","lon":105,"lat":38,"rule_overrides":{"supply_low":{"value":11,"clear":10}}}`,
		`{"id":"hy-3","kind":"hydrology","lon":105,"lat":38,"rule_overrides":{"water_level_warning":null}}`,
		`{"id":"x","kind":"elevator","lon":1e308,"lat":-1e308}`,
		`{"id":"` + strings.Repeat("a", 64) + `","kind":"firecam","lon":-180,"lat":90}`,
		`{"id":"el-1","kind":"elevator","lon":105,"lat":38}{}`,
		`{"id":"el-1","kind":"elevator","lon":105,"lat":38,"lon":"x"}`,
		`{"id":"el\u0000-1","kind":"elevator","lon":105,"lat":38}`,
		`{"id":"el-1","kind":"elevator","name":"\ud800","lon":105,"lat":38}`,
		`null`, `{}`, `[]`, `"x"`, ``, `{"id":`, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	s := newServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/devices", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		require.NotPanics(t, func() { s.h.ServeHTTP(rec, req) })
		require.Less(t, rec.Code, 500, "body %q answered %d %s", body, rec.Code, rec.Body.Bytes())
		require.Contains(t, []int{http.StatusCreated, http.StatusBadRequest, http.StatusConflict}, rec.Code)
		var m map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), "%s", rec.Body.Bytes())
		if rec.Code == http.StatusCreated {
			dev := m["device"].(map[string]any)
			id := dev["id"].(string)
			got, err := s.reg.Lookup(context.Background(), id)
			require.NoError(t, err)
			require.NoError(t, s.reg.Authenticate(context.Background(), id, m["secret"].(string)))
			require.NotEmpty(t, got.RegionCode)
			return
		}
		require.NotEmpty(t, m["error"])
		require.NotEmpty(t, m["reason"])
	})
}
