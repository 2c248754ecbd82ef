package pii

import (
	"strings"
	"unicode/utf8"
)

// The masks show enough to recognise a caller on the phone and nothing
// to reach them by: one character of a name, the first three and last
// four digits of a mobile number, the region and last four of an ID.
// Anything shorter than the usual shapes is mostly stars. They never panic
// and never return invalid UTF-8.

// MaskName keeps the first character: 张三 → 张*, 欧阳娜娜 → 欧***.
func MaskName(s string) string {
	rs := []rune(strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD"))
	if len(rs) == 0 {
		return ""
	}
	if len(rs) == 1 {
		return "*"
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-1)
}

// MaskPhone keeps the first three and last four digits of a number of
// eleven or more (138****1234, +86 138****1234, 048****1234 for
// 0483-8221234), two and two of seven to ten digits, the last two of five
// or six, none of fewer. Separators and anything but digits go; a
// country code stays in front: +86 (also written 0086) as "+86 ",
// others inside the kept digits after "+".
func MaskPhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	prefix := ""
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(compact, "+86"):
		prefix, compact = "+86 ", compact[3:]
	case strings.HasPrefix(compact, "0086"):
		prefix, compact = "+86 ", compact[4:]
	case strings.HasPrefix(compact, "+"):
		prefix = "+"
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, compact)
	n := len(digits)
	switch {
	case n == 0:
		return "****"
	case n >= 11:
		return prefix + starMiddle(digits, 3, 4)
	case n >= 7:
		return prefix + starMiddle(digits, 2, 2)
	case n >= 5:
		return prefix + starMiddle(digits, 0, 2)
	}
	return prefix + strings.Repeat("*", n)
}

// MaskEmail keeps the first character of the mailbox and the domain:
// a***@example.com. A one-character mailbox is all stars.
func MaskEmail(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return MaskName(s)
	}
	local, domain := s[:at], s[at+1:]
	r, size := utf8.DecodeRuneInString(local)
	if size == 0 || size == len(local) {
		return "***@" + domain
	}
	return string(r) + "***@" + domain
}

// MaskIDNo masks a resident ID number: of 18 characters, the region (6)
// and the last four stay and the date of birth goes
// (110101********1234); of the old 15, the region and the last three
// (the birth date, YYMMDD, goes). Other documents keep two and two if
// eight or longer, else only stars.
func MaskIDNo(s string) string {
	rs := []rune(strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD"))
	switch n := len(rs); {
	case n == 0:
		return ""
	case n == 18:
		return starMiddle(string(rs), 6, 4)
	case n == 15:
		return starMiddle(string(rs), 6, 3)
	case n >= 8:
		return starMiddle(string(rs), 2, 2)
	default:
		return strings.Repeat("*", n)
	}
}

// starMiddle keeps head runes and tail runes of s and stars the rest;
// the caller makes sure head+tail is less than the length.
func starMiddle(s string, head, tail int) string {
	rs := []rune(s)
	if head+tail >= len(rs) {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:head]) + strings.Repeat("*", len(rs)-head-tail) + string(rs[len(rs)-tail:])
}
