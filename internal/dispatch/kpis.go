package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/ywtg/hub/internal/dispatch/kpi"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// KPIs computes the 综合评价 figures for cases created in a period, per
// agency (the lead) or per banner-level region, ranked by the 综合指标值.
func (s *Service) KPIs(ctx context.Context, q KPIQuery) (KPIReport, error) {
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, -1, 0)
	}
	if !q.From.Before(q.To) {
		return KPIReport{}, fmt.Errorf("%w: from %s is not before to %s", ErrInvalid, q.From, q.To)
	}
	var group kpi.Group
	switch q.GroupBy {
	case "", "agency":
		q.GroupBy, group = "agency", kpi.ByAgency(s.agencyName)
	case "region":
		group = kpi.ByRegion(s.regionGroup)
	default:
		return KPIReport{}, fmt.Errorf("%w: group_by %q is not agency or region", ErrInvalid, q.GroupBy)
	}
	cases, err := s.opts.Store.ListCases(ctx, store.CaseFilter{From: q.From, To: q.To})
	if err != nil {
		return KPIReport{}, err
	}
	w := s.weights
	if len(w) == 0 {
		w = kpi.DefaultWeights
	}
	asOf := s.now()
	return KPIReport{KPIQuery: q, AsOf: asOf, Weights: w, Rows: kpi.Compute(cases, group, w, asOf)}, nil
}

// regionGroup puts a region code in its banner (the 6-digit code), or the
// code itself above that.
func (s *Service) regionGroup(code string) (string, string) {
	if code == "" {
		return "", ""
	}
	key := code
	if len(key) > 6 {
		key = key[:6]
	}
	if r, ok := s.opts.Regions.Get(key); ok {
		return key, r.Name
	}
	return key, key
}

// Today is the screen's picture of today's cases.
type Today struct {
	AsOf    time.Time      `json:"as_of"`
	ByState map[string]int `json:"by_state"`
	// Funnel counts today's cases that reached each step: 上报, 立案, 派遣,
	// 处置 (反馈), 结案.
	Funnel   map[string]int `json:"funnel"`
	Overdue  int            `json:"overdue"`
	Agencies []kpi.Row      `json:"agencies"` // ranked by 综合指标值 over the last 30 days
	// OnTimeResolveRate is today's 按期处置率 across all agencies (absent
	// when nothing was due).
	OnTimeResolveRate *float64 `json:"on_time_resolve_rate,omitempty"`
}

// TodayFigures computes the screen's figures.
func (s *Service) TodayFigures(ctx context.Context) (Today, error) {
	now := s.now()
	start := startOfDay(now)
	cases, err := s.opts.Store.ListCases(ctx, store.CaseFilter{From: start})
	if err != nil {
		return Today{}, err
	}
	t := Today{AsOf: now, ByState: map[string]int{}, Funnel: map[string]int{}}
	for _, c := range cases {
		t.ByState[c.State]++
		t.Funnel["reported"]++
		for step, at := range map[string]time.Time{"registered": c.RegisteredAt, "dispatched": c.DispatchedAt,
			"resolved": c.ResolvedAt, "closed": c.ClosedAt} {
			if !at.IsZero() {
				t.Funnel[step]++
			}
		}
		if c.SLA != nil && c.SLA.Overdue {
			t.Overdue++
		}
	}
	all := kpi.Compute(cases, func(model.Case) (string, string) { return "all", "全部" }, s.weights, now)
	if len(all) == 1 {
		if r, ok := all[0].Rates[kpi.OnTimeResolveRate]; ok {
			t.OnTimeResolveRate = &r
		}
	}
	if t.Agencies, err = s.ranking(ctx, now); err != nil {
		return Today{}, err
	}
	return t, nil
}

// rankingEvery bounds how often the screen's 30-day ranking is recomputed:
// it reads a month of cases, and moves slowly.
const rankingEvery = time.Minute

// ranking is the agencies' 30-day ranking, recomputed at most once a
// rankingEvery of the service's clock.
func (s *Service) ranking(ctx context.Context, now time.Time) ([]kpi.Row, error) {
	s.rankMu.Lock()
	defer s.rankMu.Unlock()
	if s.rankRows != nil && now.Sub(s.rankAt) < rankingEvery && !now.Before(s.rankAt) {
		return s.rankRows, nil
	}
	month, err := s.KPIs(ctx, KPIQuery{GroupBy: "agency", From: now.AddDate(0, 0, -30), To: now.Add(time.Second)})
	if err != nil {
		return nil, err
	}
	s.rankRows, s.rankAt = month.Rows, now
	return month.Rows, nil
}

func (s *Service) publishKPIs(ctx context.Context) {
	t, err := s.TodayFigures(ctx)
	if err != nil {
		s.log.Error("case figures failed", "err", err)
		return
	}
	s.opts.Live.Upsert(EntityKPI, "today", t)
}

// startOfDay is midnight China Standard Time, where the command centre is.
func startOfDay(t time.Time) time.Time {
	cst := t.In(chinaTime)
	return time.Date(cst.Year(), cst.Month(), cst.Day(), 0, 0, 0, 0, chinaTime).UTC()
}

var chinaTime = time.FixedZone("CST", 8*3600)
