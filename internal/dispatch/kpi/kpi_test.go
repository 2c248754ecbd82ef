package kpi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch/kpi"
	"github.com/ywtg/hub/internal/model"
)

var cst = time.FixedZone("CST", 8*3600)

// at is a time in March 2026.
func at(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, cst) }

// asOf is when the figures are taken: 2026-03-20 00:00.
var asOf = at(20, 0, 0)

var (
	approved = model.Extension{Status: model.ExtensionApproved}
	pending  = model.Extension{Status: model.ExtensionPending}
	denied   = model.Extension{Status: model.ExtensionDenied}
)

// agencyCases are ten cases: six of 城管局 (city), three of 水务局 (water)
// and one never dispatched.
func agencyCases() []model.Case {
	return []model.Case{
		// city: sign 30m, resolve 24h (3/2 09:00 → 3/3 09:00), on time; closed on time.
		{ID: 1, State: "closed", AgencyID: "city", RegisteredAt: at(2, 8, 30), DispatchedAt: at(2, 9, 0), AcceptedAt: at(2, 9, 30),
			ResolvedAt: at(3, 9, 0), ResolvedOnTime: true, ResolveDue: at(4, 9, 0), ClosedAt: at(4, 10, 0), ClosedOnTime: true},
		// city: sign 60m, resolve 6h (10:00 → 16:00), late; reworked once; an
		// approved extension; closed on time.
		{ID: 2, State: "closed", AgencyID: "city", RegisteredAt: at(2, 9, 30), DispatchedAt: at(2, 10, 0), AcceptedAt: at(2, 11, 0),
			ResolvedAt: at(2, 16, 0), Reworks: 1, Extensions: []model.Extension{approved}, ClosedAt: at(5, 10, 0), ClosedOnTime: true},
		// city: sign 15m, resolve 24h, on time; not closed yet (its
		// ClosedOnTime flag does not count); no approved extension.
		{ID: 3, State: "resolved", AgencyID: "city", RegisteredAt: at(3, 8, 0), DispatchedAt: at(3, 9, 0), AcceptedAt: at(3, 9, 15),
			ResolvedAt: at(4, 9, 0), ResolvedOnTime: true, ClosedOnTime: true, Extensions: []model.Extension{pending, denied}},
		// city: sign 75m (09:00 → 10:15); unresolved, due 3/10 < asOf: overdue;
		// extended (one denied, then one approved).
		{ID: 4, State: "accepted", AgencyID: "city", RegisteredAt: at(5, 8, 0), DispatchedAt: at(5, 9, 0), AcceptedAt: at(5, 10, 15),
			ResolveDue: at(10, 9, 0), Extensions: []model.Extension{denied, approved}},
		// city: not signed; due 3/25, after asOf: not overdue; a stray
		// ResolvedOnTime flag on an unresolved case does not count.
		{ID: 5, State: "dispatched", AgencyID: "city", RegisteredAt: at(18, 8, 0), DispatchedAt: at(18, 9, 0),
			ResolveDue: at(25, 9, 0), ResolvedOnTime: true},
		// city: no deadline set: not overdue.
		{ID: 6, State: "dispatched", AgencyID: "city", RegisteredAt: at(6, 8, 0), DispatchedAt: at(6, 9, 0)},
		// water: sign 20m, resolve 4h (09:00 → 13:00), on time; closed on time.
		{ID: 7, State: "closed", AgencyID: "water", RegisteredAt: at(2, 8, 0), DispatchedAt: at(2, 9, 0), AcceptedAt: at(2, 9, 20),
			ResolvedAt: at(2, 13, 0), ResolvedOnTime: true, ClosedAt: at(3, 9, 0), ClosedOnTime: true},
		// water: sign 40m, resolve 8h (09:00 → 17:00), on time; closed late.
		{ID: 8, State: "closed", AgencyID: "water", RegisteredAt: at(3, 8, 0), DispatchedAt: at(3, 9, 0), AcceptedAt: at(3, 9, 40),
			ResolvedAt: at(3, 17, 0), ResolvedOnTime: true, ClosedAt: at(4, 9, 0)},
		// water: not signed, due 3/6 < asOf: overdue.
		{ID: 9, State: "dispatched", AgencyID: "water", RegisteredAt: at(4, 8, 0), DispatchedAt: at(4, 9, 0), ResolveDue: at(6, 9, 0)},
		// water suggested but never dispatched: not an agency's case.
		{ID: 10, State: "registered", AgencyID: "water", RegisteredAt: at(4, 8, 0)},
	}
}

var agencyNames = map[string]string{"city": "城管局", "water": "水务局"}

func name(id string) string { return agencyNames[id] }

// requireRates compares rates with the ids present exactly.
func requireRates(t *testing.T, want, got map[string]float64) {
	t.Helper()
	require.Len(t, got, len(want), "rates %v", got)
	for id, v := range want {
		require.Contains(t, got, id)
		require.InDelta(t, v, got[id], 1e-12, id)
	}
}

