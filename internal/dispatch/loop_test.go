package dispatch_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/dispatch/sla"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Category codes of testdata/catalogue.yaml.
const (
	catFire    = "02.03.01" // sign 30m, resolve 4h, verify 2h, report-in 30m (natural)
	catManhole = "01.01.05" // sign 1h, resolve 8h, verify 4h (natural)
	catNoise   = "02.01.09" // working hours: sign 2wh, resolve 1wd
	catOther   = "02.09.99" // owned by nobody in the league
)

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func TestHotlineOnTime(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catManhole, townLon, townLat)
		require.Equal(t, "reported", c.State)
		require.Equal(t, "152921", c.RegionCode)
		require.Regexp(t, `^YW20261123\d{6}$`, c.No)

		c = r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		require.Nil(t, c.Plan, "no plan for a manhole")
		sg, err := r.svc.Suggest(r.ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "alsz-urban-2", sg.AgencyID, "the agency listing the category beats the one of its type")

		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
		require.Equal(t, "dispatched", c.State)
		require.Equal(t, "alsz-urban-2", c.AgencyID)
		// Dispatched Monday 10:00: sign within 1 h, warning at 48 min; resolve within 8 h.
		require.Equal(t, model.StageSign, c.SLA.Stage)
		require.Equal(t, monday10.Add(time.Hour), c.SLA.Due)
		require.Equal(t, monday10.Add(48*time.Minute), c.SLA.WarnAt)
		require.Equal(t, monday10.Add(8*time.Hour), c.ResolveDue)

		r.clock.Advance(20 * time.Minute)
		c = r.act(agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActAccept})
		require.Equal(t, model.StageResolve, c.SLA.Stage)
		require.Equal(t, c.ResolveDue, c.SLA.Due)
		c = r.act(agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActProgress, Note: "已到场"})
		r.clock.Advance(3 * time.Hour)
		c = r.act(agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "已更换井盖",
			Photos: []string{"https://img.example.cn/after.jpg"}})
		require.True(t, c.ResolvedOnTime)
		require.Equal(t, model.StageVerify, c.SLA.Stage)
		r.clock.Advance(time.Hour)
		c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: yes()})
		require.Equal(t, "closed", c.State)
		require.True(t, c.ClosedOnTime)
		require.Equal(t, supervisor.Name, c.VerifiedBy)
		c = r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActEvaluate, Rating: 5, Note: "回访满意"})
		require.Equal(t, 5, c.Rating)

		require.Equal(t, []string{"create", "register", "dispatch", "accept", "progress", "resolve", "verify", "evaluate"}, r.actions(c.ID))
		require.Equal(t, []string{
			"王值班 case.create →reported v1",
			"王值班 case.register reported→registered v2",
			"赵派遣 case.dispatch registered→dispatched alsz-urban-2 v3",
			"alsz-urban-2-user case.accept dispatched→accepted alsz-urban-2 v4",
			"alsz-urban-2-user case.progress accepted→accepted alsz-urban-2 v5",
			"alsz-urban-2-user case.resolve accepted→resolved alsz-urban-2 v6",
			"孙监督 case.verify resolved→closed alsz-urban-2 v7",
			"王值班 case.evaluate closed→closed alsz-urban-2 v8",
		}, auditTrail(t, r, c.ID))
		require.Empty(t, r.outbox(c.ID), "the urban management bureau polls; no webhook")
		require.Equal(t, 0, r.sweep().Overdue)
	})
}

// auditTrail lists a case's audit entries as "actor action from→to agency
// version", after checking that the whole chain verifies and that no entry
// holds the reporter's name or phone.
func auditTrail(t *testing.T, r *rig, id int64) []string {
	t.Helper()
	log, ok := r.store.(audit.Log)
	require.True(t, ok, "the store keeps the audit log")
	rep, err := audit.Verify(r.ctx, log, nil, nil)
	require.NoError(t, err)
	require.Nil(t, rep.Broken)
	es, err := log.ListAudit(r.ctx, store.AuditFilter{Target: fmt.Sprintf("case:%d", id)})
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		require.NotContains(t, string(e.Detail), "张三")
		require.NotContains(t, string(e.Detail), "13812341234")
		require.Equal(t, "ok", e.Outcome)
		var d struct {
			From, To, Agency string
			Version          int64
		}
		require.NoError(t, json.Unmarshal(e.Detail, &d))
		out = append(out, strings.Join(strings.Fields(fmt.Sprintf("%s %s %s→%s %s v%d", e.Actor, e.Action, d.From, d.To,
			d.Agency, d.Version)), " "))
	}
	return out
}

