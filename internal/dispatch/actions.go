package dispatch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/dispatch/sla"
	"github.com/ywtg/hub/internal/model"
)

// register is 立案; it may reclassify, and it triggers a matching plan.
func (s *Service) register(ctx context.Context, ch *change, a Action) error {
	if err := from(ch, ActRegister); err != nil {
		return err
	}
	if a.Category != "" {
		if _, ok := s.categories[a.Category]; !ok {
			return fmt.Errorf("%w category %q", ErrUnknown, a.Category)
		}
		ch.c.Category = a.Category
	}
	if a.Severity != "" {
		if model.SeverityRank(a.Severity) == 0 {
			return fmt.Errorf("%w: severity %q", ErrInvalid, a.Severity)
		}
		ch.c.Severity = a.Severity
	}
	if err := ch.move(Registered, ActRegister, a.Note, nil); err != nil {
		return err
	}
	if ch.c.RegisteredAt.IsZero() {
		ch.c.RegisteredAt = ch.at
	}
	if p, ok := s.matchPlan(ch.c); ok && !ch.c.Plan.Active() {
		return s.activate(ctx, ch, p, true, "")
	}
	return nil
}

func (s *Service) reject(ctx context.Context, ch *change, a Action) error {
	if err := from(ch, ActReject); err != nil {
		return err
	}
	if strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("%w: rejecting a report needs a reason", ErrInvalid)
	}
	ch.c.RejectReason = a.Reason
	if err := ch.move(Rejected, ActReject, a.Reason, nil); err != nil {
		return err
	}
	if ch.c.Plan.Active() {
		return s.standDown(ctx, ch, "不予立案，预案终止")
	}
	return nil
}

// dispatch is 派遣 (and 返工's re-dispatch): the lead agency is the caller's
// choice or the router's suggestion; assisting agencies come from the
// caller or from an active plan.
func (s *Service) dispatch(ctx context.Context, ch *change, a Action) error {
	if err := from(ch, ActDispatch); err != nil {
		return err
	}
	sugg, plan := s.suggestion(ch.c)
	lead, note := a.AgencyID, "按建议派遣："+sugg.Reason
	if lead == "" {
		lead = sugg.AgencyID
	} else if lead != sugg.AgencyID {
		note = fmt.Sprintf("改派：建议%s（%s），派遣员选择%s", s.agencyName(sugg.AgencyID), sugg.Reason, s.agencyName(lead))
	}
	tasks, err := s.tasks(ch, lead, a.Assists, plan)
	if err != nil {
		return err
	}
	if err := ch.move(Dispatched, ActDispatch, joinNote(note, a.Note), map[string]any{"suggestion": sugg, "tasks": tasks}); err != nil {
		return err
	}
	lim := s.limits(&ch.c)
	ch.c.AgencyID, ch.c.Suggestion, ch.c.Tasks = lead, &sugg, tasks
	if ch.c.DispatchedAt.IsZero() {
		ch.c.DispatchedAt = ch.at
	}
	ch.c.ResolveDue = s.cal.Due(ch.at, lim.Resolve)
	ch.c.SLA = s.clock(model.StageSign, ch.at, lim.Sign)
	ch.c.Escalated = false
	for _, t := range tasks {
		event := "case.dispatched"
		if t.Role == model.TaskAssist {
			event = "case.assist"
		}
		ch.send(t.AgencyID, event, t.Task)
	}
	return nil
}

