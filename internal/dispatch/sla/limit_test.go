package sla_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ywtg/hub/internal/dispatch/sla"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		desc      string
		in        string
		want      sla.Limit
		canonical string
	}{
		{"minutes", "30m", sla.Limit{Clock: sla.Natural, D: 30 * time.Minute}, "30m"},
		{"hours", "4h", sla.Limit{Clock: sla.Natural, D: 4 * time.Hour}, "4h"},
		{"hours and minutes", "1h30m", sla.Limit{Clock: sla.Natural, D: 90 * time.Minute}, "1h30m"},
		// 90m = 1h + 30m.
		{"minutes over an hour", "90m", sla.Limit{Clock: sla.Natural, D: 90 * time.Minute}, "1h30m"},
		// 2 × 24h = 48h.
		{"days", "2d", sla.Limit{Clock: sla.Natural, D: 48 * time.Hour}, "2d"},
		{"whole days in hours", "48h", sla.Limit{Clock: sla.Natural, D: 48 * time.Hour}, "2d"},
		// 1.5 × 24h = 36h, not a whole number of days.
		{"fractional days", "1.5d", sla.Limit{Clock: sla.Natural, D: 36 * time.Hour}, "36h"},
		// 1d + 2h = 26h.
		{"days and hours", "1d2h", sla.Limit{Clock: sla.Natural, D: 26 * time.Hour}, "26h"},
		{"seconds", "45s", sla.Limit{Clock: sla.Natural, D: 45 * time.Second}, "45s"},
		{"fractional seconds", "1.5s", sla.Limit{Clock: sla.Natural, D: 1500 * time.Millisecond}, "1.5s"},
		// 0.5h = 30m.
		{"fractional hours", "0.5h", sla.Limit{Clock: sla.Natural, D: 30 * time.Minute}, "30m"},
		{"white space", " 4h\n", sla.Limit{Clock: sla.Natural, D: 4 * time.Hour}, "4h"},
		{"working hours", "8wh", sla.Limit{Clock: sla.WorkHours, D: 8 * time.Hour}, "8wh"},
		// 1.5 × 60m = 90m.
		{"fractional working hours", "1.5wh", sla.Limit{Clock: sla.WorkHours, D: 90 * time.Minute}, "1.5wh"},
		// 0.25 × 60m = 15m.
		{"a quarter working hour", "0.25wh", sla.Limit{Clock: sla.WorkHours, D: 15 * time.Minute}, "0.25wh"},
		// 60m + 20m = 80m; 80/60 h = 1.333… has no exact decimal.
		{"working hours and minutes", "1wh20m", sla.Limit{Clock: sla.WorkHours, D: 80 * time.Minute}, "1wh20m"},
		{"working minutes only", "0wh20m", sla.Limit{Clock: sla.WorkHours, D: 20 * time.Minute}, "0wh20m"},
		// 1h + 6m = 1.1h exactly.
		{"working minutes as a decimal", "1wh6m", sla.Limit{Clock: sla.WorkHours, D: 66 * time.Minute}, "1.1wh"},
		{"working days", "3wd", sla.Limit{Clock: sla.WorkDays, Days: 3}, "3wd"},
		{"the most working days", "10000wd", sla.Limit{Clock: sla.WorkDays, Days: 10000}, "10000wd"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			l, err := sla.ParseLimit(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, l)
			require.Equal(t, tc.canonical, l.String())
			require.False(t, l.IsZero())
			back, err := sla.ParseLimit(l.String())
			require.NoError(t, err)
			require.Equal(t, l, back)
		})
	}
}

