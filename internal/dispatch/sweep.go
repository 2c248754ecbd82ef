package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// open states: a clock may run, a task may be waited for.
var openStates = []string{string(Dispatched), string(Accepted), string(Resolved)}

// SweepResult counts what a sweep did.
type SweepResult struct {
	Warned, Overdue, Escalated, MissedReportIns, SensorVerified int
}

// Sweep is 督办: it raises SLA warnings at 80 % and overdue at 100 % of each
// open case's current stage, escalates overdue cases to the supervising
// body, flags assisting agencies that did not report in, and closes
// resolved device cases the sensors confirm. It runs on a schedule and
// when a deadline comes; with a fixed clock it is deterministic.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	cases, err := s.opts.Store.ListCases(ctx, store.CaseFilter{States: openStates})
	if err != nil {
		return res, err
	}
	now := s.now()
	var errs []error
	if err := s.Reconcile(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, c := range cases {
		if err := s.sweepCase(ctx, c, now, &res); err != nil && !errors.Is(err, store.ErrConflict) {
			errs = append(errs, fmt.Errorf("case %d: %w", c.ID, err))
		}
	}
	s.rearm(cases, now)
	return res, errors.Join(errs...)
}

func (s *Service) sweepCase(ctx context.Context, c model.Case, now time.Time, res *SweepResult) error {
	if c.State == string(Resolved) && s.sensorConfirms(ctx, c, now) {
		pass := true
		_, err := s.Act(ctx, Actor{Name: "sensor", Role: RoleSystem}, c.ID,
			Action{Name: ActVerify, Pass: &pass, Version: c.Version, Note: "传感器核查：设备事件消除后持续正常"})
		if err == nil {
			res.SensorVerified++
		}
		return err
	}
	ch := s.begin(c, System)
	ch.at = now
	if clk := ch.c.SLA; clk != nil && clk.PausedAt.IsZero() {
		if !clk.Warned && !now.Before(clk.WarnAt) && now.Before(clk.Due) {
			clk.Warned = true
			res.Warned++
			ch.event(actWarn, "", fmt.Sprintf("%s时限已用 80%%，截止 %s", stageLabel(clk.Stage), clk.Due.Format(time.RFC3339)), nil)
		}
		if !clk.Overdue && !now.Before(clk.Due) {
			clk.Overdue, clk.Warned = true, true
			res.Overdue++
			ch.event(actOverdue, "", fmt.Sprintf("%s超时，截止 %s", stageLabel(clk.Stage), clk.Due.Format(time.RFC3339)), nil)
			// The agency answers for 签收 and 处置; 核查 is the centre's own.
			if s.escalate(ch, stageLabel(clk.Stage)+"超时", clk.Stage != model.StageVerify) {
				res.Escalated++
			}
		}
	}
	for i := range ch.c.Tasks {
		t := &ch.c.Tasks[i]
		if t.Role == model.TaskAssist && t.ReportedAt.IsZero() && !t.Overdue && !t.Due.IsZero() && !now.Before(t.Due) {
			t.Overdue = true
			res.MissedReportIns++
			ch.event(actReportInMissed, "", s.agencyName(t.AgencyID)+" 未按时报到", map[string]string{"agency": t.AgencyID})
			ch.send(t.AgencyID, "case.report_in_overdue", t.Task)
			s.escalate(ch, s.agencyName(t.AgencyID)+"未按时报到", false)
		}
	}
	if len(ch.w.Events) == 0 {
		return nil
	}
	return s.commit(ctx, ch)
}

// escalate sends the case to the supervising body (督办), and tells the
// lead agency it is overdue when the lateness is its own; it reports
// whether there was a supervising body.
func (s *Service) escalate(ch *change, why string, leadLate bool) bool {
	sup, ok := s.supervisor(ch.c)
	if !ok {
		ch.event(actEscalate, "", why+"；无督办单位", nil)
		return false
	}
	ch.c.Escalated = true
	ch.event(actEscalate, "", why+"，提请"+sup.Name+"督办", map[string]string{"supervisor": sup.ID})
	ch.send(sup.ID, "case.escalated", why)
	if leadLate && ch.c.AgencyID != "" {
		ch.send(ch.c.AgencyID, "case.overdue", why)
	}
	return true
}

// sensorConfirms reports whether a resolved device case may be verified
// by its sensors: the category allows it and the incident has stayed
// closed for the category's hold.
func (s *Service) sensorConfirms(ctx context.Context, c model.Case, now time.Time) bool {
	cat := s.categories[c.Category]
	if c.IncidentID == 0 || cat.SensorVerify == nil || s.opts.Incidents == nil {
		return false
	}
	in, err := s.opts.Incidents.Incident(ctx, c.IncidentID)
	if err != nil {
		s.log.Error("incident not read for sensor verification", "case_id", c.ID, "incident_id", c.IncidentID, "err", err)
		return false
	}
	if in.Status != model.IncidentClosed {
		return false
	}
	return !now.Before(s.cal.Due(in.ClosedAt, *cat.SensorVerify))
}

func stageLabel(stage string) string {
	switch stage {
	case model.StageSign:
		return "签收"
	case model.StageResolve:
		return "处置"
	case model.StageVerify:
		return "核查"
	}
	return stage
}

// arm makes the deadline timer fire by t at the latest. timerAt is the
// pending fire time, zero when none is pending.
func (s *Service) arm(t time.Time) {
	if t.IsZero() {
		return
	}
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	if !s.timerAt.IsZero() && !t.Before(s.timerAt) {
		return
	}
	s.timerAt = t
	d := max(t.Sub(s.opts.Now()), 0)
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.fire)
		return
	}
	s.timer.Reset(d)
}

// rearm sets the timer to the earliest deadline still ahead among cases.
func (s *Service) rearm(cases []model.Case, now time.Time) {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, c := range cases {
		if clk := c.SLA; clk != nil && clk.PausedAt.IsZero() {
			consider(clk.WarnAt)
			consider(clk.Due)
		}
		for _, t := range c.Tasks {
			if t.ReportedAt.IsZero() && !t.Overdue {
				consider(t.Due)
			}
		}
	}
	s.arm(next) // keeps an earlier time armed meanwhile by a change
}

// Wake asks Run to sweep now (the scheduled job).
func (s *Service) Wake() { s.fire() }

func (s *Service) fire() {
	s.timerMu.Lock()
	s.timerAt = time.Time{}
	s.timerMu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run processes incidents, sweeps when a deadline comes, and publishes
// today's KPIs to the screens (at most once a second), until ctx ends.
func (s *Service) Run(ctx context.Context) {
	if err := s.showOpen(ctx); err != nil {
		s.log.Error("open cases not shown", "err", err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		s.log.Error("case sweep failed", "err", err)
	}
	s.publishKPIs(ctx)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	dirty := false
	for {
		select {
		case <-ctx.Done():
			s.timerMu.Lock()
			if s.timer != nil {
				s.timer.Stop()
			}
			s.timerMu.Unlock()
			return
		case in := <-s.incidents:
			if _, err := s.HandleIncident(ctx, in); err != nil {
				s.log.Error("incident case failed", "incident_id", in.ID, "err", err)
			}
		case <-s.wake:
			if _, err := s.Sweep(ctx); err != nil {
				s.log.Error("case sweep failed", "err", err)
			}
		case <-s.kpiDirty:
			dirty = true
		case <-tick.C:
			if dirty {
				dirty = false
				s.publishKPIs(ctx)
			}
		}
	}
}