// tasks builds a dispatch's tasks: the lead, and the assisting agencies
// the caller names or, failing that, an active plan's (吹哨报到), each with
// its report-in deadline.
func (s *Service) tasks(ch *change, lead string, assists []Assist, plan *Plan) ([]model.CaseTask, error) {
	if _, ok := s.agencies[lead]; !ok {
		return nil, fmt.Errorf("%w agency %q", ErrUnknown, lead)
	}
	if len(assists) == 0 && plan != nil {
		cat := s.categories[ch.c.Category]
		for _, as := range plan.Assist {
			if r := s.route(cat, as.Type, ch.c); r.AgencyID != "" && r.AgencyID != lead {
				assists = append(assists, Assist{AgencyID: r.AgencyID, Task: as.Task})
			}
		}
	}
	lim := s.limits(&ch.c)
	tasks := []model.CaseTask{{AgencyID: lead, Role: model.TaskLead, Task: "主办"}}
	for _, as := range assists {
		if _, ok := s.agencies[as.AgencyID]; !ok {
			return nil, fmt.Errorf("%w assisting agency %q", ErrUnknown, as.AgencyID)
		}
		if slices.ContainsFunc(tasks, func(t model.CaseTask) bool { return t.AgencyID == as.AgencyID }) {
			continue
		}
		tasks = append(tasks, model.CaseTask{AgencyID: as.AgencyID, Role: model.TaskAssist, Task: as.Task,
			Due: s.cal.Due(ch.at, orLimit(lim.ReportIn, lim.Sign))})
	}
	return tasks, nil
}

// ownTask returns the caller's task in the case: agency users act only for
// their own agency; an admin acts for the lead.
func ownTask(ch *change, lead bool) (*model.CaseTask, error) {
	agency := ch.who.Agency
	if ch.who.Role != RoleAgency {
		agency = ch.c.AgencyID
	}
	for i := range ch.c.Tasks {
		t := &ch.c.Tasks[i]
		if t.AgencyID == agency && (!lead || t.Role == model.TaskLead) {
			return t, nil
		}
	}
	what := "a task in"
	if lead {
		what = "the lead of"
	}
	return nil, fmt.Errorf("%w: agency %q is not %s this case (lead: %s)", ErrForbidden, agency, what, ch.c.AgencyID)
}

// accept is 签收 by the lead agency.
func (s *Service) accept(ch *change, a Action) error {
	if err := from(ch, ActAccept); err != nil {
		return err
	}
	if err := ch.move(Accepted, ActAccept, a.Note, nil); err != nil {
		return err
	}
	t, err := ownTask(ch, true)
	if err != nil {
		return err
	}
	t.ReportedAt, t.ReportedBy = ch.at, ch.who.Name
	if ch.c.AcceptedAt.IsZero() {
		ch.c.AcceptedAt = ch.at
	}
	start := ch.c.DispatchedAt
	if ch.c.SLA != nil {
		start = ch.c.SLA.Start
	}
	ch.c.SLA = &model.SLAClock{Stage: model.StageResolve, Start: start, Due: ch.c.ResolveDue,
		WarnAt: s.warnAt(start, ch.c.ResolveDue, s.limits(&ch.c).Resolve.Clock), Working: s.limits(&ch.c).Resolve.Clock != sla.Natural}
	return nil
}

// giveBack is 退回: not ours, back to the dispatcher.
func (s *Service) giveBack(ch *change, a Action) error {
	if err := from(ch, ActReturn); err != nil {
		return err
	}
	if _, err := ownTask(ch, true); err != nil {
		return err
	}
	if strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("%w: returning a case needs a reason", ErrInvalid)
	}
	if err := ch.move(Returned, ActReturn, a.Reason, nil); err != nil {
		return err
	}
	ch.c.Returns++
	withdrawExtension(ch)
	for _, t := range ch.c.Tasks {
		if t.Role == model.TaskAssist {
			ch.send(t.AgencyID, "case.recalled", "主办单位退回，待重新派遣")
		}
	}
	// Back with the dispatcher: no agency's clock runs until re-dispatch.
	ch.c.ReturnReason, ch.c.SLA, ch.c.Tasks, ch.c.ResolveDue = a.Reason, nil, nil, time.Time{}
	return nil
}

func (s *Service) progress(ch *change, a Action) error {
	if _, err := ownTask(ch, false); err != nil {
		return err
	}
	if ch.c.State != string(Accepted) && ch.c.State != string(Dispatched) {
		return fmt.Errorf("%w: progress is reported on a dispatched or accepted case, not a %s one", ErrIllegalTransition, ch.c.State)
	}
	if strings.TrimSpace(a.Note) == "" {
		return fmt.Errorf("%w: progress needs a note", ErrInvalid)
	}
	if err := checkPhotos(a.Photos); err != nil {
		return err
	}
	ch.c.Photos = append(ch.c.Photos, a.Photos...)
	ch.event(ActProgress, "", a.Note, photoData(a.Photos))
	return nil
}

