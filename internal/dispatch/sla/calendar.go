package sla

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Calendar defaults, used when the configuration leaves a field empty.
const defaultTimezone = "Asia/Shanghai"

var (
	defaultWeekdays  = []int{1, 2, 3, 4, 5}
	defaultWorkHours = []string{"09:00-12:00", "13:30-17:30"}
)

// Calendar is working time: the periods of a working day, the weekdays
// worked, the public holidays and the weekend days worked in their place.
// A day is worked if its weekday is a working weekday and it is not a
// holiday, or if it is listed as a workday (调休).
//
// Times are read in the calendar's time zone (working hours, days); the
// instants returned are in the location of the time given, as with
// time.Time.Add. A Calendar is immutable and safe for concurrent use.
//
// Working time is measured between real instants, so a period that a
// daylight-saving change shortens or lengthens counts as it really lasted.
// Long spans are not walked day by day: whole weeks without a holiday, a
// workday or a change of UTC offset are counted at once.
type Calendar struct {
	loc       *time.Location
	periods   []period
	weekdays  [7]bool
	nWeekdays int           // working weekdays in a week
	week      time.Duration // working time of a week without holidays or workdays
	holidays  map[int]bool  // day numbers (see dayNum)
	workdays  map[int]bool
	special   []int // holidays and workdays, sorted
}

// period is a span of a working day in minutes after midnight: [start, end).
type period struct{ start, end int }

// NewCalendar checks a configuration and fills in the defaults: time zone
// Asia/Shanghai, weekdays Monday to Friday, working hours 09:00–12:00 and
// 13:30–17:30. Periods are "HH:MM-HH:MM", in order and not overlapping
// (24:00 may end the last one); dates are "YYYY-MM-DD"; a date cannot be
// both a holiday and a workday.
func NewCalendar(cfg CalendarConfig) (*Calendar, error) {
	tz := cmp.Or(cfg.Timezone, defaultTimezone)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("sla: calendar timezone %q: %w", tz, err)
	}
	c := &Calendar{loc: loc, holidays: map[int]bool{}, workdays: map[int]bool{}}

	hours := cfg.WorkHours
	if len(hours) == 0 {
		hours = defaultWorkHours
	}
	var daily time.Duration
	for i, s := range hours {
		p, err := parsePeriod(s)
		if err != nil {
			return nil, fmt.Errorf("sla: calendar work_hours[%d]: %w", i, err)
		}
		if i > 0 && p.start < c.periods[i-1].end {
			return nil, fmt.Errorf("sla: calendar work_hours[%d] %q starts before %q ends: periods must be in order and not overlap", i, s, hours[i-1])
		}
		c.periods = append(c.periods, p)
		daily += time.Duration(p.end-p.start) * time.Minute
	}

	weekdays := cfg.Weekdays
	if len(weekdays) == 0 {
		weekdays = defaultWeekdays
	}
	for _, w := range weekdays {
		if w < 0 || w > 6 {
			return nil, fmt.Errorf("sla: calendar weekday %d: must be 0 (Sunday) to 6 (Saturday)", w)
		}
		if c.weekdays[w] {
			return nil, fmt.Errorf("sla: calendar weekday %d listed twice", w)
		}
		c.weekdays[w] = true
		c.nWeekdays++
	}
	c.week = time.Duration(c.nWeekdays) * daily

	for _, d := range cfg.Holidays {
		n, err := parseDate(d)
		if err != nil {
			return nil, fmt.Errorf("sla: calendar holiday: %w", err)
		}
		c.holidays[n] = true
	}
	for _, d := range cfg.Workdays {
		n, err := parseDate(d)
		if err != nil {
			return nil, fmt.Errorf("sla: calendar workday: %w", err)
		}
		if c.holidays[n] {
			return nil, fmt.Errorf("sla: calendar date %s is both a holiday and a workday", d)
		}
		c.workdays[n] = true
	}
	for n := range c.holidays {
		c.special = append(c.special, n)
	}
	for n := range c.workdays {
		c.special = append(c.special, n)
	}
	slices.Sort(c.special)

	// Holidays and workdays are finite, so with a working weekday and a
	// working period there is always more working time ahead; without
	// them the walks below would never end.
	if c.nWeekdays == 0 || daily <= 0 {
		return nil, errors.New("sla: calendar has no working time")
	}
	return c, nil
}

// parsePeriod reads "HH:MM-HH:MM".
func parsePeriod(s string) (period, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return period{}, fmt.Errorf("period %q: want HH:MM-HH:MM", s)
	}
	a, err := parseClock(strings.TrimSpace(from), false)
	if err != nil {
		return period{}, fmt.Errorf("period %q: %w", s, err)
	}
	b, err := parseClock(strings.TrimSpace(to), true)
	if err != nil {
		return period{}, fmt.Errorf("period %q: %w", s, err)
	}
	if b <= a {
		return period{}, fmt.Errorf("period %q ends before it starts", s)
	}
	return period{a, b}, nil
}

