package hub_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
)

// Every role against every endpoint the hub serves, on both stores: a role
// the route allows gets past the gate (and a read succeeds), every other
// role gets 403 naming its role and the roles allowed, and a request
// without a live token gets 401 with the reason.
func TestEveryRoleEveryEndpoint(t *testing.T) {
	for _, sh := range shapes[:2] { // SQLite and PostGIS
		t.Run(sh.name, func(t *testing.T) {
			h := startShape(t, sh)
			fx := roleFixtures(t, h)
			routes := h.Routes()
			require.Greater(t, len(routes), 50, "the route table looks short")

			tokens := map[string]string{}
			for _, role := range access.Roles {
				agency := ""
				if role == dispatch.RoleAgency {
					agency = fx.agency
				}
				tokens[role] = h.tokenFor(t, role, agency)
			}
			revoked := h.tokenFor(t, dispatch.RoleAdmin, "")
			require.Equal(t, http.StatusNoContent, h.call(t, http.MethodDelete, "/api/v1/tokens/"+tokenID(revoked), nil, nil))

			for _, rt := range routes {
				path := fx.path(rt.Path)
				if rt.Roles == nil { // public: health, metrics, the webhook key, Open311's error fallbacks
					st, _ := h.raw(t, rt.Method, path, "")
					require.NotContains(t, []int{401, 403}, st, "%s %s is public", rt.Method, path)
					continue
				}
				st, body := h.raw(t, rt.Method, path, "")
				require.Equal(t, http.StatusUnauthorized, st, "%s %s without a token: %s", rt.Method, path, body)
				require.Contains(t, body, "token", "%s %s: the 401 says why", rt.Method, path)
				st, body = h.raw(t, rt.Method, path, revoked)
				require.Equal(t, http.StatusUnauthorized, st, "%s %s with a revoked token: %s", rt.Method, path, body)
				require.Contains(t, body, "revoked")

				for _, role := range access.Roles {
					st, body := h.raw(t, rt.Method, path, tokens[role])
					if !slices.Contains(rt.Roles, role) {
						require.Equal(t, http.StatusForbidden, st, "%s %s as %s: %s", rt.Method, path, role, body)
						require.Contains(t, body, "role "+role+" may not", "%s %s: the 403 names the role", rt.Method, path)
						continue
					}
					require.NotContains(t, []int{401, 403}, st, "%s %s as %s: %s", rt.Method, path, role, body)
					require.Less(t, st, 500, "%s %s as %s: %s", rt.Method, path, role, body)
					if rt.Method == http.MethodGet && rt.Path != "/ws/screen" {
						require.Equal(t, http.StatusOK, st, "%s %s as %s: %s", rt.Method, path, role, body)
					}
				}
			}
		})
	}
}

// An agency user sees only the cases its agency leads or assists in.
func TestAgencyUserSeesOnlyItsCases(t *testing.T) {
	for _, sh := range shapes[:2] {
		t.Run(sh.name, func(t *testing.T) {
			h := startShape(t, sh)
			fx := roleFixtures(t, h)
			mine := h.tokenFor(t, dispatch.RoleAgency, fx.agency)
			other := h.tokenFor(t, dispatch.RoleAgency, "alsz-fire-rescue")
			id := itoa(fx.caseID)

			st, body := h.raw(t, http.MethodGet, "/api/v1/cases/"+id, mine)
			require.Equal(t, http.StatusOK, st, body)
			for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/timeline",
				"/api/v1/agencies/" + fx.agency + "/queue", "/api/v1/cases?agency=" + fx.agency} {
				st, body := h.raw(t, http.MethodGet, path, other)
				require.Equal(t, http.StatusForbidden, st, "%s as another agency: %s", path, body)
				require.Contains(t, body, "agency")
			}
			st, body = h.raw(t, http.MethodPost, "/api/v1/cases/"+id+"/accept", other)
			require.Equal(t, http.StatusForbidden, st, "signing for another agency's case: %s", body)

			var list []model.Case
			st, body = h.raw(t, http.MethodGet, "/api/v1/cases", other)
			require.Equal(t, http.StatusOK, st, body)
			require.NoError(t, json.Unmarshal([]byte(body), &list))
			for _, c := range list {
				require.NotEqual(t, fx.caseID, c.ID, "another agency's list shows the case")
			}
			st, body = h.raw(t, http.MethodGet, "/api/v1/cases", mine)
			require.Equal(t, http.StatusOK, st, body)
			require.NoError(t, json.Unmarshal([]byte(body), &list))
			require.True(t, slices.ContainsFunc(list, func(c model.Case) bool { return c.ID == fx.caseID }))
		})
	}
}

// roleFixture is what the routes' path parameters point at.
type roleFixture struct {
	deviceID   string
	caseID     int64
	alarmID    int64
	incidentID int64
	agency     string
	tokenID    string
}

