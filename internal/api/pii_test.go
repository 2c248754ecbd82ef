package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// unmaskLog records audit entries; fail makes it refuse them.
type unmaskLog struct {
	mu   sync.Mutex
	es   []model.AuditEntry
	fail bool
}

func (l *unmaskLog) AppendAudit(_ context.Context, es ...model.AuditEntry) ([]model.AuditEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		return nil, errors.New("audit store down")
	}
	l.es = append(l.es, es...)
	return es, nil
}

func (l *unmaskLog) take() []model.AuditEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	es := l.es
	l.es = nil
	return es
}

// as lets everyone in as who.
type as struct{ who *dispatch.Actor }

func (a as) Wrap(_ []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(api.WithPrincipal(r.Context(), *a.who)))
	})
}

// piiRig is the API on the real case loop (demo catalogue, SQLite, SM4
// keys) with a settable caller and a recording audit log.
type piiRig struct {
	h     http.Handler
	svc   *dispatch.Service
	who   dispatch.Actor
	audit *unmaskLog
}

func newPIIRig(t *testing.T) *piiRig {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	b, err := fs.ReadFile(demo.FS, "dispatch.yaml")
	require.NoError(t, err)
	cat, err := dispatch.ParseCatalogue(b, "")
	require.NoError(t, err)
	rs, err := gis.LoadDir(demo.Regions())
	require.NoError(t, err)
	ix, err := gis.NewIndex(rs)
	require.NoError(t, err)
	keys, err := pii.Parse("1:00112233445566778899aabbccddeeff")
	require.NoError(t, err)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := dispatch.New(ctx, dispatch.Options{Catalogue: cat, Store: st, Regions: ix, Keys: keys, Logger: quiet})
	require.NoError(t, err)
	r := &piiRig{svc: svc, who: dispatch.Actor{Name: "王值班", Role: dispatch.RoleOperator}, audit: &unmaskLog{}}
	r.h = api.New(api.Options{Dispatch: svc, Auth: as{&r.who}, Audit: r.audit, Logger: quiet})
	return r
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (r *piiRig) call(t *testing.T, method, path, contentType, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return answer{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// 钱多多 is in no other test data: finding her anywhere is a leak.
var (
	qianJSON   = `{"name":"钱多多","phone":"13912345678","email":"qianduoduo@example.cn","id_no":"152921199003071234"}`
	qianPlain  = []string{"钱多多", "13912345678", "qianduoduo", "152921199003071234", "sm4gcm"}
	qianMasked = `{"name":"钱**","phone":"139****5678","email":"q***@example.cn","id_no":"152921********1234","masked":true}`
)

func requireNoPlain(t *testing.T, what string, a answer) {
	t.Helper()
	for _, p := range qianPlain {
		require.False(t, bytes.Contains(a.body, []byte(p)), "%s shows %q: %s", what, p, a.body)
	}
}

// reporterOf decodes the reporter of a case answer.
func reporterOf(t *testing.T, body []byte) string {
	t.Helper()
	var c struct {
		Reporter json.RawMessage `json:"reporter"`
	}
	require.NoError(t, json.Unmarshal(body, &c), "%s", body)
	return string(c.Reporter)
}

// TestResponsesMaskTheReporter files a hotline report and an Open311
// request and reads them back through every response that carries a case:
// the masked reporter, never the plain one nor the sealed one.
func TestResponsesMaskTheReporter(t *testing.T) {
	r := newPIIRig(t)
	a := r.call(t, http.MethodPost, "/api/v1/reports", "application/json",
		`{"category":"02.03.01","description":"贺兰山西坡有烟","lon":105.856,"lat":38.719,"reporter":`+qianJSON+`}`)
	require.Equal(t, http.StatusCreated, a.status, "%s", a.body)
	requireNoPlain(t, "POST /api/v1/reports", a)
	require.JSONEq(t, qianMasked, reporterOf(t, a.body))
	var c model.Case
	require.NoError(t, json.Unmarshal(a.body, &c))
	id := strconv.FormatInt(c.ID, 10)

	form := url.Values{"service_code": {"02.03.01"}, "lat": {"38.719"}, "long": {"105.856"}, "description": {"有烟"},
		"first_name": {"多多"}, "last_name": {"钱"}, "phone": {"13912345678"}, "email": {"qianduoduo@example.cn"}}
	o := r.call(t, http.MethodPost, "/open311/v2/requests.json", "application/x-www-form-urlencoded", form.Encode())
	require.Equal(t, http.StatusCreated, o.status, "%s", o.body)
	requireNoPlain(t, "POST open311 requests", o)
	var created []struct {
		ID string `json:"service_request_id"`
	}
	require.NoError(t, json.Unmarshal(o.body, &created))
	o311 := created[0].ID
	got, err := r.svc.Case(context.Background(), c.ID+1)
	require.NoError(t, err)
	require.Equal(t, &model.Person{Name: "多***", Phone: "139****5678", Email: "q***@example.cn", Masked: true}, got.Reporter,
		"the Open311 reporter is sealed and masked too")

	reads := []string{"/api/v1/cases", "/api/v1/cases/" + id, "/api/v1/cases/" + id + "/timeline",
		"/api/v1/cases/" + o311, "/open311/v2/requests.json", "/open311/v2/requests/" + o311 + ".json",
		"/open311/v2/requests.json?service_request_id=" + id + "," + o311}
	for _, path := range reads {
		a := r.call(t, http.MethodGet, path, "", "")
		require.Equal(t, http.StatusOK, a.status, "%s: %s", path, a.body)
		requireNoPlain(t, path, a)
	}
	require.JSONEq(t, qianMasked, reporterOf(t, r.call(t, http.MethodGet, "/api/v1/cases/"+id, "", "").body))
	require.NotContains(t, string(r.call(t, http.MethodGet, "/open311/v2/requests/"+id+".json", "", "").body), "139****",
		"GeoReport has no reporter field: not even the masked one")

	r.who = dispatch.Actor{Name: "admin", Role: dispatch.RoleAdmin}
	for _, action := range []string{"register", "dispatch"} {
		a := r.call(t, http.MethodPost, "/api/v1/cases/"+id+"/"+action, "", "")
		require.Equal(t, http.StatusOK, a.status, "%s: %s", action, a.body)
		requireNoPlain(t, action, a)
		require.JSONEq(t, qianMasked, reporterOf(t, a.body))
	}
	c, err = r.svc.Case(context.Background(), c.ID)
	require.NoError(t, err)
	for _, path := range []string{"/api/v1/agencies/" + c.AgencyID + "/queue", "/api/v1/outbox?case=" + id} {
		a := r.call(t, http.MethodGet, path, "", "")
		require.Equal(t, http.StatusOK, a.status, "%s: %s", path, a.body)
		requireNoPlain(t, path, a)
	}
	require.Empty(t, r.audit.take(), "reading masked cases is not an unmasking")
}

// TestUnmaskEndpoint: the roles dispatch allows get the reporter in full
// and each time an audit entry; the others get 403 with the reason, and
// the refusal is audited too.
func TestUnmaskEndpoint(t *testing.T) {
	r := newPIIRig(t)
	ctx := context.Background()
	admin := dispatch.Actor{Name: "admin", Role: dispatch.RoleAdmin}
	p := model.Person{}
	require.NoError(t, json.Unmarshal([]byte(qianJSON), &p))
	lon, lat := 105.856, 38.719
	c, err := r.svc.Report(ctx, admin, dispatch.Report{Source: model.CaseSourceHotline, Category: "02.03.01",
		Description: "贺兰山西坡有烟", Lon: &lon, Lat: &lat, Reporter: &p})
	require.NoError(t, err)
	_, err = r.svc.Act(ctx, admin, c.ID, dispatch.Action{Name: dispatch.ActRegister})
	require.NoError(t, err)
	c, err = r.svc.Act(ctx, admin, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
	require.NoError(t, err)
	require.NotEmpty(t, c.AgencyID)
	id := strconv.FormatInt(c.ID, 10)
	path := "/api/v1/cases/" + id + "/reporter"

	for _, tc := range []struct {
		desc   string
		who    dispatch.Actor
		reason string // "" for 200
	}{
		{"operator", dispatch.Actor{Name: "王值班", Role: dispatch.RoleOperator}, ""},
		{"chief", dispatch.Actor{Name: "李值班长", Role: dispatch.RoleChief}, ""},
		{"dispatcher", dispatch.Actor{Name: "赵派遣", Role: dispatch.RoleDispatcher}, ""},
		{"admin", admin, ""},
		{"the case's agency", dispatch.Actor{Name: "林草", Role: dispatch.RoleAgency, Agency: c.AgencyID}, ""},
		{"another agency", dispatch.Actor{Name: "水务", Role: dispatch.RoleAgency, Agency: "alsz-water"}, "its own cases only"},
		{"viewer", dispatch.Actor{Name: "大屏", Role: dispatch.RoleViewer}, `role viewer may not`},
		{"grid", dispatch.Actor{Name: "网格员", Role: dispatch.RoleGrid}, `role grid may not`},
		{"supervisor", dispatch.Actor{Name: "孙监督", Role: dispatch.RoleSupervisor}, `role supervisor may not`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r.who = tc.who
			a := r.call(t, http.MethodGet, path, "", "")
			es := r.audit.take()
			require.Len(t, es, 1, "every attempt is audited")
			e := es[0]
			require.Equal(t, "pii.unmask", e.Action)
			require.Equal(t, "case:"+id, e.Target)
			require.Equal(t, tc.who.Name, e.Actor)
			require.Equal(t, tc.who.Role, e.Role)
			require.Equal(t, "192.0.2.1:1234", e.Remote, "httptest's remote address")
			require.False(t, e.At.IsZero())
			if tc.reason == "" {
				require.Equal(t, http.StatusOK, a.status, "%s", a.body)
				require.JSONEq(t, qianJSON, string(a.body))
				require.Equal(t, "no-store", a.header.Get("Cache-Control"))
				require.Equal(t, "ok", e.Outcome)
				return
			}
			require.Equal(t, http.StatusForbidden, a.status, "%s", a.body)
			requireNoPlain(t, "a refusal", a)
			var refusal struct{ Error, Reason string }
			require.NoError(t, json.Unmarshal(a.body, &refusal))
			require.Equal(t, "forbidden", refusal.Reason)
			require.Contains(t, refusal.Error, tc.reason)
			require.Contains(t, e.Outcome, tc.reason, "the refusal is audited with its reason")
		})
	}

	r.who = admin
	a := r.call(t, http.MethodGet, "/api/v1/cases/999/reporter", "", "")
	require.Equal(t, http.StatusNotFound, a.status)
	require.Contains(t, r.audit.take()[0].Outcome, "not found")
	a = r.call(t, http.MethodGet, "/api/v1/cases/x/reporter", "", "")
	require.Equal(t, http.StatusBadRequest, a.status)
	require.Empty(t, r.audit.take())

	r.audit.fail = true
	a = r.call(t, http.MethodGet, path, "", "")
	require.Equal(t, http.StatusServiceUnavailable, a.status, "%s", a.body)
	requireNoPlain(t, "an unaudited unmasking", a)
	r.who = dispatch.Actor{Name: "大屏", Role: dispatch.RoleViewer}
	require.Equal(t, http.StatusForbidden, r.call(t, http.MethodGet, path, "", "").status,
		"a refusal stays a refusal when the audit log is down")
}

// TestResponsesMaskAnyDispatch: the edge masks a reporter that reaches it
// in plain text (the fake dispatch keeps what it is given).
func TestResponsesMaskAnyDispatch(t *testing.T) {
	f := newFakeDispatch()
	h := dispatchServer(f)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/reports", strings.NewReader(
		`{"category":"001","description":"路面塌陷","address":"巴彦浩特","reporter":`+qianJSON+`}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusCreated, rec.Code, "%s", rec.Body)
	a := answer{rec.Code, rec.Header(), rec.Body.Bytes()}
	requireNoPlain(t, "a report through a plain dispatch", a)
	require.JSONEq(t, qianMasked, reporterOf(t, a.body))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/cases", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	requireNoPlain(t, "GET /api/v1/cases", answer{body: rec.Body.Bytes()})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/cases/1/reporter", nil))
	require.Equal(t, http.StatusNotFound, rec.Code, "no unmask route without a dispatch that opens reporters")
}

// TestUnmaskRouteRoles: the route table names who may unmask.
func TestUnmaskRouteRoles(t *testing.T) {
	r := newPIIRig(t)
	var got []api.Route
	for _, rt := range api.Routes(api.Options{Dispatch: r.svc}) {
		if strings.HasSuffix(rt.Path, "/reporter") {
			got = append(got, rt)
		}
	}
	require.Equal(t, []api.Route{{Method: http.MethodGet, Path: "/api/v1/cases/{id}/reporter", Roles: dispatch.UnmaskRoles()}}, got)
}