func TestOverdueAndEscalation(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catManhole, townLon, townLat)
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})

		r.clock.Advance(47 * time.Minute)
		require.Equal(t, dispatch.SweepResult{}, r.sweep(), "before 80 % of the hour")
		r.clock.Advance(time.Minute)
		require.Equal(t, dispatch.SweepResult{Warned: 1}, r.sweep())
		require.Equal(t, dispatch.SweepResult{}, r.sweep(), "warned once")
		r.clock.Advance(12 * time.Minute)
		require.Equal(t, dispatch.SweepResult{Overdue: 1, Escalated: 1}, r.sweep())
		c, err := r.svc.Case(r.ctx, c.ID)
		require.NoError(t, err)
		require.True(t, c.SLA.Overdue)
		require.True(t, c.Escalated)
		require.Equal(t, []string{"case.escalated→alsz-duban"}, r.outbox(c.ID),
			"the supervision office hears of it; the urban bureau has no webhook")

		// Signed late; resolved after the 8 h: not on time, and the resolve
		// stage warns at 16:24 and goes overdue at 18:00.
		c = r.act(agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActAccept})
		require.False(t, c.SLA.Overdue, "a new stage, a new clock")
		r.clock.Advance(hours(6.4) - time.Hour)
		require.Equal(t, dispatch.SweepResult{Warned: 1}, r.sweep())
		r.clock.Advance(hours(1.6))
		require.Equal(t, dispatch.SweepResult{Overdue: 1, Escalated: 1}, r.sweep())
		r.clock.Advance(time.Hour)
		c = r.act(agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "已处理"})
		require.False(t, c.ResolvedOnTime)
		c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: yes()})
		require.False(t, c.ClosedOnTime)
		require.Contains(t, r.actions(c.ID), "sla-warning")
		require.Contains(t, r.actions(c.ID), "escalate")
	})
}

func TestWorkingHoursClock(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		// Friday 2026-11-27 16:30 CST; 09:00–12:00 and 13:30–17:30.
		r.clock.t = time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC)
		c := r.report(catNoise, townLon, townLat)
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
		require.Equal(t, "league-ecology", c.AgencyID, "no ecology bureau in the banner: walk up to the league")
		require.Contains(t, c.Suggestion.Reason, "上溯")
		// 2 working hours from Friday 16:30: 1 h on Friday, 1 h from Monday 09:00.
		require.Equal(t, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC), c.SLA.Due)
		require.True(t, c.SLA.Working)
	})
}

func TestReturnAndRedispatch(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catManhole, townLon, townLat)
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})

		_, err := r.svc.Act(r.ctx, agencyUser("alsz-urban"), c.ID, dispatch.Action{Name: dispatch.ActAccept})
		require.ErrorIs(t, err, dispatch.ErrForbidden, "another agency cannot sign for it")
		_, err = r.svc.Act(r.ctx, agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActReturn})
		require.ErrorIs(t, err, dispatch.ErrInvalid, "a return needs a reason")
		c = r.act(agencyUser("alsz-urban-2"), c.ID, dispatch.Action{Name: dispatch.ActReturn, Reason: "该井盖属于旗城管局"})
		require.Equal(t, "returned", c.State)
		require.Equal(t, 1, c.Returns)
		require.Nil(t, c.SLA)

		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch, AgencyID: "alsz-urban"})
		require.Equal(t, "alsz-urban", c.AgencyID)
		tl, err := r.svc.Timeline(r.ctx, c.ID)
		require.NoError(t, err)
		require.Contains(t, tl[len(tl)-1].Note, "改派", "the override is on the timeline with the suggestion")
		c = r.act(agencyUser("alsz-urban"), c.ID, dispatch.Action{Name: dispatch.ActAccept})
		require.Equal(t, "accepted", c.State)
	})
}

