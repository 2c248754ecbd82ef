package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/dispatch/kpi"
	"github.com/ywtg/hub/internal/dispatch/sla"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Regions places points and walks the region hierarchy (a *gis.Index).
type Regions interface {
	Locate(lon, lat float64) (gis.Region, bool)
	Get(code string) (gis.Region, bool)
	Ancestors(code string) []gis.Region
}

// Incidents is the event engine's side of incident cases.
type Incidents interface {
	Incident(ctx context.Context, id int64) (model.Incident, error)
	Incidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error)
	// LinkCase records the case an incident opened.
	LinkCase(ctx context.Context, incidentID, caseID int64) error
}

// Publisher receives entity changes for the screens.
type Publisher interface {
	Upsert(entity, id string, data any)
	Remove(entity, id string)
}

// Live entity names.
const (
	EntityCase = "case"
	EntityPlan = "plan" // an active plan: the banner on every screen
	EntityKPI  = "kpi"  // today's figures, id "today"
)

// Options configures a Service.
type Options struct {
	Catalogue *Catalogue
	Store     Store
	Regions   Regions
	Incidents Incidents // nil: no sensor verification
	Live      Publisher // nil: none
	// Delivered wakes the webhook worker after a change wrote the outbox.
	Delivered func()
	// WebhookKey is the PEM public key agencies verify webhooks with.
	WebhookKey []byte
	// Keys seal reporters' contacts at rest (a *pii.Keyring or
	// *pii.FileKeys); nil: a report with a reporter is refused, and contact
	// details in a report's text are masked with no original kept.
	Keys   Keys
	Now    func() time.Time
	Logger *slog.Logger
}

// Service runs cases through the loop. Every change is one store
// transaction guarded by the case's version; the service keeps no case in
// memory, so any number of hubs may share a database.
type Service struct {
	opts       Options
	log        *slog.Logger
	cal        *sla.Calendar
	categories map[string]Category
	agencies   map[string]Agency
	plans      map[string]Plan
	weights    map[string]float64

	incidents chan model.Incident
	kpiDirty  chan struct{}
	rankMu    sync.Mutex
	rankRows  []kpi.Row
	rankAt    time.Time
	timerMu   sync.Mutex
	timer     *time.Timer
	timerAt   time.Time
	wake      chan struct{}
}

// New checks the catalogue, seeds its resources into the store and returns
// the service.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.Catalogue == nil || opts.Store == nil || opts.Regions == nil {
		return nil, errors.New("dispatch: catalogue, store and regions are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Live == nil {
		opts.Live = nopPublisher{}
	}
	if opts.Delivered == nil {
		opts.Delivered = func() {}
	}
	cat := opts.Catalogue
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	cal, err := sla.NewCalendar(cat.Calendar)
	if err != nil {
		return nil, fmt.Errorf("dispatch calendar: %w", err)
	}
	s := &Service{opts: opts, log: opts.Logger, cal: cal,
		categories: map[string]Category{}, agencies: map[string]Agency{}, plans: map[string]Plan{},
		weights:   cat.KPIWeights,
		incidents: make(chan model.Incident, 1024), kpiDirty: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
	for _, c := range cat.Categories {
		s.categories[c.Code] = c
	}
	for _, a := range cat.Agencies {
		s.agencies[a.ID] = a
	}
	for _, p := range cat.Plans {
		s.plans[p.ID] = p
	}
	for _, a := range cat.Agencies {
		if _, ok := opts.Regions.Get(a.Region); !ok && len(a.Region) <= 6 {
			s.log.Warn("agency region not in the region index", "agency_id", a.ID, "region_code", a.Region)
		}
	}
	rs := slices.Clone(cat.Resources)
	for i := range rs {
		if rs[i].Status == "" {
			rs[i].Status = model.ResourceAvailable
		}
	}
	if err := opts.Store.SeedResources(ctx, rs); err != nil {
		return nil, fmt.Errorf("dispatch resources: %w", err)
	}
	return s, nil
}

