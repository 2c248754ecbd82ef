package hub

import (
	"context"
	"time"

	"github.com/robfig/cron/v3"
)

// Jobs the store runs on a schedule. Both are idempotent, so two hubs on one
// database may both run them (a leader lock arrives with scale-out).
type jobStore interface {
	DropReadingsBefore(ctx context.Context, t time.Time) (int64, error)
	RollupHourly(ctx context.Context, from, to time.Time) (int, error)
	auditStore // the audit checkpoint (audit.go)
}

const (
	retentionSpec = "17 3 * * *"  // nightly, 03:17 local time
	rollupSpec    = "*/5 * * * *" // every 5 minutes
	rollupHours   = 3             // recompute the last hours: late replays land there
	sweepSpec     = "@every 30s"  // device health: silent devices go offline
	caseSpec      = "@every 1m"   // 督办: SLA warnings, overdue, escalation, sensor verification
)

// startJobs schedules retention, the hourly rollup and the health sweep; the returned func
// stops the scheduler and waits for a running job.
func (h *Hub) startJobs(ctx context.Context) func() {
	c := cron.New(cron.WithLogger(cron.DiscardLogger))
	if h.opts.RetentionDays > 0 {
		c.AddFunc(retentionSpec, func() { h.runRetention(ctx) })
	}
	c.AddFunc(rollupSpec, func() { h.runRollup(ctx, time.Now()) })
	c.AddFunc(sweepSpec, func() {
		if n := h.engine.Sweep(ctx, time.Now()); n > 0 {
			h.log.Info("silent devices marked offline", "devices", n)
		}
	})
	c.AddFunc(caseSpec, h.cases.Wake)
	h.scheduleCheckpoints(ctx, c)
	c.Start()
	return func() { <-c.Stop().Done() }
}

func (h *Hub) runRetention(ctx context.Context) {
	// A UTC midnight: both stores then keep exactly the same whole days.
	before := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -h.opts.RetentionDays)
	n, err := h.store.DropReadingsBefore(ctx, before)
	if err != nil {
		h.log.Error("retention failed", "before", before, "err", err)
		return
	}
	h.log.Info("retention done", "before", before, "removed", n)
}

func (h *Hub) runRollup(ctx context.Context, now time.Time) {
	to := now.Truncate(time.Hour)
	n, err := h.store.RollupHourly(ctx, to.Add(-rollupHours*time.Hour), to)
	if err != nil {
		h.log.Error("hourly rollup failed", "err", err)
		return
	}
	h.log.Debug("hourly rollup done", "rows", n)
}
