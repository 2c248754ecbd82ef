package hub_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/dispatch/kpi"
	"github.com/ywtg/hub/internal/dispatch/webhook"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
)

// agencyServer is an agency's system receiving the hub's webhooks: it
// verifies each SM2 signature with the key the hub publishes, refuses the
// first failFirst attempts of every message, and records what it got.
type agencyServer struct {
	*httptest.Server
	hubBase   func() string
	failFirst int

	mu       sync.Mutex
	attempts map[string]int // idempotency key → attempts seen
	accepted []string       // events accepted, in order
	caseIDs  map[string]int64
	bad      []string // refusals: signature or missing key
}

func newAgencyServer(t *testing.T, failFirst int, hubBase func() string) *agencyServer {
	a := &agencyServer{hubBase: hubBase, failFirst: failFirst, attempts: map[string]int{}, caseIDs: map[string]int64{}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *agencyServer) serve(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get(a.hubBase() + "/api/v1/keys/webhook")
	if err != nil {
		http.Error(w, "no key", http.StatusServiceUnavailable)
		return
	}
	pem, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pub, err := webhook.ParsePublicKeyPEM(pem)
	if err != nil {
		http.Error(w, "bad key", http.StatusServiceUnavailable)
		return
	}
	body, err := webhook.VerifyRequest(pub, r, time.Now(), 5*time.Minute)
	a.mu.Lock()
	defer a.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	if err != nil || key == "" {
		a.bad = append(a.bad, r.Header.Get("X-Hub-Event")+": "+errString(err))
		http.Error(w, "refused", http.StatusUnauthorized)
		return
	}
	a.attempts[key]++
	if a.attempts[key] <= a.failFirst {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if a.attempts[key] == a.failFirst+1 { // later repeats are duplicates: answered, not applied
		a.accepted = append(a.accepted, r.Header.Get("X-Hub-Event"))
		var msg struct {
			Case model.Case `json:"case"`
		}
		_ = json.Unmarshal(body, &msg)
		a.caseIDs[key] = msg.Case.ID
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *agencyServer) got(event string) (keys []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, n := range a.attempts {
		if strings.Contains(k, "-"+event+"-") && n > a.failFirst {
			keys = append(keys, k)
		}
	}
	return keys
}

func errString(err error) string {
	if err == nil {
		return "no idempotency key"
	}
	return err.Error()
}

// catalogueFor writes the demo catalogue with 阿拉善左旗林草局's webhook
// pointing at url, and returns its path.
func catalogueFor(t *testing.T, url string) string {
	b, err := fs.ReadFile(demo.FS, "dispatch.yaml")
	require.NoError(t, err)
	s := strings.ReplaceAll(string(b), "{hub}/demo/agencies/alsz-forestry/inbox", url)
	require.NotEqual(t, string(b), s)
	path := filepath.Join(t.TempDir(), "dispatch.yaml")
	require.NoError(t, os.WriteFile(path, []byte(s), 0o600))
	return path
}

// The done-when of the dispatch loop, on every shape: a fire seen by two
// towers becomes one case, registered and dispatched by policy to
// 阿拉善左旗林草局 by a signed webhook (retried until the agency takes it),
// activates the 森林火情 plan with the nearest fire crews reserved, and is
// signed for, resolved, verified and closed through the API; the KPIs and
// the screen's figures follow.
func TestFireCaseEndToEnd(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		var base string
		agency := newAgencyServer(t, 2, func() string { return base })
		o, b := sh.opts(t)
		o.DataDir, o.Catalogue = t.TempDir(), catalogueFor(t, agency.URL)
		h := startWith(t, o)
		h.broker, base = b, h.base
		scr := h.screen(t, "")

		towers := []struct {
			id       string
			lon, lat float64
		}{{"fc-case-a", 105.80, 38.60}, {"fc-case-b", 105.85, 38.68}}
		fire := [2]float64{105.90, 38.62}
		for i, tw := range towers {
			secret := h.register(t, map[string]any{"id": tw.id, "kind": "firecam", "name": "测试瞭望塔", "lon": tw.lon, "lat": tw.lat})
			c := h.connect(t, tw.id, secret)
			publish(t, c, "devices/"+tw.id+"/events", map[string]any{"ts": time.Now().UTC().Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano),
				"type": "smoke", "confidence": 0.9, "bearing_deg": gis.InitialBearing(tw.lon, tw.lat, fire[0], fire[1])})
		}
		var cases []model.Case
		require.Eventually(t, func() bool {
			require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases?source=incident", nil, &cases))
			return len(cases) == 1 && cases[0].State == "dispatched" && cases[0].Plan != nil
		}, waitLong, tick, "one case for the two towers' incident, dispatched by policy")
		c := cases[0]
		require.Equal(t, "alsz-forestry", c.AgencyID)
		require.Equal(t, "02.03.01", c.Category)
		require.True(t, c.Plan.Active())
		require.Equal(t, "forest-fire-iv", c.Plan.PlanID)

		var one struct {
			Incident model.Incident `json:"incident"`
		}
		require.Eventually(t, func() bool {
			require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/incidents/"+itoa(c.IncidentID), nil, &one))
			return len(one.Incident.Sources) == 2 && one.Incident.Location.Method == model.LocateTriangulated
		}, waitLong, tick, "the second tower joins the same incident: still one case")
		require.Equal(t, c.ID, one.Incident.CaseID, "the incident knows its case")
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases?source=incident", nil, &cases))
		require.Len(t, cases, 1)

		require.Eventually(t, func() bool {
			require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases/"+itoa(c.ID), nil, &c))
			return c.Lon == one.Incident.Lon && c.Lat == one.Incident.Lat
		}, waitLong, tick, "the case follows its incident to the fix")

		// The reserved crews are the three fire crews nearest the located
		// fire, measured here from the resource list.
		var rs []model.Resource
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/resources", nil, &rs))
		var crews []model.Resource
		for _, r := range rs {
			if r.Type == "fire_crew" {
				crews = append(crews, r)
			}
		}
		sort.Slice(crews, func(i, j int) bool {
			return gis.Distance(c.Lon, c.Lat, crews[i].Lon, crews[i].Lat) < gis.Distance(c.Lon, c.Lat, crews[j].Lon, crews[j].Lat)
		})
		for _, r := range crews[:3] {
			require.Contains(t, c.Plan.Resources, r.ID)
			require.Equal(t, model.ResourceReserved, r.Status)
			require.Equal(t, c.ID, r.CaseID)
		}
		require.Equal(t, model.ResourceAvailable, crews[3].Status)

		// The signed webhook arrives after two refusals, under one key.
		require.Eventually(t, func() bool { return len(agency.got("case.dispatched")) == 1 }, 30*time.Second, 50*time.Millisecond)
		agency.mu.Lock()
		require.Empty(t, agency.bad, "every signature verified")
		for k, n := range agency.attempts {
			require.Equal(t, 3, n, "three attempts under key %s", k)
			require.Equal(t, c.ID, agency.caseIDs[k])
		}
		agency.mu.Unlock()

		// The agency signs for it, reports it done; the supervisor verifies.
		for _, step := range []struct {
			action string
			body   map[string]any
			state  string
		}{
			{"accept", nil, "accepted"},
			{"progress", map[string]any{"note": "扑火队已到场"}, "accepted"},
			{"resolve", map[string]any{"note": "明火已扑灭，余火清理完毕", "photos": []string{"https://img.example.cn/fire-out.jpg"}}, "resolved"},
			{"verify", map[string]any{"pass": true}, "closed"},
		} {
			var got model.Case
			require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/cases/"+itoa(c.ID)+"/"+step.action, step.body, &got), step.action)
			require.Equal(t, step.state, got.State)
		}
		require.Equal(t, http.StatusConflict, h.call(t, http.MethodPost, "/api/v1/cases/"+itoa(c.ID)+"/accept", nil, nil),
			"a closed case cannot be signed for")

		var detail struct {
			model.Case
			Timeline []model.CaseEvent `json:"timeline"`
		}
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases/"+itoa(c.ID), nil, &detail))
		var actions []string
		for _, e := range detail.Timeline {
			actions = append(actions, e.Action)
		}
		// In this order; the second tower's fix may add a location note and
		// a re-pick of the plan's resources in between.
		require.True(t, subsequence([]string{"create", "register", "activate-plan", "dispatch", "accept", "progress", "resolve",
			"verify", "stand-down"}, actions), "timeline %v", actions)
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/resources", nil, &rs))
		for _, r := range rs {
			require.Equal(t, model.ResourceAvailable, r.Status, "stand-down released %s", r.ID)
		}

		var rep dispatch.KPIReport
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/kpis?group_by=agency", nil, &rep))
		i := slices.IndexFunc(rep.Rows, func(r kpi.Row) bool { return r.Key == "alsz-forestry" })
		require.GreaterOrEqual(t, i, 0)
		row := rep.Rows[i]
		require.Equal(t, 1, row.Closed)
		require.Equal(t, 1, row.ResolvedOnTime)
		require.Equal(t, 1.0, row.Rates[kpi.OnTimeCloseRate])
		require.Equal(t, "阿拉善左旗林草局", row.Name)

		// The screen's figures move: today's funnel shows the closed case.
		scr.waitFor(func(f frame) bool {
			if f.Type != "delta" || f.Entity != "kpi" {
				return false
			}
			var today dispatch.Today
			require.NoError(t, json.Unmarshal(f.Data, &today))
			return today.Funnel["closed"] == 1 && today.Funnel["reported"] == 1
		})
	})
}