// Categories lists the catalogue's categories in catalogue order.
func (s *Service) Categories() []Category { return slices.Clone(s.opts.Catalogue.Categories) }

// Category returns one category.
func (s *Service) Category(code string) (Category, bool) {
	c, ok := s.categories[code]
	return c, ok
}

// Agencies lists the agencies in catalogue order.
func (s *Service) Agencies() []Agency { return slices.Clone(s.opts.Catalogue.Agencies) }

// Agency returns one agency.
func (s *Service) Agency(id string) (Agency, bool) {
	a, ok := s.agencies[id]
	return a, ok
}

// Plans lists the plans.
func (s *Service) Plans() []Plan { return slices.Clone(s.opts.Catalogue.Plans) }

// Case returns a stored case, its reporter masked.
func (s *Service) Case(ctx context.Context, id int64) (model.Case, error) {
	c, err := s.opts.Store.GetCase(ctx, id)
	if err != nil {
		return c, err
	}
	return s.present(c), nil
}

// Cases lists stored cases, their reporters masked.
func (s *Service) Cases(ctx context.Context, f store.CaseFilter) ([]model.Case, error) {
	cases, err := s.opts.Store.ListCases(ctx, f)
	for i := range cases {
		cases[i] = s.present(cases[i])
	}
	return cases, err
}

// Timeline returns a case's timeline, oldest first.
func (s *Service) Timeline(ctx context.Context, id int64) ([]model.CaseEvent, error) {
	if _, err := s.opts.Store.GetCase(ctx, id); err != nil {
		return nil, err
	}
	return s.opts.Store.CaseEvents(ctx, id)
}

// Resources lists the resources and their status.
func (s *Service) Resources(ctx context.Context) ([]model.Resource, error) {
	return s.opts.Store.ListResources(ctx)
}

// Outbox lists webhooks and their delivery.
func (s *Service) Outbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error) {
	return s.opts.Store.ListOutbox(ctx, f)
}

// WebhookKey is the PEM public key agencies verify webhooks with.
func (s *Service) WebhookKey() []byte { return slices.Clone(s.opts.WebhookKey) }

// Suggest proposes the responsible agency for a case.
func (s *Service) Suggest(ctx context.Context, id int64) (model.Routing, error) {
	c, err := s.opts.Store.GetCase(ctx, id)
	if err != nil {
		return model.Routing{}, err
	}
	if _, ok := s.categories[c.Category]; !ok {
		return model.Routing{}, fmt.Errorf("%w category %q", ErrUnknown, c.Category)
	}
	sg, _ := s.suggestion(c)
	return sg, nil
}

// suggestion is the lead agency a dispatch without a choice goes to: the
// owner of the category, or of the active plan's lead type; with the plan.
func (s *Service) suggestion(c model.Case) (model.Routing, *Plan) {
	cat := s.categories[c.Category]
	leadType := cat.AgencyType
	var plan *Plan
	if c.Plan.Active() {
		if p, ok := s.plans[c.Plan.PlanID]; ok {
			plan = &p
			if p.Lead != "" {
				leadType = p.Lead
			}
		}
	}
	return s.route(cat, leadType, c), plan
}

// limits returns a category's limits for a severity.
// A severity's entry may set only what differs from the default.
func (s *Service) limits(c *model.Case) Limits {
	cat := s.categories[c.Category]
	l, def := cat.SLA[c.Severity], cat.SLA["default"]
	l.Sign, l.Resolve = orLimit(l.Sign, def.Sign), orLimit(l.Resolve, def.Resolve)
	l.Verify, l.ReportIn = orLimit(l.Verify, def.Verify), orLimit(l.ReportIn, def.ReportIn)
	return l
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

func caseKey(id int64) string { return strconv.FormatInt(id, 10) }

type nopPublisher struct{}

func (nopPublisher) Upsert(string, string, any) {}
func (nopPublisher) Remove(string, string)      {}
