package dispatch_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/dispatch/sla"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Every action's start and end states are edges of the transition graph.
func TestActionsFollowTheGraph(t *testing.T) {
	ends := map[string][]dispatch.State{
		"register": {dispatch.Registered}, "reject": {dispatch.Rejected}, "dispatch": {dispatch.Dispatched},
		"accept": {dispatch.Accepted}, "return": {dispatch.Returned}, "resolve": {dispatch.Resolved},
		"verify": {dispatch.Closed, dispatch.Dispatched}, "suspend": {dispatch.Suspended},
		"resume": {dispatch.Registered, dispatch.Dispatched, dispatch.Returned, dispatch.Accepted},
	}
	for _, from := range []dispatch.State{dispatch.Reported, dispatch.Registered, dispatch.Rejected, dispatch.Dispatched,
		dispatch.Accepted, dispatch.Returned, dispatch.Resolved, dispatch.Closed, dispatch.Suspended} {
		for _, action := range dispatch.ActionsFrom(from) {
			for _, to := range ends[action] {
				if action == "resume" || action == "suspend" && from == dispatch.Suspended {
					continue
				}
				require.NoError(t, dispatch.Check(from, to), "%s from %s", action, from)
			}
		}
	}
	for _, back := range ends["resume"] {
		require.NoError(t, dispatch.Check(dispatch.Suspended, back))
	}
}

func TestSuspendAReturnedCase(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.caseIn("returned")
	c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActSuspend, Reason: "权属待定"})
	c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActResume})
	require.Equal(t, "returned", c.State)
	c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch, AgencyID: "alsz-urban"})
	require.Equal(t, "dispatched", c.State)
}

func TestRejectStandsThePlanDown(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.report(catFire, fireLon, fireLat)
	c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActActivatePlan, PlanID: "forest-fire"})
	require.Len(t, c.Plan.Resources, 3)
	c = r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActReject, Reason: "误报：农田烧荒"})
	require.False(t, c.Plan.Active())
	rs, err := r.svc.Resources(r.ctx)
	require.NoError(t, err)
	for _, x := range rs {
		require.Equal(t, model.ResourceAvailable, x.Status, x.ID)
	}
}

// A plan led by another type of agency than the category's: the reason
// names that type as the catalogue names it, not by its code.
func TestPlanLeadReasonNamesTheAgencyType(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.report(catNoise, townLon, townLat)
	r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
	r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActActivatePlan, PlanID: "forest-fire"})
	c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
	require.Equal(t, "alsz-forestry", c.AgencyID, "the plan's lead type, in the banner")
	require.Contains(t, c.Suggestion.Reason, "林草部门")
	require.NotContains(t, c.Suggestion.Reason, "forestry")
}

func TestPlanWithoutAPointReservesNothingAbsurd(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c, err := r.svc.Report(r.ctx, operator, dispatch.Report{Source: "hotline", Category: catFire, Severity: model.SeverityMajor,
		Description: "山上冒烟", Address: "贺兰山某处"})
	require.NoError(t, err)
	c = r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
	require.Nil(t, c.Plan, "no place, so no regional plan triggers by itself")
	c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActActivatePlan, PlanID: "forest-fire"})
	require.True(t, c.Plan.Active())
	require.Empty(t, c.Plan.Resources, "nothing measured from (0, 0)")
	tl, err := r.svc.Timeline(r.ctx, c.ID)
	require.NoError(t, err)
	require.Contains(t, tl[len(tl)-1].Note, "位置未知")
}

func TestExtensionInWorkingDaysAndWithdrawal(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.report(catNoise, townLon, townLat) // resolve: 1wd
	r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
	r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
	eco := agencyUser("league-ecology")
	c = r.act(eco, c.ID, dispatch.Action{Name: dispatch.ActAccept})
	// Dispatched Monday 10:00: due at close of business Tuesday, 17:30 CST.
	require.Equal(t, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), c.ResolveDue)
	four := sla.Limit{Clock: sla.WorkHours, D: 4 * time.Hour}
	r.act(eco, c.ID, dispatch.Action{Name: dispatch.ActRequestExtend, Extra: &four, Reason: "需协调施工方"})
	c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActDecideExtend, Approve: yes()})
	// 4 working hours after Tuesday 17:30: Wednesday 09:00–12:00 and 13:30–14:30.
	require.Equal(t, time.Date(2026, 11, 25, 6, 30, 0, 0, time.UTC), c.ResolveDue)

	r.act(eco, c.ID, dispatch.Action{Name: dispatch.ActRequestExtend, Extra: &four, Reason: "再延"})
	c = r.act(eco, c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "已停工"})
	require.Equal(t, model.ExtensionWithdrawn, c.Extensions[1].Status, "a pending request ends with the 处置 stage")
	_, err := r.svc.Act(r.ctx, supervisor, c.ID, dispatch.Action{Name: dispatch.ActDecideExtend, Approve: yes()})
	require.ErrorIs(t, err, dispatch.ErrIllegalTransition)
}

func TestReworkIsNotResolved(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.caseIn("resolved")
	require.True(t, c.ResolvedOnTime)
	c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: no(), Reason: "井盖未固定"})
	require.True(t, c.ResolvedAt.IsZero())
	require.False(t, c.ResolvedOnTime)
	r.clock.Advance(48 * time.Hour)
	rep, err := r.svc.KPIs(r.ctx, dispatch.KPIQuery{From: monday10.Add(-time.Hour), To: r.clock.Now()})
	require.NoError(t, err)
	require.Len(t, rep.Rows, 1)
	require.Equal(t, 0, rep.Rows[0].Resolved)
	require.Equal(t, 1, rep.Rows[0].Overdue, "back in the agency's hands and late")
}