// roleFixtures registers a fire-watch camera that reports smoke (an alarm
// and an incident) and files a hotline case dispatched to 阿拉善左旗林草局.
func roleFixtures(t *testing.T, h *testHub) roleFixture {
	t.Helper()
	fx := roleFixture{deviceID: "fc-roles", agency: "alsz-forestry"}
	secret := h.register(t, map[string]any{"id": fx.deviceID, "kind": "firecam", "lon": 105.7, "lat": 38.8})
	publish(t, h.connect(t, fx.deviceID, secret), "devices/"+fx.deviceID+"/events", map[string]any{
		"ts": time.Now().UTC().Format(time.RFC3339Nano), "type": "smoke", "confidence": 0.9, "bearing_deg": 45})
	require.Eventually(t, func() bool {
		as := h.alarms(t, "?status=active")
		if len(as) == 0 || as[0].IncidentID == 0 {
			return false
		}
		fx.alarmID, fx.incidentID = as[0].ID, as[0].IncidentID
		return true
	}, waitLong, tick, "the smoke report raised an alarm and an incident")
	var c model.Case
	require.Equal(t, http.StatusCreated, h.call(t, http.MethodPost, "/api/v1/reports",
		map[string]any{"category": "02.03.01", "description": "山上冒烟", "lon": 105.67, "lat": 38.84,
			"reporter": map[string]any{"name": "张三", "phone": "13812341234"}}, &c))
	fx.caseID = c.ID
	require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/cases/"+itoa(c.ID)+"/register", nil, &c))
	require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/cases/"+itoa(c.ID)+"/dispatch",
		map[string]any{"agency_id": fx.agency, "version": c.Version}, &c))
	fx.tokenID = tokenID(h.tokenFor(t, dispatch.RoleViewer, ""))
	return fx
}

// path fills a route's parameters from the fixtures.
func (fx roleFixture) path(p string) string {
	switch {
	case strings.HasPrefix(p, "/api/v1/devices/"):
		p = strings.Replace(p, "{id}", fx.deviceID, 1)
	case strings.HasPrefix(p, "/api/v1/agencies/"):
		p = strings.Replace(p, "{id}", fx.agency, 1)
	case strings.HasPrefix(p, "/api/v1/alarms/"):
		p = strings.Replace(p, "{id}", itoa(fx.alarmID), 1)
	case strings.HasPrefix(p, "/api/v1/incidents/"):
		p = strings.Replace(p, "{id}", itoa(fx.incidentID), 1)
	case strings.HasPrefix(p, "/api/v1/tokens/"):
		p = strings.Replace(p, "{id}", fx.tokenID, 1)
	case strings.HasPrefix(p, "/open311/v2/requests/"):
		p = strings.Replace(p, "{file}", itoa(fx.caseID)+".json", 1)
	case strings.HasPrefix(p, "/open311/v2/services/"):
		p = strings.Replace(p, "{file}", "02.03.01.json", 1)
	}
	p = strings.Replace(p, "{id}", itoa(fx.caseID), 1)
	if strings.HasSuffix(p, "/") && p != "/" {
		p += "nothing-here"
	}
	return p
}

// raw sends an empty JSON object (or nothing, for a read) with token.
func (h *testHub) raw(t testing.TB, method, path, token string) (int, string) {
	t.Helper()
	var body []byte
	if method != http.MethodGet && method != http.MethodHead && method != http.MethodDelete {
		body = []byte("{}")
	}
	status, b := send(t, method, h.base+path, token, body)
	return status, string(b)
}

// tokenID is the public part of a full token.
func tokenID(tok string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(tok, access.Prefix), "_")
	return id
}

// Case transitions and the API calls that made them are on the audit chain,
// readable by a supervisor, with the token holder's name.
func TestAuditTrailOverAPI(t *testing.T) {
	h := startHub(t)
	fx := roleFixtures(t, h)
	sup := h.tokenFor(t, dispatch.RoleSupervisor, "")
	var es []model.AuditEntry
	st, body := h.raw(t, http.MethodGet, "/api/v1/audit?target=case:"+itoa(fx.caseID), sup)
	require.Equal(t, http.StatusOK, st, body)
	require.NoError(t, json.Unmarshal([]byte(body), &es))
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
		require.Equal(t, "test admin", e.Actor)
		require.NotContains(t, string(e.Detail), "13812341234", "no personal data in the audit log")
	}
	require.Equal(t, []string{"case.create", "case.register", "case.dispatch"}, actions)

	st, body = h.raw(t, http.MethodGet, "/api/v1/audit?target="+url.QueryEscape("POST /api/v1/cases/"+itoa(fx.caseID)+"/dispatch"), sup)
	require.Equal(t, http.StatusOK, st, body)
	require.NoError(t, json.Unmarshal([]byte(body), &es))
	require.Len(t, es, 1)
	require.Equal(t, "api.request", es[0].Action)
	require.Equal(t, "200", es[0].Outcome)

	st, _ = h.raw(t, http.MethodGet, "/api/v1/audit", h.tokenFor(t, dispatch.RoleOperator, ""))
	require.Equal(t, http.StatusForbidden, st)
}
