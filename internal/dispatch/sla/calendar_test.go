package sla_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch/sla"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock time in Shanghai.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

// plainConfig is the default calendar: Asia/Shanghai, Monday–Friday,
// 09:00–12:00 and 13:30–17:30 (3 h + 4 h = 7 h a day).
var plainConfig = sla.CalendarConfig{}

// nationalConfig is the default calendar with a National Day break:
// 2026-10-01 (Thursday) to 10-07 off, Sunday 09-27 and Saturday 10-10
// worked instead. Around it the worked days are
//
//	Fri 09-25 ✓  Sat 09-26 ✗  Sun 09-27 ✓ (调休)  Mon 09-28 … Wed 09-30 ✓
//	Thu 10-01 … Wed 10-07 ✗ (holiday)
//	Thu 10-08 ✓  Fri 10-09 ✓  Sat 10-10 ✓ (调休)  Sun 10-11 ✗  Mon 10-12 ✓
var nationalConfig = sla.CalendarConfig{
	Holidays: []string{"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"},
	Workdays: []string{"2026-09-27", "2026-10-10"},
}

func calendar(t testing.TB, cfg sla.CalendarConfig) *sla.Calendar {
	t.Helper()
	c, err := sla.NewCalendar(cfg)
	require.NoError(t, err)
	return c
}

