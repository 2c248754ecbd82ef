package gis

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNearest(t *testing.T) {
	// Bayanhot (巴彦浩特) and points 1, 2 and 5 km east of it along the
	// parallel; one degree of longitude at 38.84° N is ≈ 86.7 km.
	const lon, lat = 105.67, 38.84
	pts := []Point{
		{"far", lon + 5/86.7, lat},
		{"near", lon + 1/86.7, lat},
		{"mid", lon + 2/86.7, lat},
		{"mid-twin", lon - 2/86.7, lat},
	}
	for _, tc := range []struct {
		desc string
		k    int
		want []string
	}{
		{"one", 1, []string{"near"}},
		{"ties broken by id", 3, []string{"near", "mid", "mid-twin"}},
		{"more than there are", 9, []string{"near", "mid", "mid-twin", "far"}},
		{"none asked", 0, nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var got []string
			for _, n := range Nearest(pts, lon, lat, tc.k) {
				got = append(got, n.ID)
			}
			require.Equal(t, tc.want, got)
		})
	}
	require.InDelta(t, 1000, Nearest(pts, lon, lat, 1)[0].DistanceM, 5)
}
