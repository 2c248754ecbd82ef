package dispatch_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
)

// caseIn brings a new manhole case to a state along the loop.
func (r *rig) caseIn(state string) model.Case {
	r.t.Helper()
	c := r.report(catManhole, townLon, townLat)
	lead := agencyUser("alsz-urban-2")
	steps := map[string][]func(id int64) model.Case{
		"reported": nil,
		"registered": {func(id int64) model.Case {
			return r.act(operator, id, dispatch.Action{Name: dispatch.ActRegister})
		}},
		"rejected": {func(id int64) model.Case {
			return r.act(operator, id, dispatch.Action{Name: dispatch.ActReject, Reason: "重复上报"})
		}},
	}
	steps["dispatched"] = append(slices.Clone(steps["registered"]), func(id int64) model.Case {
		return r.act(dispatcher, id, dispatch.Action{Name: dispatch.ActDispatch})
	})
	steps["returned"] = append(slices.Clone(steps["dispatched"]), func(id int64) model.Case {
		return r.act(lead, id, dispatch.Action{Name: dispatch.ActReturn, Reason: "非本单位职责"})
	})
	steps["accepted"] = append(slices.Clone(steps["dispatched"]), func(id int64) model.Case {
		return r.act(lead, id, dispatch.Action{Name: dispatch.ActAccept})
	})
	steps["resolved"] = append(slices.Clone(steps["accepted"]), func(id int64) model.Case {
		return r.act(lead, id, dispatch.Action{Name: dispatch.ActResolve, Note: "done"})
	})
	steps["closed"] = append(slices.Clone(steps["resolved"]), func(id int64) model.Case {
		return r.act(supervisor, id, dispatch.Action{Name: dispatch.ActVerify, Pass: yes()})
	})
	steps["suspended"] = append(slices.Clone(steps["accepted"]), func(id int64) model.Case {
		return r.act(chief, id, dispatch.Action{Name: dispatch.ActSuspend, Reason: "等待"})
	})
	path, ok := steps[state]
	require.True(r.t, ok, "no path to %s", state)
	for _, step := range path {
		c = step(c.ID)
	}
	require.Equal(r.t, state, c.State)
	return c
}

// TestIllegalTransitions tries every state-changing action on a case in
// every state, as admin (whose role allows them all): only the legal ones
// listed here by hand succeed, and each refusal names the state and what
// is possible from it.
func TestIllegalTransitions(t *testing.T) {
	legal := map[string][]string{
		"reported":   {"register", "reject"},
		"registered": {"dispatch", "suspend"},
		"rejected":   nil,
		"dispatched": {"accept", "return", "suspend"},
		"returned":   {"dispatch", "suspend"},
		"accepted":   {"resolve", "suspend"},
		"resolved":   {"verify-pass", "verify-fail"},
		"closed":     nil,
		"suspended":  {"resume"},
	}
	admin := dispatch.Actor{Name: "admin", Role: dispatch.RoleAdmin}
	actions := map[string]dispatch.Action{
		"register":    {Name: dispatch.ActRegister},
		"reject":      {Name: dispatch.ActReject, Reason: "r"},
		"dispatch":    {Name: dispatch.ActDispatch},
		"accept":      {Name: dispatch.ActAccept},
		"return":      {Name: dispatch.ActReturn, Reason: "r"},
		"resolve":     {Name: dispatch.ActResolve, Note: "n"},
		"verify-pass": {Name: dispatch.ActVerify, Pass: yes()},
		"verify-fail": {Name: dispatch.ActVerify, Pass: no(), Reason: "r"},
		"suspend":     {Name: dispatch.ActSuspend, Reason: "r"},
		"resume":      {Name: dispatch.ActResume},
	}
	eachStore(t, func(t *testing.T, r *rig) {
		for state, ok := range legal {
			for name, a := range actions {
				t.Run(state+"/"+name, func(t *testing.T) {
					c := r.caseIn(state)
					_, err := r.svc.Act(r.ctx, admin, c.ID, a)
					if slices.Contains(ok, name) {
						require.NoError(t, err)
						return
					}
					require.ErrorIs(t, err, dispatch.ErrIllegalTransition)
					require.Contains(t, err.Error(), fmt.Sprintf("a %s case", state))
					require.Contains(t, err.Error(), "possible:")
					got, gerr := r.svc.Case(r.ctx, c.ID)
					require.NoError(t, gerr)
					require.Equal(t, c.Version, got.Version, "a refusal writes nothing")
				})
			}
		}
	})
}