func TestNewCalendar(t *testing.T) {
	for _, tc := range []struct {
		desc string
		cfg  sla.CalendarConfig
		err  string // "" for a valid calendar
	}{
		{desc: "defaults", cfg: sla.CalendarConfig{}},
		{desc: "round the clock", cfg: sla.CalendarConfig{Timezone: "UTC", WorkHours: []string{"00:00-24:00"}, Weekdays: []int{0, 1, 2, 3, 4, 5, 6}}},
		{desc: "touching periods", cfg: sla.CalendarConfig{WorkHours: []string{"08:00-12:00", "12:00-13:00"}}},
		{desc: "unknown time zone", cfg: sla.CalendarConfig{Timezone: "Mars/Olympus"}, err: `timezone "Mars/Olympus"`},
		{desc: "period without a dash", cfg: sla.CalendarConfig{WorkHours: []string{"09:00"}}, err: "want HH:MM-HH:MM"},
		{desc: "single-digit hour", cfg: sla.CalendarConfig{WorkHours: []string{"9:00-12:00"}}, err: `time "9:00": want HH:MM`},
		{desc: "minute out of range", cfg: sla.CalendarConfig{WorkHours: []string{"09:60-12:00"}}, err: "out of range"},
		{desc: "24:00 as a start", cfg: sla.CalendarConfig{WorkHours: []string{"24:00-24:00"}}, err: "out of range"},
		{desc: "past 24:00", cfg: sla.CalendarConfig{WorkHours: []string{"09:00-24:30"}}, err: "out of range"},
		{desc: "period ending before it starts", cfg: sla.CalendarConfig{WorkHours: []string{"12:00-09:00"}}, err: "ends before it starts"},
		{desc: "empty period", cfg: sla.CalendarConfig{WorkHours: []string{"09:00-09:00"}}, err: "ends before it starts"},
		{desc: "overlapping periods", cfg: sla.CalendarConfig{WorkHours: []string{"09:00-12:00", "11:00-14:00"}}, err: "in order and not overlap"},
		{desc: "periods out of order", cfg: sla.CalendarConfig{WorkHours: []string{"13:30-17:30", "09:00-12:00"}}, err: "in order and not overlap"},
		{desc: "weekday 7", cfg: sla.CalendarConfig{Weekdays: []int{1, 7}}, err: "weekday 7"},
		{desc: "weekday twice", cfg: sla.CalendarConfig{Weekdays: []int{1, 1}}, err: "listed twice"},
		{desc: "bad holiday", cfg: sla.CalendarConfig{Holidays: []string{"2026-10-1"}}, err: `holiday: date "2026-10-1"`},
		{desc: "bad workday", cfg: sla.CalendarConfig{Workdays: []string{"2026/09/27"}}, err: "want YYYY-MM-DD"},
		{desc: "holiday and workday at once", cfg: sla.CalendarConfig{Holidays: []string{"2026-10-01"}, Workdays: []string{"2026-10-01"}}, err: "both a holiday and a workday"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c, err := sla.NewCalendar(tc.cfg)
			if tc.err == "" {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
	require.Equal(t, "Asia/Shanghai", calendar(t, plainConfig).Location().String())
}

func TestAddWorking(t *testing.T) {
	plain, national := calendar(t, plainConfig), calendar(t, nationalConfig)
	for _, tc := range []struct {
		desc  string
		cal   *sla.Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		// Fri 16:00–17:30 = 1h30; 2h30 left; Sat, Sun off; Mon 09:00 + 2h30 = 11:30.
		{"Friday 16:00 + 4h", plain, at(2026, 3, 6, 16, 0), 4 * time.Hour, at(2026, 3, 9, 11, 30)},
		// Fri 15:00–17:30 = 2h30; 1h30 left; Mon 09:00 + 1h30 = 10:30.
		{"Friday 15:00 + 4h", plain, at(2026, 3, 6, 15, 0), 4 * time.Hour, at(2026, 3, 9, 10, 30)},
		// Counting starts at 13:30; 13:30 + 2h = 15:30.
		{"start at lunch", plain, at(2026, 3, 10, 12, 30), 2 * time.Hour, at(2026, 3, 10, 15, 30)},
		// 11:00–12:00 = 1h; 1h left; 13:30 + 1h = 14:30.
		{"across lunch", plain, at(2026, 3, 10, 11, 0), 2 * time.Hour, at(2026, 3, 10, 14, 30)},
		// 11:00–12:00 is exactly 1h: the earliest instant is the 12:00 close.
		{"ending at a close", plain, at(2026, 3, 10, 11, 0), time.Hour, at(2026, 3, 10, 12, 0)},
		// Counting starts at 09:00; 09:00 + 3h = 12:00.
		{"start before opening", plain, at(2026, 3, 10, 7, 0), 3 * time.Hour, at(2026, 3, 10, 12, 0)},
		// Sat, Sun off; Mon 09:00 + 1h = 10:00.
		{"start on a Saturday", plain, at(2026, 3, 7, 10, 0), time.Hour, at(2026, 3, 9, 10, 0)},
		// Fri 17:30 is closed; Mon 09:00 + 30m.
		{"start at the Friday close", plain, at(2026, 3, 6, 17, 30), 30 * time.Minute, at(2026, 3, 9, 9, 30)},
		{"zero stays put, even on a Saturday", plain, at(2026, 3, 7, 10, 0), 0, at(2026, 3, 7, 10, 0)},
		// Wed 09-30 16:00–17:30 = 1h30, 8h30 left; 10-01…07 holidays;
		// Thu 10-08 7h, 1h30 left; Fri 10-09 09:00 + 1h30 = 10:30.
		{"holiday in the middle", national, at(2026, 9, 30, 16, 0), 10 * time.Hour, at(2026, 10, 9, 10, 30)},
		// Sat 09-26 off; Sun 09-27 worked (调休) 7h, 1h left; Mon 09-28 09:00 + 1h = 10:00.
		{"a worked Sunday", national, at(2026, 9, 26, 10, 0), 8 * time.Hour, at(2026, 9, 28, 10, 0)},
		// Fri 10-09 17:00–17:30 = 30m, 30m left; Sat 10-10 is worked: 09:30.
		{"a worked Saturday", national, at(2026, 10, 9, 17, 0), time.Hour, at(2026, 10, 10, 9, 30)},
		// The same start on the plain calendar skips the weekend: Mon 10-12 09:30.
		{"the same Saturday unworked", plain, at(2026, 10, 9, 17, 0), time.Hour, at(2026, 10, 12, 9, 30)},
		// Mon 2026-01-05 09:00 to Mon 2027-01-04 09:00 is 364 days = 52
		// weeks of 5 × 7h = 1820h; the last of it is used at the close of
		// Fri 2027-01-01 17:30 (a Friday, no holidays in this calendar).
		{"a year of working time", plain, at(2026, 1, 5, 9, 0), 1820 * time.Hour, at(2027, 1, 1, 17, 30)},
		// The time zone of the start does not matter: 08:00 UTC is 16:00 in Shanghai.
		{"start given in UTC", plain, time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC), 4 * time.Hour, at(2026, 3, 9, 11, 30)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got := tc.cal.AddWorking(tc.start, tc.d)
			require.True(t, tc.want.Equal(got), "want %v, got %v", tc.want, got)
		})
	}
}

func TestWorking(t *testing.T) {
	plain, national := calendar(t, plainConfig), calendar(t, nationalConfig)
	for _, tc := range []struct {
		desc string
		cal  *sla.Calendar
		a, b time.Time
		want time.Duration
	}{
		// Fri 09-25 10:00–12:00 2h + 13:30–17:30 4h = 6h
		// Sat 09-26 0; Sun 09-27 (调休) 7h; Mon–Wed 09-28…30 3 × 7h = 21h
		// Thu 10-01 … Wed 10-07 holidays 0
		// Thu 10-08, Fri 10-09, Sat 10-10 (调休) 3 × 7h = 21h; Sun 10-11 0
		// Mon 10-12 09:00–10:00 1h
		// 6 + 7 + 21 + 21 + 1 = 56h
		{"across National Day", national, at(2026, 9, 25, 10, 0), at(2026, 10, 12, 10, 0), 56 * time.Hour},
		// The plain calendar works 09-25 6h, 09-28…10-02 5 × 7h = 35h,
		// 10-05…10-09 35h, 10-12 1h: 77h.
		{"the same span, no holidays", plain, at(2026, 9, 25, 10, 0), at(2026, 10, 12, 10, 0), 77 * time.Hour},
		{"inside lunch", plain, at(2026, 3, 10, 12, 10), at(2026, 3, 10, 13, 20), 0},
		// 11:00–12:00 1h + 13:30–14:00 30m.
		{"across lunch", plain, at(2026, 3, 10, 11, 0), at(2026, 3, 10, 14, 0), 90 * time.Minute},
		{"a weekend", plain, at(2026, 3, 6, 17, 30), at(2026, 3, 9, 9, 0), 0},
		{"empty span", plain, at(2026, 3, 10, 10, 0), at(2026, 3, 10, 10, 0), 0},
		{"backwards span", plain, at(2026, 3, 10, 11, 0), at(2026, 3, 10, 10, 0), 0},
		// 52 weeks × 5 days × 7h (see TestAddWorking).
		{"a year", plain, at(2026, 1, 5, 9, 0), at(2027, 1, 4, 9, 0), 1820 * time.Hour},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, tc.cal.Working(tc.a, tc.b))
		})
	}
}