func TestResumeShiftsReportInDeadlines(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.report(catFire, townLon, townLat)
	r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
	r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch, Assists: []dispatch.Assist{{AgencyID: "alsz-gov", Task: "属地保障"}}})
	r.clock.Advance(10 * time.Minute)
	r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActSuspend, Reason: "等待"})
	r.clock.Advance(3 * time.Hour)
	c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActResume})
	// 20 of the 30 minutes were left at the pause.
	require.Equal(t, r.clock.Now().Add(20*time.Minute), c.Tasks[1].Due)
	require.Equal(t, 0, r.sweep().MissedReportIns)
}

func TestReconcileAndSeverityRise(t *testing.T) {
	r := newRig(t, openSQLite(t))
	in := model.Incident{ID: 9, Category: "forest_fire", Severity: model.SeverityMinor, Status: model.IncidentOpen,
		Title: "烟雾 · 测试塔", RegionCode: "152921", Lon: fireLon, Lat: fireLat}
	r.inc.put(in) // the engine's change never reached the loop
	r.sweep()
	cs, err := r.svc.Cases(r.ctx, store.CaseFilter{IncidentID: 9})
	require.NoError(t, err)
	require.Len(t, cs, 1, "the sweep opened the missed incident's case")
	require.Equal(t, "dispatched", cs[0].State)
	require.Nil(t, cs[0].Plan, "minor: below the plan")

	in.Severity = model.SeverityCritical
	r.inc.put(in)
	c, err := r.svc.HandleIncident(r.ctx, in)
	require.NoError(t, err)
	require.Equal(t, model.SeverityCritical, c.Severity)
	require.True(t, c.Plan.Active(), "the rise triggers the plan")
}

func TestCatalogueRefusesDuplicateNeeds(t *testing.T) {
	c := testCatalogue(t)
	c.Plans[0].Needs = append(c.Plans[0].Needs, dispatch.PlanNeed{Type: "fire_crew", Count: 1})
	require.ErrorContains(t, c.Validate(), "needs fire_crew twice")
}

// A single tower's bearing puts the case somewhere along its line; when a
// second tower fixes the fire, the case moves and the plan's resources are
// re-picked nearest the fix.
func TestCaseFollowsItsIncidentAndReplans(t *testing.T) {
	r := newRig(t, openSQLite(t))
	in := model.Incident{ID: 11, Category: "forest_fire", Severity: model.SeverityMajor, Status: model.IncidentOpen,
		Title: "烟雾 · 巴彦浩特塔", RegionCode: "152921", Lon: townLon, Lat: townLat}
	r.inc.put(in)
	c, err := r.svc.HandleIncident(r.ctx, in)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"crew-c", "crew-a", "tender-a"}, c.Plan.Resources, "nearest 巴彦浩特")

	in.Lon, in.Lat, in.Title = fireLon, fireLat, "森林火情 · 巴彦浩特塔 等 2 个设备"
	in.Location.Method = model.LocateTriangulated
	r.inc.put(in)
	c, err = r.svc.HandleIncident(r.ctx, in)
	require.NoError(t, err)
	require.Equal(t, fireLon, c.Lon)
	require.Equal(t, in.Title, c.Title)
	require.ElementsMatch(t, []string{"crew-a", "crew-b", "tender-a"}, c.Plan.Resources, "nearest the fix")
	rs, err := r.svc.Resources(r.ctx)
	require.NoError(t, err)
	for _, x := range rs {
		want := model.ResourceAvailable
		if x.ID == "crew-a" || x.ID == "crew-b" || x.ID == "tender-a" {
			want = model.ResourceReserved
		}
		require.Equal(t, want, x.Status, x.ID)
	}
}

func TestCatalogueValidation(t *testing.T) {
	for _, tc := range []struct {
		desc   string
		mutate func(c *dispatch.Catalogue)
		want   string
	}{
		{"duplicate category", func(c *dispatch.Catalogue) { c.Categories = append(c.Categories, c.Categories[0]) }, "duplicate code"},
		{"no default SLA", func(c *dispatch.Catalogue) { delete(c.Categories[0].SLA, "default") }, "sla needs a default"},
		{"unknown agency type", func(c *dispatch.Catalogue) { c.Categories[1].AgencyType = "wizards" }, "no agency of type wizards"},
		{"bad webhook", func(c *dispatch.Catalogue) { c.Agencies[0].Webhook = "ftp://x" }, "not an http(s) URL"},
		{"no government", func(c *dispatch.Catalogue) {
			for i := range c.Agencies {
				if c.Agencies[i].Type == dispatch.AgencyGovernment {
					c.Agencies[i].Type = "other"
				}
			}
		}, "nothing to fall back on"},
		{"plan of unknown category", func(c *dispatch.Catalogue) { c.Plans[0].Categories = []string{"00"} }, "unknown category 00"},
		{"resource of unknown agency", func(c *dispatch.Catalogue) { c.Resources[0].AgencyID = "ghost" }, "known agency"},
		{"name for a type no agency has", func(c *dispatch.Catalogue) { c.AgencyTypes["wizards"] = "巫师" }, "agency_types: no agency of type wizards"},
		{"empty type name", func(c *dispatch.Catalogue) { c.AgencyTypes["forestry"] = "" }, "type forestry has an empty name"},
		{"resource off the globe", func(c *dispatch.Catalogue) { c.Resources[0].Lat = 91 }, "out of range"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := testCatalogue(t)
			require.NoError(t, c.Validate())
			tc.mutate(c)
			require.ErrorContains(t, c.Validate(), tc.want)
		})
	}
}
