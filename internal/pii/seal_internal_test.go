package pii

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSM4GCMVector checks the construction against RFC 8998, A.1: SM4-GCM
// with a 96-bit nonce and 128-bit tag.
func TestSM4GCMVector(t *testing.T) {
	h := func(s string) []byte {
		b, err := hex.DecodeString(s)
		require.NoError(t, err)
		return b
	}
	k, err := NewKeyring(map[int][]byte{1: h("0123456789ABCDEFFEDCBA9876543210")})
	require.NoError(t, err)
	aead, err := k.aead(1)
	require.NoError(t, err)
	nonce := h("00001234567800000000ABCD")
	aad := h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
	pt := h("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD" +
		"EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
	want := "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735" +
		"D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D" + // ciphertext
		"83DE3541E4C2B58177E065A9BF7B62EC" // tag
	got := aead.Seal(nil, nonce, pt, aad)
	require.Equal(t, strings.ToLower(want), hex.EncodeToString(got), "ciphertext | tag")
	back, err := aead.Open(nil, nonce, got, aad)
	require.NoError(t, err)
	require.Equal(t, pt, back)
}
