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
// change is dropped with a log line: the next change of the incident (or
// the periodic Sweep, which re-reads open incidents' cases) catches up.
func (s *Service) OfferIncident(in model.Incident) {
	select {
	case s.incidents <- in:
	default:
		s.log.Warn("incident queue full", "incident_id", in.ID)
	}
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
// idempotent: an incident has at most one case.
func (s *Service) HandleIncident(ctx context.Context, in model.Incident) (model.Case, error) {
	existing, err := s.opts.Store.ListCases(ctx, store.CaseFilter{IncidentID: in.ID, Limit: 1})
	if err != nil {
		return model.Case{}, err
	}
	if len(existing) > 0 {
		return s.followIncident(ctx, existing[0], in)
	}
	if in.Status != model.IncidentOpen {
		return model.Case{}, nil
	}
	cat, ok := s.categoryFor(in)
	if !ok {
		s.log.Info("incident has no case category", "incident_id", in.ID, "category", in.Category)
		return model.Case{}, nil
	}
	c := model.Case{Source: model.CaseSourceIncident, SourceRef: fmt.Sprint(in.ID), IncidentID: in.ID,
		Category: cat.Code, Severity: in.Severity, Title: in.Title, Lon: in.Lon, Lat: in.Lat,
		RegionCode: in.RegionCode, State: string(Reported),
		Description: fmt.Sprintf("设备事件 %d：%s（%d 个设备，定位方式 %s）", in.ID, in.Title, len(in.Sources), in.Location.Method)}
	ch := s.begin(c, System)
	ch.c.CreatedAt, ch.c.UpdatedAt = ch.at, ch.at
	ch.event(actCreate, Reported, c.Description, map[string]any{"incident_id": in.ID, "sources": in.Sources})
	if err := s.opts.Store.CreateCase(ctx, &ch.c, ch.w); err != nil {
		return model.Case{}, err
	}
	s.published(ch)
	if s.opts.Incidents != nil {
		if err := s.opts.Incidents.LinkCase(ctx, in.ID, ch.c.ID); err != nil {
			s.log.Error("incident not linked to its case", "incident_id", in.ID, "case_id", ch.c.ID, "err", err)
		}
	}
	cur := ch.c
	if cat.AutoRegister {
		if cur, err = s.Act(ctx, System, cur.ID, Action{Name: ActRegister, Note: "设备事件按类别策略自动立案"}); err != nil {
			return cur, err
		}
		if cat.AutoDispatch {
			return s.Act(ctx, System, cur.ID, Action{Name: ActDispatch, Note: "按类别策略自动派遣"})
		}
	}
	return cur, nil
}

// followIncident notes an incident's later changes on its case: a rise in
// severity, and its closing (the sensors' all-clear).
func (s *Service) followIncident(ctx context.Context, c model.Case, in model.Incident) (model.Case, error) {
	switch {
	case model.SeverityRank(in.Severity) > model.SeverityRank(c.Severity) && c.State != string(Closed):
		return s.systemNote(ctx, c.ID, func(ch *change) {
			ch.c.Severity = in.Severity
			ch.event(ActComment, "", "设备事件等级升至 "+in.Severity, nil)
		})
	case in.Status == model.IncidentClosed && c.State != string(Closed) && c.State != string(Rejected):
		return s.systemNote(ctx, c.ID, func(ch *change) {
			ch.event(ActComment, "", "传感器恢复正常：设备事件已消除", map[string]any{"incident_closed_at": in.ClosedAt})
		})
	}
	return c, nil
}

// systemNote applies a system change, re-reading the case once if a
// person changed it at the same moment.
func (s *Service) systemNote(ctx context.Context, id int64, fn func(*change)) (model.Case, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.opts.Store.GetCase(ctx, id)
		if err != nil {
			return model.Case{}, err
		}
		ch := s.begin(c, System)
		fn(ch)
		err = s.commit(ctx, ch)
		if errors.Is(err, store.ErrConflict) && attempt < 2 {
			continue
		}
		return ch.c, err
	}
}
