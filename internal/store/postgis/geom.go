package postgis

import (
	"fmt"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"
	"github.com/ywtg/hub/internal/store"
)

// pointEWKB encodes lon/lat as an EWKB point in SRID 4326, the parameter
// form ST_GeomFromEWKB takes.
func pointEWKB(lon, lat float64) ([]byte, error) {
	return ewkb.Marshal(geom.NewPointFlat(geom.XY, []float64{lon, lat}).SetSRID(store.SRID), ewkb.NDR)
}

// optPointEWKB is pointEWKB, except that (0, 0) — an alarm without a
// position — is stored as NULL rather than in the Gulf of Guinea.
func optPointEWKB(lon, lat float64) ([]byte, error) {
	if lon == 0 && lat == 0 {
		return nil, nil
	}
	return pointEWKB(lon, lat)
}

// lonLat decodes ST_AsEWKB of a point; NULL is (0, 0).
func lonLat(b []byte) (lon, lat float64, err error) {
	if b == nil {
		return 0, 0, nil
	}
	g, err := ewkb.Unmarshal(b)
	if err != nil {
		return 0, 0, err
	}
	p, ok := g.(*geom.Point)
	if !ok {
		return 0, 0, fmt.Errorf("geom: got %T, want Point", g)
	}
	return p.X(), p.Y(), nil
}

// regionEWKB encodes a region boundary as store.RegionGeom normalises it;
// nil for none.
func regionEWKB(g geom.T) ([]byte, error) {
	mp, err := store.RegionGeom(g)
	if err != nil || mp == nil {
		return nil, err
	}
	return ewkb.Marshal(mp, ewkb.NDR)
}

// multiPolygon decodes ST_AsEWKB of a region boundary; NULL is nil.
func multiPolygon(b []byte) (geom.T, error) {
	if b == nil {
		return nil, nil
	}
	g, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	mp, ok := g.(*geom.MultiPolygon)
	if !ok {
		return nil, fmt.Errorf("geom: got %T, want MultiPolygon", g)
	}
	return mp, nil
}