func TestParseLimitErrors(t *testing.T) {
	for _, tc := range []struct {
		desc, in, err string
	}{
		{"empty", "", "empty limit"},
		{"blank", "  ", "empty limit"},
		{"negative", "-1h", "negative limit"},
		{"zero", "0h", "zero limit"},
		{"zero in parts", "0h0m", "zero limit"},
		{"zero working days", "0wd", "zero limit"},
		{"below a nanosecond", "0.0000000001s", "zero limit"},
		{"no unit", "4", "missing unit after 4"},
		{"no number", "h", "expected a number"},
		{"unknown unit", "10x", `unknown unit "x"`},
		{"milliseconds", "30ms", `unknown unit "ms"`},
		{"weeks", "2w", `unknown unit "w"`},
		{"a dot without digits", "1.h", "malformed number"},
		{"a leading dot", ".5h", "expected a number"},
		{"a plus sign", "+1h", "expected a number"},
		{"a space inside", "1h 30m", `unknown unit "h "`},
		{"fractional working days", "1.5wd", "whole number"},
		{"working days with more", "1wd2h", "cannot be combined"},
		{"working days after more", "2h1wd", "cannot be combined"},
		{"working hours after natural", "2h1wh", "must come first"},
		{"working hours twice", "1wh2wh", "once each"},
		{"working hours and days", "1wh1d", "only be followed by m and s"},
		{"a unit twice", "1h1h", "once each"},
		{"units out of order", "30m1h", "largest first"},
		{"too many working days", "10001wd", "too large"},
		{"too many hours", "9999999999999h", "too large"},
		{"too large in total", "106751d23h47m16.854775808s", "too large"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := sla.ParseLimit(tc.in)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

// TestLimitRoundTrip: any positive duration in either clock prints to
// text that reads back to the same limit.
func TestLimitRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		d := time.Duration(1 + rng.Int64N(math.MaxInt64-1))
		if rng.IntN(2) == 0 {
			d = time.Duration(1 + rng.Int64N(int64(1000*time.Hour))) // common sizes
		}
		for _, l := range []sla.Limit{{Clock: sla.Natural, D: d}, {Clock: sla.WorkHours, D: d}} {
			back, err := sla.ParseLimit(l.String())
			require.NoError(t, err, l.String())
			require.Equal(t, l, back, l.String())
		}
	}
	// The largest Duration: 106751 days 23:47:16.854775807.
	l := sla.Limit{Clock: sla.Natural, D: math.MaxInt64}
	require.Equal(t, "2562047h47m16.854775807s", l.String())
	back, err := sla.ParseLimit(l.String())
	require.NoError(t, err)
	require.Equal(t, l, back)
}

func TestLimitText(t *testing.T) {
	type limits struct {
		Sign    sla.Limit  `yaml:"sign" json:"sign"`
		Resolve sla.Limit  `yaml:"resolve" json:"resolve"`
		Verify  sla.Limit  `yaml:"verify,omitempty" json:"verify"`
		Sensor  *sla.Limit `yaml:"sensor,omitempty" json:"sensor,omitempty"`
	}
	want := limits{
		Sign:    sla.Limit{Clock: sla.Natural, D: 30 * time.Minute},
		Resolve: sla.Limit{Clock: sla.WorkHours, D: 90 * time.Minute},
		Sensor:  &sla.Limit{Clock: sla.WorkDays, Days: 3},
	}
	for _, tc := range []struct {
		desc      string
		marshal   func(any) ([]byte, error)
		unmarshal func([]byte, any) error
		text      string
	}{
		{"JSON", json.Marshal, json.Unmarshal, `{"sign":"30m","resolve":"1.5wh","verify":"","sensor":"3wd"}`},
		// An unset limit is left out of YAML (IsZero with omitempty).
		{"YAML", yaml.Marshal, yaml.Unmarshal, "sign: 30m\nresolve: 1.5wh\nsensor: 3wd\n"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			b, err := tc.marshal(want)
			require.NoError(t, err)
			require.Equal(t, tc.text, string(b))
			var got limits
			require.NoError(t, tc.unmarshal(b, &got))
			require.Equal(t, want, got)
		})
	}
	for _, tc := range []struct {
		desc, yaml, err string
	}{
		{"a number without a unit", "sign: 30\n", "missing unit"},
		{"a bad unit", "sign: 3w\n", `unknown unit "w"`},
		{"fractional working days", "sign: 1.5wd\n", "whole number"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var got limits
			require.ErrorContains(t, yaml.Unmarshal([]byte(tc.yaml), &got), tc.err)
		})
	}
	var got limits
	require.ErrorContains(t, json.Unmarshal([]byte(`{"sign":"-2h"}`), &got), "negative limit")
	_, err := json.Marshal(sla.Limit{Clock: sla.Natural, D: -time.Hour})
	require.ErrorContains(t, err, "negative limit")
	_, err = json.Marshal(sla.Limit{Clock: "lunar", D: time.Hour})
	require.ErrorContains(t, err, `unknown clock "lunar"`)
	require.True(t, sla.Limit{}.IsZero())
	require.True(t, sla.Limit{Clock: sla.WorkDays}.IsZero())
	require.Equal(t, "", sla.Limit{}.String())
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"30m", "4h", "1h30m", "2d", "1.5d", "8wh", "1.5wh", "1wh20m", "3wd", "", "-1h", "1.h", "0wd", "9999999999999999999h", "1d2h3m4.5s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := sla.ParseLimit(s)
		if err != nil {
			return
		}
		require.False(t, l.IsZero(), "%q", s)
		switch l.Clock {
		case sla.WorkDays:
			require.Positive(t, l.Days, "%q", s)
		default:
			require.Positive(t, l.D, "%q", s)
		}
		text := l.String()
		back, err := sla.ParseLimit(text)
		require.NoError(t, err, "%q → %q", s, text)
		require.Equal(t, l, back, "%q → %q", s, text)
		require.Equal(t, text, back.String())
	})
}
