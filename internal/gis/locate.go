package gis

import "github.com/tidwall/rtree"

// Locate returns the deepest region whose polygon contains the point, with
// ok=false when none does (callers then use [Unassigned]).
//
// Levels are searched deepest first and the search stops at the first level
// with a hit, so a town beats its banner and a point in a town's hole falls
// through to the banner. Boundaries count as inside; when several regions
// of that level contain the point (it lies on their shared edge or vertex)
// the smallest code wins, in byte order, which for same-level GB/T 2260
// codes is numeric order. Locate does not allocate.
func (ix *Index) Locate(lon, lat float64) (Region, bool) {
	for _, tree := range ix.levels {
		if best := ix.locateIn(tree, lon, lat); best >= 0 {
			return ix.regions[best], true
		}
	}
	return Region{}, false
}

// locateIn returns the index of the smallest-code region in tree that
// contains the point, or -1. Candidates whose code cannot beat the current
// best skip the exact test.
func (ix *Index) locateIn(tree *rtree.RTreeG[int32], lon, lat float64) int32 {
	best := int32(-1)
	pt := [2]float64{lon, lat}
	tree.Search(pt, pt, func(_, _ [2]float64, pi int32) bool {
		p := &ix.polys[pi]
		if (best < 0 || p.region < best) && p.contains(lon, lat) {
			best = p.region
		}
		return true
	})
	return best
}
