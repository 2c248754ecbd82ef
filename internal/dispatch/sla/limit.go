package sla

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// MaxWorkDays bounds a "wd" limit: anything longer is a typo, not an
// allowance.
const MaxWorkDays = 10000

const day = 24 * time.Hour

// ParseLimit reads a limit.
//
// A natural limit is one or more components <number><unit> with the units
// d (24 h), h, m and s, each at most once and in that order: "30m", "4h",
// "1h30m", "2d", "1.5d", "45s". Numbers may have a decimal fraction.
//
// A working-hours limit is <number>wh, optionally followed by working
// minutes and seconds: "8wh", "1.5wh", "1wh20m".
//
// A working-days limit is a whole number, at most MaxWorkDays, followed by
// wd: "3wd".
//
// The total must be positive: empty text, negative and zero limits,
// unknown units (ms, w …) and anything else are errors. Surrounding white
// space is ignored.
//
// Limit.String gives a canonical form that ParseLimit reads back to the
// same Limit (not necessarily the text it was parsed from): natural limits
// are "<n>d" when they are a whole number of days and hours, minutes and
// seconds otherwise ("48h" → "2d", "90m" → "1h30m", "1.5d" → "36h");
// working hours are "<n>wh" with up to three decimals when that is exact
// ("1.5wh", "0.25wh") and "<n>wh<m>m<s>s" when not ("1wh20m", "0wh20m");
// working days are "<n>wd". The zero Limit is "".
func ParseLimit(s string) (Limit, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Limit{}, errors.New("sla: empty limit")
	}
	if in[0] == '-' {
		return Limit{}, fmt.Errorf("sla: negative limit %q", s)
	}
	comps, err := components(in)
	if err != nil {
		return Limit{}, fmt.Errorf("sla: limit %q: %w", s, err)
	}
	if comps[0].unit == "wd" {
		return parseWorkDays(s, comps)
	}
	clock, order := Natural, naturalUnits
	if comps[0].unit == "wh" {
		clock, order = WorkHours, workHourUnits
	}
	var total time.Duration
	last := -1
	for _, c := range comps {
		rank := indexOf(order, c.unit)
		switch {
		case c.unit == "wd":
			return Limit{}, fmt.Errorf("sla: limit %q: wd (working days) cannot be combined with other units", s)
		case rank < 0 && c.unit == "wh":
			return Limit{}, fmt.Errorf("sla: limit %q: wh (working hours) must come first", s)
		case rank < 0:
			return Limit{}, fmt.Errorf("sla: limit %q: wh (working hours) can only be followed by m and s, not %s", s, c.unit)
		case rank <= last:
			return Limit{}, fmt.Errorf("sla: limit %q: units must be given once each, largest first (%s)", s, strings.Join(order, ", "))
		}
		last = rank
		v, err := c.value(unitSize[c.unit])
		if err != nil {
			return Limit{}, fmt.Errorf("sla: limit %q: %w", s, err)
		}
		if total > math.MaxInt64-v {
			return Limit{}, fmt.Errorf("sla: limit %q is too large", s)
		}
		total += v
	}
	if total == 0 {
		return Limit{}, fmt.Errorf("sla: zero limit %q", s)
	}
	return Limit{Clock: clock, D: total}, nil
}

func parseWorkDays(s string, comps []component) (Limit, error) {
	if len(comps) > 1 {
		return Limit{}, fmt.Errorf("sla: limit %q: wd (working days) cannot be combined with other units", s)
	}
	c := comps[0]
	if c.frac != "" {
		return Limit{}, fmt.Errorf("sla: limit %q: working days must be a whole number", s)
	}
	n, err := strconv.ParseUint(c.whole, 10, 64)
	if err != nil || n > MaxWorkDays {
		return Limit{}, fmt.Errorf("sla: limit %q is too large (at most %dwd)", s, MaxWorkDays)
	}
	if n == 0 {
		return Limit{}, fmt.Errorf("sla: zero limit %q", s)
	}
	return Limit{Clock: WorkDays, Days: int(n)}, nil
}

var (
	naturalUnits  = []string{"d", "h", "m", "s"}
	workHourUnits = []string{"wh", "m", "s"}
	unitSize      = map[string]time.Duration{
		"d": day, "h": time.Hour, "m": time.Minute, "s": time.Second,
		"wh": time.Hour, "wd": day, // wd's size is unused: it counts days
	}
)

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// component is one <number><unit> of a limit, the number as written.
type component struct {
	whole, frac, unit string
}