// resolve is 反馈: the lead agency reports the work done.
func (s *Service) resolve(ch *change, a Action) error {
	if err := from(ch, ActResolve); err != nil {
		return err
	}
	if _, err := ownTask(ch, true); err != nil {
		return err
	}
	if strings.TrimSpace(a.Note) == "" {
		return fmt.Errorf("%w: resolving needs a note on what was done", ErrInvalid)
	}
	if err := checkPhotos(a.Photos); err != nil {
		return err
	}
	if err := ch.move(Resolved, ActResolve, a.Note, photoData(a.Photos)); err != nil {
		return err
	}
	ch.c.Photos = append(ch.c.Photos, a.Photos...)
	withdrawExtension(ch)
	ch.c.Resolution, ch.c.ResolvedAt = a.Note, ch.at
	ch.c.ResolvedOnTime = !ch.at.After(ch.c.ResolveDue)
	ch.c.SLA = s.clock(model.StageVerify, ch.at, s.limits(&ch.c).Verify)
	return nil
}

// reportIn is 报到: an agency called in (吹哨) acknowledges.
func (s *Service) reportIn(ch *change, a Action) error {
	t, err := ownTask(ch, false)
	if err != nil {
		return err
	}
	switch State(ch.c.State) {
	case Dispatched, Accepted, Resolved:
	default:
		return fmt.Errorf("%w: agencies report in on a dispatched case, not a %s one", ErrIllegalTransition, ch.c.State)
	}
	if !t.ReportedAt.IsZero() {
		return fmt.Errorf("%w: %s reported in at %s", ErrInvalid, t.AgencyID, t.ReportedAt.Format(time.RFC3339))
	}
	t.ReportedAt, t.ReportedBy, t.Note = ch.at, ch.who.Name, a.Note
	ch.event(ActReportIn, "", a.Note, map[string]string{"agency": t.AgencyID})
	return nil
}

func (s *Service) requestExtension(ch *change, a Action) error {
	if _, err := ownTask(ch, true); err != nil {
		return err
	}
	if ch.c.State != string(Accepted) {
		return fmt.Errorf("%w: an extension is requested on an accepted case, not a %s one", ErrIllegalTransition, ch.c.State)
	}
	if a.Extra == nil || a.Extra.IsZero() || strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("%w: an extension needs the extra time (\"4h\", \"1wd\") and a reason", ErrInvalid)
	}
	if pendingExtension(ch.c) >= 0 {
		return fmt.Errorf("%w: an extension request is already pending", ErrInvalid)
	}
	ch.c.Extensions = append(ch.c.Extensions, model.Extension{RequestedBy: ch.who.Name, RequestedAt: ch.at,
		Extra: a.Extra.String(), Reason: a.Reason, Status: model.ExtensionPending})
	ch.event(ActRequestExtend, "", a.Reason, map[string]string{"extra": a.Extra.String()})
	return nil
}

// withdrawExtension closes a pending request when the case leaves the
// 处置 stage undecided (反馈, 退回, 返工).
func withdrawExtension(ch *change) {
	if i := pendingExtension(ch.c); i >= 0 {
		e := &ch.c.Extensions[i]
		e.Status, e.DecidedBy, e.DecidedAt = model.ExtensionWithdrawn, ch.who.Name, ch.at
	}
}

func pendingExtension(c model.Case) int {
	return slices.IndexFunc(c.Extensions, func(e model.Extension) bool { return e.Status == model.ExtensionPending })
}

