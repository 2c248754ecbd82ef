package gis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
)

// synthetic is a league 100100 (no geometry) with two banners side by side,
// 100101 on [0,10]² and 100102 on [10,20]×[0,10], and a town inside 100101
// on [2,8]² with a hole [4,6]². The province 100000 is absent.
func synthetic() []Region {
	return []Region{
		{Code: "100100", Name: "盟", Parent: "100000"},
		{Code: "100101", Name: "甲旗", Parent: "100100", Geom: polygonOf(square(0, 0, 10, 10))},
		{Code: "100102", Name: "乙旗", Parent: "100100", Geom: polygonOf(reversed(square(10, 0, 20, 10)))},
		{Code: "100101001", Name: "镇", Parent: "100101", Geom: polygonOf(square(2, 2, 8, 8), reversed(square(4, 4, 6, 6)))},
	}
}

func TestLocateHierarchy(t *testing.T) {
	tests := []struct {
		desc     string
		lon, lat float64
		want     string // "" for not found
	}{
		{desc: "deepest wins: town inside banner", lon: 3, lat: 3, want: "100101001"},
		{desc: "hole goes to the banner", lon: 5, lat: 5, want: "100101"},
		{desc: "banner outside the town", lon: 1, lat: 9, want: "100101"},
		{desc: "edge of the hole belongs to the town", lon: 4, lat: 5, want: "100101001"},
		{desc: "outer edge of the town belongs to the town", lon: 2, lat: 5, want: "100101001"},
		{desc: "town vertex", lon: 8, lat: 8, want: "100101001"},
		{desc: "shared banner edge goes to the smaller code", lon: 10, lat: 5, want: "100101"},
		{desc: "shared banner corner goes to the smaller code", lon: 10, lat: 10, want: "100101"},
		{desc: "other banner", lon: 15, lat: 5, want: "100102"},
		{desc: "outer corner of the other banner", lon: 20, lat: 0, want: "100102"},
		{desc: "just outside", lon: -1e-9, lat: 5, want: ""},
		{desc: "far away", lon: 116.4, lat: 39.9, want: ""},
		{desc: "NaN", lon: math.NaN(), lat: 5, want: ""},
	}
	// The answer must not depend on the order regions are given in.
	orders := map[string][]Region{"given": synthetic(), "reversed": reversedRegions(synthetic())}
	for name, regions := range orders {
		ix, err := NewIndex(regions)
		require.NoError(t, err)
		for _, tc := range tests {
			t.Run(name+"/"+tc.desc, func(t *testing.T) {
				got, ok := ix.Locate(tc.lon, tc.lat)
				require.Equal(t, tc.want != "", ok)
				require.Equal(t, tc.want, got.Code)
			})
		}
	}
}

func reversedRegions(regions []Region) []Region {
	slices.Reverse(regions)
	return regions
}

// TestLocateSharedDiagonal splits a rectangle along a diagonal whose points
// are not exactly representable, with the two halves wound in opposite
// directions. Every point of the rectangle, including those computed to lie
// on the diagonal, must land in exactly one half: no gaps along borders.
func TestLocateSharedDiagonal(t *testing.T) {
	a, b := geom.Coord{0.1, 0.3}, geom.Coord{7.7, 9.9}
	ix, err := NewIndex([]Region{
		{Code: "100101", Geom: polygonOf([]geom.Coord{a, {b[0], a[1]}, b, a})},
		{Code: "100102", Geom: polygonOf([]geom.Coord{a, {a[0], b[1]}, b, a})},
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := rng.Float64()
		lon, lat := a[0]+f*(b[0]-a[0]), a[1]+f*(b[1]-a[1])
		lon = math.Nextafter(lon, lon+float64(rng.IntN(3)-1))
		_, ok := ix.Locate(lon, lat)
		require.True(t, ok, "gap at (%v, %v)", lon, lat)
	}
}

func TestNewIndexParents(t *testing.T) {
	banner := Region{Code: "100101", Geom: polygonOf(square(0, 0, 1, 1))}
	tests := []struct {
		desc    string
		regions []Region
		err     error
	}{
		{desc: "missing league and province are tolerated", regions: []Region{withParent(banner, "100100")}},
		{desc: "missing explicit province parent is tolerated", regions: []Region{withParent(banner, "100000")}},
		{desc: "missing banner parent is an error", regions: []Region{{Code: "100101001", Parent: "100101"}}, err: ErrUnknownParent},
		{desc: "missing grid parent is an error", regions: []Region{{Code: "G1", Level: LevelGrid, Parent: "G0"}}, err: ErrUnknownParent},
		{desc: "self parent", regions: []Region{{Code: "G1", Level: LevelGrid, Parent: "G1"}}, err: ErrParentCycle},
		{
			desc: "two-region cycle",
			regions: []Region{
				{Code: "G1", Level: LevelGrid, Parent: "G2"},
				{Code: "G2", Level: LevelGrid, Parent: "G1"},
				{Code: "G3", Level: LevelGrid, Parent: "G2"},
			},
			err: ErrParentCycle,
		},
		{desc: "duplicate code", regions: []Region{banner, banner}, err: ErrDuplicateCode},
		{desc: "empty code", regions: []Region{{Name: "无"}}, err: ErrInvalidCode},
		{desc: "unknown level", regions: []Region{{Code: "100101", Level: "county"}}, err: ErrInvalidLevel},
		{desc: "line geometry", regions: []Region{{Code: "100101", Geom: geom.NewLineString(geom.XY)}}, err: ErrUnsupportedGeometry},
		{desc: "typed nil polygon", regions: []Region{{Code: "100101", Geom: (*geom.Polygon)(nil)}}, err: ErrInvalidGeometry},
		{desc: "unclosed ring", regions: []Region{{Code: "100101", Geom: polygonOf(square(0, 0, 1, 1)[:4])}}, err: ErrInvalidGeometry},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ix, err := NewIndex(tc.regions)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Nil(t, ix)
				return
			}
			require.NoError(t, err)
			r, ok := ix.Get(tc.regions[0].Code)
			require.True(t, ok)
			require.Equal(t, tc.regions[0].Parent, r.Parent, "Parent is kept as given")
		})
	}
}

