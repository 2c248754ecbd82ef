package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// errFakeUnsupported is what the fake answers for what it does not model.
var errFakeUnsupported = errors.New("fake dispatch: not supported")

// fakeDispatch is an in-memory api.Dispatch: a two-category catalogue, two
// agencies, and cases kept in a slice. Report applies the service's rules
// the API relies on, as the real service words them (the category exists,
// the source is known, a description and a point or an address are
// given), and records what it was called with.
type fakeDispatch struct {
	mu        sync.Mutex
	cats      []dispatch.Category
	agencies  []dispatch.Agency
	cases     []model.Case
	now       func() time.Time
	reportErr error // when set, Report answers it

	lastWho    dispatch.Actor
	lastReport dispatch.Report
	reports    int
}

var _ api.Dispatch = (*fakeDispatch)(nil)

func newFakeDispatch() *fakeDispatch {
	return &fakeDispatch{
		cats: []dispatch.Category{
			{Code: "001", Class: "component", Major: "市政设施", Minor: "道路塌陷", Standard: "路面塌陷、坑洞面积超过0.5平方米", AgencyType: "roads"},
			{Code: "02.03.01", Class: "event", Major: "突发事件", Minor: "森林火情", Standard: "发现明火或烟点", AgencyType: "forestry"},
		},
		agencies: []dispatch.Agency{
			{ID: "roads-1", Name: "阿拉善左旗住建局", Type: "roads", Region: "152921"},
			{ID: "forest-1", Name: "阿拉善左旗林草局", Type: "forestry", Region: "152921"},
		},
		now: time.Now,
	}
}

// dispatchServer is the API wired to a fake dispatch only.
func dispatchServer(f *fakeDispatch) http.Handler {
	return api.New(api.Options{Dispatch: f, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// add stores a case as the service would have, giving it the next id.
func (f *fakeDispatch) add(c model.Case) model.Case {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.ID = int64(len(f.cases) + 1)
	if c.No == "" {
		c.No = fmt.Sprintf("YW%08d", c.ID)
	}
	if c.State == "" {
		c.State = string(dispatch.Reported)
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	f.cases = append(f.cases, c)
	return c
}

func (f *fakeDispatch) Categories() []dispatch.Category { return slices.Clone(f.cats) }

func (f *fakeDispatch) Category(code string) (dispatch.Category, bool) {
	i := slices.IndexFunc(f.cats, func(c dispatch.Category) bool { return c.Code == code })
	if i < 0 {
		return dispatch.Category{}, false
	}
	return f.cats[i], true
}

func (f *fakeDispatch) Agencies() []dispatch.Agency { return slices.Clone(f.agencies) }

func (f *fakeDispatch) Agency(id string) (dispatch.Agency, bool) {
	i := slices.IndexFunc(f.agencies, func(a dispatch.Agency) bool { return a.ID == id })
	if i < 0 {
		return dispatch.Agency{}, false
	}
	return f.agencies[i], true
}

func (f *fakeDispatch) Plans() []dispatch.Plan { return nil }

func (f *fakeDispatch) Report(_ context.Context, who dispatch.Actor, r dispatch.Report) (model.Case, error) {
	f.mu.Lock()
	f.lastWho, f.lastReport = who, r
	f.reports++
	err := f.reportErr
	f.mu.Unlock()
	if err != nil {
		return model.Case{}, err
	}
	cat, ok := f.Category(r.Category)
	if !ok {
		return model.Case{}, fmt.Errorf("%w: category %q", dispatch.ErrUnknown, r.Category)
	}
	switch r.Source {
	case model.CaseSourceHotline, model.CaseSourceGrid, model.CaseSourceOpen311, model.CaseSourceManual:
	default:
		return model.Case{}, fmt.Errorf("%w: source %q", dispatch.ErrInvalid, r.Source)
	}
	if strings.TrimSpace(r.Description) == "" {
		return model.Case{}, fmt.Errorf("%w: a report needs a description", dispatch.ErrInvalid)
	}
	if (r.Lon == nil) != (r.Lat == nil) {
		return model.Case{}, fmt.Errorf("%w: give both lon and lat, or neither", dispatch.ErrInvalid)
	}
	if r.Lon == nil && strings.TrimSpace(r.Address) == "" {
		return model.Case{}, fmt.Errorf("%w: a report needs a location: lon and lat, or an address", dispatch.ErrInvalid)
	}
	now := f.now()
	c := model.Case{Source: r.Source, SourceRef: r.SourceRef, Category: r.Category, Severity: "minor",
		Title: cat.Name(), Description: r.Description, Address: r.Address, Photos: r.Photos, Reporter: r.Reporter,
		CreatedAt: now, UpdatedAt: now}
	if r.Lon != nil && r.Lat != nil {
		c.Lon, c.Lat = *r.Lon, *r.Lat
	}
	return f.add(c), nil
}

func (f *fakeDispatch) Act(context.Context, dispatch.Actor, int64, dispatch.Action) (model.Case, error) {
	return model.Case{}, errFakeUnsupported
}

func (f *fakeDispatch) Case(_ context.Context, id int64) (model.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id < 1 || id > int64(len(f.cases)) {
		return model.Case{}, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	return f.cases[id-1], nil
}

// Cases filters as the stores do: newest first, CreatedAt in [From, To).
func (f *fakeDispatch) Cases(_ context.Context, flt store.CaseFilter) ([]model.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Case
	for i := len(f.cases) - 1; i >= 0; i-- {
		c := f.cases[i]
		switch {
		case len(flt.States) > 0 && !slices.Contains(flt.States, c.State),
			flt.Category != "" && c.Category != flt.Category,
			flt.Source != "" && c.Source != flt.Source,
			!flt.From.IsZero() && c.CreatedAt.Before(flt.From),
			!flt.To.IsZero() && !c.CreatedAt.Before(flt.To):
			continue
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b model.Case) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

func (f *fakeDispatch) Timeline(context.Context, int64) ([]model.CaseEvent, error) {
	return nil, errFakeUnsupported
}

func (f *fakeDispatch) Suggest(context.Context, int64) (model.Routing, error) {
	return model.Routing{}, errFakeUnsupported
}

func (f *fakeDispatch) Resources(context.Context) ([]model.Resource, error) {
	return nil, errFakeUnsupported
}

func (f *fakeDispatch) Outbox(context.Context, store.OutboxFilter) ([]model.OutboxMessage, error) {
	return nil, errFakeUnsupported
}

func (f *fakeDispatch) KPIs(context.Context, dispatch.KPIQuery) (dispatch.KPIReport, error) {
	return dispatch.KPIReport{}, errFakeUnsupported
}

func (f *fakeDispatch) WebhookKey() []byte { return nil }