// TestDaylightSaving: working time is real time, and the week-skipping
// never crosses a change of UTC offset. Berlin went to summer time on
// Sunday 2026-03-29 at 02:00 (CET, UTC+1 → CEST, UTC+2).
func TestDaylightSaving(t *testing.T) {
	berlin := mustLoc("Europe/Berlin")
	always := calendar(t, sla.CalendarConfig{Timezone: "Europe/Berlin", WorkHours: []string{"00:00-24:00"}, Weekdays: []int{0, 1, 2, 3, 4, 5, 6}})
	nights := calendar(t, sla.CalendarConfig{Timezone: "Europe/Berlin", WorkHours: []string{"01:00-04:00"}, Weekdays: []int{0}})
	for _, tc := range []struct {
		desc string
		got  any
		want any
	}{
		// The day of the change has 23 hours.
		{"a short day", always.Working(time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)), 23 * time.Hour},
		// Summer time is given back in October: a year is 365 × 24h = 8760h.
		{"a year round the clock", always.Working(time.Date(2026, 1, 1, 0, 0, 0, 0, berlin), time.Date(2027, 1, 1, 0, 0, 0, 0, berlin)), 8760 * time.Hour},
		// Round the clock, 48h of working time is 48h of real time:
		// Sat 12:00 CET + 48h = Mon 12:00 CET = Mon 13:00 CEST.
		{"48h over the change", always.AddWorking(time.Date(2026, 3, 28, 12, 0, 0, 0, berlin), 48*time.Hour).Format(time.RFC3339), "2026-03-30T13:00:00+02:00"},
		// Sundays 01:00–04:00: on 03-29, 01:00 CET to 04:00 CEST is 2h.
		// Sundays 03-22, 03-29, 04-05: 3h + 2h + 3h = 8h.
		{"a short night shift", nights.Working(time.Date(2026, 3, 22, 0, 0, 0, 0, berlin), time.Date(2026, 4, 6, 0, 0, 0, 0, berlin)), 8 * time.Hour},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, tc.got)
		})
	}
}

