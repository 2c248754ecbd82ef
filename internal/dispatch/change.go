package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// permits lists the roles that may perform each action. Agency users are
// further held to their own agency's cases.
var permits = map[string][]string{
	actCreate:        {RoleOperator, RoleChief, RoleGrid, RoleAdmin, RoleSystem},
	ActRegister:      {RoleOperator, RoleChief, RoleAdmin, RoleSystem},
	ActReject:        {RoleOperator, RoleChief, RoleAdmin},
	ActDispatch:      {RoleDispatcher, RoleChief, RoleAdmin, RoleSystem},
	ActAccept:        {RoleAgency, RoleAdmin},
	ActReturn:        {RoleAgency, RoleAdmin},
	ActProgress:      {RoleAgency, RoleAdmin},
	ActResolve:       {RoleAgency, RoleAdmin},
	ActReportIn:      {RoleAgency, RoleAdmin},
	ActRequestExtend: {RoleAgency, RoleAdmin},
	ActVerify:        {RoleSupervisor, RoleChief, RoleAdmin, RoleSystem},
	ActSuspend:       {RoleChief, RoleAdmin},
	ActResume:        {RoleChief, RoleAdmin},
	ActDecideExtend:  {RoleChief, RoleSupervisor, RoleAdmin},
	ActActivatePlan:  {RoleChief, RoleAdmin, RoleSystem},
	ActStandDown:     {RoleChief, RoleAdmin, RoleSystem},
	ActEvaluate:      {RoleOperator, RoleChief, RoleAdmin},
	ActComment:       {RoleOperator, RoleChief, RoleDispatcher, RoleAgency, RoleSupervisor, RoleGrid, RoleAdmin},
}

// Actions lists the actions a caller may ask for, in the loop's order.
var Actions = []string{ActRegister, ActReject, ActDispatch, ActAccept, ActReturn, ActProgress, ActResolve,
	ActReportIn, ActRequestExtend, ActDecideExtend, ActVerify, ActSuspend, ActResume, ActActivatePlan,
	ActStandDown, ActEvaluate, ActComment}

// AllowedRoles returns the roles that may perform an action (the system
// role aside), for the API to declare on its routes.
func AllowedRoles(action string) []string {
	return slices.DeleteFunc(slices.Clone(permits[action]), func(r string) bool { return r == RoleSystem })
}

// ReportRoles may file reports.
func ReportRoles() []string { return AllowedRoles(actCreate) }

func permit(who Actor, action string) error {
	roles, ok := permits[action]
	if !ok {
		return fmt.Errorf("%w: no action %q; actions: %s", ErrInvalid, action, strings.Join(Actions, ", "))
	}
	if !slices.Contains(roles, who.Role) {
		return fmt.Errorf("%w: role %q may not %s a case; allowed: %s", ErrForbidden, who.Role, action,
			strings.Join(AllowedRoles(action), ", "))
	}
	return nil
}

// change is one transaction on a case being prepared: the case as it will
// be stored, what goes with it, and what to tell the screens after.
type change struct {
	c    model.Case
	was  model.Case
	who  Actor
	at   time.Time
	w    store.CaseWrites
	mail []mail // webhooks, built into the outbox at commit
}

// mail is a webhook to one agency about this change.
type mail struct {
	agency, event, note string
}

func (s *Service) begin(c model.Case, who Actor) *change {
	ch := &change{c: c, was: c, who: who, at: s.now()}
	ch.c.Tasks = slices.Clone(c.Tasks)
	ch.c.Extensions = slices.Clone(c.Extensions)
	ch.c.Photos = slices.Clone(c.Photos)
	if c.SLA != nil {
		v := *c.SLA
		ch.c.SLA = &v
	}
	if c.Plan != nil {
		p := *c.Plan
		p.Resources = slices.Clone(p.Resources)
		ch.c.Plan = &p
	}
	return ch
}

// from checks that the action may start from the case's state.
func from(ch *change, action string) error { return CheckAction(State(ch.c.State), action) }

// move changes the state, checking the transition, and logs it.
func (ch *change) move(to State, action, note string, data any) error {
	if err := Check(State(ch.c.State), to); err != nil {
		return err
	}
	ch.event(action, to, note, data)
	ch.c.State = string(to)
	return nil
}

// event appends a timeline entry; to is "" when the state stays.
func (ch *change) event(action string, to State, note string, data any) {
	e := model.CaseEvent{At: ch.at, Actor: ch.who.Name, Role: ch.who.Role, Agency: ch.who.Agency,
		Action: action, From: ch.c.State, To: string(to), Note: note}
	if data != nil {
		e.Data, _ = json.Marshal(data)
	}
	ch.w.Events = append(ch.w.Events, e)
}