func withParent(r Region, parent string) Region {
	r.Parent = parent
	return r
}

func TestAncestors(t *testing.T) {
	leagueMissing := []Region{
		{Code: "100000", Name: "省"},
		{Code: "100101", Parent: "100100", Geom: polygonOf(square(0, 0, 1, 1))},
		{Code: "100101001", Parent: "100101"},
	}
	tests := []struct {
		desc    string
		regions []Region
		code    string
		want    []string
	}{
		{desc: "town up to the league", regions: synthetic(), code: "100101001", want: []string{"100101", "100100"}},
		{desc: "banner", regions: synthetic(), code: "100102", want: []string{"100100"}},
		{desc: "root", regions: synthetic(), code: "100100", want: nil},
		{desc: "unknown code", regions: synthetic(), code: "999999", want: nil},
		{desc: "missing league is skipped", regions: leagueMissing, code: "100101001", want: []string{"100101", "100000"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ix, err := NewIndex(tc.regions)
			require.NoError(t, err)
			got := ix.Ancestors(tc.code)
			if tc.want == nil {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tc.want, codes(got))
		})
	}
}

func TestIndexAccessors(t *testing.T) {
	ix, err := NewIndex(synthetic())
	require.NoError(t, err)
	require.Equal(t, []string{"100100", "100101", "100101001", "100102"}, codes(ix.Regions()))

	town, ok := ix.Get("100101001")
	require.True(t, ok)
	require.Equal(t, LevelTown, town.Level, "empty level is derived")
	require.Equal(t, [2]float64{5, 5}, town.Center, "zero centre becomes the bbox centre")
	_, ok = ix.Get(Unassigned)
	require.False(t, ok)

	rs := ix.Regions()
	rs[0].Name = "changed"
	league, _ := ix.Get("100100")
	require.Equal(t, "盟", league.Name, "Regions returns a copy")
}

func TestGeoJSONRoundTrip(t *testing.T) {
	ix, err := NewIndex(synthetic())
	require.NoError(t, err)
	b := ix.GeoJSON()
	require.Same(t, &b[0], &ix.GeoJSON()[0], "bytes are cached")
	require.Contains(t, string(b), `"id":"100101"`)

	back, err := LoadGeoJSON(b)
	require.NoError(t, err)
	require.Equal(t, []string{"100101", "100101001", "100102"}, codes(back), "spatial regions only, by code")
	for _, r := range back {
		want, _ := ix.Get(r.Code)
		require.Equal(t, want.Name, r.Name)
		require.Equal(t, want.Level, r.Level)
		require.Equal(t, want.Parent, r.Parent)
		require.Equal(t, want.Center, r.Center)
		require.Equal(t, want.Geom.FlatCoords(), r.Geom.FlatCoords())
	}

	empty, err := NewIndex(nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"FeatureCollection","features":[]}`, string(empty.GeoJSON()))
	_, ok := empty.Locate(0, 0)
	require.False(t, ok)
}

func TestBandsBounded(t *testing.T) {
	// A comb of tall teeth: every edge spans the full height, the worst
	// case for horizontal bands; the table must stay within its budget.
	ring := []geom.Coord{{0, 0}}
	for i := range 500 {
		x := float64(i) / 4
		ring = append(ring, geom.Coord{x, 10}, geom.Coord{x + 0.125, 10}, geom.Coord{x + 0.125, 1}, geom.Coord{x + 0.25, 1})
	}
	ring = append(ring, geom.Coord{125, 0}, geom.Coord{0, 0})
	ix, err := NewIndex([]Region{{Code: "100101", Geom: polygonOf(ring)}})
	require.NoError(t, err)
	p := ix.polys[0]
	require.LessOrEqual(t, len(p.edges), maxEdgeCopies*len(ring))
	got, ok := ix.Locate(0.0625, 5)
	require.True(t, ok)
	require.Equal(t, "100101", got.Code)
	_, ok = ix.Locate(0.1875, 5)
	require.False(t, ok, "gap between teeth")
}
