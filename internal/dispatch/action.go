package dispatch

import (
	"time"

	"github.com/ywtg/hub/internal/dispatch/kpi"
	"github.com/ywtg/hub/internal/dispatch/sla"
)

// Action names: what a caller asks of a case.
const (
	ActRegister       = "register"          // 立案 (reported → registered)
	ActReject         = "reject"            // 不予立案 (reported → rejected)
	ActDispatch       = "dispatch"          // 派遣 (registered | returned | suspended → dispatched)
	ActAccept         = "accept"            // 签收 (dispatched → accepted), the agency
	ActReturn         = "return"            // 退回 (dispatched → returned), the agency, with a reason
	ActProgress       = "progress"          // 处置进展, a note, no state change
	ActResolve        = "resolve"           // 反馈 (accepted → resolved), the agency
	ActReportIn       = "report-in"         // 报到, an assisting agency
	ActVerify         = "verify"            // 核查: pass → closed (结案), fail → dispatched (返工)
	ActSuspend        = "suspend"           // 挂账, with a reason
	ActResume         = "resume"            // back to where it was suspended
	ActRequestExtend  = "request-extension" // 延期申请, the agency
	ActDecideExtend   = "decide-extension"  // 延期审批: approve or deny
	ActActivatePlan   = "activate-plan"     // 启动预案 by hand
	ActStandDown      = "stand-down"        // 预案终止
	ActEvaluate       = "evaluate"          // 评价 a closed case
	ActComment        = "comment"           // a note on the timeline
	actEscalate       = "escalate"          // 督办 (the SLA sweep)
	actWarn           = "sla-warning"       // 80 % of a stage's allowance (the SLA sweep)
	actOverdue        = "sla-overdue"       // the deadline passed (the SLA sweep)
	actReportInMissed = "report-in-missed"  // an assisting agency did not report in
	actCreate         = "create"            // 上报
)

// Action is one request on a case; which fields matter depends on Name.
type Action struct {
	Name string `json:"action"`
	// Version, when set, is the case version the caller saw: if the case
	// has changed since, the action fails with store.ErrConflict.
	Version int64  `json:"version,omitempty"`
	Note    string `json:"note,omitempty"`
	Reason  string `json:"reason,omitempty"` // reject, return, suspend, request-extension
	// Register may reclassify.
	Category string `json:"category,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Dispatch: the lead agency ("" takes the router's suggestion) and
	// assisting agencies for 吹哨报到.
	AgencyID string   `json:"agency_id,omitempty"`
	Assists  []Assist `json:"assists,omitempty"`
	// Resolve and progress: photos of the work.
	Photos []string `json:"photos,omitempty"`
	// Verify: whether the work passed.
	Pass *bool `json:"pass,omitempty"`
	// Request-extension: the extra time, in the stage's clock ("2h", "1wd").
	Extra *sla.Limit `json:"extra,omitempty"`
	// Decide-extension: approve or deny the pending request.
	Approve *bool `json:"approve,omitempty"`
	// Activate-plan.
	PlanID string `json:"plan_id,omitempty"`
	// Evaluate: 1–5.
	Rating int `json:"rating,omitempty"`
}

// Assist is an assisting agency in a joint dispatch.
type Assist struct {
	AgencyID string `json:"agency_id"`
	Task     string `json:"task"`
}

// KPIQuery asks for 综合评价 figures over a period.
type KPIQuery struct {
	GroupBy string    `json:"group_by"` // agency | region
	From    time.Time `json:"from"`     // cases created in [From, To)
	To      time.Time `json:"to"`
}

// KPIReport is the answer: a row per agency or region, ranked.
type KPIReport struct {
	KPIQuery
	AsOf    time.Time          `json:"as_of"`
	Weights map[string]float64 `json:"weights"`
	Rows    []kpi.Row          `json:"rows"`
}