// send queues a webhook; one per agency and event in a change, notes joined.
func (ch *change) send(agency, event, note string) {
	for i, m := range ch.mail {
		if m.agency == agency && m.event == event {
			ch.mail[i].note = joinNote(m.note, note)
			return
		}
	}
	ch.mail = append(ch.mail, mail{agency, event, note})
}

// Act performs an action on a case for who.
func (s *Service) Act(ctx context.Context, who Actor, id int64, a Action) (model.Case, error) {
	if err := permit(who, a.Name); err != nil {
		return model.Case{}, err
	}
	cur, err := s.opts.Store.GetCase(ctx, id)
	if err != nil {
		return model.Case{}, err
	}
	if a.Version != 0 && a.Version != cur.Version {
		return model.Case{}, fmt.Errorf("case %d is at version %d, not %d: %w", id, cur.Version, a.Version, store.ErrConflict)
	}
	ch := s.begin(cur, who)
	if err := s.apply(ctx, ch, a); err != nil {
		return model.Case{}, fmt.Errorf("case %d (%s): %w", id, cur.State, err)
	}
	if err := s.commit(ctx, ch); err != nil {
		return model.Case{}, err
	}
	return s.present(ch.c), nil
}

func (s *Service) apply(ctx context.Context, ch *change, a Action) error {
	switch a.Name {
	case ActRegister:
		return s.register(ctx, ch, a)
	case ActReject:
		return s.reject(ctx, ch, a)
	case ActDispatch:
		return s.dispatch(ctx, ch, a)
	case ActAccept:
		return s.accept(ch, a)
	case ActReturn:
		return s.giveBack(ch, a)
	case ActProgress:
		return s.progress(ch, a)
	case ActResolve:
		return s.resolve(ch, a)
	case ActReportIn:
		return s.reportIn(ch, a)
	case ActRequestExtend:
		return s.requestExtension(ch, a)
	case ActDecideExtend:
		return s.decideExtension(ch, a)
	case ActVerify:
		return s.verify(ctx, ch, a)
	case ActSuspend:
		return s.suspend(ch, a)
	case ActResume:
		return s.resume(ch, a)
	case ActActivatePlan:
		return s.activatePlan(ctx, ch, a)
	case ActStandDown:
		return s.standDown(ctx, ch, a.Note)
	case ActEvaluate:
		return s.evaluate(ch, a)
	case ActComment:
		if strings.TrimSpace(a.Note) == "" {
			return fmt.Errorf("%w: a comment needs a note", ErrInvalid)
		}
		ch.event(ActComment, "", a.Note, nil)
		return nil
	}
	return fmt.Errorf("%w: no action %q", ErrInvalid, a.Name)
}

// commit stores the change in one transaction and then tells the screens
// and the webhook worker.
func (s *Service) commit(ctx context.Context, ch *change) error {
	ch.c.UpdatedAt = ch.at
	var err error
	if ch.c.Reporter, err = s.sealReporter(ch.c.Reporter); err != nil { // one kept in plain text before sealing
		return err
	}
	if err := s.buildOutbox(ch); err != nil {
		return err
	}
	if err := s.opts.Store.UpdateCase(ctx, &ch.c, ch.writes()); err != nil {
		return err
	}
	s.published(ch)
	return nil
}

// writes are what is stored with the change: its timeline, webhooks and
// resources, and one audit entry, "case.<action>" after the first thing it
// logged (case.create for a new case), by the actor. The entry's detail is
// the states, the lead agency and the version the change stores — never the
// reporter's personal data.
func (ch *change) writes() store.CaseWrites {
	w := ch.w
	action, from, target := "change", ch.was.State, ""
	if len(w.Events) > 0 {
		action = w.Events[0].Action
	}
	if ch.c.ID == 0 {
		from = "" // a new case; the store fills in the target
	} else {
		target = fmt.Sprintf("case:%d", ch.c.ID)
	}
	detail, _ := json.Marshal(auditDetail{From: from, To: ch.c.State, Agency: ch.c.AgencyID, Version: ch.c.Version + 1})
	w.Audit = append(slices.Clip(w.Audit), model.AuditEntry{At: ch.at, Actor: ch.who.Name, Role: ch.who.Role,
		Action: "case." + action, Target: target, Outcome: "ok", Detail: detail})
	return w
}

// auditDetail is what the audit log keeps of a case change.
type auditDetail struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Agency  string `json:"agency,omitempty"` // the lead agency after the change
	Version int64  `json:"version"`          // the version the change is stored at
}

