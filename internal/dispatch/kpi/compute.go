package kpi

import (
	"cmp"
	"maps"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// stateRejected is dispatch.Rejected (不予立案); kpi cannot import dispatch.
// A rejected case is finished but not closed, whatever its ClosedAt says.
const stateRejected = "rejected"

// lowerIsBetter are the rates that count as 1 − rate in the score.
var lowerIsBetter = map[string]bool{ReworkRate: true, ExtensionRate: true}

// Compute gives one row per group of cases, ranked by score.
//
// Each case counts in the row group(c) names; a case it gives the key ""
// is left out, and so is every case when group is nil. A row's Name is
// the first non-empty name given for its key. What counts:
//   - Cases: every case; Registered, Dispatched, Resolved, Closed: the
//     milestone reached (a rejected case is never Closed);
//   - ResolvedOnTime, ClosedOnTime: the flag, on resolved or closed
//     cases only;
//   - Overdue: dispatched, not resolved, not suspended (挂账 stops the
//     clock), ResolveDue set and before asOf;
//   - Reworked: resolved with at least one rework;
//   - Extended: dispatched with an approved extension.
//
// Rates are as defined on their ids; one whose denominator is zero is
// absent. MeanSign and MeanResolve are the mean of AcceptedAt −
// DispatchedAt and ResolvedAt − DispatchedAt over the cases with both,
// truncated to the nanosecond, 0 when there are none.
//
// Score is 100 × Σ wᵢ·vᵢ / Σ wᵢ over the rates present in the row whose
// weight is positive and finite, vᵢ being the rate, or 1 − rate for the
// rework and extension rates (lower is better); 0 when no weighted rate
// is present. It is rounded to 2 decimals, and rows are ranked by it,
// highest first, ties by Key ascending, every row its own Rank 1…n; the
// rows come back in rank order. Empty weights (nil or no entries) mean
// DefaultWeights; weights for unknown ids are ignored.
func Compute(cases []model.Case, group Group, weights map[string]float64, asOf time.Time) []Row {
	if len(weights) == 0 {
		weights = DefaultWeights
	}
	acc := map[string]*accumulator{}
	if group != nil {
		for i := range cases {
			c := &cases[i]
			key, name := group(*c)
			if key == "" {
				continue
			}
			a := acc[key]
			if a == nil {
				a = &accumulator{row: Row{Key: key}}
				acc[key] = a
			}
			if a.row.Name == "" {
				a.row.Name = name
			}
			a.add(c, asOf)
		}
	}
	rows := make([]Row, 0, len(acc))
	for _, a := range acc {
		rows = append(rows, a.finish(weights))
	}
	slices.SortFunc(rows, func(x, y Row) int {
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
	for i := range rows {
		rows[i].Rank = i + 1
	}
	return rows
}

type accumulator struct {
	row             Row
	sign, resolve   big.Int // sums of nanoseconds
	nSign, nResolve int64
}

func (a *accumulator) add(c *model.Case, asOf time.Time) {
	r := &a.row
	r.Cases++
	registered := !c.RegisteredAt.IsZero()
	dispatched := !c.DispatchedAt.IsZero()
	resolved := !c.ResolvedAt.IsZero()
	closed := !c.ClosedAt.IsZero() && c.State != stateRejected
	if registered {
		r.Registered++
	}
	if dispatched {
		r.Dispatched++
		if slices.ContainsFunc(c.Extensions, func(e model.Extension) bool { return e.Status == model.ExtensionApproved }) {
			r.Extended++
		}
		if !resolved && c.State != "suspended" && !c.ResolveDue.IsZero() && c.ResolveDue.Before(asOf) {
			r.Overdue++
		}
		if !c.AcceptedAt.IsZero() {
			a.sign.Add(&a.sign, big.NewInt(int64(c.AcceptedAt.Sub(c.DispatchedAt))))
			a.nSign++
		}
		if resolved {
			a.resolve.Add(&a.resolve, big.NewInt(int64(c.ResolvedAt.Sub(c.DispatchedAt))))
			a.nResolve++
		}
	}
	if resolved {
		r.Resolved++
		if c.ResolvedOnTime {
			r.ResolvedOnTime++
		}
		if c.Reworks > 0 {
			r.Reworked++
		}
	}
	if closed {
		r.Closed++
		if c.ClosedOnTime {
			r.ClosedOnTime++
		}
	}
}

func (a *accumulator) finish(weights map[string]float64) Row {
	r := a.row
	r.Rates = map[string]float64{}
	rate := func(id string, num, den int) {
		if den > 0 {
			r.Rates[id] = float64(num) / float64(den)
		}
	}
	rate(RegisterRate, r.Registered, r.Cases)
	rate(ResolveRate, r.Resolved, r.Dispatched)
	rate(OnTimeResolveRate, r.ResolvedOnTime, r.Resolved+r.Overdue)
	rate(CloseRate, r.Closed, r.Registered)
	rate(OnTimeCloseRate, r.ClosedOnTime, r.Closed)
	rate(ReworkRate, r.Reworked, r.Resolved)
	rate(ExtensionRate, r.Extended, r.Dispatched)
	r.MeanSign = mean(&a.sign, a.nSign)
	r.MeanResolve = mean(&a.resolve, a.nResolve)
	r.Score = score(r.Rates, weights)
	return r
}

// mean is sum / n, truncated, saturating at the Duration range.
func mean(sum *big.Int, n int64) time.Duration {
	if n == 0 {
		return 0
	}
	q := new(big.Int).Quo(sum, big.NewInt(n))
	if !q.IsInt64() {
		if q.Sign() < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return time.Duration(q.Int64())
}

func score(rates map[string]float64, weights map[string]float64) float64 {
	var sum, total float64
	for _, id := range slices.Sorted(maps.Keys(weights)) { // a fixed order, a fixed sum
		w := weights[id]
		v, ok := rates[id]
		if !ok || !(w > 0) || math.IsInf(w, 1) {
			continue
		}
		if lowerIsBetter[id] {
			v = 1 - v
		}
		sum += w * v
		total += w
	}
	if total == 0 {
		return 0
	}
	return math.Round(100*sum/total*100) / 100
}

// ByAgency groups cases by their lead agency (AgencyID), named by name
// (the id itself when name is nil or gives ""). Cases never dispatched are
// left out: they have no responsible agency yet.
func ByAgency(name func(id string) string) Group {
	return func(c model.Case) (string, string) {
		if c.DispatchedAt.IsZero() || c.AgencyID == "" {
			return "", ""
		}
		n := ""
		if name != nil {
			n = name(c.AgencyID)
		}
		return c.AgencyID, cmp.Or(n, c.AgencyID)
	}
}

// ByRegion groups cases by the region level gives for their RegionCode
// (for instance the district above a street's code); a case it gives the
// key "" is left out. A nil level groups by RegionCode itself.
func ByRegion(level func(code string) (key, name string)) Group {
	return func(c model.Case) (string, string) {
		if level == nil {
			return c.RegionCode, c.RegionCode
		}
		return level(c.RegionCode)
	}
}
