// Package model holds the domain nouns shared along the data flow: Device,
// Reading, Event, Status, Alarm, DeadLetter. It owns no behaviour beyond small
// helpers and must not import any other internal package.
package model

import (
	"fmt"
	"time"
)

// Device is a registered field device. Its secret is never held here; the
// store keeps only its hash.
type Device struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name,omitempty"`
	Lon        float64   `json:"lon"`
	Lat        float64   `json:"lat"`
	RegionCode string    `json:"region_code"`
	RegionName string    `json:"region_name,omitempty"`
	Operator   string    `json:"operator,omitempty"`
	Disabled   bool      `json:"disabled,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// RuleOverrides replaces a profile rule's levels for this device, keyed by
	// rule id (a hydrology station's own 警戒水位, say).
	RuleOverrides map[string]RuleOverride `json:"rule_overrides,omitempty"`
	// Params are the device's own settings that are not rule levels, named
	// by its profile's params section: a tower camera's north_offset_deg, a
	// water station's target class, a station's 保证水位 …
	Params map[string]float64 `json:"params,omitempty"`
}

// RuleOverride sets a device's own trigger and clear levels for one rule,
// and optionally its own severity bands and sample count, or turns the rule
// off for the device (an outlet's emission limit at an air station).
type RuleOverride struct {
	Value       float64    `json:"value" yaml:"value"`
	Clear       float64    `json:"clear" yaml:"clear"`
	Bands       []RuleBand `json:"bands,omitempty" yaml:"bands"`
	Consecutive int        `json:"consecutive,omitempty" yaml:"consecutive"` // 0: the rule's
	Off         bool       `json:"off,omitempty" yaml:"off"`
}

// RuleBand is a device's own severity band of a rule.
type RuleBand struct {
	Value    float64 `json:"value" yaml:"value"`
	Clear    float64 `json:"clear" yaml:"clear"`
	Severity string  `json:"severity" yaml:"severity"`
}

// Reading is one validated sample from a device: all the metric values it
// carried at one timestamp. (DeviceID, TS, Seq) identifies it for dedupe.
type Reading struct {
	DeviceID string             `json:"device_id"`
	TS       time.Time          `json:"ts"`
	Seq      int64              `json:"seq"`
	Values   map[string]float64 `json:"values"`
	Flags    map[string]string  `json:"flags,omitempty"`
}

// Event is a discrete occurrence a device reports (smoke, entrapment …).
// Fields holds the type-specific attributes as sent, after validation.
type Event struct {
	DeviceID string         `json:"device_id"`
	TS       time.Time      `json:"ts"`
	Type     string         `json:"type"`
	Fields   map[string]any `json:"fields,omitempty"`
}

// Status is a device's self-reported state from devices/{id}/status or its
// last will.
type Status struct {
	DeviceID   string    `json:"device_id"`
	State      string    `json:"state"` // online | offline
	TS         time.Time `json:"ts"`
	FW         string    `json:"fw,omitempty"`
	BatteryPct *float64  `json:"battery_pct,omitempty"`
}

// Device online states.
const (
	StateOnline  = "online"
	StateOffline = "offline"
)

// DeviceState is the live view of a device: what the screen and
// GET /api/v1/devices/{id} show beside the registration.
type DeviceState struct {
	DeviceID string             `json:"device_id"`
	Online   bool               `json:"online"`
	LastSeen time.Time          `json:"last_seen,omitempty"`
	LastTS   time.Time          `json:"last_ts,omitempty"`
	Values   map[string]float64 `json:"values,omitempty"`
	Flags    map[string]string  `json:"flags,omitempty"`
	FW       string             `json:"fw,omitempty"`
	Battery  *float64           `json:"battery_pct,omitempty"`
}

// Severity of an alarm, most severe first.
const (
	SeverityCritical = "critical"
	SeverityMajor    = "major"
	SeverityMinor    = "minor"
	SeverityWarning  = "warning"
)

// SeverityRank orders severities; higher is more severe, unknown is 0.
func SeverityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityMajor:
		return 3
	case SeverityMinor:
		return 2
	case SeverityWarning:
		return 1
	}
	return 0
}

// Alarm statuses.
const (
	AlarmActive  = "active"
	AlarmCleared = "cleared"
)

// Alarm is raised by a rule about one source (a device). There is at most one
// active alarm per (Source, Type); repeats update it in place.
type Alarm struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"` // device id
	Type       string    `json:"type"`
	Label      string    `json:"label,omitempty"`
	Severity   string    `json:"severity"`
	Status     string    `json:"status"`
	Acked      bool      `json:"acked"`
	AckedBy    string    `json:"acked_by,omitempty"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
	Count      int       `json:"count"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	ClearedAt  time.Time `json:"cleared_at,omitzero"`
	Metric     string    `json:"metric,omitempty"`
	Value      float64   `json:"value"`
	Threshold  float64   `json:"threshold"`
	Message    string    `json:"message,omitempty"`
	RegionCode string    `json:"region_code"`
	Lon        float64   `json:"lon"`
	Lat        float64   `json:"lat"`
	Kind       string    `json:"kind,omitempty"`
	// Category groups alarms about the same kind of thing for correlation
	// into incidents (forest_fire, flood, elevator, pollution, device …).
	Category string `json:"category,omitempty"`
	// Location is where the alarm's cause is, when it is not the device
	// itself: a fire seen by a tower camera along a bearing.
	Location   *Location `json:"location,omitempty"`
	IncidentID int64     `json:"incident_id,omitempty"`
	Assignee   string    `json:"assignee,omitempty"`
	Version    int64     `json:"version"`
}