func TestReworkAfterFailedVerification(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catFire, townLon, townLat) // minor: below the plan
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
		forestry := agencyUser("alsz-forestry")
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActAccept})
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "已扑灭"})
		_, err := r.svc.Act(r.ctx, supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: no()})
		require.ErrorIs(t, err, dispatch.ErrInvalid, "a failed verification needs a reason")
		c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: no(), Reason: "仍有余火"})
		require.Equal(t, "dispatched", c.State)
		require.Equal(t, 1, c.Reworks)
		require.Equal(t, "alsz-forestry", c.AgencyID, "back to the same agency")
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActAccept})
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "余火已清理"})
		c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: yes()})
		require.Equal(t, "closed", c.State)
		require.Equal(t, []string{"case.dispatched→alsz-forestry", "case.rework→alsz-forestry", "case.closed→alsz-forestry"},
			r.outbox(c.ID))
	})
}

func TestExtension(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catFire, townLon, townLat)
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
		forestry := agencyUser("alsz-forestry")
		c = r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActAccept})
		require.Equal(t, monday10.Add(4*time.Hour), c.ResolveDue)

		two := sla.Limit{Clock: sla.Natural, D: 2 * time.Hour}
		_, err := r.svc.Act(r.ctx, forestry, c.ID, dispatch.Action{Name: dispatch.ActRequestExtend, Extra: &two})
		require.ErrorIs(t, err, dispatch.ErrInvalid, "an extension needs a reason")
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActRequestExtend, Extra: &two, Reason: "风力加大"})
		_, err = r.svc.Act(r.ctx, forestry, c.ID, dispatch.Action{Name: dispatch.ActRequestExtend, Extra: &two, Reason: "again"})
		require.ErrorIs(t, err, dispatch.ErrInvalid, "one request pending at a time")
		_, err = r.svc.Act(r.ctx, forestry, c.ID, dispatch.Action{Name: dispatch.ActDecideExtend, Approve: yes()})
		require.ErrorIs(t, err, dispatch.ErrForbidden, "an agency cannot approve its own extension")
		c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActDecideExtend, Approve: yes()})
		require.Equal(t, monday10.Add(6*time.Hour), c.ResolveDue)
		require.Equal(t, c.ResolveDue, c.SLA.Due)
		require.Equal(t, model.ExtensionApproved, c.Extensions[0].Status)

		r.clock.Advance(5 * time.Hour) // after the first deadline, before the extended one
		require.Equal(t, 0, r.sweep().Overdue)
		c = r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "已扑灭"})
		require.True(t, c.ResolvedOnTime)
		require.Equal(t, []string{"case.dispatched→alsz-forestry", "case.extension_approved→alsz-forestry"}, r.outbox(c.ID))
	})
}

func TestSuspension(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catFire, townLon, townLat)
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
		c = r.act(agencyUser("alsz-forestry"), c.ID, dispatch.Action{Name: dispatch.ActAccept})
		r.clock.Advance(time.Hour)
		_, err := r.svc.Act(r.ctx, operator, c.ID, dispatch.Action{Name: dispatch.ActSuspend, Reason: "x"})
		require.ErrorIs(t, err, dispatch.ErrForbidden)
		c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActSuspend, Reason: "等待林权认定"})
		require.Equal(t, "suspended", c.State)
		require.False(t, c.SLA.PausedAt.IsZero())

		r.clock.Advance(5 * time.Hour) // past the 4 h deadline, but paused
		require.Equal(t, dispatch.SweepResult{}, r.sweep())
		c = r.act(chief, c.ID, dispatch.Action{Name: dispatch.ActResume})
		require.Equal(t, "accepted", c.State, "back where it was suspended")
		require.Equal(t, monday10.Add(9*time.Hour), c.ResolveDue, "the deadline moved by the 5 h pause")
		require.Equal(t, c.ResolveDue, c.SLA.Due)
		require.True(t, c.SLA.PausedAt.IsZero())
	})
}

