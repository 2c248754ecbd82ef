package secret_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/secret"
)

func TestNewHashCheck(t *testing.T) {
	plain, hash, err := secret.New(24)
	require.NoError(t, err)
	require.Len(t, plain, 32)
	require.True(t, strings.HasPrefix(hash, "sm3$"))
	require.NotContains(t, hash, plain)
	require.True(t, secret.Check(hash, plain))
	require.False(t, secret.Check(hash, plain+"x"))

	again, err := secret.Hash(plain)
	require.NoError(t, err)
	require.NotEqual(t, hash, again, "a fresh salt each time")
	require.True(t, secret.Check(again, plain))

	for _, bad := range []string{"", "sm3$zz$00", "md5$00$00", "sm3$00", hash + "$x"} {
		require.False(t, secret.Check(bad, plain), bad)
	}
}
