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