// parseClock reads "HH:MM" as minutes after midnight; 24:00 only as an end.
func parseClock(s string, end bool) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[3]) || !isDigit(s[4]) {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && (m > 0 || !end)) {
		return 0, fmt.Errorf("time %q out of range", s)
	}
	return h*60 + m, nil
}

func parseDate(s string) (int, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return dayNum(t.Date()), nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Days are numbered from 1970-01-01 (day 0), civil dates in no time zone.

func dayNum(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func civil(n int) (int, time.Month, int) {
	return time.Unix(int64(n)*86400, 0).UTC().Date()
}

func weekday(n int) int { return ((n+4)%7 + 7) % 7 } // day 0 was a Thursday

// dayOf is t's day in the calendar's zone.
func (c *Calendar) dayOf(t time.Time) int { return dayNum(t.In(c.loc).Date()) }

func (c *Calendar) worked(n int) bool {
	if c.workdays[n] {
		return true
	}
	return c.weekdays[weekday(n)] && !c.holidays[n]
}

// at is the instant of a wall-clock time (minutes after midnight) on day n.
func (c *Calendar) at(n, minutes int) time.Time {
	y, m, d := civil(n)
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, c.loc)
}

// bounds is period p on day n as instants.
func (c *Calendar) bounds(n int, p period) (time.Time, time.Time) {
	return c.at(n, p.start), c.at(n, p.end)
}

const weekLen = 7 * 24 * time.Hour

// weeksAfter is how many whole weeks from the start of day n on can be
// counted without looking at each day: none of their days a holiday or a
// workday, and one UTC offset throughout (so every working day is the
// same length). The answer may be less than the most possible.
func (c *Calendar) weeksAfter(n int) int64 {
	weeks := int64(math.MaxInt64)
	if i, _ := slices.BinarySearch(c.special, n); i < len(c.special) {
		weeks = int64(c.special[i]-n) / 7
	}
	if weeks == 0 {
		return 0
	}
	t0 := c.at(n, 0)
	if _, end := t0.ZoneBounds(); !end.IsZero() {
		weeks = min(weeks, int64((end.Sub(t0)-1)/weekLen))
	}
	return weeks
}

// weeksBefore is weeksAfter backwards: whole weeks ending with day n.
func (c *Calendar) weeksBefore(n int) int64 {
	weeks := int64(math.MaxInt64)
	if i, _ := slices.BinarySearch(c.special, n+1); i > 0 {
		weeks = int64(n-c.special[i-1]) / 7
	}
	if weeks == 0 {
		return 0
	}
	t1 := c.at(n+1, 0)
	if start, _ := t1.ZoneBounds(); !start.IsZero() {
		weeks = min(weeks, int64(t1.Sub(start)/weekLen))
	}
	return weeks
}

// AddWorking is the instant at which d of working time has elapsed after
// t: the earliest one, so it can be a closing time (12:00, not the 13:30
// opening after lunch). If t is outside working time, counting starts at
// the next opening. A d of zero or less returns t unchanged, even outside
// working time.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	out := t.Location()
	t = t.In(c.loc)
	rem := d
	for n, first := c.dayOf(t), true; ; n, first = n+1, false {
		if !first && rem > c.week {
			// Whole weeks, leaving at least one instant of rem so that
			// the answer is found on a day walked below.
			if k := min(c.weeksAfter(n), int64((rem-1)/c.week)); k > 0 {
				rem -= time.Duration(k) * c.week
				n += int(k) * 7
			}
		}
		if !c.worked(n) {
			continue
		}
		for _, p := range c.periods {
			s, e := c.bounds(n, p)
			if s.Before(t) {
				s = t
			}
			avail := e.Sub(s)
			if avail <= 0 {
				continue
			}
			if rem <= avail {
				return s.Add(rem).In(out)
			}
			rem -= avail
		}
	}
}

// subWorking is AddWorking backwards: the earliest instant u with
// Working(u, t) == d, so a closing time rather than the opening after it
// (a deadline at a close, once made overdue and resumed, stays there).
func (c *Calendar) subWorking(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	out := t.Location()
	t = t.In(c.loc)
	rem := d
	for n, first := c.dayOf(t), true; ; n, first = n-1, false {
		if !first && rem > c.week {
			// Whole weeks, leaving at least one instant of rem.
			if k := min(c.weeksBefore(n), int64((rem-1)/c.week)); k > 0 {
				rem -= time.Duration(k) * c.week
				n -= int(k) * 7
			}
		}
		if !c.worked(n) {
			continue
		}
		for i := len(c.periods) - 1; i >= 0; i-- {
			s, e := c.bounds(n, c.periods[i])
			if e.After(t) {
				e = t
			}
			avail := e.Sub(s)
			if avail <= 0 {
				continue
			}
			if rem < avail {
				return e.Add(-rem).In(out)
			}
			rem -= avail // at 0, the close of the period before
		}
	}
}

