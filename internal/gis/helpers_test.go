package gis

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
)

// demoRegions is the folder the hub ships; the tests check the real files.
const demoRegions = "../../deploy/demo/regions"

func loadIndexDir(tb testing.TB, dir string) *Index {
	tb.Helper()
	regions, err := LoadDir(os.DirFS(dir))
	require.NoError(tb, err)
	ix, err := NewIndex(regions)
	require.NoError(tb, err)
	return ix
}

func loadIndexFile(tb testing.TB, path string) *Index {
	tb.Helper()
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	regions, err := LoadGeoJSON(b)
	require.NoError(tb, err)
	ix, err := NewIndex(regions)
	require.NoError(tb, err)
	return ix
}

// square is a closed counter-clockwise ring.
func square(x0, y0, x1, y1 float64) []geom.Coord {
	return []geom.Coord{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func polygonOf(rings ...[]geom.Coord) *geom.Polygon {
	return geom.NewPolygon(geom.XY).MustSetCoords(rings)
}

// reversed returns the ring in the opposite orientation.
func reversed(ring []geom.Coord) []geom.Coord {
	out := make([]geom.Coord, len(ring))
	for i, c := range ring {
		out[len(ring)-1-i] = c
	}
	return out
}

func codes(regions []Region) []string {
	out := make([]string, len(regions))
	for i, r := range regions {
		out[i] = r.Code
	}
	return out
}
