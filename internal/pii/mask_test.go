package pii_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
)

func TestMasks(t *testing.T) {
	for _, c := range []struct {
		desc, in, want string
		mask           func(string) string
	}{
		{"two-character name", "张三", "张*", pii.MaskName},
		{"compound surname", "欧阳娜娜", "欧***", pii.MaskName},
		{"one character", "张", "*", pii.MaskName},
		{"ethnic name with a dot", "阿卜杜·热合曼", "阿******", pii.MaskName},
		{"latin name", " john smith ", "j*********", pii.MaskName},
		{"empty name", "  ", "", pii.MaskName},
		{"invalid UTF-8 name", "\xff\xfe", "*", pii.MaskName},
		{"invalid UTF-8 inside a name", "张\xff三", "张**", pii.MaskName},

		{"mobile", "13812341234", "138****1234", pii.MaskPhone},
		{"mobile with spaces", "138 1234 1234", "138****1234", pii.MaskPhone},
		{"+86 mobile", "+86 13812341234", "+86 138****1234", pii.MaskPhone},
		{"+86- mobile", "+86-138-1234-1234", "+86 138****1234", pii.MaskPhone},
		{"0086 mobile", "008613812341234", "+86 138****1234", pii.MaskPhone},
		{"landline with area code", "0483-8221234", "048****1234", pii.MaskPhone},
		{"landline with parentheses", "(0483) 822 1234", "048****1234", pii.MaskPhone},
		{"other country", "+1 415 555 0100", "+141****0100", pii.MaskPhone},
		{"local number", "8221234", "82***34", pii.MaskPhone},
		{"short number", "12345", "***45", pii.MaskPhone},
		{"very short", "110", "***", pii.MaskPhone},
		{"extension words dropped", "13812341234转8001", "138********8001", pii.MaskPhone},
		{"no digits", "unknown", "****", pii.MaskPhone},
		{"empty phone", "", "", pii.MaskPhone},

		{"email", "alice@example.com", "a***@example.com", pii.MaskEmail},
		{"chinese mailbox", "张三@例子.中国", "张***@例子.中国", pii.MaskEmail},
		{"one-letter mailbox", "a@example.com", "***@example.com", pii.MaskEmail},
		{"no mailbox", "@example.com", "***@example.com", pii.MaskEmail},
		{"no @", "alice", "a****", pii.MaskEmail},
		{"two @", "a@b@example.com", "a***@example.com", pii.MaskEmail},

		{"18-digit ID", "110101199003071234", "110101********1234", pii.MaskIDNo},
		{"18-digit ID with X", "11010119900307123X", "110101********123X", pii.MaskIDNo},
		{"15-digit ID", "110101900307123", "110101******123", pii.MaskIDNo},
		{"passport", "E12345678", "E1*****78", pii.MaskIDNo},
		{"short document", "1234567", "*******", pii.MaskIDNo},
		{"empty ID", "", "", pii.MaskIDNo},
	} {
		t.Run(c.desc, func(t *testing.T) {
			require.Equal(t, c.want, c.mask(c.in))
		})
	}
}

func TestMaskPerson(t *testing.T) {
	got := pii.MaskPerson(model.Person{Name: "张三", Phone: "13912345678", Sealed: "sm4gcm:v1:x"})
	require.Equal(t, model.Person{Name: "张*", Phone: "139****5678", Masked: true}, got)
}

// The text a report was written in, sealed with the contact because it
// held contact details, comes back whole and is never shown masked.
func TestPersonWithTheReportedText(t *testing.T) {
	k, err := pii.Parse("1:00112233445566778899aabbccddeeff")
	require.NoError(t, err)
	p := model.Person{Name: "张三", Title: "回电0483-8221234", Description: "来电13912345678", Address: "3栋 z@example.com"}
	s, err := k.SealPerson(p)
	require.NoError(t, err)
	got, err := k.OpenPerson(s)
	require.NoError(t, err)
	require.Equal(t, p, got)
	require.Equal(t, model.Person{Name: "张*", Masked: true, TextMasked: true}, pii.MaskPerson(got))
}