// Working is the working time in [a, b); 0 if b is not after a. It
// saturates at the largest Duration (some 290 years).
func (c *Calendar) Working(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	first, last := c.dayOf(a), c.dayOf(b)
	var sum time.Duration
	for n := first; n <= last; n++ {
		if n > first {
			// Whole weeks that end before b's day.
			if k := min(c.weeksAfter(n), int64(last-n)/7); k > 0 {
				sum = satAdd(sum, time.Duration(k), c.week)
				n += int(k) * 7
			}
		}
		if !c.worked(n) {
			continue
		}
		for _, p := range c.periods {
			s, e := c.bounds(n, p)
			if s.Before(a) {
				s = a
			}
			if e.After(b) {
				e = b
			}
			if e.After(s) {
				sum = satAdd(sum, 1, e.Sub(s))
			}
		}
	}
	return sum
}

// satAdd is sum + k·d, saturating at the largest Duration.
func satAdd(sum, k, d time.Duration) time.Duration {
	if d > 0 && k > (math.MaxInt64-sum)/d {
		return math.MaxInt64
	}
	return sum + k*d
}

// afterWorkdays is the n-th worked day after day from (from itself does
// not count).
func (c *Calendar) afterWorkdays(from, n int) int {
	d := from
	for n > 0 {
		d++
		if n > c.nWeekdays {
			// Whole weeks, leaving at least one worked day to walk.
			if k := min(c.weeksAfter(d), int64((n-1)/c.nWeekdays)); k > 0 {
				d += int(k) * 7
				n -= int(k) * c.nWeekdays
			}
		}
		if c.worked(d) {
			n--
		}
	}
	return d
}

// Due is the deadline of a limit started at start:
//   - natural: start + D;
//   - working hours: AddWorking(start, D);
//   - working days: close of business (the end of the last period) on the
//     Days-th working day after start's day. The start day itself never
//     counts, whether or not it is worked and whatever the time.
//
// A zero limit is due at start. An empty Clock is natural time.
func (c *Calendar) Due(start time.Time, l Limit) time.Time {
	switch l.Clock {
	case WorkHours:
		return c.AddWorking(start, l.D)
	case WorkDays:
		if l.Days <= 0 {
			return start
		}
		return c.at(c.afterWorkdays(c.dayOf(start), l.Days), c.periods[len(c.periods)-1].end).In(start.Location())
	}
	return start.Add(l.D)
}

// WarnAt is the instant at which frac of the allowance of a limit started
// at start is used (0.8 for the 80 % warning), measured in the limit's
// clock: natural, start + frac·(due − start); working clocks,
// AddWorking(start, frac·Working(start, due)). A frac of zero or less (or
// NaN) gives start; a frac above 1 points past the deadline.
func (c *Calendar) WarnAt(start time.Time, l Limit, frac float64) time.Time {
	if !(frac > 0) {
		return start
	}
	due := c.Due(start, l)
	switch l.Clock {
	case WorkHours, WorkDays:
		return c.AddWorking(start, scale(c.Working(start, due), frac))
	}
	return start.Add(scale(due.Sub(start), frac))
}

// scale is frac·d rounded to the nanosecond, saturating.
func scale(d time.Duration, frac float64) time.Duration {
	f := math.Round(float64(d) * frac)
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	if f <= math.MinInt64 {
		return math.MinInt64
	}
	return time.Duration(f)
}

// Remaining is the allowance left at now before due, in clock c: natural,
// due − now; working clocks (work_hours, work_days), the working time
// between them. It is negative once due has passed (by the natural or the
// working time since due), so that Resume keeps an overdue case overdue.
func (c *Calendar) Remaining(now, due time.Time, clock Clock) time.Duration {
	switch clock {
	case WorkHours, WorkDays:
		if due.Before(now) {
			return -c.Working(due, now)
		}
		return c.Working(now, due)
	}
	return due.Sub(now)
}

// Resume is the new deadline of a clock restarted at now with remaining
// left (from Remaining when it was paused): natural, now + remaining;
// working clocks, AddWorking(now, remaining), or for a negative remaining
// the earliest instant that much working time before now (a close rather
// than the opening after it).
func (c *Calendar) Resume(now time.Time, remaining time.Duration, clock Clock) time.Time {
	switch clock {
	case WorkHours, WorkDays:
		if remaining < 0 {
			return c.subWorking(now, -remaining)
		}
		return c.AddWorking(now, remaining)
	}
	return now.Add(remaining)
}

// Extend moves a deadline by an extension (延期):
//   - natural: due + D;
//   - working hours: AddWorking(due, D);
//   - working days: the same time of day (in the calendar's zone) on the
//     Days-th working day after due's day, due's day not counting, as in
//     Due: a deadline at Friday 17:30 extended by 1wd is Monday 17:30.
//
// A zero extension leaves due as it is.
func (c *Calendar) Extend(due time.Time, extra Limit) time.Time {
	switch extra.Clock {
	case WorkHours:
		return c.AddWorking(due, extra.D)
	case WorkDays:
		if extra.Days <= 0 {
			return due
		}
		t := due.In(c.loc)
		y, m, d := civil(c.afterWorkdays(c.dayOf(t), extra.Days))
		return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc).In(due.Location())
	}
	return due.Add(extra.D)
}