func (s *Service) decideExtension(ch *change, a Action) error {
	if ch.c.State != string(Accepted) {
		return fmt.Errorf("%w: extensions are decided on an accepted case, not a %s one", ErrIllegalTransition, ch.c.State)
	}
	i := pendingExtension(ch.c)
	if i < 0 {
		return fmt.Errorf("%w: no extension request is pending", ErrInvalid)
	}
	if a.Approve == nil {
		return fmt.Errorf("%w: say approve true or false", ErrInvalid)
	}
	e := &ch.c.Extensions[i]
	e.DecidedBy, e.DecidedAt = ch.who.Name, ch.at
	if !*a.Approve {
		e.Status = model.ExtensionDenied
		ch.event(ActDecideExtend, "", joinNote("延期不予批准", a.Note), nil)
		ch.send(ch.c.AgencyID, "case.extension_denied", a.Note)
		return nil
	}
	extra, err := sla.ParseLimit(e.Extra)
	if err != nil {
		return fmt.Errorf("%w: the pending request's extra time %q: %v", ErrInvalid, e.Extra, err)
	}
	e.Status = model.ExtensionApproved
	ch.c.ResolveDue = s.cal.Extend(ch.c.ResolveDue, extra)
	if ch.c.SLA != nil && ch.c.SLA.Stage == model.StageResolve {
		ch.c.SLA.Due = ch.c.ResolveDue
		ch.c.SLA.WarnAt = s.warnAt(ch.c.SLA.Start, ch.c.SLA.Due, s.limits(&ch.c).Resolve.Clock)
		ch.c.SLA.Warned = ch.c.SLA.Warned && !ch.at.Before(ch.c.SLA.WarnAt)
		ch.c.SLA.Overdue = false
	}
	ch.event(ActDecideExtend, "", joinNote("延期批准，处置时限至 "+ch.c.ResolveDue.Format(time.RFC3339), a.Note),
		map[string]any{"resolve_due": ch.c.ResolveDue, "extra": e.Extra})
	ch.send(ch.c.AgencyID, "case.extension_approved", a.Note)
	return nil
}

// verify is 核查: pass closes the case (结案), fail sends it back to the
// same agency (返工).
func (s *Service) verify(ctx context.Context, ch *change, a Action) error {
	if err := from(ch, ActVerify); err != nil {
		return err
	}
	if a.Pass == nil {
		return fmt.Errorf("%w: say pass true or false", ErrInvalid)
	}
	if !*a.Pass {
		if strings.TrimSpace(a.Reason) == "" {
			return fmt.Errorf("%w: a failed verification needs a reason", ErrInvalid)
		}
		if err := ch.move(Dispatched, ActVerify, "核查不通过，返工："+a.Reason, map[string]bool{"pass": false}); err != nil {
			return err
		}
		// 返工 is a fresh round with a fresh allowance; the failed 反馈
		// no longer counts as resolved.
		lim := s.limits(&ch.c)
		ch.c.Reworks++
		ch.c.ResolvedAt, ch.c.ResolvedOnTime = time.Time{}, false
		ch.c.ResolveDue = s.cal.Due(ch.at, lim.Resolve)
		ch.c.SLA = s.clock(model.StageSign, ch.at, lim.Sign)
		for i := range ch.c.Tasks {
			if ch.c.Tasks[i].Role == model.TaskLead {
				ch.c.Tasks[i].ReportedAt, ch.c.Tasks[i].ReportedBy = time.Time{}, ""
			}
		}
		ch.send(ch.c.AgencyID, "case.rework", a.Reason)
		return nil
	}
	if err := ch.move(Closed, ActVerify, joinNote("核查通过，结案", a.Note), map[string]bool{"pass": true}); err != nil {
		return err
	}
	ch.c.ClosedAt, ch.c.VerifiedBy = ch.at, ch.who.Name
	ch.c.ClosedOnTime = ch.c.ResolvedOnTime && (ch.c.SLA == nil || !ch.at.After(ch.c.SLA.Due))
	ch.c.SLA = nil
	ch.send(ch.c.AgencyID, "case.closed", a.Note)
	if ch.c.Plan.Active() {
		return s.standDown(ctx, ch, "结案，预案终止")
	}
	return nil
}

// suspend is 挂账: the case waits, its clock paused.
func (s *Service) suspend(ch *change, a Action) error {
	if err := from(ch, ActSuspend); err != nil {
		return err
	}
	if strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("%w: suspending needs a reason", ErrInvalid)
	}
	from := ch.c.State
	if err := ch.move(Suspended, ActSuspend, a.Reason, nil); err != nil {
		return err
	}
	ch.c.SuspendedFrom, ch.c.SuspendReason = from, a.Reason
	if ch.c.SLA != nil {
		ch.c.SLA.PausedAt = ch.at
	}
	for _, t := range ch.c.Tasks {
		ch.send(t.AgencyID, "case.suspended", a.Reason)
	}
	return nil
}