func TestDue(t *testing.T) {
	plain, national := calendar(t, plainConfig), calendar(t, nationalConfig)
	for _, tc := range []struct {
		desc  string
		cal   *sla.Calendar
		start time.Time
		limit string
		want  time.Time
	}{
		{"natural days", plain, at(2026, 3, 6, 16, 0), "2d", at(2026, 3, 8, 16, 0)},
		{"natural minutes", plain, at(2026, 3, 7, 23, 50), "30m", at(2026, 3, 8, 0, 20)},
		// See TestAddWorking: Fri 16:00 + 4 working hours = Mon 11:30.
		{"working hours over a weekend", plain, at(2026, 3, 6, 16, 0), "4wh", at(2026, 3, 9, 11, 30)},
		// Day after Thu 03-05: Fri 03-06 is the 1st, Sat and Sun off,
		// Mon 03-09 the 2nd: its close, 17:30.
		{"working days over a weekend", plain, at(2026, 3, 5, 10, 0), "2wd", at(2026, 3, 9, 17, 30)},
		// The start day never counts, even started before opening.
		{"start day not counted", plain, at(2026, 3, 5, 7, 0), "1wd", at(2026, 3, 6, 17, 30)},
		// Nor after close: Fri 18:00 + 1wd → Mon 03-09.
		{"started after close", plain, at(2026, 3, 6, 18, 0), "1wd", at(2026, 3, 9, 17, 30)},
		// Sat 03-07 → Sun off → Mon 03-09 is the 1st.
		{"started on a Saturday", plain, at(2026, 3, 7, 10, 0), "1wd", at(2026, 3, 9, 17, 30)},
		// Day after Tue 09-29: Wed 09-30 1st, 10-01…07 off, Thu 10-08 2nd, Fri 10-09 3rd.
		{"working days over National Day", national, at(2026, 9, 29, 10, 0), "3wd", at(2026, 10, 9, 17, 30)},
		// Day after Fri 10-09: Sat 10-10 is worked (调休), the 1st.
		{"a worked Saturday counts", national, at(2026, 10, 9, 10, 0), "1wd", at(2026, 10, 10, 17, 30)},
		// 52 weeks × 5 = 260 working days after Sun 2026-01-04: the last
		// is Fri 2027-01-01 (see TestAddWorking).
		{"a year of working days", plain, at(2026, 1, 4, 10, 0), "260wd", at(2027, 1, 1, 17, 30)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			l, err := sla.ParseLimit(tc.limit)
			require.NoError(t, err)
			got := tc.cal.Due(tc.start, l)
			require.True(t, tc.want.Equal(got), "want %v, got %v", tc.want, got)
		})
	}
	require.True(t, at(2026, 3, 6, 16, 0).Equal(plain.Due(at(2026, 3, 6, 16, 0), sla.Limit{})), "a zero limit is due at once")
}

