package store

import (
	"fmt"
	"time"

	"github.com/twpayne/go-geom"
)

// SRID is the spatial reference of every stored geometry: WGS-84 / CGCS2000
// longitude, latitude (EPSG:4326).
const SRID = 4326

// RegionGeom is the form every backend stores a region boundary in, so that
// ListRegions returns the same thing from each: a 2-D *geom.MultiPolygon with
// SRID 4326 (a Polygon becomes a one-part MultiPolygon; Z and M are dropped),
// or nil for nil or empty geometries. g itself is never modified: regions
// share their geometry with the gis index.
func RegionGeom(g geom.T) (*geom.MultiPolygon, error) {
	var mp *geom.MultiPolygon
	switch g := g.(type) {
	case nil:
		return nil, nil
	case *geom.Polygon:
		if g == nil || g.Empty() {
			return nil, nil
		}
		mp = geom.NewMultiPolygonFlat(g.Layout(), g.FlatCoords(), [][]int{g.Ends()})
	case *geom.MultiPolygon:
		if g == nil || g.Empty() {
			return nil, nil
		}
		mp = geom.NewMultiPolygonFlat(g.Layout(), g.FlatCoords(), g.Endss())
	default:
		return nil, fmt.Errorf("region geometry %T: want Polygon or MultiPolygon", g)
	}
	if mp.Layout() != geom.XY {
		mp = flatten2D(mp)
	}
	return mp.SetSRID(SRID), nil
}

// flatten2D copies mp keeping only x and y of each coordinate.
func flatten2D(mp *geom.MultiPolygon) *geom.MultiPolygon {
	stride, flat := mp.Stride(), mp.FlatCoords()
	xy := make([]float64, 0, len(flat)/stride*2)
	for i := 0; i < len(flat); i += stride {
		xy = append(xy, flat[i], flat[i+1])
	}
	endss := make([][]int, len(mp.Endss()))
	for i, ends := range mp.Endss() {
		endss[i] = make([]int, len(ends))
		for j, e := range ends {
			endss[i][j] = e / stride * 2
		}
	}
	return geom.NewMultiPolygonFlat(geom.XY, xy, endss)
}

// WholeHours narrows [from, to) to the whole UTC hours inside it: from rounded
// up and to rounded down to the hour. ok is false when no whole hour fits.
func WholeHours(from, to time.Time) (first, end time.Time, ok bool) {
	first = from.UTC().Truncate(time.Hour)
	if first.Before(from) {
		first = first.Add(time.Hour)
	}
	end = to.UTC().Truncate(time.Hour)
	return first, end, first.Before(end)
}