// buildOutbox turns the change's mail into outbox rows; the body carries
// the case as it will be stored (its next version).
func (s *Service) buildOutbox(ch *change) error {
	after := ch.c
	after.Version++
	after.Reporter = s.maskedReporter(after.ID, after.Reporter) // agencies fetch the full one through the API
	for _, m := range ch.mail {
		a, ok := s.agencies[m.agency]
		if !ok || a.Webhook == "" {
			continue // it polls its queue
		}
		key := fmt.Sprintf("case-%d-v%d-%s-%s", after.ID, after.Version, m.event, m.agency)
		body, err := json.Marshal(webhookBody{Event: m.event, IdempotencyKey: key, SentFor: m.agency,
			At: ch.at, Note: m.note, Case: after, Task: taskOf(after, m.agency)})
		if err != nil {
			return fmt.Errorf("webhook body: %w", err)
		}
		ch.w.Outbox = append(ch.w.Outbox, model.OutboxMessage{AgencyID: m.agency, URL: a.Webhook, Event: m.event,
			Key: key, Body: body, CreatedAt: ch.at, NextAt: ch.at})
	}
	return nil
}

// webhookBody is what an agency receives.
type webhookBody struct {
	Event          string          `json:"event"`
	IdempotencyKey string          `json:"idempotency_key"`
	SentFor        string          `json:"sent_for"`
	At             time.Time       `json:"at"`
	Note           string          `json:"note,omitempty"`
	Case           model.Case      `json:"case"`
	Task           *model.CaseTask `json:"task,omitempty"`
}

func taskOf(c model.Case, agency string) *model.CaseTask {
	for i := range c.Tasks {
		if c.Tasks[i].AgencyID == agency {
			return &c.Tasks[i]
		}
	}
	return nil
}

// published tells the screens and wakes the workers after a commit.
func (s *Service) published(ch *change) {
	c := ch.c
	s.show(c, ch.was.Plan.Active())
	if len(ch.w.Outbox) > 0 {
		s.opts.Delivered()
	}
	if clk := c.SLA; clk != nil && clk.PausedAt.IsZero() && !clk.Overdue {
		next := clk.WarnAt
		if clk.Warned {
			next = clk.Due
		}
		s.arm(next)
	}
	for _, t := range c.Tasks {
		if t.ReportedAt.IsZero() && !t.Overdue {
			s.arm(t.Due)
		}
	}
	select {
	case s.kpiDirty <- struct{}{}:
	default:
	}
	s.log.Info("case changed", "case_id", c.ID, "state", c.State, "version", c.Version, "by", ch.who.Name)
}

// show puts a case on the screens: open cases and active plans; closed
// and rejected cases leave (today's figures keep counting them).
func (s *Service) show(c model.Case, hadPlan bool) {
	c.Reporter = nil // personal data stays off the wall
	key := caseKey(c.ID)
	if c.State == string(Closed) || c.State == string(Rejected) {
		s.opts.Live.Remove(EntityCase, key)
	} else {
		s.opts.Live.Upsert(EntityCase, key, c)
	}
	switch {
	case c.Plan.Active():
		s.opts.Live.Upsert(EntityPlan, key, banner(c))
	case hadPlan:
		s.opts.Live.Remove(EntityPlan, key)
	}
}

// showOpen puts every open case and active plan on the screens (at start:
// the live state is not kept across restarts).
func (s *Service) showOpen(ctx context.Context) error {
	cases, err := s.opts.Store.ListCases(ctx, store.CaseFilter{States: []string{string(Reported), string(Registered),
		string(Dispatched), string(Accepted), string(Returned), string(Resolved), string(Suspended)}})
	if err != nil {
		return err
	}
	for _, c := range cases {
		s.show(c, false)
	}
	return nil
}

// Banner is the active-plan banner on every screen.
type Banner struct {
	CaseID      int64     `json:"case_id"`
	CaseNo      string    `json:"case_no"`
	Title       string    `json:"title"`
	PlanID      string    `json:"plan_id"`
	Name        string    `json:"name"`
	Level       string    `json:"level"`
	RegionCode  string    `json:"region_code"`
	ActivatedAt time.Time `json:"activated_at"`
	Resources   []string  `json:"resources"`
}

func banner(c model.Case) Banner {
	return Banner{CaseID: c.ID, CaseNo: c.No, Title: c.Title, PlanID: c.Plan.PlanID, Name: c.Plan.Name,
		Level: c.Plan.Level, RegionCode: c.RegionCode, ActivatedAt: c.Plan.ActivatedAt, Resources: c.Plan.Resources}
}
