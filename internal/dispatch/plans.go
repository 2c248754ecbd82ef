package dispatch

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
	act := &model.PlanActivation{PlanID: p.ID, Name: p.Name, Level: p.Level, Auto: auto,
		ActivatedAt: ch.at, ActivatedBy: ch.who.Name}
	msg := fmt.Sprintf("启动%s（%s响应）", p.Name, p.Level)
	if auto {
		msg = "自动" + msg
	}
	var got []reserved
	if lon, lat, ok := s.anchor(ch.c); ok {
		var short []string
		var err error
		if got, short, err = s.reserve(ctx, ch, p.Needs, lon, lat); err != nil {
			return err
		}
		if len(short) > 0 {
			msg += "；资源不足：" + strings.Join(short, "，")
		}
	} else {
		msg += "；位置未知，未预置资源"
	}
	for _, r := range got {
		act.Resources = append(act.Resources, r.ID)
	}
	ch.c.Plan = act
	ch.event(ActActivatePlan, "", joinNote(msg, note), map[string]any{"plan_id": p.ID, "resources": got})
	return nil
}

// anchor is where resources are measured from: the case's point, else
// its region's label point; none for a case located by address only.
func (s *Service) anchor(c model.Case) (lon, lat float64, ok bool) {
	if c.Lon != 0 || c.Lat != 0 {
		return c.Lon, c.Lat, true
	}
	if r, found := s.opts.Regions.Get(c.RegionCode); found && (r.Center[0] != 0 || r.Center[1] != 0) {
		return r.Center[0], r.Center[1], true
	}
	return 0, 0, false
}

// reserve picks, for each need, the nearest available resources of its
// type (counting those the case already holds as available) and writes
// the difference: new ones reserved, ones no longer picked released.
func (s *Service) reserve(ctx context.Context, ch *change, needs []PlanNeed, lon, lat float64) ([]reserved, []string, error) {
	all, err := s.opts.Store.ListResources(ctx)
	if err != nil {
		return nil, nil, err
	}
	held := map[string]bool{}
	if ch.c.Plan != nil {
		for _, id := range ch.c.Plan.Resources {
			held[id] = true
		}
	}
	var got []reserved
	var short []string
	picked := map[string]bool{}
	for _, need := range needs {
		byID := map[string]model.Resource{}
		var pts []gis.Point
		for _, r := range all {
			free := r.Status == model.ResourceAvailable || held[r.ID] && r.CaseID == ch.c.ID
			if r.Type == need.Type && free && !picked[r.ID] {
				byID[r.ID] = r
				pts = append(pts, gis.Point{ID: r.ID, Lon: r.Lon, Lat: r.Lat})
			}
		}
		near := gis.Nearest(pts, lon, lat, need.Count)
		if len(near) < need.Count {
			short = append(short, fmt.Sprintf("%s 需 %d 仅 %d", need.Type, need.Count, len(near)))
		}
		for _, n := range near {
			r := byID[n.ID]
			picked[r.ID] = true
			got = append(got, reserved{r.ID, r.Type, r.Name, n.DistanceM})
			if !held[r.ID] {
				r.Status, r.CaseID = model.ResourceReserved, ch.c.ID
				ch.w.Resources = append(ch.w.Resources, r)
			}
		}
	}
	for _, r := range all {
		if held[r.ID] && !picked[r.ID] && r.CaseID == ch.c.ID {
			r.Status, r.CaseID = model.ResourceAvailable, 0
			ch.w.Resources = append(ch.w.Resources, r)
		}
	}
	return got, short, nil
}

// replan re-picks an active plan's resources after the case moved (a
// bearing line became a fix): the nearest to where the case now is.
func (s *Service) replan(ctx context.Context, ch *change) error {
	p, ok := s.plans[ch.c.Plan.PlanID]
	lon, lat, located := s.anchor(ch.c)
	if !ok || !located {
		return nil
	}
	got, short, err := s.reserve(ctx, ch, p.Needs, lon, lat)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(got))
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if slices.Equal(ids, ch.c.Plan.Resources) {
		return nil
	}
	ch.c.Plan.Resources = ids
	msg := "位置更新，重新预置最近资源"
	if len(short) > 0 {
		msg += "；资源不足：" + strings.Join(short, "，")
	}
	ch.event(ActActivatePlan, "", msg, map[string]any{"plan_id": p.ID, "resources": got})
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
