package pii

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Free text — a report's description, typed by a hotline operator while the
// caller talks — often carries the caller's number or ID. Scrub finds the
// shapes that identify a person and masks each as the Mask functions do:
//
//   - mainland mobile numbers, 11 digits from 13x–19x, also written in
//     groups (138 1234 5678, 138-1234-5678, 138.1234.5678, 138 12345678),
//     after +86 / 0086, or in full-width digits;
//   - fixed-line numbers with their area code: 0483-8221234, 0483 8221234,
//     (0483)8221234, （010）12345678, +86 10 12345678, with an extension
//     (-801, 转801) masked too;
//   - resident ID numbers whose digits carry a date of birth: 18
//     characters (17 digits and a digit or X) or the old 15 digits;
//   - e-mail addresses.
//
// Numbers are matched whole, between non-digits and not as the fraction
// of a decimal, so a longer number (an order number, a coordinate) is left
// alone. Shorter numbers — a local number without its area code, 12345,
// 110 — are left alone too: they name a service or a quantity more often
// than a person.

const (
	d    = `[0-9０-９]`
	sep  = `[ \-.－　]` // between groups of a number
	gap  = `[ \-－　]`  // the same, but no dot: one dot alone makes a decimal
	cc   = `(?:(?:\+|＋|00)86[ \-]?)`
	head = `[1１][3-9３-９]` + d // a mobile number's first three digits
)

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	// mobileRe is a mobile number, whole or written in groups: 3-4-4, 7-4
	// or 3-8.
	mobileRe = regexp.MustCompile(cc + `?` + head + `(?:` + d + `{8}|` + sep + d + `{4}` + sep + d + `{4}|` +
		d + `{4}` + gap + d + `{4}|` + gap + d + `{8})`)
	// landlineRe is a fixed-line number with its area code, written with a
	// hyphen, a space or brackets, or after the country code without the 0;
	// an extension may follow.
	landlineRe = regexp.MustCompile(`(?:[(（]0[1-9１-９]` + d + `{1,2}[)）] ?|0[1-9１-９]` + d + `{1,2}` + gap + `|` +
		cc + `[1-9１-９]` + d + `{1,2}[ \-]?)` + d + `{7,8}(?:(?:[\-－]|转)` + d + `{1,6})?`)
	// numberRe is a run of digits, with hyphens inside and an ID's closing
	// X; a +86 in front belongs to it.
	numberRe = regexp.MustCompile(`(?:(?:\+|＋)86[ \-]?)?` + d + `+(?:[\-－]` + d + `+)*[XxＸｘ]?`)
)

// Scrub returns s with every contact detail it holds masked, and whether
// there was any.
func Scrub(s string) (string, bool) {
	found := false
	s = emailRe.ReplaceAllStringFunc(s, func(m string) string {
		found = true
		return MaskEmail(m)
	})
	s = replaceWhole(s, mobileRe, func(m string) (string, bool) { return maskMobile(fold(m)), true }, &found)
	s = replaceWhole(s, landlineRe, func(m string) (string, bool) { return maskLandline(fold(m)), true }, &found)
	s = replaceWhole(s, numberRe, func(m string) (string, bool) { return maskNumber(fold(m)) }, &found)
	return s, found
}

