package ingest

import (
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// earliest is the oldest timestamp accepted: anything before it is a device
// clock that was never set.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// validateReading checks a decoded reading against its profile's physical
// ranges and the clock; protocol decoders have already checked types.
func validateReading(p *profile.Profile, r model.Reading, now time.Time, maxFuture time.Duration) *model.Rejection {
	if rej := validateTS(r.TS, now, maxFuture); rej != nil {
		return rej
	}
	for name, v := range r.Values {
		m := p.Metrics[name]
		if (m.Min != nil && v < *m.Min) || (m.Max != nil && v > *m.Max) {
			return model.Reject(model.ReasonOutOfRange, "%s=%v is outside the physical range [%s, %s]",
				name, v, fmtBound(m.Min), fmtBound(m.Max))
		}
	}
	return nil
}

func validateTS(ts, now time.Time, maxFuture time.Duration) *model.Rejection {
	if ts.After(now.Add(maxFuture)) {
		return model.Reject(model.ReasonFutureTimestamp, "ts %s is %s ahead of the hub clock (limit %s)",
			ts.Format(time.RFC3339), ts.Sub(now).Round(time.Second), maxFuture)
	}
	if ts.Before(earliest) {
		return model.Reject(model.ReasonBadTimestamp, "ts %s is before %d", ts.Format(time.RFC3339), earliest.Year())
	}
	return nil
}

func fmtBound(p *float64) string {
	if p == nil {
		return "∞"
	}
	return formatFloat(*p)
}
