package dispatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// OfferIncident hands the engine's incident changes to the loop without
// blocking the engine; Run processes them. When the queue is full the
// change waits for the sweep, which opens the cases of open incidents that
// have none (Reconcile).
func (s *Service) OfferIncident(in model.Incident) {
	select {
	case s.incidents <- in:
	default:
		s.log.Warn("incident queue full", "incident_id", in.ID)
	}
}

// Reconcile opens a case for every open incident that has none: changes
// dropped from a full queue, or a case creation that failed.
func (s *Service) Reconcile(ctx context.Context) error {
	if s.opts.Incidents == nil {
		return nil
	}
	open, err := s.opts.Incidents.Incidents(ctx, store.IncidentFilter{Status: model.IncidentOpen, Limit: 10000})
	if err != nil {
		return err
	}
	var errs []error
	for _, in := range open {
		if _, ok := s.categoryFor(in); ok && in.CaseID == 0 {
			if _, err := s.HandleIncident(ctx, in); err != nil {
				errs = append(errs, fmt.Errorf("incident %d: %w", in.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// categoryFor maps an incident onto the first category (catalogue order)
// declared for its engine category whose minimum severity it reaches.
func (s *Service) categoryFor(in model.Incident) (Category, bool) {
	for _, c := range s.opts.Catalogue.Categories {
		if c.IncidentCategory == in.Category && model.SeverityRank(in.Severity) >= model.SeverityRank(c.IncidentMinSeverity) {
			return c, true
		}
	}
	return Category{}, false
}

// HandleIncident opens a case for a new incident, registering and
// dispatching it without a human where its category says so. It is
// idempotent: an incident has at most one case (the store enforces it).
func (s *Service) HandleIncident(ctx context.Context, in model.Incident) (model.Case, error) {
	existing, err := s.opts.Store.ListCases(ctx, store.CaseFilter{IncidentID: in.ID, Limit: 1})
	if err != nil {
		return model.Case{}, err
	}
	if len(existing) > 0 {
		return s.followIncident(ctx, existing[0], in)
	}
	cat, ok := s.categoryFor(in)
	if in.Status != model.IncidentOpen || !ok {
		return model.Case{}, nil
	}
	c := model.Case{Source: model.CaseSourceIncident, SourceRef: fmt.Sprint(in.ID), IncidentID: in.ID,
		Category: cat.Code, Severity: in.Severity, Title: in.Title, Lon: in.Lon, Lat: in.Lat,
		RegionCode: in.RegionCode, State: string(Reported),
		Description: fmt.Sprintf("设备事件 %d：%s（%d 个设备，定位方式 %s）", in.ID, in.Title, len(in.Sources), in.Location.Method)}
	ch := s.begin(c, System)
	ch.c.CreatedAt, ch.c.UpdatedAt = ch.at, ch.at
	ch.event(actCreate, Reported, c.Description, map[string]any{"incident_id": in.ID, "sources": in.Sources})
	if err := s.opts.Store.CreateCase(ctx, &ch.c, ch.writes()); errors.Is(err, store.ErrExists) {
		return s.HandleIncident(ctx, in) // another hub opened it first
	} else if err != nil {
		return model.Case{}, err
	}
	s.published(ch)
	s.link(ctx, in, ch.c.ID)
	return s.autoSteps(ctx, ch.c)
}

func (s *Service) link(ctx context.Context, in model.Incident, caseID int64) {
	if s.opts.Incidents == nil || in.CaseID == caseID {
		return
	}
	if err := s.opts.Incidents.LinkCase(ctx, in.ID, caseID); err != nil {
		s.log.Error("incident not linked to its case", "incident_id", in.ID, "case_id", caseID, "err", err)
	}
}

// autoSteps registers and dispatches a device case where its category's
// policy says so; a step that failed before is retried on the incident's
// next change or the next reconcile.
func (s *Service) autoSteps(ctx context.Context, c model.Case) (model.Case, error) {
	cat := s.categories[c.Category]
	var err error
	if c.State == string(Reported) && cat.AutoRegister {
		if c, err = s.Act(ctx, System, c.ID, Action{Name: ActRegister, Note: "设备事件按类别策略自动立案"}); err != nil {
			return c, err
		}
	}
	if c.State == string(Registered) && cat.AutoRegister && cat.AutoDispatch {
		return s.Act(ctx, System, c.ID, Action{Name: ActDispatch, Note: "按类别策略自动派遣"})
	}
	return c, nil
}

// followIncident brings a case up to date with its incident: the link,
// automatic steps that did not happen, a rise in severity (which may
// trigger a plan), and the incident's closing (the sensors' all-clear).
func (s *Service) followIncident(ctx context.Context, c model.Case, in model.Incident) (model.Case, error) {
	s.link(ctx, in, c.ID)
	c, err := s.autoSteps(ctx, c)
	if err != nil {
		return c, err
	}
	done := c.State == string(Closed) || c.State == string(Rejected)
	rose := model.SeverityRank(in.Severity) > model.SeverityRank(c.Severity)
	cleared := in.Status == model.IncidentClosed && c.IncidentClosedAt.IsZero()
	moved := in.Lon != c.Lon || in.Lat != c.Lat || in.Title != c.Title
	if done || (!rose && !cleared && !moved) {
		return c, nil
	}
	return s.systemChange(ctx, c.ID, func(ctx context.Context, ch *change) error {
		if in.Lon != ch.c.Lon || in.Lat != ch.c.Lat || in.Title != ch.c.Title {
			// A second tower's bearing turns a line into a fix: the case
			// follows its incident (reserved resources stay where they are).
			ch.c.Lon, ch.c.Lat, ch.c.Title = in.Lon, in.Lat, in.Title
			if in.RegionCode != "" {
				ch.c.RegionCode = in.RegionCode
			}
			ch.event(ActComment, "", fmt.Sprintf("设备事件定位更新（%s）：%.5f, %.5f", in.Location.Method, in.Lon, in.Lat),
				map[string]any{"lon": in.Lon, "lat": in.Lat, "method": in.Location.Method})
			if ch.c.Plan.Active() {
				if err := s.replan(ctx, ch); err != nil {
					return err
				}
			}
		}
		if rose && model.SeverityRank(in.Severity) > model.SeverityRank(ch.c.Severity) {
			ch.c.Severity = in.Severity
			ch.event(ActComment, "", "设备事件等级升至 "+in.Severity, nil)
			if p, ok := s.matchPlan(ch.c); ok && !ch.c.Plan.Active() && ch.c.State != string(Reported) {
				if err := s.activate(ctx, ch, p, true, ""); err != nil {
					return err
				}
			}
		}
		if cleared && ch.c.IncidentClosedAt.IsZero() {
			ch.c.IncidentClosedAt = in.ClosedAt
			ch.event(ActComment, "", "传感器恢复正常：设备事件已消除", map[string]any{"incident_closed_at": in.ClosedAt})
		}
		return nil
	})
}

// systemChange applies a change by the hub itself, re-reading the case
// if someone changed it at the same moment.
func (s *Service) systemChange(ctx context.Context, id int64, fn func(context.Context, *change) error) (model.Case, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.opts.Store.GetCase(ctx, id)
		if err != nil {
			return model.Case{}, err
		}
		ch := s.begin(c, System)
		if err := fn(ctx, ch); err != nil {
			return c, err
		}
		if len(ch.w.Events) == 0 {
			return c, nil
		}
		err = s.commit(ctx, ch)
		if errors.Is(err, store.ErrConflict) && attempt < 2 {
			continue
		}
		return ch.c, err
	}
}