// TestLocation: answers come in the location of the time given, like
// time.Time.Add, whatever the calendar's zone.
func TestLocation(t *testing.T) {
	plain := calendar(t, plainConfig)
	// Fri 2026-03-06 08:00 UTC is 16:00 in Shanghai.
	start := time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		desc string
		got  time.Time
		want time.Time
	}{
		// 16:00 + 2h = 18:00 CST = 10:00 UTC.
		{"natural", plain.Due(start, sla.Limit{Clock: sla.Natural, D: 2 * time.Hour}), time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)},
		// Mon 11:30 CST (TestAddWorking) = 03:30 UTC.
		{"working hours", plain.Due(start, sla.Limit{Clock: sla.WorkHours, D: 4 * time.Hour}), time.Date(2026, 3, 9, 3, 30, 0, 0, time.UTC)},
		// Mon 17:30 CST = 09:30 UTC.
		{"working days", plain.Due(start, sla.Limit{Clock: sla.WorkDays, Days: 1}), time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC)},
		// Fri 16:00 − 30 working minutes = 15:30 CST = 07:30 UTC.
		{"backwards", plain.Resume(start, -30*time.Minute, sla.WorkHours), time.Date(2026, 3, 6, 7, 30, 0, 0, time.UTC)},
		// Fri 16:00 CST + 1wd = Mon 16:00 CST = 08:00 UTC.
		{"extended by working days", plain.Extend(start, sla.Limit{Clock: sla.WorkDays, Days: 1}), time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, tc.got)
		})
	}
}

func TestWarnAt(t *testing.T) {
	plain := calendar(t, plainConfig)
	for _, tc := range []struct {
		desc  string
		start time.Time
		limit string
		frac  float64
		want  time.Time
	}{
		// 08:00 + 0.8 × 10h = 08:00 + 8h = 16:00, lunch or not.
		{"natural", at(2026, 3, 10, 8, 0), "10h", 0.8, at(2026, 3, 10, 16, 0)},
		// 0.8 × 10h = 8h: Mon 03-09 09:00–17:30 7h, Tue 09:00 + 1h = 10:00.
		// (Due: Mon 7h + Tue 3h → Tue 12:00.)
		{"working hours", at(2026, 3, 9, 9, 0), "10wh", 0.8, at(2026, 3, 10, 10, 0)},
		// Due Mon 03-09 17:30 (TestDue). Working time from Thu 03-05 10:00:
		// Thu 2h + 4h = 6h, Fri 7h, Mon 7h = 20h; 0.8 × 20h = 16h:
		// Thu 6h (10h left), Fri 7h (3h left), Mon 09:00 + 3h = 12:00.
		{"working days", at(2026, 3, 5, 10, 0), "2wd", 0.8, at(2026, 3, 9, 12, 0)},
		// 0.5 × 3h = 1h30 from Sat: Mon 10:30.
		{"working hours from a Saturday", at(2026, 3, 7, 10, 0), "3wh", 0.5, at(2026, 3, 9, 10, 30)},
		{"full allowance is the deadline", at(2026, 3, 5, 10, 0), "2wd", 1, at(2026, 3, 9, 17, 30)},
		{"no allowance is the start", at(2026, 3, 5, 10, 0), "2wd", 0, at(2026, 3, 5, 10, 0)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			l, err := sla.ParseLimit(tc.limit)
			require.NoError(t, err)
			got := plain.WarnAt(tc.start, l, tc.frac)
			require.True(t, tc.want.Equal(got), "want %v, got %v", tc.want, got)
		})
	}
}

