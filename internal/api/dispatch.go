package api

import (
	"context"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Dispatch is the 一网统管 loop as the API sees it.
type Dispatch interface {
	Categories() []dispatch.Category
	Category(code string) (dispatch.Category, bool)
	Agencies() []dispatch.Agency
	Agency(id string) (dispatch.Agency, bool)
	Plans() []dispatch.Plan
	// Report files a case from a person's report.
	Report(ctx context.Context, who dispatch.Actor, r dispatch.Report) (model.Case, error)
	// Act performs an action on a case (register, dispatch, accept …).
	Act(ctx context.Context, who dispatch.Actor, id int64, a dispatch.Action) (model.Case, error)
	Case(ctx context.Context, id int64) (model.Case, error)
	Cases(ctx context.Context, f store.CaseFilter) ([]model.Case, error)
	Timeline(ctx context.Context, id int64) ([]model.CaseEvent, error)
	// Suggest proposes the responsible agency for a case, with the reason.
	Suggest(ctx context.Context, id int64) (model.Routing, error)
	Resources(ctx context.Context) ([]model.Resource, error)
	Outbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error)
	KPIs(ctx context.Context, q dispatch.KPIQuery) (dispatch.KPIReport, error)
	// WebhookKey is the PEM public key agencies verify webhooks with.
	WebhookKey() []byte
}
