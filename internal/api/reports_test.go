package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
)

// fixedRole lets everyone in as "tester" with one role, and refuses routes
// that do not allow it.
type fixedRole string

func (role fixedRole) Wrap(roles []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(roles, string(role)) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		who := dispatch.Actor{Name: "tester", Role: string(role)}
		next.ServeHTTP(w, r.WithContext(api.WithPrincipal(r.Context(), who)))
	})
}

// result is an answer from the handler under test.
type result struct {
	status int
	header http.Header
	body   []byte
}

func call(t testing.TB, h http.Handler, method, path, contentType, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// object decodes a JSON object answer.
func (r result) object(t testing.TB) map[string]any {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"), "body: %s", r.body)
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func postReport(t testing.TB, h http.Handler, body string) result {
	t.Helper()
	return call(t, h, http.MethodPost, "/api/v1/reports", "application/json", body)
}

func TestReportFiled(t *testing.T) {
	f := newFakeDispatch()
	h := dispatchServer(f)

	r := postReport(t, h, `{"category":"001","description":"路面塌陷约1平方米","address":"巴彦浩特镇新华街","lon":105.67,"lat":38.84,
		"photos":["https://img.example.cn/a.jpg"],"reporter":{"name":"张三","phone":"13800000000"}}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, "/api/v1/cases/1", r.header.Get("Location"))
	c := r.object(t)
	require.EqualValues(t, 1, c["id"])
	require.Equal(t, "hotline", c["source"], "no source and not a grid worker: the hotline")
	require.Equal(t, "001", c["category"])
	require.Equal(t, "reported", c["state"])

	require.Equal(t, "anonymous", f.lastWho.Name, "the caller is passed on")
	require.Equal(t, "hotline", f.lastReport.Source)
	require.Equal(t, 105.67, *f.lastReport.Lon)
	require.Equal(t, 38.84, *f.lastReport.Lat)
	require.Equal(t, []string{"https://img.example.cn/a.jpg"}, f.lastReport.Photos)
	require.Equal(t, "张三", f.lastReport.Reporter.Name)

	r = postReport(t, h, `{"source":"manual","category":"001","description":"井盖缺失","address":"巴彦浩特镇"}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, "/api/v1/cases/2", r.header.Get("Location"))
	require.Equal(t, "manual", r.object(t)["source"], "a source given is kept")
}

func TestReportSourceByRole(t *testing.T) {
	for _, tc := range []struct {
		role, source string
		status       int
	}{
		{dispatch.RoleGrid, "grid", http.StatusCreated},
		{dispatch.RoleOperator, "hotline", http.StatusCreated},
		{dispatch.RoleChief, "hotline", http.StatusCreated},
		{dispatch.RoleAdmin, "hotline", http.StatusCreated},
		{dispatch.RoleViewer, "", http.StatusForbidden},
		{dispatch.RoleAgency, "", http.StatusForbidden},
	} {
		t.Run(tc.role, func(t *testing.T) {
			f := newFakeDispatch()
			h := api.New(api.Options{Dispatch: f, Auth: fixedRole(tc.role), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			r := postReport(t, h, `{"category":"001","description":"井盖缺失","address":"巴彦浩特镇"}`)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			if tc.status == http.StatusCreated {
				require.Equal(t, tc.source, r.object(t)["source"])
				require.Equal(t, dispatch.Actor{Name: "tester", Role: tc.role}, f.lastWho)
			} else {
				require.Zero(t, f.reports, "a refused caller never reaches the service")
			}
		})
	}
}

func TestReportErrors(t *testing.T) {
	for _, tc := range []struct {
		desc, body string
		serviceErr error
		status     int
		reason     string
		mention    string // in the message
		reaches    bool   // the service is called
	}{
		{desc: "bad JSON", body: `{"category":`, status: 400, reason: "malformed"},
		{desc: "not an object", body: `["001"]`, status: 400, reason: "malformed"},
		{desc: "unknown field", body: `{"category":"001","address":"x","priority":1}`, status: 400, reason: "malformed", mention: "priority"},
		{desc: "trailing data", body: `{"category":"001","address":"x"} {}`, status: 400, reason: "malformed"},
		{desc: "photo not http", body: `{"category":"001","address":"x","photos":["https://a.cn/1.jpg","ftp://a.cn/2.jpg"]}`, status: 400, reason: "invalid", mention: "photos[1]"},
		{desc: "photo relative", body: `{"category":"001","address":"x","photos":["/img/1.jpg"]}`, status: 400, reason: "invalid", mention: "photos[0]"},
		{desc: "lat out of range", body: `{"category":"001","lon":105.6,"lat":91}`, status: 400, reason: "invalid", mention: "lat"},
		{desc: "lon out of range", body: `{"category":"001","lon":-180.5,"lat":38.8}`, status: 400, reason: "invalid", mention: "lon"},
		{desc: "unknown category", body: `{"category":"999","address":"x"}`, status: 400, reason: "unknown", mention: "999", reaches: true},
		{desc: "no description", body: `{"category":"001","address":"x"}`, status: 400, reason: "invalid", mention: "description", reaches: true},
		{desc: "unknown source", body: `{"source":"fax","category":"001","description":"d","address":"x"}`, status: 400, reason: "invalid", mention: "fax", reaches: true},
		{desc: "lon without lat", body: `{"category":"001","description":"d","lon":105.6}`, status: 400, reason: "invalid", mention: "lat", reaches: true},
		{desc: "no point nor address", body: `{"category":"001","description":"无位置"}`, status: 400, reason: "invalid", mention: "address", reaches: true},
		{desc: "service refuses", body: `{"category":"001","address":"x"}`, serviceErr: fmt.Errorf("%w: grid workers report in their own grid", dispatch.ErrForbidden),
			status: 403, reason: "forbidden", reaches: true},
		{desc: "service breaks", body: `{"category":"001","address":"x"}`, serviceErr: errors.New("disk full"), status: 500, reason: "internal", reaches: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFakeDispatch()
			f.reportErr = tc.serviceErr
			r := postReport(t, dispatchServer(f), tc.body)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			m := r.object(t)
			require.Equal(t, tc.reason, m["reason"])
			require.Contains(t, m["error"], tc.mention)
			require.Empty(t, r.header.Get("Location"))
			require.Equal(t, tc.reaches, f.reports > 0)
		})
	}
}

// GET /api/v1/me tells a page its caller's role and the actions it may take.
func TestMe(t *testing.T) {
	for _, tc := range []struct {
		role      string
		may       []string
		mayReport bool
		mayAlarms bool
		mayUnmask string
	}{
		{dispatch.RoleAgency, []string{"accept", "return", "progress", "resolve", "report-in", "request-extension", "comment"}, false, false, "own_cases"},
		{dispatch.RoleViewer, []string{}, false, false, "none"},
		{dispatch.RoleGrid, []string{"comment"}, true, false, "none"},
		{dispatch.RoleOperator, nil, true, true, "all"},
		{dispatch.RoleDispatcher, nil, false, false, "all"},
		{dispatch.RoleSupervisor, nil, false, false, "none"},
	} {
		t.Run(tc.role, func(t *testing.T) {
			h := api.New(api.Options{Dispatch: newFakeDispatch(), Auth: fixedRole(tc.role), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/me", nil))
			require.Equal(t, http.StatusOK, rec.Code)
			var me struct {
				Role          string   `json:"role"`
				Actions       []string `json:"actions"`
				MayReport     bool     `json:"may_report"`
				MayWorkAlarms bool     `json:"may_work_alarms"`
				MayUnmask     string   `json:"may_unmask"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &me))
			require.Equal(t, tc.role, me.Role)
			if tc.may != nil {
				require.ElementsMatch(t, tc.may, me.Actions)
			}
			require.Equal(t, tc.mayAlarms, me.MayWorkAlarms)
			require.Equal(t, tc.mayUnmask, me.MayUnmask)
			require.Equal(t, tc.mayReport, me.MayReport)
		})
	}
}