// resume returns a suspended case to where it was, its clock moved on by
// the pause.
func (s *Service) resume(ch *change, a Action) error {
	if err := from(ch, ActResume); err != nil {
		return err
	}
	to := State(ch.c.SuspendedFrom)
	if to == "" {
		to = Registered
	}
	if err := ch.move(to, ActResume, a.Note, nil); err != nil {
		return err
	}
	if c := ch.c.SLA; c != nil && !c.PausedAt.IsZero() {
		lim, paused := s.limits(&ch.c), c.PausedAt
		// Each deadline still ahead at the pause keeps what was left of it,
		// in its own clock; one already passed stays passed.
		shift := func(t time.Time, clock sla.Clock) time.Time {
			if t.IsZero() || !t.After(paused) {
				return t
			}
			return s.cal.Resume(ch.at, s.cal.Remaining(paused, t, clock), clock)
		}
		stage := lim.clock(c.Stage)
		c.Due, c.WarnAt = shift(c.Due, stage), shift(c.WarnAt, stage)
		c.Start, c.PausedAt = c.Start.Add(ch.at.Sub(paused)), time.Time{}
		ch.c.ResolveDue = shift(ch.c.ResolveDue, lim.Resolve.Clock)
		for i := range ch.c.Tasks {
			if t := &ch.c.Tasks[i]; t.ReportedAt.IsZero() {
				t.Due = shift(t.Due, orLimit(lim.ReportIn, lim.Sign).Clock)
			}
		}
	}
	ch.c.SuspendedFrom, ch.c.SuspendReason = "", ""
	return nil
}

func (s *Service) evaluate(ch *change, a Action) error {
	if ch.c.State != string(Closed) {
		return fmt.Errorf("%w: a %s case cannot be evaluated; only closed ones", ErrIllegalTransition, ch.c.State)
	}
	if a.Rating < 1 || a.Rating > 5 {
		return fmt.Errorf("%w: rating %d is not 1–5", ErrInvalid, a.Rating)
	}
	ch.c.Rating, ch.c.RatingNote = a.Rating, a.Note
	ch.event(ActEvaluate, "", a.Note, map[string]int{"rating": a.Rating})
	return nil
}

// clock returns how a stage's limit is counted.
func (l Limits) clock(stage string) sla.Clock {
	switch stage {
	case model.StageSign:
		return l.Sign.Clock
	case model.StageVerify:
		return l.Verify.Clock
	}
	return l.Resolve.Clock
}

// clock starts a stage's SLA clock.
func (s *Service) clock(stage string, start time.Time, l sla.Limit) *model.SLAClock {
	due := s.cal.Due(start, l)
	return &model.SLAClock{Stage: stage, Start: start, Due: due, WarnAt: s.cal.WarnAt(start, l, warnFraction),
		Working: l.Clock != sla.Natural}
}

// warnFraction of a stage's allowance raises the warning (SPEC §6: 80 %).
const warnFraction = 0.8

// warnAt is 80 % of the way from start to due in a clock.
func (s *Service) warnAt(start, due time.Time, clock sla.Clock) time.Time {
	if clock == sla.Natural {
		return start.Add(time.Duration(float64(due.Sub(start)) * warnFraction))
	}
	return s.cal.AddWorking(start, time.Duration(float64(s.cal.Working(start, due))*warnFraction))
}

func orLimit(l, fallback sla.Limit) sla.Limit {
	if l.IsZero() {
		return fallback
	}
	return l
}

func joinNote(a, b string) string {
	if strings.TrimSpace(b) == "" {
		return a
	}
	return a + "；" + b
}

func photoData(photos []string) any {
	if len(photos) == 0 {
		return nil
	}
	return map[string][]string{"photos": photos}
}

func (s *Service) agencyName(id string) string {
	if a, ok := s.agencies[id]; ok {
		return a.Name
	}
	return id
}
