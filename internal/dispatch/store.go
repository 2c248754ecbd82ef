package dispatch

import (
	"context"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Store keeps cases, their timelines, the outbox and the resources. Every
// change to a case is one transaction with its CaseWrites.
type Store interface {
	// CreateCase inserts c (its ID, No if empty, and Version 1 are set) with w.
	CreateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error
	// UpdateCase replaces c if its stored version is still c.Version, with
	// w, and bumps c.Version; store.ErrConflict if another writer came
	// first, store.ErrNotFound if there is no such case.
	UpdateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error
	GetCase(ctx context.Context, id int64) (model.Case, error)
	ListCases(ctx context.Context, f store.CaseFilter) ([]model.Case, error)
	// CaseEvents returns a case's timeline, oldest first.
	CaseEvents(ctx context.Context, caseID int64) ([]model.CaseEvent, error)

	// ListOutbox returns webhooks, oldest first.
	ListOutbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error)
	// UpdateOutbox records a delivery attempt: Attempts, NextAt,
	// DeliveredAt and LastError.
	UpdateOutbox(ctx context.Context, m model.OutboxMessage) error

	// SeedResources inserts the resources that are not stored yet and
	// updates the name, type, agency and position of those that are,
	// keeping their status, case and version.
	SeedResources(ctx context.Context, rs []model.Resource) error
	ListResources(ctx context.Context) ([]model.Resource, error)
}
