package store

import (
	"slices"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// StoredCase is c as both backends keep it: every time in UTC to the
// millisecond, like every other time column. It shares nothing it changes
// with c.
func StoredCase(c model.Case) model.Case {
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.RegisteredAt, &c.DispatchedAt, &c.AcceptedAt,
		&c.ResolvedAt, &c.ClosedAt, &c.ResolveDue, &c.IncidentClosedAt} {
		*t = millis(*t)
	}
	if c.Tasks != nil {
		c.Tasks = slices.Clone(c.Tasks)
		for i := range c.Tasks {
			t := &c.Tasks[i]
			t.Due, t.ReportedAt = millis(t.Due), millis(t.ReportedAt)
		}
	}
	if c.SLA != nil {
		sla := *c.SLA
		sla.Start, sla.WarnAt, sla.Due, sla.PausedAt = millis(sla.Start), millis(sla.WarnAt), millis(sla.Due),
			millis(sla.PausedAt)
		c.SLA = &sla
	}
	if c.Extensions != nil {
		c.Extensions = slices.Clone(c.Extensions)
		for i := range c.Extensions {
			e := &c.Extensions[i]
			e.RequestedAt, e.DecidedAt = millis(e.RequestedAt), millis(e.DecidedAt)
		}
	}
	if c.Plan != nil {
		p := *c.Plan
		p.ActivatedAt, p.StoodDownAt = millis(p.ActivatedAt), millis(p.StoodDownAt)
		c.Plan = &p
	}
	return c
}

// millis is t in UTC to the millisecond; the zero time stays zero.
func millis(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// CaseAgencies is the lead agency and every agency with a task, sorted,
// each once: an agency's queue is the cases it appears in.
func CaseAgencies(c *model.Case) []string {
	out := make([]string, 0, len(c.Tasks)+1)
	if c.AgencyID != "" {
		out = append(out, c.AgencyID)
	}
	for _, t := range c.Tasks {
		if t.AgencyID != "" {
			out = append(out, t.AgencyID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