// components splits a limit into its <number><unit> parts.
func components(s string) ([]component, error) {
	var out []component
	for s != "" {
		var c component
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == 0 {
			return nil, fmt.Errorf("expected a number at %q", s)
		}
		c.whole, s = s[:i], s[i:]
		if s != "" && s[0] == '.' {
			i = 1
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			if i == 1 {
				return nil, fmt.Errorf("malformed number %q", c.whole+".")
			}
			c.frac, s = s[1:i], s[i:]
		}
		i = 0
		for i < len(s) && !isDigit(s[i]) && s[i] != '.' {
			i++
		}
		c.unit, s = s[:i], s[i:]
		if c.unit == "" {
			return nil, fmt.Errorf("missing unit after %s (use d, h, m, s, wh or wd)", c.number())
		}
		if _, ok := unitSize[c.unit]; !ok {
			return nil, fmt.Errorf("unknown unit %q (use d, h, m, s, wh or wd)", c.unit)
		}
		out = append(out, c)
	}
	return out, nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func (c component) number() string {
	if c.frac == "" {
		return c.whole
	}
	return c.whole + "." + c.frac
}

// value is the component in nanoseconds, exactly (a fraction finer than a
// nanosecond is dropped).
func (c component) value(unit time.Duration) (time.Duration, error) {
	tooLarge := fmt.Errorf("%s%s is too large", c.number(), c.unit)
	w, err := strconv.ParseUint(c.whole, 10, 64)
	if err != nil || w > uint64(math.MaxInt64/unit) {
		return 0, tooLarge
	}
	v := time.Duration(w) * unit
	if c.frac != "" {
		f, _ := new(big.Int).SetString(c.frac, 10) // digits only, checked by components
		f.Mul(f, big.NewInt(int64(unit)))
		f.Quo(f, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(c.frac))), nil))
		fv := time.Duration(f.Int64()) // < unit
		if v > math.MaxInt64-fv {
			return 0, tooLarge
		}
		v += fv
	}
	return v, nil
}

// String gives the limit's canonical text, which ParseLimit reads back to
// the same Limit; the zero Limit gives "". An empty Clock is natural time.
func (l Limit) String() string {
	if l.IsZero() {
		return ""
	}
	switch l.Clock {
	case "", Natural:
		return formatNatural(l.D)
	case WorkHours:
		return formatWorkHours(l.D)
	case WorkDays:
		return strconv.Itoa(l.Days) + "wd"
	}
	return fmt.Sprintf("%s(%v, %dd)", l.Clock, l.D, l.Days)
}

func formatNatural(d time.Duration) string {
	if d < 0 {
		return "-" + formatNatural(-d) // only for invalid limits built in code
	}
	if d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "h")
	}
	writeMinSec(&b, d%time.Hour)
	return b.String()
}

// writeMinSec writes d < 1 h as minutes and seconds, the seconds with a
// decimal fraction when needed ("20m", "1m30.5s").
func writeMinSec(b *strings.Builder, d time.Duration) {
	if m := d / time.Minute; m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "m")
	}
	ns := d % time.Minute
	if ns == 0 {
		return
	}
	b.WriteString(strconv.FormatInt(int64(ns/time.Second), 10))
	if f := ns % time.Second; f > 0 {
		b.WriteString("." + strings.TrimRight(fmt.Sprintf("%09d", int64(f)), "0"))
	}
	b.WriteString("s")
}

func formatWorkHours(d time.Duration) string {
	if d < 0 {
		return "-" + formatWorkHours(-d) // only for invalid limits built in code
	}
	h, rest := d/time.Hour, d%time.Hour
	whole := strconv.FormatInt(int64(h), 10)
	const milli = time.Hour / 1000 // 3.6 s: a thousandth of an hour
	switch {
	case rest == 0:
		return whole + "wh"
	case rest%milli == 0:
		return whole + "." + strings.TrimRight(fmt.Sprintf("%03d", int64(rest/milli)), "0") + "wh"
	}
	var b strings.Builder
	b.WriteString(whole + "wh")
	writeMinSec(&b, rest)
	return b.String()
}

// IsZero reports whether the limit is unset: no time in its clock.
func (l Limit) IsZero() bool {
	switch l.Clock {
	case WorkDays:
		return l.Days == 0
	case "", Natural, WorkHours:
		return l.D == 0
	}
	return l.D == 0 && l.Days == 0
}

// check reports a limit ParseLimit could not have produced.
func (l Limit) check() error {
	switch l.Clock {
	case "", Natural, WorkHours:
		if l.D < 0 {
			return fmt.Errorf("sla: negative limit %v", l.D)
		}
	case WorkDays:
		if l.Days < 0 || l.Days > MaxWorkDays {
			return fmt.Errorf("sla: working days %d out of range 1–%d", l.Days, MaxWorkDays)
		}
	default:
		return fmt.Errorf("sla: unknown clock %q", l.Clock)
	}
	return nil
}

// MarshalText writes the canonical form (String); the zero Limit is "".
// A limit that ParseLimit could not have produced (negative, unknown
// clock) is an error rather than text that would not read back.
func (l Limit) MarshalText() ([]byte, error) {
	if l.IsZero() {
		return []byte{}, nil
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a limit with ParseLimit, except that empty text
// gives the zero Limit (an unset limit), so that what MarshalText writes
// reads back.
func (l *Limit) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*l = Limit{}
		return nil
	}
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
