package pii

import (
	"regexp"
	"strings"
)

// Free text — a report's description, typed by a hotline operator while the
// caller talks — often carries the caller's number or ID. Scrub finds the
// shapes that identify a person and masks each as the Mask functions do:
//
//   - mainland mobile numbers, 11 digits from 13x–19x, also written
//     138 1234 5678 or 138-1234-5678, or after +86 / 0086;
//   - fixed-line numbers with their area code, 0 and 10–12 digits in all
//     (0483-8221234);
//   - resident ID numbers: 18 characters (17 digits and a digit or X) or
//     the old 15 digits;
//   - e-mail addresses.
//
// Numbers are matched whole, between non-digits, so a longer number (an
// order number, a coordinate) is left alone. Shorter numbers — a local
// number without its area code, 12345, 110 — are left alone too: they
// name a service or a quantity more often than a person.

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	// spacedMobileRe is a mobile number written in groups, 3-4-4.
	spacedMobileRe = regexp.MustCompile(`(?:(?:\+|00)86[ \-]?)?1[3-9][0-9][ \-][0-9]{4}[ \-][0-9]{4}`)
	// numberRe is a run of digits, with hyphens inside and an ID's
	// closing X; a +86 / 0086 in front belongs to it.
	numberRe = regexp.MustCompile(`(?:\+86[ \-]?)?[0-9]+(?:-[0-9]+)*[Xx]?`)
)

// Scrub returns s with every contact detail it holds masked, and whether
// there was any.
func Scrub(s string) (string, bool) {
	found := false
	s = emailRe.ReplaceAllStringFunc(s, func(m string) string {
		found = true
		return MaskEmail(m)
	})
	s = replaceWhole(s, spacedMobileRe, func(m string) (string, bool) { return MaskPhone(m), true }, &found)
	s = replaceWhole(s, numberRe, maskNumber, &found)
	return s, found
}

// replaceWhole replaces the matches of re that stand between non-digits
// by what mask returns, if it returns true.
func replaceWhole(s string, re *regexp.Regexp, mask func(string) (string, bool), found *bool) string {
	locs := re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		i, j := l[0], l[1]
		if (i > 0 && isDigit(s[i-1])) || (j < len(s) && isDigit(s[j])) {
			continue
		}
		m, ok := mask(s[i:j])
		if !ok {
			continue
		}
		*found = true
		b.WriteString(s[last:i])
		b.WriteString(m)
		last = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskNumber masks a number of a shape that identifies a person. An X
// that closes no ID number is kept as it was.
func maskNumber(m string) (string, bool) {
	prefix, rest := "", m
	if strings.HasPrefix(rest, "+86") {
		prefix, rest = "+86 ", strings.TrimLeft(rest[3:], " -")
	}
	x := ""
	if last := rest[len(rest)-1]; last == 'X' || last == 'x' {
		x, rest = string(last), rest[:len(rest)-1]
	}
	digits := strings.ReplaceAll(rest, "-", "")
	if prefix == "" && len(digits) == 13 && strings.HasPrefix(digits, "86") {
		prefix, digits = "+86 ", digits[2:]
	}
	n := len(digits)
	switch {
	case n == 11 && digits[0] == '1' && digits[1] >= '3':
		return prefix + MaskPhone(digits) + x, true
	case prefix != "":
		return "", false
	case n == 17 && x != "":
		return MaskIDNo(digits + "X"), true
	case n == 18 || n == 15:
		return MaskIDNo(digits) + x, true
	case n >= 10 && n <= 12 && digits[0] == '0':
		return MaskPhone(digits) + x, true
	}
	return "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