func TestJointDispatchMissingReportIn(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catFire, townLon, townLat)
		r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch, Assists: []dispatch.Assist{
			{AgencyID: "alsz-fire", Task: "扑救"}, {AgencyID: "alsz-gov", Task: "属地保障"}}})
		require.Len(t, c.Tasks, 3)
		require.Equal(t, monday10.Add(30*time.Minute), c.Tasks[1].Due)

		r.clock.Advance(10 * time.Minute)
		c = r.act(agencyUser("alsz-fire"), c.ID, dispatch.Action{Name: dispatch.ActReportIn, Note: "两车八人出动"})
		_, err := r.svc.Act(r.ctx, agencyUser("alsz-fire"), c.ID, dispatch.Action{Name: dispatch.ActReportIn})
		require.ErrorIs(t, err, dispatch.ErrInvalid, "reported in once")
		_, err = r.svc.Act(r.ctx, agencyUser("alsz-urban"), c.ID, dispatch.Action{Name: dispatch.ActReportIn})
		require.ErrorIs(t, err, dispatch.ErrForbidden, "not called in")

		r.clock.Advance(20 * time.Minute)
		res := r.sweep()
		require.Equal(t, 1, res.MissedReportIns)
		c, err = r.svc.Case(r.ctx, c.ID)
		require.NoError(t, err)
		byAgency := map[string]model.CaseTask{}
		for _, tk := range c.Tasks {
			byAgency[tk.AgencyID] = tk
		}
		require.False(t, byAgency["alsz-fire"].ReportedAt.IsZero(), "the fire brigade reported in")
		require.True(t, byAgency["alsz-gov"].ReportedAt.IsZero())
		require.True(t, byAgency["alsz-gov"].Overdue, "the government did not")
		require.False(t, byAgency["alsz-fire"].Overdue)
		require.True(t, c.Escalated)
		require.Contains(t, r.outbox(c.ID), "case.escalated→alsz-duban")
	})
}

func TestIncidentCase(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		in := model.Incident{ID: 7, Category: "forest_fire", Severity: model.SeverityMajor, Status: model.IncidentOpen,
			Title: "森林火情 · 贺兰山08号塔 等 2 个设备", RegionCode: "152921", Lon: fireLon, Lat: fireLat,
			Sources: []string{"fc-hls-08", "fc-hls-09"}, Location: model.Location{Method: model.LocateTriangulated}}
		r.inc.put(in)
		c, err := r.svc.HandleIncident(r.ctx, in)
		require.NoError(t, err)
		require.Equal(t, "dispatched", c.State, "auto-registered and auto-dispatched by the category's policy")
		require.Equal(t, "alsz-forestry", c.AgencyID)
		require.Equal(t, c.ID, r.inc.links[7])
		require.True(t, c.Plan.Active())
		require.Equal(t, "forest-fire", c.Plan.PlanID)
		// The two nearest fire crews (0.4 and 5 km) and the nearer tender.
		require.ElementsMatch(t, []string{"crew-a", "crew-b", "tender-a"}, c.Plan.Resources)
		require.Len(t, c.Tasks, 3, "lead plus the plan's fire brigade and government")
		rs, err := r.svc.Resources(r.ctx)
		require.NoError(t, err)
		status := map[string]string{}
		for _, x := range rs {
			status[x.ID] = x.Status
		}
		require.Equal(t, map[string]string{"crew-a": "reserved", "crew-b": "reserved", "crew-c": "available",
			"tender-a": "reserved", "tender-b": "available"}, status)
		require.Equal(t, []string{"case.dispatched→alsz-forestry"}, r.outbox(c.ID))

		again, err := r.svc.HandleIncident(r.ctx, in)
		require.NoError(t, err)
		require.Equal(t, c.ID, again.ID, "one case per incident")
		all, err := r.svc.Cases(r.ctx, store.CaseFilter{})
		require.NoError(t, err)
		require.Len(t, all, 1)

		forestry := agencyUser("alsz-forestry")
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActAccept})
		r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "明火已扑灭"})
		require.Equal(t, 0, r.sweep().SensorVerified, "the smoke is still seen")

		in.Status, in.ClosedAt = model.IncidentClosed, r.clock.Now()
		r.inc.put(in)
		_, err = r.svc.HandleIncident(r.ctx, in)
		require.NoError(t, err)
		require.Equal(t, 0, r.sweep().SensorVerified, "held for a minute first")
		r.clock.Advance(time.Minute)
		require.Equal(t, 1, r.sweep().SensorVerified)
		c, err = r.svc.Case(r.ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "closed", c.State)
		require.Equal(t, "sensor", c.VerifiedBy)
		require.False(t, c.Plan.Active(), "closing stands the plan down")
		rs, err = r.svc.Resources(r.ctx)
		require.NoError(t, err)
		for _, x := range rs {
			require.Equal(t, model.ResourceAvailable, x.Status, x.ID)
		}
		require.Equal(t, []string{"create", "register", "activate-plan", "dispatch", "accept", "resolve", "comment", "verify", "stand-down"},
			r.actions(c.ID))
	})
}

