package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

func testTokens(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 8, 30, 0, 123e6, time.UTC)
	a := model.APIToken{ID: "0a1b2c3d4e5f", Name: "值班员 张三", Role: "operator", Hash: "sm3$00$11",
		CreatedAt: at, CreatedBy: "admin", ExpiresAt: at.Add(30 * 24 * time.Hour)}
	b := model.APIToken{ID: "ffeeddccbbaa", Name: "林草局", Role: "agency", AgencyID: "alsz-forestry",
		Hash: "sm3$22$33", CreatedAt: at.Add(time.Second)}
	require.NoError(t, s.CreateToken(ctx, a))
	require.NoError(t, s.CreateToken(ctx, b))
	require.ErrorIs(t, s.CreateToken(ctx, a), store.ErrExists)

	got, err := s.GetToken(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, a, got)
	_, err = s.GetToken(ctx, "000000000000")
	require.ErrorIs(t, err, store.ErrNotFound)

	all, err := s.ListTokens(ctx)
	require.NoError(t, err)
	require.Equal(t, []model.APIToken{a, b}, all)

	used := at.Add(time.Hour)
	require.NoError(t, s.TouchToken(ctx, b.ID, used))
	revoked := at.Add(2 * time.Hour)
	require.NoError(t, s.RevokeToken(ctx, b.ID, revoked))
	require.NoError(t, s.RevokeToken(ctx, b.ID, revoked.Add(time.Hour)), "revoking twice is no error")
	got, err = s.GetToken(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, used, got.LastUsed)
	require.Equal(t, revoked, got.RevokedAt, "the first revocation stands")
	require.ErrorIs(t, s.RevokeToken(ctx, "000000000000", revoked), store.ErrNotFound)
	require.ErrorIs(t, s.TouchToken(ctx, "000000000000", revoked), store.ErrNotFound)
}