// Webhooks are durable: a message the agency refused while the hub ran is
// delivered by the next hub on the same store, under the same key.
func TestWebhookSurvivesRestart(t *testing.T) {
	for _, sh := range shapes[:2] {
		t.Run(sh.name, func(t *testing.T) {
			var base string
			agency := newAgencyServer(t, 1000, func() string { return base }) // refuses everything at first
			o, _ := sh.opts(t)
			o.DataDir, o.Catalogue = t.TempDir(), catalogueFor(t, agency.URL)
			start := func() *testHub {
				h := startWith(t, o)
				base = h.base
				return h
			}
			h := start()
			lon, lat := 105.67, 38.84 // 巴彦浩特
			var c model.Case
			require.Equal(t, http.StatusCreated, h.call(t, http.MethodPost, "/api/v1/reports",
				map[string]any{"category": "02.03.01", "description": "群众报告山上冒烟", "lon": lon, "lat": lat}, &c))
			require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/cases/"+itoa(c.ID)+"/register", nil, &c))
			require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/cases/"+itoa(c.ID)+"/dispatch", nil, &c))
			require.Equal(t, "alsz-forestry", c.AgencyID)
			var out []model.OutboxMessage
			require.Eventually(t, func() bool {
				require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/outbox?case="+itoa(c.ID), nil, &out))
				return len(out) == 1 && out[0].Attempts >= 1
			}, waitLong, tick, "tried and refused")
			key := out[0].Key
			require.Empty(t, agency.got("case.dispatched"))
			require.NoError(t, h.Close())

			agency.mu.Lock()
			agency.failFirst = 0 // the agency's system is back
			for k := range agency.attempts {
				agency.attempts[k] = 0
			}
			agency.mu.Unlock()
			h = start()
			require.Eventually(t, func() bool { return slices.Equal(agency.got("case.dispatched"), []string{key}) },
				30*time.Second, 50*time.Millisecond, "delivered after the restart under the same key")
			require.Eventually(t, func() bool {
				require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/outbox?pending=true", nil, &out))
				return len(out) == 0
			}, waitLong, tick)
		})
	}
}

// subsequence reports whether want appears in got in order.
func subsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