func TestCompute(t *testing.T) {
	rows := kpi.Compute(agencyCases(), kpi.ByAgency(name), nil, asOf)
	require.Len(t, rows, 2)
	for _, tc := range []struct {
		desc  string
		got   kpi.Row
		want  kpi.Row
		rates map[string]float64
	}{
		{
			// water, cases 7, 8, 9 (10 was never dispatched):
			//   resolved 7, 8 (both on time); overdue 9; closed 7 (on
			//   time), 8 (late); no rework, no extension.
			// Rates: register 3/3 = 1; resolve 2/3; on time 2/(2+1) = 2/3;
			//   close 2/3; on-time close 1/2; rework 0/2 = 0; extension 0/3 = 0.
			// Score: .15·2/3 + .30·2/3 + .15·2/3 = .60·2/3 = .40
			//   + .20·.5 = .10 + .10·(1−0) + .10·(1−0) = .20 → .70 / Σw 1.00
			//   → 70.00.
			// Sign (20m + 40m)/2 = 30m; resolve (4h + 8h)/2 = 6h.
			desc: "water", got: rows[0],
			want: kpi.Row{Key: "water", Name: "水务局", Cases: 3, Registered: 3, Dispatched: 3, Resolved: 2, ResolvedOnTime: 2,
				Overdue: 1, Closed: 2, ClosedOnTime: 1, Reworked: 0, Extended: 0,
				MeanSign: 30 * time.Minute, MeanResolve: 6 * time.Hour, Score: 70, Rank: 1},
			rates: map[string]float64{kpi.RegisterRate: 1, kpi.ResolveRate: 2.0 / 3, kpi.OnTimeResolveRate: 2.0 / 3,
				kpi.CloseRate: 2.0 / 3, kpi.OnTimeCloseRate: 0.5, kpi.ReworkRate: 0, kpi.ExtensionRate: 0},
		},
		{
			// city, cases 1–6:
			//   resolved 1, 2, 3 (1 and 3 on time); overdue 4 (5 is not
			//   due yet, 6 has no deadline); closed 1, 2 (both on time);
			//   reworked 2; extended 2, 4.
			// Rates: register 6/6 = 1; resolve 3/6 = .5; on time 2/(3+1) = .5;
			//   close 2/6 = 1/3; on-time close 2/2 = 1; rework 1/3;
			//   extension 2/6 = 1/3.
			// Score: .15·.5 = .075 + .30·.5 = .15 + .15·1/3 = .05 + .20·1 = .20
			//   + .10·(1 − 1/3) = .0667 + .10·(1 − 1/3) = .0667
			//   = .608333… / Σw 1.00 → 60.8333 → 60.83.
			// Sign (30m + 60m + 15m + 75m)/4 = 180m/4 = 45m;
			// resolve (24h + 6h + 24h)/3 = 54h/3 = 18h.
			desc: "city", got: rows[1],
			want: kpi.Row{Key: "city", Name: "城管局", Cases: 6, Registered: 6, Dispatched: 6, Resolved: 3, ResolvedOnTime: 2,
				Overdue: 1, Closed: 2, ClosedOnTime: 2, Reworked: 1, Extended: 2,
				MeanSign: 45 * time.Minute, MeanResolve: 18 * time.Hour, Score: 60.83, Rank: 2},
			rates: map[string]float64{kpi.RegisterRate: 1, kpi.ResolveRate: 0.5, kpi.OnTimeResolveRate: 0.5,
				kpi.CloseRate: 1.0 / 3, kpi.OnTimeCloseRate: 1, kpi.ReworkRate: 1.0 / 3, kpi.ExtensionRate: 1.0 / 3},
		},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			requireRates(t, tc.rates, tc.got.Rates)
			tc.got.Rates = nil
			require.Equal(t, tc.want, tc.got)
		})
	}
}

func TestComputeWeights(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		weights map[string]float64
		want    map[string]float64 // key → score
		order   []string           // keys by rank
	}{
		// As TestCompute.
		{"nil means the defaults", nil, map[string]float64{"water": 70, "city": 60.83}, []string{"water", "city"}},
		{"empty means the defaults", map[string]float64{}, map[string]float64{"water": 70, "city": 60.83}, []string{"water", "city"}},
		// city 100 × 1 = 100; water 100 × .5 = 50.
		{"on-time closing only", map[string]float64{kpi.OnTimeCloseRate: 1}, map[string]float64{"city": 100, "water": 50}, []string{"city", "water"}},
		// register_rate counts once weighted; rework is 1 − rate.
		// city (1·1 + 1·(1 − 1/3)) / 2 = (5/3)/2 = 5/6 = .83333 → 83.33;
		// water (1·1 + 1·(1 − 0)) / 2 = 1 → 100.
		// Unknown ids, negative and zero weights are ignored.
		{"custom weights", map[string]float64{kpi.RegisterRate: 1, kpi.ReworkRate: 1, "bogus": 5, kpi.ResolveRate: -1, kpi.CloseRate: 0},
			map[string]float64{"city": 83.33, "water": 100}, []string{"water", "city"}},
		// city .5·1 (register) + 1.5·.5 (on time) = 1.25, / 2 = .625 → 62.5;
		// water .5·1 + 1.5·2/3 = 1.5, / 2 = .75 → 75.
		{"uneven weights", map[string]float64{kpi.RegisterRate: 0.5, kpi.OnTimeResolveRate: 1.5},
			map[string]float64{"city": 62.5, "water": 75}, []string{"water", "city"}},
		// No weighted rate present: 0 for both, ranked by key.
		{"weights for nothing present", map[string]float64{"bogus": 1}, map[string]float64{"city": 0, "water": 0}, []string{"city", "water"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			rows := kpi.Compute(agencyCases(), kpi.ByAgency(name), tc.weights, asOf)
			var order []string
			for i, r := range rows {
				require.Equal(t, i+1, r.Rank)
				require.Equal(t, tc.want[r.Key], r.Score, r.Key)
				order = append(order, r.Key)
			}
			require.Equal(t, tc.order, order)
		})
	}
}

