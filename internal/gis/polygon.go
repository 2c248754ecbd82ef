package gis

// segment is one ring edge stored bottom-up (ay < by, or ay == by and
// ax <= bx). Two regions that share an edge therefore store it bit for bit
// the same and run the same arithmetic on it, so a point near a shared
// border is inside exactly one of them, and a point on it is inside both.
type segment struct{ ax, ay, bx, by float64 }

// polygon is one polygon (shell plus holes) of a region, prepared for
// point-in-polygon tests: its edges are bucketed into horizontal bands, so a
// test reads only the edges that can cross the point's latitude instead of
// every vertex of a 2,000-vertex banner.
type polygon struct {
	region    int32 // index into Index.regions
	min, max  [2]float64
	bandScale float64   // band of y is int((y - min[1]) * bandScale)
	bands     []int32   // edges of band k are edges[bands[k]:bands[k+1]]
	edges     []segment // copied per band they touch, for cache locality
}

// maxEdgeCopies bounds the band table to this many copies of each edge on
// average, so a polygon of long zigzag edges cannot blow up memory.
const maxEdgeCopies = 8

func newPolygon(region int32, flat []float64, stride, start int, ends []int) polygon {
	segs := ringSegments(flat, stride, start, ends)
	p := polygon{region: region, min: [2]float64{flat[start], flat[start+1]}}
	p.max = p.min
	for _, s := range segs {
		p.min = [2]float64{min(p.min[0], s.ax, s.bx), min(p.min[1], s.ay)}
		p.max = [2]float64{max(p.max[0], s.ax, s.bx), max(p.max[1], s.by)}
	}
	nb := max(1, len(segs)/2)
	p.setScale(nb)
	for nb > 1 && p.copies(segs) > maxEdgeCopies*len(segs) {
		nb /= 2
		p.setScale(nb)
	}
	p.fillBands(segs, nb)
	return p
}

// ringSegments returns every non-degenerate edge of the rings, bottom-up.
func ringSegments(flat []float64, stride, start int, ends []int) []segment {
	var segs []segment
	for _, end := range ends {
		for i := start; i+stride < end; i += stride {
			s := segment{flat[i], flat[i+1], flat[i+stride], flat[i+stride+1]}
			if s.ay > s.by || (s.ay == s.by && s.ax > s.bx) {
				s = segment{s.bx, s.by, s.ax, s.ay}
			}
			if s.ax != s.bx || s.ay != s.by {
				segs = append(segs, s)
			}
		}
		start = end
	}
	return segs
}

func (p *polygon) setScale(nb int) {
	p.bandScale = 0
	if h := p.max[1] - p.min[1]; h > 0 {
		p.bandScale = float64(nb) / h
	}
	p.bands = make([]int32, nb+1)
}

// band is monotonic in y, so an edge spanning [ay, by] is filed in every
// band a point with ay <= y <= by can fall in.
func (p *polygon) band(y float64) int {
	k := int((y - p.min[1]) * p.bandScale)
	return min(max(k, 0), len(p.bands)-2)
}

func (p *polygon) copies(segs []segment) int {
	n := 0
	for _, s := range segs {
		n += p.band(s.by) - p.band(s.ay) + 1
	}
	return n
}

// fillBands builds the band table in CSR form: count, prefix-sum, place.
func (p *polygon) fillBands(segs []segment, nb int) {
	for _, s := range segs {
		for k := p.band(s.ay); k <= p.band(s.by); k++ {
			p.bands[k+1]++
		}
	}
	for k := 1; k <= nb; k++ {
		p.bands[k] += p.bands[k-1]
	}
	p.edges = make([]segment, p.bands[nb])
	next := append([]int32(nil), p.bands[:nb]...)
	for _, s := range segs {
		for k := p.band(s.ay); k <= p.band(s.by); k++ {
			p.edges[next[k]] = s
			next[k]++
		}
	}
}

// contains reports whether (x, y) is inside the polygon or on any of its
// rings, holes included, by the even-odd rule. A horizontal ray towards +x
// crosses an edge when y is in [ay, by) and the point is strictly left of
// the upward edge; the half-open range counts a vertex once.
func (p *polygon) contains(x, y float64) bool {
	if x < p.min[0] || x > p.max[0] || y < p.min[1] || y > p.max[1] {
		return false
	}
	k := p.band(y)
	edges := p.edges[p.bands[k]:p.bands[k+1]]
	inside := false
	for i := range edges {
		s := &edges[i]
		if y < s.ay || y > s.by {
			continue
		}
		cross := (s.bx-s.ax)*(y-s.ay) - (s.by-s.ay)*(x-s.ax)
		if cross == 0 && x >= min(s.ax, s.bx) && x <= max(s.ax, s.bx) {
			return true
		}
		if cross > 0 && y < s.by {
			inside = !inside
		}
	}
	return inside
}
