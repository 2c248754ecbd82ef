// Package sla measures time the way a command centre's rules do: stage
// limits in natural time, in working hours, or in working days, on a
// configurable calendar (working hours, weekdays, public holidays and the
// weekend days worked in their place, 调休). It is pure: no I/O, no clock.
package sla

import "time"

// Clock is how a limit is counted.
type Clock string

// Clocks.
const (
	Natural   Clock = "natural"    // wall-clock time
	WorkHours Clock = "work_hours" // working time only
	WorkDays  Clock = "work_days"  // whole working days
)

// Limit is a stage's allowance: "30m", "4h", "2d" (natural), "8wh"
// (working hours), "3wd" (working days). It reads from and writes to YAML
// and JSON as that string.
type Limit struct {
	Clock Clock
	D     time.Duration // Natural and WorkHours
	Days  int           // WorkDays
}

// CalendarConfig declares working time.
type CalendarConfig struct {
	Timezone  string   `yaml:"timezone" json:"timezone"`     // IANA name, default Asia/Shanghai
	WorkHours []string `yaml:"work_hours" json:"work_hours"` // "08:30-12:00", "14:30-18:00"
	Weekdays  []int    `yaml:"weekdays" json:"weekdays"`     // 0 Sunday … 6 Saturday; default 1–5
	Holidays  []string `yaml:"holidays" json:"holidays"`     // "2026-10-01": not worked
	Workdays  []string `yaml:"workdays" json:"workdays"`     // "2026-09-27": worked although a weekend (调休)
}
