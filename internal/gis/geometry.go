package gis

import (
	"fmt"

	"github.com/twpayne/go-geom"
)

// polygonFunc receives one polygon as rings [start,end) offsets into flat,
// the first ring being the shell.
type polygonFunc func(flat []float64, stride, start int, ends []int) error

// eachPolygon calls fn for every polygon of a *geom.Polygon or *geom.MultiPolygon.
func eachPolygon(t geom.T, fn polygonFunc) error {
	switch g := t.(type) {
	case *geom.Polygon:
		if g == nil {
			return fmt.Errorf("%w: nil polygon", ErrInvalidGeometry)
		}
		return fn(g.FlatCoords(), g.Stride(), 0, g.Ends())
	case *geom.MultiPolygon:
		if g == nil || len(g.Endss()) == 0 {
			return fmt.Errorf("%w: empty multipolygon", ErrInvalidGeometry)
		}
		start := 0
		for _, ends := range g.Endss() {
			if err := fn(g.FlatCoords(), g.Stride(), start, ends); err != nil {
				return err
			}
			if len(ends) > 0 {
				start = ends[len(ends)-1]
			}
		}
		return nil
	}
	return fmt.Errorf("%w: %T", ErrUnsupportedGeometry, t)
}

// validateGeom checks what Locate relies on: at least one ring per polygon,
// rings closed with at least 4 positions, coordinates in lon/lat range.
// A nil geometry (a non-spatial parent) is valid.
func validateGeom(t geom.T) error {
	if t == nil {
		return nil
	}
	return eachPolygon(t, validatePolygon)
}

func validatePolygon(flat []float64, stride, start int, ends []int) error {
	if len(ends) == 0 {
		return fmt.Errorf("%w: polygon without rings", ErrInvalidGeometry)
	}
	if stride < 2 {
		return fmt.Errorf("%w: %d dimensions", ErrInvalidGeometry, stride)
	}
	for i, end := range ends {
		if err := validateRing(flat, stride, start, end); err != nil {
			return fmt.Errorf("ring %d: %w", i, err)
		}
		start = end
	}
	return nil
}

func validateRing(flat []float64, stride, start, end int) error {
	if start < 0 || end > len(flat) || end < start || (end-start)%stride != 0 {
		return fmt.Errorf("%w: ring offsets [%d,%d) of %d", ErrInvalidGeometry, start, end, len(flat))
	}
	if n := (end - start) / stride; n < 4 {
		return fmt.Errorf("%w: %d positions, need at least 4", ErrInvalidGeometry, n)
	}
	for i := start; i < end; i += stride {
		if !inRange(flat[i], flat[i+1]) {
			return fmt.Errorf("%w: [%g, %g]", ErrCoordinateRange, flat[i], flat[i+1])
		}
	}
	last := end - stride
	if flat[start] != flat[last] || flat[start+1] != flat[last+1] {
		return fmt.Errorf("%w: ring not closed: [%g, %g] … [%g, %g]", ErrInvalidGeometry,
			flat[start], flat[start+1], flat[last], flat[last+1])
	}
	return nil
}

// inRange is false for NaN too, which the comparisons reject.
func inRange(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// bboxCenter is the label point used when a feature has no "cp".
func bboxCenter(t geom.T) [2]float64 {
	if t == nil {
		return [2]float64{}
	}
	b := t.Bounds()
	if b.IsEmpty() {
		return [2]float64{}
	}
	return [2]float64{(b.Min(0) + b.Max(0)) / 2, (b.Min(1) + b.Max(1)) / 2}
}
