package pii_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ywtg/hub/internal/pii"
)

// FuzzOpen: no input panics Open; whatever opens was sealed with a key
// the ring holds.
func FuzzOpen(f *testing.F) {
	k := ring(f, map[int]string{1: key1, 2: key2})
	for _, pt := range []string{"", "张三", `{"name":"张三","phone":"13912345678"}`} {
		s, err := k.Seal([]byte(pt))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
		f.Add(s[:len(s)/2])
		f.Add(strings.Replace(s, "v2", "v1", 1))
	}
	for _, s := range []string{"", "sm4gcm:", "sm4gcm:v", "sm4gcm:v1:", "sm4gcm:v99999999999999999999:AA", "sm4gcm:v1:====", "张三"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := k.Open(s)
		if err != nil {
			if pt != nil {
				t.Fatalf("error %v with plaintext", err)
			}
			return
		}
		if v, verr := pii.VersionOf(s); verr != nil || (v != 1 && v != 2) {
			t.Fatalf("opened %q of version %d (%v)", s, v, verr)
		}
	})
}

var longDigits = regexp.MustCompile(`[0-9]{5,}`)

// FuzzMask: no input panics a mask; every mask is valid UTF-8, a masked
// phone shows no five digits in a row, and a name keeps only its first
// character.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"张三", "欧阳娜娜", "13812341234", "+86 138-1234-1234", "0086138", "a@b.c", "@", "110101199003071234",
		"\xff", "+", "+86", "0086", " ", "a\u0300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, mask := range map[string]func(string) string{"name": pii.MaskName, "phone": pii.MaskPhone,
			"email": pii.MaskEmail, "id": pii.MaskIDNo} {
			out := mask(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s mask of %q is not UTF-8: %q", name, s, out)
			}
		}
		if out := pii.MaskPhone(s); longDigits.MatchString(out) {
			t.Fatalf("phone mask of %q shows %q", s, out)
		}
		name := pii.MaskName(s)
		if rs := []rune(name); len(rs) > 1 && strings.Trim(string(rs[1:]), "*") != "" {
			t.Fatalf("name mask of %q shows %q", s, name)
		}
	})
}
