package model

import (
	"encoding/json"
	"time"
)

// Case is one matter in the 一网统管 loop, from 上报 to 评价. Its State is a
// dispatch.State id; everything a case has been through is on its timeline
// (CaseEvent rows), and the fields below are the current picture.
type Case struct {
	ID     int64  `json:"id"`
	No     string `json:"no"`     // 案卷编号, human-facing: YW20261121000042
	Source string `json:"source"` // one of the CaseSource… ids
	// SourceRef is the source's own reference: an incident id, a 12345
	// ticket number, an Open311 client's token.
	SourceRef  string `json:"source_ref,omitempty"`
	IncidentID int64  `json:"incident_id,omitempty"`
	// IncidentClosedAt is when the incident's sensors all cleared.
	IncidentClosedAt time.Time `json:"incident_closed_at,omitzero"`
	Category         string    `json:"category"` // category code, e.g. "02.03.01"
	Severity         string    `json:"severity"` // info | minor | major | critical
	Title            string    `json:"title"`
	Description      string    `json:"description,omitempty"`
	Address          string    `json:"address,omitempty"`
	Lon              float64   `json:"lon"`
	Lat              float64   `json:"lat"`
	RegionCode       string    `json:"region_code"`
	Photos           []string  `json:"photos,omitempty"`
	Reporter         *Person   `json:"reporter,omitempty"`
	State            string    `json:"state"`

	// AgencyID is the responsible (lead, 主办) agency once dispatched.
	AgencyID   string   `json:"agency_id,omitempty"`
	Suggestion *Routing `json:"suggestion,omitempty"` // the router's proposal and its reason
	// Tasks are the agencies working the case: the lead and, for 吹哨报到,
	// the assisting agencies, each with its own task and report-in.
	Tasks []CaseTask `json:"tasks,omitempty"`
	// SLA is the running deadline of the current stage, if any.
	SLA        *SLAClock   `json:"sla,omitempty"`
	Extensions []Extension `json:"extensions,omitempty"`
	// Reworks counts verifications that failed (返工).
	Reworks int `json:"reworks"`
	// Returns counts agencies sending the case back (退回).
	Returns int `json:"returns"`
	// Escalated is set when an overdue stage was escalated to the
	// supervising body (督办).
	Escalated     bool   `json:"escalated,omitempty"`
	SuspendedFrom string `json:"suspended_from,omitempty"` // the state to resume
	SuspendReason string `json:"suspend_reason,omitempty"`
	// RejectReason, ReturnReason: the last ones given.
	RejectReason string          `json:"reject_reason,omitempty"`
	ReturnReason string          `json:"return_reason,omitempty"`
	Plan         *PlanActivation `json:"plan,omitempty"`
	Resolution   string          `json:"resolution,omitempty"` // the agency's 反馈
	// VerifiedBy is who passed the last 核查: a supervisor, or "sensor".
	VerifiedBy string `json:"verified_by,omitempty"`
	Rating     int    `json:"rating,omitempty"` // 评价 1–5
	RatingNote string `json:"rating_note,omitempty"`

	// Milestones, first time each was reached (zero if never); KPIs are
	// computed from these and the on-time flags.
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	RegisteredAt   time.Time `json:"registered_at,omitzero"`
	DispatchedAt   time.Time `json:"dispatched_at,omitzero"`
	AcceptedAt     time.Time `json:"accepted_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
	ResolveDue     time.Time `json:"resolve_due,omitzero"` // 处置 deadline, moved by extensions
	ResolvedOnTime bool      `json:"resolved_on_time,omitempty"`
	ClosedOnTime   bool      `json:"closed_on_time,omitempty"`
	Version        int64     `json:"version"`
}

// Case sources.
const (
	CaseSourceIncident = "incident" // the event engine
	CaseSourceHotline  = "hotline"  // 12345
	CaseSourceGrid     = "grid"     // 网格员
	CaseSourceOpen311  = "open311"  // a GeoReport v2 client
	CaseSourceManual   = "manual"   // entered at the console
)

// Person is a reporter's contact. It is personal data, kept in one of
// three forms: plain (a report coming in, the unmask endpoint), sealed (at
// rest: only Sealed, the SM4 sealing of the other fields, internal/pii) or
// masked (every response and webhook: 张*, 138****1234, and Masked).
type Person struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	IDNo  string `json:"id_no,omitempty"`
	// Title, Description and Address are the case's as reported, kept sealed with
	// the contact when they held contact details (a number typed into the
	// description) that the case's own text has masked. Set by dispatch,
	// shown only unmasked.
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Address     string `json:"address,omitempty"`
	// Sealed is set by dispatch, never taken from a request.
	Sealed string `json:"sealed,omitempty"`
	Masked bool   `json:"masked,omitempty"`
	// TextMasked says the case's title, description or address had contact
	// details masked; unmasking shows them as written (Title, Description,
	// Address).
	TextMasked bool `json:"text_masked,omitempty"`
}

// Plain is p's personal data only: no seal, no marks.
func (p Person) Plain() Person {
	return Person{Name: p.Name, Phone: p.Phone, Email: p.Email, IDNo: p.IDNo, Title: p.Title, Description: p.Description,
		Address: p.Address}
}

// Routing is a proposed responsible agency and why.
type Routing struct {
	AgencyID string `json:"agency_id"`
	Reason   string `json:"reason"`
}

// Task roles in a joint dispatch.
const (
	TaskLead   = "lead"   // 主办
	TaskAssist = "assist" // 协办
)

// CaseTask is one agency's part in a case.
type CaseTask struct {
	AgencyID   string    `json:"agency_id"`
	Role       string    `json:"role"` // lead | assist
	Task       string    `json:"task,omitempty"`
	Due        time.Time `json:"due,omitzero"` // report-in deadline
	ReportedAt time.Time `json:"reported_at,omitzero"`
	ReportedBy string    `json:"reported_by,omitempty"`
	Note       string    `json:"note,omitempty"`
	Overdue    bool      `json:"overdue,omitempty"` // the report-in deadline passed unanswered
}

// SLA stages.
const (
	StageSign    = "sign"    // 签收: dispatched → accepted
	StageResolve = "resolve" // 处置: accepted → resolved
	StageVerify  = "verify"  // 核查: resolved → closed
)

// SLAClock is the deadline of a case's current stage.
type SLAClock struct {
	Stage   string    `json:"stage"`
	Start   time.Time `json:"start"`
	WarnAt  time.Time `json:"warn_at"` // 80 % of the allowance
	Due     time.Time `json:"due"`
	Working bool      `json:"working,omitempty"` // counted in working time
	Warned  bool      `json:"warned,omitempty"`
	Overdue bool      `json:"overdue,omitempty"`
	// PausedAt is set while the case is suspended; the clock resumes
	// with the remaining allowance.
	PausedAt time.Time `json:"paused_at,omitzero"`
}

// Extension states.
const (
	ExtensionPending  = "pending"
	ExtensionApproved = "approved"
	ExtensionDenied   = "denied"
	// ExtensionWithdrawn: the case left the 处置 stage before a decision.
	ExtensionWithdrawn = "withdrawn"
)

// Extension is an agency's request for more time (延期).
type Extension struct {
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	Extra       string    `json:"extra"` // the extra time asked for, as a limit: "4h", "8wh", "1wd"
	Reason      string    `json:"reason"`
	Status      string    `json:"status"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
}