func TestConcurrentDispatchers(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.report(catManhole, townLon, townLat)
		c = r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, agency := range []string{"alsz-urban", "alsz-urban-2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = r.svc.Act(r.ctx, dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch, AgencyID: agency, Version: c.Version})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			require.ErrorIs(t, err, store.ErrConflict)
		}
		require.Equal(t, 1, won, "one dispatcher wins: %v", errs)
		got, err := r.svc.Case(r.ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, c.Version+1, got.Version)
		require.Equal(t, 1, countAction(r.actions(c.ID), "dispatch"), "no lost update, no double dispatch")
	})
}

func countAction(actions []string, name string) int {
	n := 0
	for _, a := range actions {
		if a == name {
			n++
		}
	}
	return n
}

func TestRouting(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		for _, tc := range []struct {
			desc     string
			category string
			lon, lat float64
			agency   string
			reason   string
		}{
			{"the banner's own bureau", catFire, fireLon, fireLat, "alsz-forestry", "阿拉善左旗"},
			{"walk up to the league", catNoise, townLon, townLat, "league-ecology", "上溯"},
			{"nobody owns it: the banner government", catOther, townLon, townLat, "alsz-gov", "属地兜底"},
			{"outside every region: the league's government", catManhole, 116.40, 39.90, "league-gov", "属地兜底"},
		} {
			t.Run(tc.desc, func(t *testing.T) {
				c := r.report(tc.category, tc.lon, tc.lat)
				sg, err := r.svc.Suggest(r.ctx, c.ID)
				require.NoError(t, err)
				require.Equal(t, tc.agency, sg.AgencyID)
				require.Contains(t, sg.Reason, tc.reason)
			})
		}
	})
}

// TestLoopForEverySource runs each kind of case from its source to 评价:
// people's reports from every channel, and a device incident.
func TestLoopForEverySource(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		for i, source := range []string{"hotline", "grid", "open311", "manual", "incident"} {
			t.Run(source, func(t *testing.T) {
				var c model.Case
				if source == "incident" {
					in := model.Incident{ID: int64(100 + i), Category: "forest_fire", Severity: model.SeverityMinor,
						Status: model.IncidentOpen, Title: "烟雾", RegionCode: "152921", Lon: fireLon, Lat: fireLat}
					r.inc.put(in)
					var err error
					c, err = r.svc.HandleIncident(r.ctx, in)
					require.NoError(t, err)
					require.Equal(t, "dispatched", c.State, "registered and dispatched by policy")
				} else {
					lon, lat := fireLon, fireLat
					var err error
					c, err = r.svc.Report(r.ctx, operator, dispatch.Report{Source: source, Category: catFire,
						Description: "发现烟点", Lon: &lon, Lat: &lat})
					require.NoError(t, err)
					require.Equal(t, source, c.Source)
					r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
					c = r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
				}
				require.Equal(t, "alsz-forestry", c.AgencyID)
				forestry := agencyUser("alsz-forestry")
				r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActAccept})
				r.act(forestry, c.ID, dispatch.Action{Name: dispatch.ActResolve, Note: "已处置"})
				c = r.act(supervisor, c.ID, dispatch.Action{Name: dispatch.ActVerify, Pass: yes()})
				require.Equal(t, "closed", c.State)
				require.True(t, c.ClosedOnTime)
				c = r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActEvaluate, Rating: 4})
				require.Equal(t, 4, c.Rating)
				require.Equal(t, []string{"case.dispatched→alsz-forestry", "case.closed→alsz-forestry"}, r.outbox(c.ID))
			})
		}
	})
}