// replaceWhole replaces the matches of re that stand between non-digits,
// and are no decimal's fraction, by what mask returns if it returns true.
func replaceWhole(s string, re *regexp.Regexp, mask func(string) (string, bool), found *bool) string {
	locs := re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		i, j := l[0], l[1]
		if !standsAlone(s, i, j) {
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

// standsAlone reports whether s[i:j] has no digit beside it and is not
// the fraction or the whole part of a decimal (38.0123456789).
func standsAlone(s string, i, j int) bool {
	before, n := utf8.DecodeLastRuneInString(s[:i])
	after, m := utf8.DecodeRuneInString(s[j:])
	if first, _ := utf8.DecodeRuneInString(s[i:]); first == '+' || first == '＋' {
		before = ' ' // a plus sign begins a number whatever stands before it
	}
	if isDigit(before) || isDigit(after) {
		return false
	}
	if before == '.' || before == '．' {
		if r, _ := utf8.DecodeLastRuneInString(s[:i-n]); isDigit(r) {
			return false
		}
	}
	if after == '.' || after == '．' {
		if r, _ := utf8.DecodeRuneInString(s[j+m:]); isDigit(r) {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// fold turns full-width digits and signs into ASCII.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '＋':
			return '+'
		case r == '－':
			return '-'
		case r == 'Ｘ' || r == 'ｘ':
			return 'X'
		case r == '　':
			return ' '
		}
		return r
	}, s)
}

// digitsOf keeps only the digits of s.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// maskMobile masks a mobile number, written in any grouping, with its
// country code if any.
func maskMobile(m string) string {
	digits := digitsOf(m)
	return countryCode(&digits) + MaskPhone(digits)
}

// countryCode takes a leading 86 or 0086 off a number longer than 11
// digits and returns "+86 " if it did.
func countryCode(digits *string) string {
	for _, p := range []string{"0086", "86"} {
		if len(*digits) > 11 && strings.HasPrefix(*digits, p) {
			*digits = (*digits)[len(p):]
			return "+86 "
		}
	}
	return ""
}

// maskLandline masks a fixed-line number with its area code; an
// extension goes entirely.
func maskLandline(m string) string {
	ext := ""
	// The last separator divides the number from an extension only if
	// what precedes it is a whole number already (0483-8221234-801).
	if k := strings.LastIndexAny(m, "-转"); k > 0 && len(digitsOf(m[:k])) >= 10 {
		ext, m = "-***", m[:k]
	}
	digits := digitsOf(m)
	prefix := ""
	if strings.HasPrefix(m, "+") || strings.HasPrefix(m, "00") {
		// +86 10 12345678: the area code is written without its 0
		prefix, digits = "+86 ", "0"+strings.TrimPrefix(strings.TrimPrefix(digits, "00"), "86")
	}
	return prefix + MaskPhone(digits) + ext
}

// maskNumber masks a run of digits of a shape that identifies a person:
// a mobile or fixed-line number, or an ID number. Hyphenated runs that are
// none of these as a whole are tried part by part (13812345678-13912345678).
// An X that closes no ID number is kept as it was.
func maskNumber(m string) (string, bool) {
	if out, ok := maskOne(m); ok {
		return out, true
	}
	parts := strings.Split(m, "-")
	if len(parts) < 2 {
		return "", false
	}
	masked := false
	for i, p := range parts {
		if out, ok := maskOne(p); ok && p != "" {
			parts[i], masked = out, true
		}
	}
	return strings.Join(parts, "-"), masked
}

func maskOne(m string) (string, bool) {
	if m == "" {
		return "", false
	}
	prefix, rest := "", m
	if strings.HasPrefix(rest, "+86") {
		prefix, rest = "+86 ", strings.TrimLeft(rest[3:], " -")
	}
	x := ""
	if n := len(rest); n > 0 && (rest[n-1] == 'X' || rest[n-1] == 'x') {
		x, rest = rest[n-1:], rest[:n-1]
	}
	digits := strings.ReplaceAll(rest, "-", "")
	if prefix == "" {
		prefix = countryCode(&digits)
	}
	n := len(digits)
	switch {
	case n == 0:
		return "", false
	case n == 11 && digits[0] == '1' && digits[1] >= '3':
		return prefix + MaskPhone(digits) + x, true
	case prefix != "":
		return "", false
	case n == 17 && x != "" && bornOn(digits[6:14]):
		return MaskIDNo(digits + "X"), true
	case n == 18 && bornOn(digits[6:14]):
		return MaskIDNo(digits) + x, true
	case n == 15 && bornOn("19"+digits[6:12]):
		return MaskIDNo(digits) + x, true
	case n >= 10 && n <= 12 && digits[0] == '0' && digits[1] != '0':
		return MaskPhone(digits) + x, true
	}
	return "", false
}

// bornOn reports whether ymd (YYYYMMDD) is a date an ID number could hold.
func bornOn(ymd string) bool {
	y, m, dd := ymd[:4], ymd[4:6], ymd[6:8]
	return (y[:2] == "19" || y[:2] == "20") && m >= "01" && m <= "12" && dd >= "01" && dd <= "31"
}
