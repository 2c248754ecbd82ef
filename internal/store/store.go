// Package store holds the row and filter types every store backend shares, and
// their sentinel errors. The backends live beside it (store/sqlite and
// store/postgis); the packages that use storage declare the small interfaces
// they need in terms of these types. This package does no I/O.
package store

import (
	"time"

	"github.com/ywtg/hub/internal/model"
)

// Batch is what the ingest writer commits in one transaction.
type Batch struct {
	Readings    []model.Reading
	Events      []model.Event
	Statuses    []model.Status
	DeadLetters []model.DeadLetter
}

// BatchResult reports which readings and events were new. Inserted[i] is false
// when Readings[i] duplicated a stored (device, ts, seq); likewise EventNew.
type BatchResult struct {
	Inserted []bool
	EventNew []bool
}

// DeviceRecord is a device with the hash of its MQTT secret.
type DeviceRecord struct {
	model.Device
	SecretHash string
}

// AlarmFilter selects alarms; zero fields match everything.
type AlarmFilter struct {
	Status     string // active | cleared
	Source     string
	Category   string
	IncidentID int64
	Limit      int
}

// IncidentFilter selects incidents, newest first; zero fields match everything.
type IncidentFilter struct {
	Status   string // open | closed
	Category string
	Limit    int
}

// DeadLetterFilter selects dead letters, newest first.
type DeadLetterFilter struct {
	Reason   string
	DeviceID string
	BeforeID int64 // page: only ids below this
	Limit    int
}

// ReadingFilter selects one device's readings in [From, To), newest first.
type ReadingFilter struct {
	DeviceID string
	From, To time.Time
	Limit    int
}

// HourlyPoint is one device metric's summary over one whole UTC hour, from
// the readings_hourly rollup that long-range charts read.
type HourlyPoint struct {
	Hour          time.Time // start of the hour, UTC
	N             int64     // samples in the hour
	Min, Max, Avg float64
}

// CaseFilter selects cases, newest first; zero fields match everything.
type CaseFilter struct {
	States     []string // any of these states
	Category   string
	Source     string
	IncidentID int64
	// AgencyID matches cases whose lead agency it is or in which it has a
	// task (an assisting agency's queue).
	AgencyID   string
	RegionCode string    // the case's region or any region below it (code prefix)
	From, To   time.Time // CreatedAt in [From, To)
	BeforeID   int64     // page: only ids below this
	Limit      int       // 0: no limit
}

// CaseWrites is everything written in the same transaction as a case: its
// timeline entries, the webhooks reporting the change, and the resources it
// reserves or releases. Each event's and message's CaseID is set by the
// store; resources are updated only if their Version still matches (else
// the whole transaction fails with ErrConflict) and their Version bumps.
type CaseWrites struct {
	Events    []model.CaseEvent
	Outbox    []model.OutboxMessage
	Resources []model.Resource
	// Audit entries are chained onto the audit log (Seq, PrevHash and Hash
	// set by the store) in the same transaction.
	Audit []model.AuditEntry
}

// AuditFilter selects audit entries in Seq order.
type AuditFilter struct {
	AfterSeq int64  // only Seq > AfterSeq
	Target   string // only this target, e.g. "case:42"
	Limit    int    // 0: no limit
}

// OutboxFilter selects webhooks, oldest first.
type OutboxFilter struct {
	Pending  bool      // only undelivered
	DueBy    time.Time // with Pending: only NextAt <= DueBy (zero: any)
	CaseID   int64
	AgencyID string
	Limit    int
}
