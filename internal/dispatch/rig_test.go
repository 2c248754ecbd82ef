package dispatch_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
	"github.com/ywtg/hub/internal/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The fire of the demo's scenario, on the west slope of 贺兰山 in 阿拉善左旗.
const fireLon, fireLat = 105.8560, 38.7190

// A point in 巴彦浩特, 阿拉善左旗's seat.
var townLon, townLat = 105.6700, 38.8400

// Monday 2026-11-23 10:00 China Standard Time: inside working hours.
var monday10 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// Actors.
var (
	operator   = dispatch.Actor{Name: "王值班", Role: dispatch.RoleOperator}
	chief      = dispatch.Actor{Name: "李值班长", Role: dispatch.RoleChief}
	dispatcher = dispatch.Actor{Name: "赵派遣", Role: dispatch.RoleDispatcher}
	supervisor = dispatch.Actor{Name: "孙监督", Role: dispatch.RoleSupervisor}
	viewer     = dispatch.Actor{Name: "大屏", Role: dispatch.RoleViewer}
)

func agencyUser(id string) dispatch.Actor {
	return dispatch.Actor{Name: id + "-user", Role: dispatch.RoleAgency, Agency: id}
}

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeIncidents stands in for the engine.
type fakeIncidents struct {
	mu    sync.Mutex
	byID  map[int64]model.Incident
	links map[int64]int64
}

func (f *fakeIncidents) Incident(_ context.Context, id int64) (model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.byID[id]
	if !ok {
		return in, store.ErrNotFound
	}
	return in, nil
}

func (f *fakeIncidents) Incidents(_ context.Context, flt store.IncidentFilter) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Incident
	for _, in := range f.byID {
		if flt.Status == "" || in.Status == flt.Status {
			out = append(out, in)
		}
	}
	return out, nil
}

func (f *fakeIncidents) LinkCase(_ context.Context, incidentID, caseID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links[incidentID] = caseID
	if in, ok := f.byID[incidentID]; ok {
		in.CaseID = caseID
		f.byID[incidentID] = in
	}
	return nil
}

func (f *fakeIncidents) put(in model.Incident) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byID[in.ID] = in
}

// rig is a service on a real store with a controllable clock.
type rig struct {
	t     *testing.T
	ctx   context.Context
	svc   *dispatch.Service
	store dispatch.Store
	clock *clock
	inc   *fakeIncidents
}

var regions = func() *gis.Index {
	rs, err := gis.LoadDir(demo.Regions())
	if err != nil {
		panic(err)
	}
	ix, err := gis.NewIndex(rs)
	if err != nil {
		panic(err)
	}
	return ix
}()

func testCatalogue(t *testing.T) *dispatch.Catalogue {
	b, err := os.ReadFile("testdata/catalogue.yaml")
	require.NoError(t, err)
	c, err := dispatch.ParseCatalogue(b, "")
	require.NoError(t, err)
	return c
}

// eachStore runs fn on SQLite and on PostGIS (pgtest: a throwaway cluster;
// skipped only where PostgreSQL is not installed, and failing under CI).
func eachStore(t *testing.T, fn func(t *testing.T, r *rig)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		fn(t, newRig(t, s))
	})
	t.Run("postgis", func(t *testing.T) {
		s, err := postgis.Open(context.Background(), pgtest.DSN(t))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		fn(t, newRig(t, s))
	})
}

func newRig(t *testing.T, s dispatch.Store) *rig {
	c := &clock{t: monday10}
	inc := &fakeIncidents{byID: map[int64]model.Incident{}, links: map[int64]int64{}}
	svc, err := dispatch.New(context.Background(), dispatch.Options{Catalogue: testCatalogue(t), Store: s,
		Regions: regions, Incidents: inc, Keys: testKeys, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return &rig{t: t, ctx: context.Background(), svc: svc, store: s, clock: c, inc: inc}
}

// report files a hotline report at a point.
func (r *rig) report(category string, lon, lat float64) model.Case {
	r.t.Helper()
	c, err := r.svc.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: category,
		Description: "市民来电反映", Lon: &lon, Lat: &lat, Reporter: &model.Person{Name: "张三", Phone: "13812341234"}})
	require.NoError(r.t, err)
	return c
}

// act performs an action that must succeed.
func (r *rig) act(who dispatch.Actor, id int64, a dispatch.Action) model.Case {
	r.t.Helper()
	c, err := r.svc.Act(r.ctx, who, id, a)
	require.NoError(r.t, err, "%s by %s", a.Name, who.Name)
	return c
}

// actions lists a case's timeline actions.
func (r *rig) actions(id int64) []string {
	r.t.Helper()
	tl, err := r.svc.Timeline(r.ctx, id)
	require.NoError(r.t, err)
	var out []string
	for _, e := range tl {
		out = append(out, e.Action)
	}
	return out
}

// outbox lists the webhooks written for a case, as "event→agency".
func (r *rig) outbox(id int64) []string {
	r.t.Helper()
	ms, err := r.store.ListOutbox(r.ctx, store.OutboxFilter{CaseID: id})
	require.NoError(r.t, err)
	var out []string
	for _, m := range ms {
		out = append(out, m.Event+"→"+m.AgencyID)
	}
	return out
}

func (r *rig) sweep() dispatch.SweepResult {
	r.t.Helper()
	res, err := r.svc.Sweep(r.ctx)
	require.NoError(r.t, err)
	return res
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func openSQLite(t *testing.T) dispatch.Store {
	s, err := sqlite.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}
