package access_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/store/sqlite"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTokens(t *testing.T) (*access.Tokens, *sqlite.Store, *clock) {
	t.Helper()
	st, err := sqlite.OpenFile(context.Background(), filepath.Join(t.TempDir(), "hub.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	return access.New(access.Options{Store: st, Now: c.now,
		Agency: func(id string) bool { return id == "alsz-forestry" }}), st, c
}

func reason(t *testing.T, err error) string {
	t.Helper()
	var ref *access.Refusal
	require.True(t, errors.As(err, &ref), "not a refusal: %v", err)
	require.ErrorIs(t, err, access.ErrUnauthorized)
	return ref.Reason
}

func TestIssueAndCheck(t *testing.T) {
	ctx := context.Background()
	tokens, st, _ := newTokens(t)
	tok, raw, err := tokens.Issue(ctx, access.Request{Name: "值班员 张三", Role: dispatch.RoleOperator}, "admin")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(raw, access.Prefix+tok.ID+"_"), raw)

	got, err := tokens.Check(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, "值班员 张三", got.Name)
	require.Equal(t, dispatch.RoleOperator, got.Role)

	stored, err := st.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	secret := strings.TrimPrefix(raw, access.Prefix+tok.ID+"_")
	require.NotContains(t, stored.Hash, secret, "the secret is stored only hashed")
	require.True(t, strings.HasPrefix(stored.Hash, "sm3$"))
	require.False(t, stored.LastUsed.IsZero(), "last use recorded")

	for _, tc := range []struct{ raw, reason string }{
		{"", access.ReasonMalformed},
		{"Bearer " + raw, access.ReasonMalformed},
		{"ywt_zzzzzzzzzzzz_abc", access.ReasonMalformed},
		{"ywt_" + tok.ID, access.ReasonMalformed},
		{access.Prefix + "000000000000_" + secret, access.ReasonUnknown},
		{access.Prefix + tok.ID + "_" + secret + "x", access.ReasonWrongSecret},
		{access.Prefix + tok.ID + "_" + strings.Repeat("a", 500), access.ReasonMalformed},
	} {
		_, err := tokens.Check(ctx, tc.raw)
		require.Equal(t, tc.reason, reason(t, err), "%q", tc.raw)
	}
}

func TestRevokeAndExpire(t *testing.T) {
	ctx := context.Background()
	tokens, st, c := newTokens(t)
	_, raw, err := tokens.Issue(ctx, access.Request{Name: "screen", Role: dispatch.RoleViewer, TTL: time.Hour}, "admin")
	require.NoError(t, err)
	_, err = tokens.Check(ctx, raw)
	require.NoError(t, err)

	c.t = c.t.Add(time.Hour)
	_, err = tokens.Check(ctx, raw)
	require.Equal(t, access.ReasonExpired, reason(t, err))

	_, raw2, err := tokens.Issue(ctx, access.Request{Name: "console", Role: dispatch.RoleChief}, "admin")
	require.NoError(t, err)
	_, err = tokens.Check(ctx, raw2)
	require.NoError(t, err)
	require.NoError(t, tokens.Revoke(ctx, tokenID(raw2)))
	_, err = tokens.Check(ctx, raw2)
	require.Equal(t, access.ReasonRevoked, reason(t, err), "revoked here: refused at once")

	// Revoked by another process (hub tokens revoke): refused once the
	// cached row is older than Recheck.
	_, raw3, err := tokens.Issue(ctx, access.Request{Name: "wall", Role: dispatch.RoleViewer}, "admin")
	require.NoError(t, err)
	_, err = tokens.Check(ctx, raw3)
	require.NoError(t, err)
	require.NoError(t, st.RevokeToken(ctx, tokenID(raw3), c.t))
	c.t = c.t.Add(6 * time.Second)
	_, err = tokens.Check(ctx, raw3)
	require.Equal(t, access.ReasonRevoked, reason(t, err))

	require.Error(t, tokens.Revoke(ctx, "000000000000"))
}

func TestIssueRefusals(t *testing.T) {
	tokens, _, _ := newTokens(t)
	for _, r := range []access.Request{
		{Name: "", Role: dispatch.RoleViewer},
		{Name: "x", Role: "root"},
		{Name: "x", Role: dispatch.RoleSystem},
		{Name: "x", Role: dispatch.RoleAgency},
		{Name: "x", Role: dispatch.RoleAgency, AgencyID: "nowhere"},
		{Name: "x", Role: dispatch.RoleViewer, AgencyID: "alsz-forestry"},
		{Name: strings.Repeat("名", 101), Role: dispatch.RoleViewer},
		{Name: "x", Role: dispatch.RoleViewer, TTL: -time.Hour},
	} {
		_, _, err := tokens.Issue(context.Background(), r, "admin")
		require.ErrorIs(t, err, access.ErrInvalid, "%+v", r)
	}
	_, _, err := tokens.Issue(context.Background(), access.Request{Name: "林草局", Role: dispatch.RoleAgency, AgencyID: "alsz-forestry"}, "admin")
	require.NoError(t, err)
}

func tokenID(raw string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(raw, access.Prefix), "_")
	return id
}