// TestRoles checks, for every action, that every role not listed here by
// hand is refused with its reason — before the case is even read.
func TestRoles(t *testing.T) {
	may := map[string][]string{
		dispatch.ActRegister:      {"operator", "chief", "admin"},
		dispatch.ActReject:        {"operator", "chief", "admin"},
		dispatch.ActDispatch:      {"dispatcher", "chief", "admin"},
		dispatch.ActAccept:        {"agency", "admin"},
		dispatch.ActReturn:        {"agency", "admin"},
		dispatch.ActProgress:      {"agency", "admin"},
		dispatch.ActResolve:       {"agency", "admin"},
		dispatch.ActReportIn:      {"agency", "admin"},
		dispatch.ActRequestExtend: {"agency", "admin"},
		dispatch.ActDecideExtend:  {"chief", "supervisor", "admin"},
		dispatch.ActVerify:        {"supervisor", "chief", "admin"},
		dispatch.ActSuspend:       {"chief", "admin"},
		dispatch.ActResume:        {"chief", "admin"},
		dispatch.ActActivatePlan:  {"chief", "admin"},
		dispatch.ActStandDown:     {"chief", "admin"},
		dispatch.ActEvaluate:      {"operator", "chief", "admin"},
		dispatch.ActComment:       {"operator", "chief", "dispatcher", "agency", "supervisor", "grid", "admin"},
	}
	require.ElementsMatch(t, dispatch.Actions, keys(may), "every action is in the table")
	roles := []string{"operator", "chief", "dispatcher", "agency", "supervisor", "grid", "viewer", "admin", "", "root"}
	r := newRig(t, openSQLite(t))
	c := r.caseIn("accepted")
	for action, allowed := range may {
		require.ElementsMatch(t, allowed, dispatch.AllowedRoles(action), action)
		for _, role := range roles {
			if slices.Contains(allowed, role) {
				continue
			}
			t.Run(action+"/"+role, func(t *testing.T) {
				who := dispatch.Actor{Name: "someone", Role: role, Agency: "alsz-urban-2"}
				_, err := r.svc.Act(r.ctx, who, c.ID, dispatch.Action{Name: action})
				require.ErrorIs(t, err, dispatch.ErrForbidden)
				require.Contains(t, err.Error(), fmt.Sprintf("role %q may not %s", role, action))
			})
		}
	}
	_, err := r.svc.Report(r.ctx, viewer, dispatch.Report{})
	require.ErrorIs(t, err, dispatch.ErrForbidden, "a viewer files no reports")
	got, err := r.svc.Case(r.ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, c.Version, got.Version, "no refusal wrote anything")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReportValidation(t *testing.T) {
	r := newRig(t, openSQLite(t))
	lon, lat, bad := 105.67, 38.84, 200.0
	for _, tc := range []struct {
		desc string
		rep  dispatch.Report
		want error
	}{
		{"unknown category", dispatch.Report{Source: "hotline", Category: "99", Description: "x", Lon: &lon, Lat: &lat}, dispatch.ErrUnknown},
		{"no location", dispatch.Report{Source: "hotline", Category: catManhole, Description: "x"}, dispatch.ErrInvalid},
		{"lon without lat", dispatch.Report{Source: "hotline", Category: catManhole, Description: "x", Lon: &lon}, dispatch.ErrInvalid},
		{"out of range", dispatch.Report{Source: "hotline", Category: catManhole, Description: "x", Lon: &bad, Lat: &lat}, dispatch.ErrInvalid},
		{"no description", dispatch.Report{Source: "hotline", Category: catManhole, Lon: &lon, Lat: &lat}, dispatch.ErrInvalid},
		{"bad photo", dispatch.Report{Source: "hotline", Category: catManhole, Description: "x", Address: "巴彦浩特", Photos: []string{"file:///etc/passwd"}}, dispatch.ErrInvalid},
		{"bad source", dispatch.Report{Source: "fax", Category: catManhole, Description: "x", Address: "巴彦浩特"}, dispatch.ErrInvalid},
		{"bad severity", dispatch.Report{Source: "grid", Category: catManhole, Severity: "apocalyptic", Description: "x", Address: "巴彦浩特"}, dispatch.ErrInvalid},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := r.svc.Report(r.ctx, operator, tc.rep)
			require.ErrorIs(t, err, tc.want)
		})
	}
	c, err := r.svc.Report(r.ctx, dispatch.Actor{Name: "grid-7", Role: dispatch.RoleGrid},
		dispatch.Report{Source: "grid", Category: catManhole, Description: "井盖缺失", Address: "巴彦浩特镇王府街"})
	require.NoError(t, err, "an address alone is a location")
	require.Equal(t, "井盖缺失 · 巴彦浩特镇王府街", c.Title)
}
