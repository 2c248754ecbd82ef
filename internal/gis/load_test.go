package gis

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
)

// feature wraps one Feature's JSON in a FeatureCollection.
func feature(f string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + f + `]}`)
}

const unitSquare = `{"type":"Polygon","coordinates":[[[100,40],[101,40],[101,41],[100,41],[100,40]]]}`

func TestLoadGeoJSONFields(t *testing.T) {
	tests := []struct {
		desc    string
		in      string
		spatial bool
		want    Region // without Geom
	}{
		{
			desc:    "numeric id, cp, derived level and parent",
			spatial: true,
			in:      `{"type":"Feature","id":152921,"properties":{"name":"阿拉善左旗","cp":[105.5,38.5]},"geometry":` + unitSquare + `}`,
			want:    Region{Code: "152921", Name: "阿拉善左旗", Level: LevelBanner, Parent: "152900", Center: [2]float64{105.5, 38.5}},
		},
		{
			desc:    "properties.code wins over id, bbox centre without cp",
			spatial: true,
			in:      `{"type":"Feature","id":"x","properties":{"code":"152922","name":"阿拉善右旗"},"geometry":` + unitSquare + `}`,
			want:    Region{Code: "152922", Name: "阿拉善右旗", Level: LevelBanner, Parent: "152900", Center: [2]float64{100.5, 40.5}},
		},
		{
			desc: "null geometry league",
			in:   `{"type":"Feature","id":"152900","properties":{"name":"阿拉善盟"},"geometry":null}`,
			want: Region{Code: "152900", Name: "阿拉善盟", Level: LevelLeague, Parent: "150000"},
		},
		{
			desc: "province is a root",
			in:   `{"type":"Feature","id":"150000","properties":{"name":"内蒙古自治区"},"geometry":null}`,
			want: Region{Code: "150000", Name: "内蒙古自治区", Level: LevelProvince},
		},
		{
			desc: "explicit level and parent",
			in:   `{"type":"Feature","properties":{"code":"G-7","level":"grid","parent":"152921001001"},"geometry":null}`,
			want: Region{Code: "G-7", Level: LevelGrid, Parent: "152921001001"},
		},
		{
			desc: "long numeric code keeps its digits",
			in:   `{"type":"Feature","id":152921001001000123,"properties":{},"geometry":null}`,
			want: Region{Code: "152921001001000123", Level: LevelGrid, Parent: "152921001001"},
		},
		{
			desc:    "XYZ positions are accepted",
			spatial: true,
			in:      `{"type":"Feature","id":"152923001","properties":{},"geometry":{"type":"Polygon","coordinates":[[[100,40,1],[102,40,1],[102,42,1],[100,40,1]]]}}`,
			want:    Region{Code: "152923001", Level: LevelTown, Parent: "152923", Center: [2]float64{101, 41}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			regions, err := LoadGeoJSON(feature(tc.in))
			require.NoError(t, err)
			require.Len(t, regions, 1)
			got := regions[0]
			require.Equal(t, tc.spatial, got.Spatial())
			got.Geom = nil
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLoadGeoJSONMultiPolygon(t *testing.T) {
	in := `{"type":"Feature","id":"150723","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[` +
		`[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}}`
	regions, err := LoadGeoJSON(feature(in))
	require.NoError(t, err)
	mp, ok := regions[0].Geom.(*geom.MultiPolygon)
	require.True(t, ok)
	require.Equal(t, 2, mp.NumPolygons())
	require.Equal(t, [2]float64{1.5, 1.5}, regions[0].Center)
}

func TestLoadGeoJSONErrors(t *testing.T) {
	ring := func(coords string) string {
		return `{"type":"Feature","id":"152921","properties":{},"geometry":{"type":"Polygon","coordinates":[` + coords + `]}}`
	}
	tests := []struct {
		desc string
		in   []byte
		want error
	}{
		{desc: "bad JSON", in: []byte(`{"type":`), want: ErrInvalidGeoJSON},
		{desc: "not a collection", in: []byte(`{"type":"Feature","features":[]}`), want: ErrInvalidGeoJSON},
		{desc: "feature of wrong type", in: feature(`{"type":"Point","id":"152921"}`), want: ErrInvalidGeoJSON},
		{desc: "null feature", in: feature(`null`), want: ErrInvalidGeoJSON},
		{desc: "LineString geometry", in: feature(`{"type":"Feature","id":"152921","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}`), want: ErrUnsupportedGeometry},
		{desc: "Point geometry", in: feature(`{"type":"Feature","id":"152921","geometry":{"type":"Point","coordinates":[0,0]}}`), want: ErrUnsupportedGeometry},
		{desc: "unclosed ring", in: feature(ring(`[[100,40],[101,40],[101,41],[100,41]]`)), want: ErrInvalidGeometry},
		{desc: "ring of 3 positions", in: feature(ring(`[[100,40],[101,40],[100,40]]`)), want: ErrInvalidGeometry},
		{desc: "unclosed hole", in: feature(ring(`[[0,0],[9,0],[9,9],[0,0]],[[1,1],[2,1],[2,2],[1,2]]`)), want: ErrInvalidGeometry},
		{desc: "polygon without rings", in: feature(ring(``)), want: ErrInvalidGeometry},
		{desc: "one-dimensional positions", in: feature(ring(`[[1],[2],[3],[1]]`)), want: ErrInvalidGeometry},
		{desc: "mixed dimensions", in: feature(ring(`[[1,1],[2,2,2],[3,1],[1,1]]`)), want: ErrInvalidGeometry},
		{desc: "empty MultiPolygon", in: feature(`{"type":"Feature","id":"152921","geometry":{"type":"MultiPolygon","coordinates":[]}}`), want: ErrInvalidGeometry},
		{desc: "longitude out of range", in: feature(ring(`[[100,40],[181,40],[101,41],[100,40]]`)), want: ErrCoordinateRange},
		{desc: "latitude out of range", in: feature(ring(`[[100,40],[101,-91],[101,41],[100,40]]`)), want: ErrCoordinateRange},
		{desc: "cp out of range", in: feature(`{"type":"Feature","id":"152921","properties":{"cp":[200,40]},"geometry":null}`), want: ErrCoordinateRange},
		{desc: "cp malformed", in: feature(`{"type":"Feature","id":"152921","properties":{"cp":[1]},"geometry":null}`), want: ErrInvalidGeoJSON},
		{desc: "name is an object", in: feature(`{"type":"Feature","id":"152921","properties":{"name":{}},"geometry":null}`), want: ErrInvalidGeoJSON},
		{desc: "duplicate code", in: feature(`{"type":"Feature","id":"152921","geometry":null},{"type":"Feature","properties":{"code":"152921"},"geometry":null}`), want: ErrDuplicateCode},
		{desc: "no code", in: feature(`{"type":"Feature","properties":{"name":"无"},"geometry":null}`), want: ErrInvalidCode},
		{desc: "code without derivable level", in: feature(`{"type":"Feature","id":"1529","geometry":null}`), want: ErrInvalidCode},
		{desc: "unknown level", in: feature(`{"type":"Feature","id":"152921","properties":{"level":"county"},"geometry":null}`), want: ErrInvalidLevel},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			regions, err := LoadGeoJSON(tc.in)
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, regions)
		})
	}
}

func TestDeriveLevelAndParent(t *testing.T) {
	tests := []struct {
		desc, code, level, parent string
	}{
		{desc: "province", code: "150000", level: LevelProvince, parent: ""},
		{desc: "league", code: "152900", level: LevelLeague, parent: "150000"},
		{desc: "banner", code: "152921", level: LevelBanner, parent: "152900"},
		{desc: "town", code: "152921100", level: LevelTown, parent: "152921"},
		{desc: "village", code: "152921100201", level: LevelVillage, parent: "152921100"},
		{desc: "grid", code: "15292110020100001", level: LevelGrid, parent: "152921100201"},
		{desc: "grid with letters after the village", code: "152921100201-G3", level: LevelGrid, parent: "152921100201"},
		{desc: "seven digits", code: "1529211", level: "", parent: ""},
		{desc: "letters", code: "alxa01", level: "", parent: ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			level, err := DeriveLevel(tc.code)
			if tc.level == "" {
				require.ErrorIs(t, err, ErrInvalidCode)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.level, level)
			require.Equal(t, tc.parent, DeriveParent(tc.code))
		})
	}
}

