package gis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/rtree"
)

// Index answers point → region and code → region. It is immutable after
// [NewIndex] and safe for concurrent use.
type Index struct {
	regions []Region // sorted by code; a smaller index is a smaller code
	byCode  map[string]int32
	polys   []polygon
	levels  []*rtree.RTreeG[int32] // polygon indexes per non-empty level, deepest first
	geojson []byte
}

// NewIndex validates regions and builds the lookup structures.
//
// Regions with an empty Level get [DeriveLevel] of their code; spatial
// regions with a zero Center get their bbox centre. Parent is used as given,
// "" meaning a root ([LoadGeoJSON] has already derived it). Codes must be
// unique and parents must not form a cycle.
//
// Missing parents: a parent that is a province or league code (xx0000,
// xxxx00) may be absent — a league deployment loads its banners without the
// province, often without the league polygon — and Parent is kept as-is; a
// missing banner, town or village parent is an error ([ErrUnknownParent]),
// because it means a boundary file was left out.
func NewIndex(regions []Region) (*Index, error) {
	ix := &Index{regions: slices.Clone(regions)}
	slices.SortFunc(ix.regions, func(a, b Region) int { return strings.Compare(a.Code, b.Code) })
	if err := ix.prepareRegions(); err != nil {
		return nil, err
	}
	if err := ix.checkParents(); err != nil {
		return nil, err
	}
	ix.buildTrees()
	b, err := encodeGeoJSON(ix.regions)
	if err != nil {
		return nil, err
	}
	ix.geojson = b
	return ix, nil
}

// prepareRegions checks codes, levels and geometry and fills derived fields.
func (ix *Index) prepareRegions() error {
	ix.byCode = make(map[string]int32, len(ix.regions))
	for i := range ix.regions {
		r := &ix.regions[i]
		if r.Code == "" {
			return fmt.Errorf("%w: empty code", ErrInvalidCode)
		}
		if _, dup := ix.byCode[r.Code]; dup {
			return fmt.Errorf("%w: %s", ErrDuplicateCode, r.Code)
		}
		ix.byCode[r.Code] = int32(i)
		var err error
		if r.Level, err = checkLevel(r.Code, r.Level); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
		if err := validateGeom(r.Geom); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
		if r.Geom != nil && r.Center == [2]float64{} {
			r.Center = bboxCenter(r.Geom)
		}
	}
	return nil
}

// checkParents enforces the missing-parent rule of NewIndex and rejects
// cycles, marking regions already known to reach a root so each is walked once.
func (ix *Index) checkParents() error {
	const (
		unvisited = iota
		onPath
		rooted
	)
	state := make([]uint8, len(ix.regions))
	var path []int32
	for i := range ix.regions {
		path = path[:0]
		j := int32(i)
		for j >= 0 && state[j] == unvisited {
			state[j] = onPath
			path = append(path, j)
			next, err := ix.parentIndex(j)
			if err != nil {
				return err
			}
			j = next
		}
		if j >= 0 && state[j] == onPath {
			return fmt.Errorf("%w: through %s", ErrParentCycle, ix.regions[j].Code)
		}
		for _, k := range path {
			state[k] = rooted
		}
	}
	return nil
}

// parentIndex returns the index of region i's parent, or -1 for a root or
// a tolerated missing province/league.
func (ix *Index) parentIndex(i int32) (int32, error) {
	r := ix.regions[i]
	if r.Parent == "" {
		return -1, nil
	}
	if j, ok := ix.byCode[r.Parent]; ok {
		return j, nil
	}
	if isUpperRoot(r.Parent) {
		return -1, nil
	}
	return -1, fmt.Errorf("%w: %s names parent %s", ErrUnknownParent, r.Code, r.Parent)
}

// buildTrees splits every region into polygons and files each polygon's
// bbox in the R-tree of its level.
func (ix *Index) buildTrees() {
	var trees [numLevels]*rtree.RTreeG[int32]
	for i, r := range ix.regions {
		if r.Geom == nil {
			continue
		}
		rank := levelRank[r.Level]
		if trees[rank] == nil {
			trees[rank] = new(rtree.RTreeG[int32])
		}
		// validateGeom has accepted r.Geom, so eachPolygon cannot fail here.
		_ = eachPolygon(r.Geom, func(flat []float64, stride, start int, ends []int) error {
			p := newPolygon(int32(i), flat, stride, start, ends)
			trees[rank].Insert(p.min, p.max, int32(len(ix.polys)))
			ix.polys = append(ix.polys, p)
			return nil
		})
	}
	for rank := numLevels - 1; rank >= 0; rank-- {
		if trees[rank] != nil {
			ix.levels = append(ix.levels, trees[rank])
		}
	}
}

// Get returns the region with the given code.
func (ix *Index) Get(code string) (Region, bool) {
	i, ok := ix.byCode[code]
	if !ok {
		return Region{}, false
	}
	return ix.regions[i], true
}

// Ancestors returns the regions above code, parent first, up to the root.
// Only regions in the index are returned: a tolerated missing province or
// league is skipped and the walk continues from its derived parent. An
// unknown code has no ancestors.
func (ix *Index) Ancestors(code string) []Region {
	r, ok := ix.Get(code)
	if !ok {
		return nil
	}
	var out []Region
	// The bound only matters for a chain that leaves the index and comes
	// back, which checkParents cannot see; real chains are a few levels deep.
	for p, steps := r.Parent, 0; p != "" && steps <= len(ix.regions)+numLevels; steps++ {
		pr, ok := ix.Get(p)
		if !ok {
			p = DeriveParent(p)
			continue
		}
		out = append(out, pr)
		p = pr.Parent
	}
	return out
}

// Regions returns a copy of all regions, spatial or not, sorted by code.
func (ix *Index) Regions() []Region {
	return slices.Clone(ix.regions)
}
