package gis

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/xy"
	"github.com/twpayne/go-geom/xy/location"
)

const hulunbuirFile = "testdata/hulunbuir-city-counties.geojson"

func TestAlxaDemoRegions(t *testing.T) {
	ix := loadIndexDir(t, demoRegions)
	require.Equal(t, []string{"152900", "152921", "152922", "152923"}, codes(ix.Regions()))
	tests := []struct {
		desc     string
		lon, lat float64
		code     string // "" for not found
		name     string
	}{
		{desc: "巴彦浩特, seat of 阿拉善左旗", lon: 105.67, lat: 38.84, code: "152921", name: "阿拉善左旗"},
		{desc: "达来呼布, seat of 额济纳旗", lon: 101.06, lat: 41.95, code: "152923", name: "额济纳旗"},
		{desc: "巴丹吉林镇, seat of 阿拉善右旗", lon: 101.67, lat: 39.21, code: "152922", name: "阿拉善右旗"},
		{desc: "Beijing is outside the league", lon: 116.4, lat: 39.9},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, ok := ix.Locate(tc.lon, tc.lat)
			require.Equal(t, tc.code != "", ok)
			require.Equal(t, tc.code, got.Code)
			require.Equal(t, tc.name, got.Name)
			if ok {
				require.Equal(t, LevelBanner, got.Level)
			}
		})
	}

	anc := ix.Ancestors("152921")
	require.Equal(t, []string{"152900"}, codes(anc), "province 150000 is not loaded")
	require.Equal(t, "阿拉善盟", anc[0].Name)
	require.Nil(t, anc[0].Geom, "the league is a non-spatial parent")

	back, err := LoadGeoJSON(ix.GeoJSON())
	require.NoError(t, err)
	require.Equal(t, []string{"152921", "152922", "152923"}, codes(back))
}

func TestHulunbuirCountySeats(t *testing.T) {
	ix := loadIndexFile(t, hulunbuirFile)
	require.Len(t, ix.Regions(), 14)
	// Each county's "cp" lies in that county and in no other: the file is a
	// tessellation (海拉尔区 borders 鄂温克族自治旗 and 陈巴尔虎旗 but is not a
	// hole in either), so no tie-break is involved.
	for _, r := range ix.Regions() {
		t.Run(r.Name, func(t *testing.T) {
			got, ok := ix.Locate(r.Center[0], r.Center[1])
			require.True(t, ok)
			require.Equal(t, r.Code, got.Code)
		})
	}
	tests := []struct {
		desc     string
		lon, lat float64
		code     string
	}{
		{desc: "海拉尔区 cp", lon: 119.736176, lat: 49.212188, code: "150702"},
		{desc: "鄂温克族自治旗 just south of 海拉尔区", lon: 119.755239, lat: 49.146592, code: "150724"},
		{desc: "鄂伦春自治旗, first part of the MultiPolygon", lon: 125.67, lat: 51.2, code: "150723"},
		{desc: "鄂伦春自治旗, second part of the MultiPolygon", lon: 123.24, lat: 50.02, code: "150723"},
		{desc: "outside, in Mongolia", lon: 114, lat: 48},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, ok := ix.Locate(tc.lon, tc.lat)
			require.Equal(t, tc.code != "", ok)
			require.Equal(t, tc.code, got.Code)
		})
	}
}

// TestLocateMatchesXY checks the banded point-in-polygon against go-geom's
// ray-crossing locator on random points over Hulunbuir.
func TestLocateMatchesXY(t *testing.T) {
	ix := loadIndexFile(t, hulunbuirFile)
	rng := rand.New(rand.NewPCG(7, 11))
	hits := 0
	for range 3000 {
		lon, lat := 115.5+rng.Float64()*10.6, 47.0+rng.Float64()*6.4
		var want []string
		for _, r := range ix.Regions() {
			if xyContains(r.Geom, lon, lat) {
				want = append(want, r.Code)
			}
		}
		require.LessOrEqual(t, len(want), 1, "counties overlap at (%v, %v)", lon, lat)
		got, ok := ix.Locate(lon, lat)
		require.Equal(t, len(want) == 1, ok, "(%v, %v)", lon, lat)
		if ok {
			require.Equal(t, want[0], got.Code, "(%v, %v)", lon, lat)
			hits++
		}
	}
	require.Greater(t, hits, 1000, "most of the bbox is land of some county")
}

func xyContains(g geom.T, lon, lat float64) bool {
	p := geom.Coord{lon, lat}
	in := false
	layout := g.Layout()
	_ = eachPolygon(g, func(flat []float64, _, start int, ends []int) error {
		if xy.LocatePointInRing(layout, p, flat[start:ends[0]]) == location.Exterior {
			return nil
		}
		for i := 1; i < len(ends); i++ {
			if xy.LocatePointInRing(layout, p, flat[ends[i-1]:ends[i]]) == location.Interior {
				return nil
			}
		}
		in = true
		return nil
	})
	return in
}

func TestLocateDoesNotAllocate(t *testing.T) {
	ix := loadIndexDir(t, demoRegions)
	tests := []struct {
		desc     string
		lon, lat float64
	}{
		{desc: "hit", lon: 105.67, lat: 38.84},
		{desc: "bbox hit, polygon miss", lon: 97.3, lat: 42.7},
		{desc: "miss", lon: 116.4, lat: 39.9},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() { ix.Locate(tc.lon, tc.lat) })
			require.Zero(t, allocs)
		})
	}
}