func TestComputeByRegion(t *testing.T) {
	districts := map[string]string{"440305": "南山区", "440306": "宝安区"}
	level := func(code string) (string, string) {
		if len(code) < 6 {
			return "", ""
		}
		return code[:6], districts[code[:6]]
	}
	cases := []model.Case{
		// 南山区: reported only.
		{ID: 1, State: "reported", RegionCode: "440305001"},
		// 南山区: rejected (不予立案). Its ClosedAt does not make it closed.
		{ID: 2, State: "rejected", RegionCode: "440305002", ClosedAt: at(3, 9, 0), ClosedOnTime: true},
		// 宝安区: registered, no further.
		{ID: 3, State: "registered", RegionCode: "440306001", RegisteredAt: at(3, 9, 0)},
		// No region: left out.
		{ID: 4, State: "reported"},
	}
	rows := kpi.Compute(cases, kpi.ByRegion(level), nil, asOf)
	require.Len(t, rows, 2)
	for _, tc := range []struct {
		desc  string
		got   kpi.Row
		want  kpi.Row
		rates map[string]float64
	}{
		{
			// 2 cases, none registered: register 0/2 = 0. Every other
			// denominator (dispatched, resolved + overdue, registered,
			// closed, resolved) is 0: absent. register_rate has no default
			// weight, so no weighted rate: score 0. Tied with 宝安区 at 0,
			// first by key (440305 < 440306).
			desc: "南山区", got: rows[0],
			want:  kpi.Row{Key: "440305", Name: "南山区", Cases: 2, Rank: 1},
			rates: map[string]float64{kpi.RegisterRate: 0},
		},
		{
			// 1 case, registered: register 1/1 = 1, close 0/1 = 0, the
			// rest absent. Score 100 × (.15 × 0) / .15 = 0.
			desc: "宝安区", got: rows[1],
			want:  kpi.Row{Key: "440306", Name: "宝安区", Cases: 1, Registered: 1, Rank: 2},
			rates: map[string]float64{kpi.RegisterRate: 1, kpi.CloseRate: 0},
		},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			requireRates(t, tc.rates, tc.got.Rates)
			tc.got.Rates = nil
			require.Equal(t, tc.want, tc.got)
		})
	}
}

func TestComputeTies(t *testing.T) {
	// One model case each: registered, dispatched, resolved and closed on
	// time, no rework, no extension: every rate 1 (rework and extension 0,
	// counting 1 − 0 = 1), score 100 for all three.
	done := func(agency string) model.Case {
		return model.Case{State: "closed", AgencyID: agency, RegisteredAt: at(2, 8, 0), DispatchedAt: at(2, 9, 0),
			ResolvedAt: at(2, 12, 0), ResolvedOnTime: true, ClosedAt: at(2, 15, 0), ClosedOnTime: true}
	}
	rows := kpi.Compute([]model.Case{done("zeta"), done("alpha"), done("mu")}, kpi.ByAgency(nil), nil, asOf)
	for _, tc := range []struct {
		desc, key string
		rank      int
	}{
		{"alpha first", "alpha", 1},
		{"mu second", "mu", 2},
		{"zeta last", "zeta", 3},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := rows[tc.rank-1]
			require.Equal(t, tc.key, r.Key)
			require.Equal(t, tc.key, r.Name, "no names: the id")
			require.Equal(t, tc.rank, r.Rank)
			require.Equal(t, 100.0, r.Score)
			require.Zero(t, r.MeanSign, "never signed: no mean")
		})
	}
}

func TestComputeEmpty(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		cases []model.Case
		group kpi.Group
	}{
		{"no cases", nil, kpi.ByAgency(name)},
		{"none dispatched", []model.Case{{State: "reported", AgencyID: "city"}}, kpi.ByAgency(name)},
		{"no group", agencyCases(), nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			rows := kpi.Compute(tc.cases, tc.group, nil, asOf)
			require.NotNil(t, rows, "an empty list, not null, in JSON")
			require.Empty(t, rows)
		})
	}
}
