package hub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/hub"
	"github.com/ywtg/hub/internal/model"
)

// Whatever JSON reaches the API's inputs — reports, every case action,
// tokens, alarm work, devices — a real hub (the dispatch service, the
// stores, the audit chain behind it) answers with a reason, never a 5xx.
func FuzzAPIInputs(f *testing.F) {
	h := startWith(f, hub.Options{DataDir: f.TempDir()})
	var c model.Case
	require.Equal(f, http.StatusCreated, h.call(f, http.MethodPost, "/api/v1/reports",
		map[string]any{"category": "02.03.01", "description": "山上冒烟", "lon": 105.67, "lat": 38.84,
			"reporter": map[string]any{"name": "张三", "phone": "13812341234"}}, &c))
	case1 := "/api/v1/cases/" + itoa(c.ID) + "/"
	paths := []string{"/api/v1/reports", "/api/v1/tokens", "/api/v1/devices", "/api/v1/alarms/1/comments",
		"/api/v1/alarms/1/assign", "/api/v1/alarms/1/ack"}
	for _, a := range dispatch.Actions {
		paths = append(paths, case1+a)
	}
	for _, seed := range []struct {
		path uint8
		body string
	}{
		{0, `{"category":"01.01.01","description":"井盖缺失","lon":105.6,"lat":38.8,"reporter":{"name":"李四","phone":"+86 139 1234 5678","id_no":"152921199003071234"}}`},
		{0, `{"category":"01.01.01","description":"x","address":"` + string(bytes.Repeat([]byte("街"), 3000)) + `"}`},
		{0, `{"category":"01.01.01","description":"x","lon":1e999,"lat":"north"}`},
		{0, `{"reporter":{"sealed":"sm4gcm:v1:AAAA","masked":true}}`},
		{1, `{"name":"大屏","role":"viewer","expires_in":"-1h"}`},
		{2, `{"id":"hy-fz","kind":"hydrology","lon":105,"lat":38}`},
		{3, `{"text":"\u0000\ud800"}`},
		{4, `{"assignee":null}`},
		{6, `{"version":1}`},
		{7, `{"version":2,"agency_id":"alsz-forestry"}`},
		{8, `{"version":-1,"agency_id":"` + string(bytes.Repeat([]byte("a"), 500)) + `"}`},
		{16, `{"plan_id":"forest-fire-iv","version":3}`},
		{17, `{"pass":true,"note":"ok","version":1e30}`},
		{20, `[]`}, {9, `null`}, {10, ``}, {11, `{`}, {12, "\xff"}, {13, `{"due":"2026-13-45"}`},
	} {
		f.Add(seed.path, seed.body)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		status, b := send(t, http.MethodPost, h.base+path, h.token, []byte(body))
		require.Less(t, status, 500, "POST %s %q: %d %s", path, body, status, b)
		if status >= 400 {
			var e struct {
				Error  string `json:"error"`
				Reason string `json:"reason"`
			}
			require.NoError(t, json.Unmarshal(b, &e), "POST %s: %s", path, b)
			require.NotEmpty(t, e.Reason, "POST %s %q: a refusal names its reason: %s", path, body, b)
		}
	})
}