// Location is where an alarm's cause was located, and how.
type Location struct {
	Method     string  `json:"method"` // one of the Locate… methods
	Lon        float64 `json:"lon,omitempty"`
	Lat        float64 `json:"lat,omitempty"`
	BearingDeg float64 `json:"bearing_deg,omitempty"` // true bearing from the device, after calibration
	DistanceM  float64 `json:"distance_m,omitempty"`
	// Line is the bearing line, [lon, lat] points from the device outwards,
	// when only a bearing is known.
	Line [][2]float64 `json:"line,omitempty"`
}

// How a location was found.
const (
	LocateDevice          = "device"           // the device's own position
	LocateBearingDistance = "bearing_distance" // one tower: bearing and range
	LocateBearingLine     = "bearing_line"     // one tower: bearing only
	LocateTriangulated    = "triangulated"     // two towers' bearings intersected
)

// AlarmComment is a note an operator adds to an alarm.
type AlarmComment struct {
	ID      int64     `json:"id"`
	AlarmID int64     `json:"alarm_id"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Text    string    `json:"text"`
}

// Incident statuses.
const (
	IncidentOpen   = "open"
	IncidentClosed = "closed"
)

// Incident gathers the alarms about one thing in the world — one fire seen by
// two towers, one flood crest passing three stations — located once. It opens
// at most one case (CaseID, set by the dispatch loop).
type Incident struct {
	ID         int64     `json:"id"`
	Category   string    `json:"category"`
	Title      string    `json:"title"`
	Severity   string    `json:"severity"`
	Status     string    `json:"status"`
	RegionCode string    `json:"region_code"`
	Lon        float64   `json:"lon"`
	Lat        float64   `json:"lat"`
	Location   Location  `json:"location"` // how Lon/Lat were found; Line when only a bearing is known
	AlarmIDs   []int64   `json:"alarm_ids"`
	Sources    []string  `json:"sources"` // device ids of the member alarms
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	CaseID     int64     `json:"case_id,omitempty"`
	Version    int64     `json:"version"`
}

// DeadLetter is a rejected message, kept with a machine-readable reason so
// nothing a device sent is silently lost.
type DeadLetter struct {
	ID       int64     `json:"id"`
	TS       time.Time `json:"ts"`
	DeviceID string    `json:"device_id,omitempty"`
	Topic    string    `json:"topic,omitempty"`
	Reason   string    `json:"reason"`
	Detail   string    `json:"detail,omitempty"`
	Payload  string    `json:"payload,omitempty"`
}

// Dead-letter and refusal reasons. These ids are part of the API.
const (
	ReasonMalformed       = "malformed_payload"
	ReasonUnknownMetric   = "unknown_metric"
	ReasonOutOfRange      = "out_of_range"
	ReasonBadValue        = "bad_value"
	ReasonFutureTimestamp = "future_timestamp"
	ReasonBadTimestamp    = "bad_timestamp"
	ReasonUnknownEvent    = "unknown_event_type"
	ReasonBadTopic        = "bad_topic"
	ReasonACLDenied       = "acl_denied"
	ReasonUnknownDevice   = "unknown_device"
	ReasonDeviceDisabled  = "device_disabled"
	ReasonAuthFailed      = "auth_failed"
	ReasonTooLarge        = "payload_too_large"
	ReasonTooManyValues   = "too_many_values"
	ReasonRateLimited     = "rate_limited"
	ReasonClientID        = "client_id_mismatch"
	ReasonStoreFailed     = "store_failed"
)

// Rejection is why a message (or one sample of it) was refused. Decoders and
// validators return it; the ingest edge turns it into a dead letter and a
// counter. Reason is one of the Reason… ids.
type Rejection struct {
	Reason string
	Detail string
}

func (r *Rejection) Error() string {
	if r.Detail == "" {
		return r.Reason
	}
	return r.Reason + ": " + r.Detail
}

// Reject builds a *Rejection with a formatted detail.
func Reject(reason, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}