func TestRemainingResume(t *testing.T) {
	plain := calendar(t, plainConfig)
	for _, tc := range []struct {
		desc          string
		clock         sla.Clock
		due, paused   time.Time
		remaining     time.Duration
		resumed, want time.Time
	}{
		// Paused Mon 03-09 15:00, due Tue 12:00: Mon 15:00–17:30 2h30 +
		// Tue 09:00–12:00 3h = 5h30. Resumed Thu 03-12 16:30: Thu
		// 16:30–17:30 1h (4h30 left), Fri 09:00–12:00 3h (1h30 left),
		// 13:30 + 1h30 = Fri 03-13 15:00.
		{"working hours", sla.WorkHours, at(2026, 3, 10, 12, 0), at(2026, 3, 9, 15, 0), 5*time.Hour + 30*time.Minute, at(2026, 3, 12, 16, 30), at(2026, 3, 13, 15, 0)},
		// Same dates in natural time: Mon 15:00 → Tue 12:00 = 21h;
		// Thu 16:30 + 21h = Fri 13:30.
		{"natural", sla.Natural, at(2026, 3, 10, 12, 0), at(2026, 3, 9, 15, 0), 21 * time.Hour, at(2026, 3, 12, 16, 30), at(2026, 3, 13, 13, 30)},
		// Paused overdue Tue 14:00, due Tue 12:00: 13:30–14:00 = 30m past.
		// Resumed Thu 03-12 09:10: 09:00–09:10 10m back (20m left), Wed
		// 03-11 17:30 − 20m = 17:10.
		{"overdue working hours", sla.WorkHours, at(2026, 3, 10, 12, 0), at(2026, 3, 10, 14, 0), -30 * time.Minute, at(2026, 3, 12, 9, 10), at(2026, 3, 11, 17, 10)},
		// Working days pause in working time: Fri 16:00 → Mon 17:30 is
		// Fri 1h30 + Mon 7h = 8h30; from Tue 03-10 10:00: Tue 10:00–12:00
		// 2h + 13:30–17:30 4h (2h30 left), Wed 09:00 + 2h30 = 11:30.
		{"working days", sla.WorkDays, at(2026, 3, 9, 17, 30), at(2026, 3, 6, 16, 0), 8*time.Hour + 30*time.Minute, at(2026, 3, 10, 10, 0), at(2026, 3, 11, 11, 30)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			rem := plain.Remaining(tc.paused, tc.due, tc.clock)
			require.Equal(t, tc.remaining, rem)
			got := plain.Resume(tc.resumed, rem, tc.clock)
			require.True(t, tc.want.Equal(got), "want %v, got %v", tc.want, got)
			// Resuming where it was paused gives the deadline back (in
			// working clocks up to the choice of instant: the due here
			// are all inside working time or at a close).
			require.True(t, tc.due.Equal(plain.Resume(tc.paused, rem, tc.clock)))
		})
	}
}

func TestExtend(t *testing.T) {
	plain, national := calendar(t, plainConfig), calendar(t, nationalConfig)
	for _, tc := range []struct {
		desc  string
		cal   *sla.Calendar
		due   time.Time
		extra string
		want  time.Time
	}{
		{"natural", plain, at(2026, 3, 6, 17, 0), "2h", at(2026, 3, 6, 19, 0)},
		// Fri 17:00–17:30 30m, Mon 09:00 + 1h30 = 10:30.
		{"working hours", plain, at(2026, 3, 6, 17, 0), "2wh", at(2026, 3, 9, 10, 30)},
		// Fri 17:30 + 1wd: Mon 03-09 is the 1st, same time of day.
		{"working days over a weekend", plain, at(2026, 3, 6, 17, 30), "1wd", at(2026, 3, 9, 17, 30)},
		// Wed 09-30 15:00 + 2wd: Thu 10-08 1st, Fri 10-09 2nd, 15:00.
		{"working days over National Day", national, at(2026, 9, 30, 15, 0), "2wd", at(2026, 10, 9, 15, 0)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			l, err := sla.ParseLimit(tc.extra)
			require.NoError(t, err)
			got := tc.cal.Extend(tc.due, l)
			require.True(t, tc.want.Equal(got), "want %v, got %v", tc.want, got)
		})
	}
}

// naiveWorking is Working written the slow way, day by day from the
// configuration, as an oracle for the week-skipping.
func naiveWorking(t testing.TB, cfg sla.CalendarConfig, hours [][2][2]int, weekdays []int, a, b time.Time) time.Duration {
	loc := mustLoc(cfg.Timezone)
	a, b = a.In(loc), b.In(loc)
	var sum time.Duration
	for d := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC); !d.After(time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		worked := slices.Contains(weekdays, int(d.Weekday())) && !slices.Contains(cfg.Holidays, date) || slices.Contains(cfg.Workdays, date)
		if !worked {
			continue
		}
		for _, p := range hours {
			s := time.Date(d.Year(), d.Month(), d.Day(), p[0][0], p[0][1], 0, 0, loc)
			e := time.Date(d.Year(), d.Month(), d.Day(), p[1][0], p[1][1], 0, 0, loc)
			if s.Before(a) {
				s = a
			}
			if e.After(b) {
				e = b
			}
			if e.After(s) {
				sum += e.Sub(s)
			}
		}
	}
	return sum
}

