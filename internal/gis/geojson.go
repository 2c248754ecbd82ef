package gis

import (
	"encoding/json"
	"fmt"

	"github.com/twpayne/go-geom/encoding/geojson"
)

// GeoJSON returns the spatial regions as a FeatureCollection sorted by code
// (id = code; properties code, name, level, parent, cp) for the big screen's
// ECharts registerMap. The bytes are built once by NewIndex because they are
// served on every page load; callers must not modify them.
func (ix *Index) GeoJSON() []byte {
	return ix.geojson
}

func encodeGeoJSON(regions []Region) ([]byte, error) {
	fc := geojson.FeatureCollection{Features: []*geojson.Feature{}}
	for _, r := range regions {
		if r.Geom == nil {
			continue
		}
		fc.Features = append(fc.Features, &geojson.Feature{
			ID:       r.Code,
			Geometry: r.Geom,
			Properties: map[string]any{
				"code":   r.Code,
				"name":   r.Name,
				"level":  r.Level,
				"parent": r.Parent,
				"cp":     r.Center,
			},
		})
	}
	b, err := json.Marshal(&fc)
	if err != nil {
		return nil, fmt.Errorf("encode regions: %w", err)
	}
	return b, nil
}
