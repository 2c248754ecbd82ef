// Package dispatch runs each case through the 一网统管 loop
// (上报 → 立案 → 派遣 → 签收/处置 → 反馈 → 核查 → 结案 → 评价) to the agency
// responsible: cases from the engine's incidents and from people's reports,
// routing up the region hierarchy, roles per action, SLA clocks with 督办,
// 吹哨报到, 延期, 挂账, 预案 with the nearest resources, a durable outbox for
// agency webhooks, and the 综合评价 KPIs. Categories, agencies, plans and
// resources are data (Catalogue). Every change is one store transaction
// guarded by the case's version. It must not reach into ingest or the
// engine's internals: incidents arrive through its own API.
package dispatch

import (
	"fmt"
	"slices"
)

// State is a case's state: a stable English id; Chinese labels are the UI's.
type State string

// The case states of SPEC §6.
const (
	Reported   State = "reported"   // 待受理
	Registered State = "registered" // 已立案
	Rejected   State = "rejected"   // 不予立案
	Dispatched State = "dispatched" // 已派遣
	Accepted   State = "accepted"   // 已签收/处置中
	Returned   State = "returned"   // 退回
	Resolved   State = "resolved"   // 已反馈
	Closed     State = "closed"     // 已结案
	Suspended  State = "suspended"  // 挂账
)

// transitions lists where each state may go. Resolved → Dispatched is 返工
// (verification failed); Returned goes back to the dispatcher, who
// re-dispatches; a suspended case resumes in the state it was suspended in.
var transitions = map[State][]State{
	Reported:   {Registered, Rejected},
	Registered: {Dispatched, Suspended},
	Dispatched: {Accepted, Returned, Suspended},
	Returned:   {Dispatched, Suspended},
	Accepted:   {Resolved, Suspended},
	Resolved:   {Closed, Dispatched},
	Suspended:  {Registered, Dispatched, Returned, Accepted},
	Rejected:   nil,
	Closed:     nil,
}

// Next returns the states a case in s may move to.
func Next(s State) []State { return slices.Clone(transitions[s]) }

// Check returns nil if a case may move from one state to another, and
// otherwise an error naming the state and the transitions it allows.
func Check(from, to State) error {
	next, known := transitions[from]
	if !known {
		return fmt.Errorf("%w: unknown state %q", ErrIllegalTransition, from)
	}
	if slices.Contains(next, to) {
		return nil
	}
	return fmt.Errorf("%w: a %s case cannot become %s; allowed: %v", ErrIllegalTransition, from, to, next)
}

// actionFrom lists the states each state-changing action starts from. It
// is narrower than the transition graph: a suspended case is resumed, not
// re-registered or re-dispatched; verification failing is the only way
// from resolved back to dispatched.
var actionFrom = map[string][]State{
	"register": {Reported},
	"reject":   {Reported},
	"dispatch": {Registered, Returned},
	"accept":   {Dispatched},
	"return":   {Dispatched},
	"resolve":  {Accepted},
	"verify":   {Resolved},
	"suspend":  {Registered, Dispatched, Returned, Accepted},
	"resume":   {Suspended},
}

// ActionsFrom lists the state-changing actions possible on a case in s.
func ActionsFrom(s State) []string {
	var out []string
	for _, a := range []string{"register", "reject", "dispatch", "accept", "return", "resolve", "verify", "suspend", "resume"} {
		if slices.Contains(actionFrom[a], s) {
			out = append(out, a)
		}
	}
	return out
}

// CheckAction returns nil if action may start from a case in s, and
// otherwise an error naming the state and the actions it allows.
func CheckAction(s State, action string) error {
	if slices.Contains(actionFrom[action], s) {
		return nil
	}
	return fmt.Errorf("%w: cannot %s a %s case; possible: %v", ErrIllegalTransition, action, s, ActionsFrom(s))
}