// TestWorkingProperties: for random starts and durations,
// Working(t, AddWorking(t, d)) == d, Working(Resume(t, −d), t) == d, and
// Working agrees with the day-by-day oracle.
func TestWorkingProperties(t *testing.T) {
	national := nationalConfig
	national.Timezone = "Asia/Shanghai"
	berlin := sla.CalendarConfig{
		Timezone:  "Europe/Berlin",
		WorkHours: []string{"01:30-03:30", "08:00-12:00", "22:00-24:00"},
		Weekdays:  []int{0, 1, 3, 5},
		Holidays:  []string{"2026-03-29", "2026-12-25", "2027-01-01"},
		Workdays:  []string{"2026-10-24", "2026-10-25"},
	}
	for _, tc := range []struct {
		desc     string
		cfg      sla.CalendarConfig
		hours    [][2][2]int
		weekdays []int
	}{
		{"Shanghai with National Day", national, [][2][2]int{{{9, 0}, {12, 0}}, {{13, 30}, {17, 30}}}, []int{1, 2, 3, 4, 5}},
		{"Berlin across summer time", berlin, [][2][2]int{{{1, 30}, {3, 30}}, {{8, 0}, {12, 0}}, {{22, 0}, {24, 0}}}, []int{0, 1, 3, 5}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := calendar(t, tc.cfg)
			loc := mustLoc(tc.cfg.Timezone)
			rng := rand.New(rand.NewPCG(1, 2))
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			for range 2000 {
				start := base.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
				d := time.Duration(rng.Int64N(int64(3000 * time.Hour)))
				end := c.AddWorking(start, d)
				require.Equal(t, d, c.Working(start, end), "AddWorking(%v, %v) = %v", start, d, end)
				require.False(t, end.Before(start))
				back := c.Resume(start, -d, sla.WorkHours)
				require.Equal(t, d, c.Working(back, start), "Resume(%v, -%v) = %v", start, d, back)
				require.Equal(t, naiveWorking(t, tc.cfg, tc.hours, tc.weekdays, start, end), c.Working(start, end))
				require.Equal(t, naiveWorking(t, tc.cfg, tc.hours, tc.weekdays, back, start), c.Working(back, start))
			}
		})
	}
}

// TestLongSpans: centuries of working time are counted in whole weeks.
func TestLongSpans(t *testing.T) {
	c := calendar(t, nationalConfig)
	start := at(2026, 9, 30, 16, 0)
	for _, d := range []time.Duration{math.MaxInt64 / 2, math.MaxInt64 - 1} {
		end := c.AddWorking(start, d)
		require.Equal(t, d, c.Working(start, end))
		require.Equal(t, d, c.Working(c.Resume(start, -d, sla.WorkHours), start))
	}
	// From Sunday 2026-01-04 on the plain calendar, 10000wd is 2000 whole
	// weeks of 5: the last working day is the Friday of the 2000th week,
	// 2000 × 7 − 2 = 13998 days on. 38 years to 2064-01-04 are 38 × 365 +
	// 9 leap days (2028 … 2060) = 13879 days; 119 more: Jan 4 + 27 = Jan 31
	// (92 left), + 29 (2064 is a leap year) = Feb 29 (63 left), + 31 =
	// Mar 31 (32 left), + 30 = Apr 30 (2 left): Friday 2064-05-02.
	l, err := sla.ParseLimit("10000wd")
	require.NoError(t, err)
	require.True(t, at(2064, 5, 2, 17, 30).Equal(calendar(t, plainConfig).Due(at(2026, 1, 4, 10, 0), l)))
}

func BenchmarkAddWorking(b *testing.B) {
	c := calendar(b, nationalConfig)
	start := at(2026, 9, 30, 16, 0)
	for b.Loop() {
		c.AddWorking(start, 2000*time.Hour)
	}
}
