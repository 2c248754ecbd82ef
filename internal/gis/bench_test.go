package gis

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkLocate measures one lookup at a random point of a place's bbox
// (a mix of hits, bbox-only hits and misses, as device positions near
// borders give). SPEC aims at ≥ 1M lookups/s per core, i.e. ≤ 1000 ns/op.
func BenchmarkLocate(b *testing.B) {
	places := []struct {
		desc string
		ix   func(testing.TB) *Index
	}{
		{desc: "alxa", ix: func(tb testing.TB) *Index { return loadIndexDir(tb, demoRegions) }},
		{desc: "hulunbuir", ix: func(tb testing.TB) *Index { return loadIndexFile(tb, hulunbuirFile) }},
	}
	for _, pl := range places {
		b.Run(pl.desc, func(b *testing.B) {
			ix := pl.ix(b)
			pts := randomPoints(ix, 1<<12)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p := pts[i&(len(pts)-1)]
				ix.Locate(p[0], p[1])
				i++
			}
		})
	}
}

// randomPoints returns n fixed-seed points in the bbox of all polygons.
func randomPoints(ix *Index, n int) [][2]float64 {
	lo, hi := ix.polys[0].min, ix.polys[0].max
	for _, p := range ix.polys {
		lo = [2]float64{min(lo[0], p.min[0]), min(lo[1], p.min[1])}
		hi = [2]float64{max(hi[0], p.max[0]), max(hi[1], p.max[1])}
	}
	rng := rand.New(rand.NewPCG(3, 5))
	pts := make([][2]float64, n)
	for i := range pts {
		pts[i] = [2]float64{lo[0] + rng.Float64()*(hi[0]-lo[0]), lo[1] + rng.Float64()*(hi[1]-lo[1])}
	}
	return pts
}
