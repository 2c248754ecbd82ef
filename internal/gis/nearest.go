package gis

import (
	"cmp"
	"slices"
)

// Point is a located thing a nearest-neighbour query ranks: a crew, a
// vehicle, a pump.
type Point struct {
	ID       string
	Lon, Lat float64
}

// Neighbour is a point with its great-circle distance from the query.
type Neighbour struct {
	Point
	DistanceM float64
}

// Nearest returns the k points closest to (lon, lat) by great-circle
// distance, nearest first, ties by id. Candidates are few (a league's crews
// and vehicles number in the hundreds), so it ranks them all; an index
// would only pay off at tens of thousands.
func Nearest(points []Point, lon, lat float64, k int) []Neighbour {
	if k <= 0 {
		return nil
	}
	ns := make([]Neighbour, 0, len(points))
	for _, p := range points {
		if !finite(p.Lon) || !finite(p.Lat) {
			continue
		}
		ns = append(ns, Neighbour{Point: p, DistanceM: Distance(lon, lat, p.Lon, p.Lat)})
	}
	slices.SortFunc(ns, func(a, b Neighbour) int {
		return cmp.Or(cmp.Compare(a.DistanceM, b.DistanceM), cmp.Compare(a.ID, b.ID))
	})
	return ns[:min(k, len(ns))]
}
