package dispatch

import (
	"context"
	"fmt"
	"slices"

	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
)

// matchPlan returns the first plan (catalogue order) a case triggers:
// its category, at least the plan's severity, inside the plan's regions.
func (s *Service) matchPlan(c model.Case) (Plan, bool) {
	for _, p := range s.opts.Catalogue.Plans {
		if slices.Contains(p.Categories, c.Category) &&
			model.SeverityRank(c.Severity) >= model.SeverityRank(p.MinSeverity) &&
			s.inRegions(c, p.Regions) {
			return p, true
		}
	}
	return Plan{}, false
}

// activatePlan puts a plan into effect by hand.
func (s *Service) activatePlan(ctx context.Context, ch *change, a Action) error {
	p, ok := s.plans[a.PlanID]
	if !ok {
		return fmt.Errorf("%w plan %q", ErrUnknown, a.PlanID)
	}
	switch State(ch.c.State) {
	case Closed, Rejected:
		return fmt.Errorf("%w: a %s case cannot activate a plan", ErrIllegalTransition, ch.c.State)
	}
	if ch.c.Plan.Active() {
		return fmt.Errorf("%w: plan %s is already active on this case", ErrInvalid, ch.c.Plan.PlanID)
	}
	return s.activate(ctx, ch, p, false, a.Note)
}

// reserved is a resource a plan reserved, for the timeline.
type reserved struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
}

// activate records the activation and reserves the nearest available
// resources of each type the plan needs, in the case's transaction.
func (s *Service) activate(ctx context.Context, ch *change, p Plan, auto bool, note string) error {
	all, err := s.opts.Store.ListResources(ctx)
	if err != nil {
		return err
	}
	act := &model.PlanActivation{PlanID: p.ID, Name: p.Name, Level: p.Level, Auto: auto,
		ActivatedAt: ch.at, ActivatedBy: ch.who.Name}
	var got []reserved
	var short []string
	for _, need := range p.Needs {
		byID := map[string]model.Resource{}
		var pts []gis.Point
		for _, r := range all {
			if r.Type == need.Type && r.Status == model.ResourceAvailable {
				byID[r.ID] = r
				pts = append(pts, gis.Point{ID: r.ID, Lon: r.Lon, Lat: r.Lat})
			}
		}
		near := gis.Nearest(pts, ch.c.Lon, ch.c.Lat, need.Count)
		if len(near) < need.Count {
			short = append(short, fmt.Sprintf("%s 需 %d 仅 %d", need.Type, need.Count, len(near)))
		}
		for _, n := range near {
			r := byID[n.ID]
			r.Status, r.CaseID = model.ResourceReserved, ch.c.ID
			ch.w.Resources = append(ch.w.Resources, r)
			act.Resources = append(act.Resources, r.ID)
			got = append(got, reserved{r.ID, r.Type, r.Name, n.DistanceM})
		}
	}
	ch.c.Plan = act
	msg := fmt.Sprintf("启动%s（%s响应）", p.Name, p.Level)
	if auto {
		msg = "自动" + msg
	}
	if len(short) > 0 {
		msg += "；资源不足：" + fmt.Sprint(short)
	}
	ch.event(ActActivatePlan, "", joinNote(msg, note), map[string]any{"plan_id": p.ID, "resources": got})
	return nil
}

// standDown ends the plan and releases what it reserved.
func (s *Service) standDown(ctx context.Context, ch *change, note string) error {
	if !ch.c.Plan.Active() {
		return fmt.Errorf("%w: no plan is active on this case", ErrInvalid)
	}
	all, err := s.opts.Store.ListResources(ctx)
	if err != nil {
		return err
	}
	for _, r := range all {
		if slices.Contains(ch.c.Plan.Resources, r.ID) && r.CaseID == ch.c.ID && r.Status == model.ResourceReserved {
			r.Status, r.CaseID = model.ResourceAvailable, 0
			ch.w.Resources = append(ch.w.Resources, r)
		}
	}
	ch.c.Plan.StoodDownAt, ch.c.Plan.StoodDownBy = ch.at, ch.who.Name
	ch.event(ActStandDown, "", joinNote("预案终止："+ch.c.Plan.Name, note), map[string]any{"released": ch.c.Plan.Resources})
	return nil
}