func TestLoadDir(t *testing.T) {
	a := feature(`{"type":"Feature","id":"152921","properties":{"name":"左"},"geometry":` + unitSquare + `}`)
	b := feature(`{"type":"Feature","id":"152900","properties":{"name":"盟"},"geometry":null}`)
	tests := []struct {
		desc  string
		fsys  fstest.MapFS
		codes []string
		err   error
		msg   string
	}{
		{
			desc: "merges in name order, ignores other files and subfolders",
			fsys: fstest.MapFS{
				"b.geojson":     {Data: b},
				"a.geojson":     {Data: a},
				"README.md":     {Data: []byte("not json")},
				"sub/c.geojson": {Data: []byte("not json")},
			},
			codes: []string{"152921", "152900"},
		},
		{desc: "empty folder", fsys: fstest.MapFS{}, codes: []string{}},
		{
			desc: "duplicate code across files",
			fsys: fstest.MapFS{"a.geojson": {Data: a}, "b.geojson": {Data: a}},
			err:  ErrDuplicateCode,
			msg:  "152921 in a.geojson and b.geojson",
		},
		{
			desc: "bad file is named",
			fsys: fstest.MapFS{"a.geojson": {Data: a}, "broken.geojson": {Data: []byte("{")}},
			err:  ErrInvalidGeoJSON,
			msg:  "broken.geojson",
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			regions, err := LoadDir(tc.fsys)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.ErrorContains(t, err, tc.msg)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.codes, codes(regions))
		})
	}
}
