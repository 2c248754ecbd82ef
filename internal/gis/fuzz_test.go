package gis

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzLoadGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","id":"152900","properties":{"name":"阿拉善盟"},"geometry":null},` +
		`{"type":"Feature","id":"152921","properties":{"name":"阿拉善左旗","cp":[105.5,38.5]},"geometry":{"type":"Polygon","coordinates":[` +
		`[[104,37],[107,37],[107,40],[104,40],[104,37]],[[105,38],[105,39],[106,39],[105,38]]]}},` +
		`{"type":"Feature","properties":{"code":"152921001","level":"town","parent":"152921"},"geometry":{"type":"MultiPolygon","coordinates":[` +
		`[[[104.5,37.5],[104.9,37.5],[104.9,37.9],[104.5,37.5]]],[[[106.1,39.1],[106.9,39.1],[106.9,39.9],[106.1,39.1]]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`))
	if b, err := os.ReadFile(demoRegions + "/alxa-league.geojson"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		regions, err := LoadGeoJSON(b)
		if err != nil {
			return
		}
		ix, err := NewIndex(regions)
		if err != nil {
			return
		}
		spatial := 0
		for _, r := range regions {
			ix.Locate(r.Center[0], r.Center[1])
			ix.Ancestors(r.Code)
			if r.Spatial() {
				spatial++
			}
		}
		// What the big screen is served must load again.
		back, err := LoadGeoJSON(ix.GeoJSON())
		require.NoError(t, err)
		require.Len(t, back, spatial)
	})
}
