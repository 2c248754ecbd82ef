package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// auditRecorder is an in-memory audit chain.
type auditRecorder struct {
	mu sync.Mutex
	es []model.AuditEntry
}

func (a *auditRecorder) AppendAudit(_ context.Context, es ...model.AuditEntry) ([]model.AuditEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range es {
		es[i].Seq = int64(len(a.es) + 1)
		a.es = append(a.es, es[i])
	}
	return es, nil
}

func (a *auditRecorder) entries() []model.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]model.AuditEntry(nil), a.es...)
}

type tokenRig struct {
	h      http.Handler
	auth   *api.TokenAuth
	tokens *access.Tokens
	audit  *auditRecorder
	dsp    *fakeDispatch
}

func newTokenRig(t testing.TB, rate float64, burst int, broker ...api.BrokerOptions) *tokenRig {
	t.Helper()
	st, err := sqlite.OpenFile(context.Background(), filepath.Join(t.TempDir(), "hub.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	r := &tokenRig{tokens: access.New(access.Options{Store: st}), audit: &auditRecorder{}, dsp: newFakeDispatch()}
	r.auth = &api.TokenAuth{Tokens: r.tokens, Audit: r.audit, Rate: rateLimit(rate), Burst: burst,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	o := api.Options{Dispatch: r.dsp, Auth: r.auth, Audit: r.audit, Tokens: r.tokens,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if len(broker) > 0 {
		o.Broker = broker[0]
	}
	r.h = api.New(o)
	return r
}

func (r *tokenRig) token(t testing.TB, role, agency string) string {
	t.Helper()
	_, raw, err := r.tokens.Issue(context.Background(), access.Request{Name: "test " + role, Role: role, AgencyID: agency}, "test")
	require.NoError(t, err)
	return raw
}

func (r *tokenRig) do(method, target, token, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error  string `json:"error"`
		Reason string `json:"reason"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "%s", rec.Body.Bytes())
	return body.Reason
}

func TestTokenAuthGate(t *testing.T) {
	r := newTokenRig(t, 0, 0)
	viewer := r.token(t, dispatch.RoleViewer, "")
	operator := r.token(t, dispatch.RoleOperator, "")

	rec := r.do(http.MethodGet, "/api/v1/cases", "", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
	require.Contains(t, rec.Body.String(), "needs a token")

	rec = r.do(http.MethodGet, "/api/v1/cases", "ywt_nonsense", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), "malformed token")

	require.Equal(t, http.StatusOK, r.do(http.MethodGet, "/api/v1/cases", viewer, "").Code)
	require.Equal(t, http.StatusOK, r.do(http.MethodGet, "/api/v1/cases?access_token="+viewer, "", "").Code,
		"a browser's WebSocket sends the token in the query")

	rec = r.do(http.MethodPost, "/api/v1/reports", viewer, `{"category":"001","description":"坑","lon":105.6,"lat":38.8}`)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, rec.Body.String(), "role viewer may not POST /api/v1/reports")
	require.Equal(t, "forbidden", errorCode(t, rec))

	rec = r.do(http.MethodPost, "/api/v1/reports", operator, `{"category":"001","description":"坑","lon":105.6,"lat":38.8}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, "test operator", r.dsp.lastWho.Name, "the service hears who called")
	require.Equal(t, dispatch.RoleOperator, r.dsp.lastWho.Role)

	// Open311 clients send the token as api_key, in the form or the query.
	rec = r.do(http.MethodGet, "/open311/v2/services.json?api_key="+viewer, "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = r.do(http.MethodGet, "/open311/v2/services.json", "", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list), "Open311 errors keep the GeoReport shape: %s", rec.Body.Bytes())

	counts := r.auth.Counts()
	require.Equal(t, int64(2), counts["auth_token_missing"])
	require.Equal(t, int64(1), counts["auth_token_malformed"])
	require.Equal(t, int64(1), counts["auth_forbidden"])

	// Mutating calls are audited, allowed or not; reads are not.
	es := r.audit.entries()
	require.Len(t, es, 2)
	require.Equal(t, "POST /api/v1/reports", es[0].Target)
	require.Equal(t, "403 forbidden", es[0].Outcome)
	require.Equal(t, "test viewer", es[0].Actor)
	require.Equal(t, "201", es[1].Outcome)
	require.Equal(t, dispatch.RoleOperator, es[1].Role)
}

func TestTokenRateLimit(t *testing.T) {
	r := newTokenRig(t, 1, 3)
	a := r.token(t, dispatch.RoleViewer, "")
	b := r.token(t, dispatch.RoleViewer, "")
	for i := range 3 {
		require.Equal(t, http.StatusOK, r.do(http.MethodGet, "/api/v1/categories", a, "").Code, "request %d", i)
	}
	rec := r.do(http.MethodGet, "/api/v1/categories", a, "")
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
	require.Equal(t, http.StatusOK, r.do(http.MethodGet, "/api/v1/categories", b, "").Code, "the limit is per token")
	require.Equal(t, int64(1), r.auth.Counts()["auth_rate_limited"])
}

func TestTokenAdministration(t *testing.T) {
	r := newTokenRig(t, 0, 0)
	admin := r.token(t, dispatch.RoleAdmin, "")
	rec := r.do(http.MethodPost, "/api/v1/tokens", admin, `{"name":"大屏 1","role":"viewer","expires_in":"720h"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var made struct {
		model.APIToken
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &made))
	require.NotContains(t, rec.Body.String(), `"hash"`)
	require.False(t, made.ExpiresAt.IsZero())
	require.Equal(t, http.StatusOK, r.do(http.MethodGet, "/api/v1/categories", made.Token, "").Code)

	rec = r.do(http.MethodGet, "/api/v1/tokens", admin, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), strings.SplitN(made.Token, "_", 3)[2], "no secret in the list") // the secret is base64url: it may hold "_"
	require.NotContains(t, rec.Body.String(), "sm3$", "no hash in the list")

	for _, bad := range []string{`{"name":"x","role":"root"}`, `{"name":"x","role":"agency"}`, `{"role":"viewer"}`,
		`{"name":"x","role":"viewer","expires_in":"soon"}`, `{"name":"x","role":"viewer","extra":1}`, `[`} {
		rec := r.do(http.MethodPost, "/api/v1/tokens", admin, bad)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", bad, rec.Body.String())
	}
	require.Equal(t, http.StatusForbidden, r.do(http.MethodGet, "/api/v1/tokens", made.Token, "").Code)

	require.Equal(t, http.StatusNoContent, r.do(http.MethodDelete, "/api/v1/tokens/"+made.ID, admin, "").Code)
	rec = r.do(http.MethodGet, "/api/v1/categories", made.Token, "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), "revoked")
	require.Equal(t, http.StatusNotFound, r.do(http.MethodDelete, "/api/v1/tokens/000000000000", admin, "").Code)
}

// The gate passes the connection through to the WebSocket upgrade.
func TestTokenAuthWebSocket(t *testing.T) {
	r := newTokenRig(t, 0, 0)
	viewer := r.token(t, dispatch.RoleViewer, "")
	up := websocket.Upgrader{}
	srv := httptest.NewServer(r.auth.Wrap([]string{dispatch.RoleViewer}, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := up.Upgrade(w, req, nil)
		if err != nil {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(api.Caller(req.Context()).Name))
		c.Close()
	})))
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	_, resp, err := websocket.DefaultDialer.Dial(ws, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	c, _, err := websocket.DefaultDialer.Dial(ws+"?access_token="+viewer, nil)
	require.NoError(t, err)
	defer c.Close()
	_, msg, err := c.ReadMessage()
	require.NoError(t, err)
	require.Equal(t, "test viewer", string(msg))
}

// Whatever arrives as a token or a body, the gate answers without a panic
// or a 5xx.
func FuzzTokenAuth(f *testing.F) {
	r := newTokenRig(f, 0, 0)
	good := r.token(f, dispatch.RoleAdmin, "")
	for _, seed := range []struct{ header, query, body string }{
		{"Bearer " + good, "", `{"name":"x","role":"viewer"}`},
		{"Bearer " + good, "", `{"name":"x","role":"agency","agency_id":"forest-1","expires_in":"1h"}`},
		{"", "access_token=" + good, `{}`},
		{"Basic YWRtaW46YWRtaW4=", "", ``},
		{"Bearer", "", ``},
		{"Bearer ywt_", "", `null`},
		{"Bearer ywt_000000000000_", "", `[]`},
		{"Bearer ywt_0a0a0a0a0a0a_" + strings.Repeat("x", 200), "", `{"name":"` + strings.Repeat("名", 200) + `","role":"viewer"}`},
		{"bearer " + good, "access_token=%zz", "\xff\xfe"},
	} {
		f.Add(seed.header, seed.query, seed.body)
	}
	f.Fuzz(func(t *testing.T, header, query, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/tokens", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		require.NotPanics(t, func() { r.h.ServeHTTP(rec, req) })
		require.Less(t, rec.Code, 500, "%q %q %q: %d %s", header, query, body, rec.Code, rec.Body.Bytes())
		require.Contains(t, []int{http.StatusCreated, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType}, rec.Code, "%s", rec.Body.Bytes())
	})
}

func rateLimit(perSecond float64) rate.Limit { return rate.Limit(perSecond) }

// A broker's checks are neither rate-limited nor audited (they are questions
// asked per publish); a refused broker call is audited.
func TestBrokerTokenIsNotThrottled(t *testing.T) {
	r := newTokenRig(t, 1, 1, api.BrokerOptions{Devices: nobody{}})
	broker := r.token(t, api.RoleBroker, "")
	for i := range 20 {
		rec := r.do(http.MethodPost, "/api/v1/broker/emqx/authn", broker, `{"username":"nobody","password":"x","clientid":"nobody"}`)
		require.Equal(t, http.StatusOK, rec.Code, "check %d: %s", i, rec.Body.String())
	}
	require.Empty(t, r.audit.entries())
	rec := r.do(http.MethodPost, "/api/v1/tokens", broker, `{"name":"x","role":"admin"}`)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Len(t, r.audit.entries(), 1, "the broker's refused call is audited")
}

// nobody is a device registry that knows no device.
type nobody struct{}

func (nobody) Authenticate(context.Context, string, string) error {
	return model.Reject(model.ReasonUnknownDevice, "no such device")
}

func (nobody) Authorize(context.Context, string, string, registry.Access) error {
	return model.Reject(model.ReasonUnknownDevice, "no such device")
}

// An Open311 client posts its token as api_key in the form, which the
// request handler then reads whole.
func TestOpen311APIKeyInForm(t *testing.T) {
	r := newTokenRig(t, 0, 0)
	op := r.token(t, dispatch.RoleOperator, "")
	req := httptest.NewRequest(http.MethodPost, "/open311/v2/requests.json", strings.NewReader(
		"api_key="+op+"&service_code=001&lat=38.84&long=105.67&description=hole&phone=13812341234"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, "hole", r.dsp.lastReport.Description)
	require.Equal(t, "test operator", r.dsp.lastWho.Name)
}