// PlanActivation is a 预案 put into effect for a case.
type PlanActivation struct {
	PlanID      string    `json:"plan_id"`
	Name        string    `json:"name"`
	Level       string    `json:"level"` // response level, e.g. Ⅲ级
	Auto        bool      `json:"auto"`  // triggered by category × severity × region
	ActivatedAt time.Time `json:"activated_at"`
	ActivatedBy string    `json:"activated_by"`
	StoodDownAt time.Time `json:"stood_down_at,omitzero"`
	StoodDownBy string    `json:"stood_down_by,omitempty"`
	Resources   []string  `json:"resources,omitempty"` // reserved resource ids
}

// Active reports whether the plan is in effect.
func (p *PlanActivation) Active() bool { return p != nil && p.StoodDownAt.IsZero() }

// CaseEvent is one line of a case's timeline: a transition or an action
// that kept the state (progress note, report-in, extension, SLA warning).
type CaseEvent struct {
	ID     int64           `json:"id"`
	CaseID int64           `json:"case_id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`            // who: a user, "system", "sensor"
	Role   string          `json:"role"`             // the role they acted in
	Agency string          `json:"agency,omitempty"` // for agency users
	Action string          `json:"action"`           // register, dispatch, accept …
	From   string          `json:"from,omitempty"`
	To     string          `json:"to,omitempty"`
	Note   string          `json:"note,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// OutboxMessage is a webhook to an agency, written in the same transaction
// as the change it reports and delivered by a worker until it succeeds.
type OutboxMessage struct {
	ID          int64     `json:"id"`
	CaseID      int64     `json:"case_id"`
	AgencyID    string    `json:"agency_id"`
	URL         string    `json:"url"`
	Event       string    `json:"event"` // case.dispatched, case.escalated …
	Key         string    `json:"key"`   // idempotency key, unique
	Body        []byte    `json:"body"`  // the JSON posted, signed as is
	CreatedAt   time.Time `json:"created_at"`
	Attempts    int       `json:"attempts"`
	NextAt      time.Time `json:"next_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// Resource statuses.
const (
	ResourceAvailable = "available"
	ResourceReserved  = "reserved"
	ResourceOffline   = "offline"
)

// Resource is a crew, vehicle or stockpile a plan can reserve.
type Resource struct {
	ID       string  `json:"id" yaml:"id"`
	Type     string  `json:"type" yaml:"type"` // fire_crew, water_tender, pump …
	Name     string  `json:"name" yaml:"name"`
	AgencyID string  `json:"agency_id" yaml:"agency"`
	Lon      float64 `json:"lon" yaml:"lon"`
	Lat      float64 `json:"lat" yaml:"lat"`
	Status   string  `json:"status" yaml:"status"`       // default available
	CaseID   int64   `json:"case_id,omitempty" yaml:"-"` // reserved for
	Version  int64   `json:"version" yaml:"-"`
}
