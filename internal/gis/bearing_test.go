package gis

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The worked examples are from Chris Veness, "Movable Type Scripts — Calculate
// distance, bearing and more between Latitude/Longitude points"
// (www.movable-type.co.uk/scripts/latlong.html) and the examples in its
// geodesy library's latlon-spherical.js. The formulary prints 4 decimals of a
// degree, so a printed value is exact to ±0.00005°, and it uses R = 6371e3 m
// where this package uses 6371008.8 m (1.4 ppm larger).
const printedDegTol = 0.00005

// Towers on the eastern flank of the 贺兰山 (Helan Shan), ~14 km apart.
var (
	towerA = [2]float64{105.90, 38.70}
	towerB = [2]float64{105.95, 38.82}
)

// observe is what a tower at t reports when it sees the point p exactly.
func observe(t, p [2]float64) Bearing {
	return Bearing{Lon: t[0], Lat: t[1], Deg: InitialBearing(t[0], t[1], p[0], p[1])}
}

func dest(p [2]float64, deg, m float64) [2]float64 {
	lon, lat := Destination(p[0], p[1], deg, m)
	return [2]float64{lon, lat}
}

// crossingAt is the angle, folded into [0°, 90°], at which the lines of sight
// from a and b meet at p — computed from the truth, independently of Triangulate.
func crossingAt(p, a, b [2]float64) float64 {
	d := math.Abs(InitialBearing(p[0], p[1], a[0], a[1]) - InitialBearing(p[0], p[1], b[0], b[1]))
	d = math.Mod(d, 180)
	return min(d, 180-d)
}

func TestCalibrate(t *testing.T) {
	for _, tc := range []struct {
		desc           string
		raw, off, want float64
	}{
		{desc: "no offset", raw: 123.4, off: 0, want: 123.4},
		{desc: "positive offset wraps past north", raw: 350, off: 15, want: 5},
		{desc: "negative offset wraps below zero", raw: 10, off: -20, want: 350},
		{desc: "exactly 360 is north", raw: 180, off: 180, want: 0},
		{desc: "several turns", raw: -725, off: 0, want: 355},
		{desc: "a hair below 360 stays below 360", raw: 359.9999999, off: 0, want: 359.9999999},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got := Calibrate(tc.raw, tc.off)
			require.InDelta(t, tc.want, got, 1e-9)
			require.True(t, got >= 0 && got < 360, "got %v", got)
		})
	}
	require.True(t, math.IsNaN(Calibrate(math.NaN(), 0)))
}

func TestFormularyExamples(t *testing.T) {
	t.Run("distance 52.205N 0.119E to 48.857N 2.351E is 404.3 km", func(t *testing.T) {
		// ±50 m for the printed 0.1 km, +0.6 m for the larger radius.
		require.InDelta(t, 404.3e3, Distance(0.119, 52.205, 2.351, 48.857), 51)
	})
	t.Run("initial bearing of that path is 156.2°, final 157.9°", func(t *testing.T) {
		// Printed to 0.1°; bearings do not depend on the radius.
		require.InDelta(t, 156.2, InitialBearing(0.119, 52.205, 2.351, 48.857), 0.05)
		back := InitialBearing(2.351, 48.857, 0.119, 52.205)
		require.InDelta(t, 157.9, Calibrate(back, 180), 0.05)
	})
	t.Run("destination 7794 m at 300.7° from 51.47788N 0.00147W is 51.5136N 0.0983W", func(t *testing.T) {
		// The radius difference moves the point ~1 cm (1e-7°), far inside the print tolerance.
		lon, lat := Destination(-0.00147, 51.47788, 300.7, 7794)
		require.InDelta(t, 51.5136, lat, printedDegTol)
		require.InDelta(t, -0.0983, lon, printedDegTol)
	})
	t.Run("intersection 51.8853N 0.2545E @108.547° × 49.0034N 2.5735E @32.435° is 50.9078N 4.5084E", func(t *testing.T) {
		// The intersection is angular only, so R does not enter. The towers
		// are ~300 km from the fix, hence the large range.
		lon, lat, err := Triangulate(
			Bearing{Lon: 0.2545, Lat: 51.8853, Deg: 108.547},
			Bearing{Lon: 2.5735, Lat: 49.0034, Deg: 32.435},
			TriangulateOptions{MaxRangeM: 1000e3})
		require.NoError(t, err)
		require.InDelta(t, 50.9078, lat, printedDegTol)
		require.InDelta(t, 4.5084, lon, printedDegTol)
	})
}

func TestSphereBasics(t *testing.T) {
	oneDegree := EarthRadiusM * math.Pi / 180
	for _, tc := range []struct {
		desc                   string
		lon1, lat1, lon2, lat2 float64
		wantM, wantDeg         float64
	}{
		{desc: "one degree of the equator eastwards", lon2: 1, wantM: oneDegree, wantDeg: 90},
		{desc: "one degree of a meridian northwards", lat2: 1, wantM: oneDegree, wantDeg: 0},
		{desc: "eastwards across the antimeridian", lon1: 179.5, lon2: -179.5, wantM: oneDegree, wantDeg: 90},
		{desc: "coincident points", lon1: 105.9, lat1: 38.7, lon2: 105.9, lat2: 38.7, wantM: 0, wantDeg: 0},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.InDelta(t, tc.wantM, Distance(tc.lon1, tc.lat1, tc.lon2, tc.lat2), 1e-6)
			require.InDelta(t, tc.wantDeg, InitialBearing(tc.lon1, tc.lat1, tc.lon2, tc.lat2), 1e-9)
		})
	}
	t.Run("destination and back", func(t *testing.T) {
		lon, lat := Destination(179.9, 38.7, 75, 25e3)
		require.True(t, lon >= -180 && lon < 180, "lon %v not normalised", lon)
		require.InDelta(t, 25e3, Distance(179.9, 38.7, lon, lat), 1e-6)
		require.InDelta(t, 75, InitialBearing(179.9, 38.7, lon, lat), 1e-9)
	})
}

func TestTriangulateHelanShan(t *testing.T) {
	fire := [2]float64{105.85, 38.80} // on the slope west of both towers
	for _, tc := range []struct {
		desc   string
		offset [2]float64 // each tower's north offset, degrees
	}{
		{desc: "true-north cameras"},
		{desc: "small offsets", offset: [2]float64{2.5, -4.0}},
		{desc: "offsets that wrap the raw angle past north", offset: [2]float64{45, -120}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			a, b := observe(towerA, fire), observe(towerB, fire)
			// What the pan encoders report, and the calibration undoing it.
			rawA, rawB := Calibrate(a.Deg, -tc.offset[0]), Calibrate(b.Deg, -tc.offset[1])
			a.Deg, b.Deg = Calibrate(rawA, tc.offset[0]), Calibrate(rawB, tc.offset[1])
			lon, lat, err := Triangulate(a, b, TriangulateOptions{})
			require.NoError(t, err)
			// 1 m is the required bound; the exact round trip lands within a micrometre.
			miss := Distance(lon, lat, fire[0], fire[1])
			t.Logf("miss %.3g m", miss)
			require.Less(t, miss, 1.0)
		})
	}
}

func TestTriangulateRejects(t *testing.T) {
	west := [2]float64{105.85, 38.80}
	baseline := InitialBearing(towerA[0], towerA[1], towerB[0], towerB[1])
	far := dest(towerA, 45, 20e3) // 20 km NE of tower A
	// nearA is 20 km from far too, ~1 km from A, and sees far 3° off A's line.
	nearA := dest(far, InitialBearing(far[0], far[1], towerA[0], towerA[1])+3, 20e3)
	onBase := dest(towerA, baseline+1.5, 7e3)
	// 35 km out from the baseline's middle, square to it: crossing ~23°, ~35.7 km from each tower.
	outward := dest(dest(towerA, baseline, 7e3), baseline-90, 35e3)
	nan := math.NaN()

	reversed := func(o Bearing) Bearing { o.Deg = Calibrate(o.Deg, 180); return o }
	for _, tc := range []struct {
		desc string
		a, b Bearing
		o    TriangulateOptions
		want error
	}{
		{desc: "near-parallel: far fix crossing at 3°", a: observe(towerA, far), b: observe(nearA, far), want: ErrParallelBearings},
		{desc: "near-parallel: fix on the baseline crossing at 177°", a: observe(towerA, onBase), b: observe(towerB, onBase), want: ErrParallelBearings},
		{desc: "coincident towers", a: observe(towerA, west), b: Bearing{towerA[0], towerA[1], 10}, want: ErrParallelBearings},
		{desc: "tower A looks straight at tower B", a: Bearing{towerA[0], towerA[1], baseline}, b: observe(towerB, west), want: ErrParallelBearings},
		{desc: "fix behind tower B", a: observe(towerA, west), b: reversed(observe(towerB, west)), want: ErrBehindTower},
		{desc: "fix behind tower A", a: reversed(observe(towerA, west)), b: observe(towerB, west), want: ErrBehindTower},
		{desc: "fix behind both towers (forward crossing near the antipode)", a: reversed(observe(towerA, west)), b: reversed(observe(towerB, west)), want: ErrBehindTower},
		{desc: "beyond the default 30 km", a: observe(towerA, outward), b: observe(towerB, outward), want: ErrOutOfRange},
		{desc: "beyond a configured 10 km", a: observe(towerA, west), b: observe(towerB, west), o: TriangulateOptions{MaxRangeM: 10e3}, want: ErrOutOfRange},
		{desc: "stricter crossing angle", a: observe(towerA, outward), b: observe(towerB, outward), o: TriangulateOptions{MaxRangeM: 50e3, MinAngleDeg: 30}, want: ErrParallelBearings},
		{desc: "NaN bearing", a: Bearing{towerA[0], towerA[1], nan}, b: observe(towerB, west), want: ErrInvalidBearing},
		{desc: "NaN longitude", a: observe(towerA, west), b: Bearing{nan, towerB[1], 10}, want: ErrInvalidBearing},
		{desc: "infinite bearing", a: Bearing{towerA[0], towerA[1], math.Inf(1)}, b: observe(towerB, west), want: ErrInvalidBearing},
		{desc: "latitude out of range", a: Bearing{105.9, 91, 10}, b: observe(towerB, west), want: ErrInvalidBearing},
		{desc: "longitude out of range", a: observe(towerA, west), b: Bearing{185.9, 38.8, 10}, want: ErrInvalidBearing},
		{desc: "tower at the pole", a: Bearing{0, 90, 180}, b: observe(towerB, west), want: ErrInvalidBearing},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, _, err := Triangulate(tc.a, tc.b, tc.o)
			require.ErrorIs(t, err, tc.want)
		})
	}

	// The geometry above is what the descriptions claim.
	require.InDelta(t, 3, crossingAt(far, towerA, nearA), 1e-6)
	require.InDelta(t, 3, crossingAt(onBase, towerA, towerB), 0.1)
	require.Greater(t, Distance(towerA[0], towerA[1], outward[0], outward[1]), 30e3)
	require.Greater(t, crossingAt(outward, towerA, towerB), 10.0)
	require.Less(t, crossingAt(outward, towerA, towerB), 30.0)
	_, _, err := Triangulate(observe(towerA, outward), observe(towerB, outward), TriangulateOptions{MaxRangeM: 50e3})
	require.NoError(t, err, "the out-of-range fix is otherwise good")
}

// TestTriangulateProperty places random tower pairs in the Alxa League's
// bounding box and random fires 1–25 km from the first tower. With exact
// bearings a fix must come back within 1 m, and a rejection must have a
// reason visible in the truth: a crossing angle under the minimum, or a tower
// farther than the range.
func TestTriangulateProperty(t *testing.T) {
	const (
		minLon, maxLon, minLat, maxLat = 97.17, 106.87, 37.40, 42.79 // 阿拉善盟, approximately
		n                              = 20000
		slack                          = 0.01 // degrees or metres of slack at the thresholds
	)
	rng := rand.New(rand.NewPCG(4, 2026))
	u := func(lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }
	var fixed, shallow, outOfRange int
	var worst float64
	for range n {
		a := [2]float64{u(minLon, maxLon), u(minLat, maxLat)}
		b := dest(a, u(0, 360), u(2e3, 30e3))
		fire := dest(a, u(0, 360), u(1e3, 25e3))
		crossing := crossingAt(fire, a, b)
		farthest := max(Distance(a[0], a[1], fire[0], fire[1]), Distance(b[0], b[1], fire[0], fire[1]))

		lon, lat, err := Triangulate(observe(a, fire), observe(b, fire), TriangulateOptions{})
		switch {
		case err == nil:
			fixed++
			miss := Distance(lon, lat, fire[0], fire[1])
			worst = max(worst, miss)
			require.Less(t, miss, 1.0, "a %v b %v fire %v", a, b, fire)
			require.Greater(t, crossing, DefaultMinAngleDeg-slack)
			require.Less(t, farthest, DefaultMaxRangeM+slack)
		case errors.Is(err, ErrParallelBearings):
			shallow++
			require.Less(t, crossing, DefaultMinAngleDeg+slack, "a %v b %v fire %v: %v", a, b, fire, err)
		case errors.Is(err, ErrOutOfRange):
			outOfRange++
			require.Greater(t, farthest, DefaultMaxRangeM-slack, "a %v b %v fire %v: %v", a, b, fire, err)
		default:
			require.NoError(t, err, "a %v b %v fire %v", a, b, fire)
		}
	}
	t.Logf("fixed %d (worst miss %.3g m), shallow %d, out of range %d", fixed, worst, shallow, outOfRange)
	require.Greater(t, fixed, n/2)
}

func TestBearingLine(t *testing.T) {
	a := Bearing{Lon: towerA[0], Lat: towerA[1], Deg: 300}
	pts := BearingLine(a, 10e3, 5)
	require.Len(t, pts, 6)
	require.Equal(t, [2]float64{a.Lon, a.Lat}, pts[0])
	for i, p := range pts[1:] {
		require.InDelta(t, float64(i+1)*2e3, Distance(a.Lon, a.Lat, p[0], p[1]), 1e-6)
		require.InDelta(t, a.Deg, InitialBearing(a.Lon, a.Lat, p[0], p[1]), 1e-9)
	}
	require.Len(t, BearingLine(a, 10e3, 0), 2, "segments raised to 1")
	require.Len(t, BearingLine(a, 10e3, math.MaxInt), maxLineSegments+1, "segments capped")
	require.Nil(t, BearingLine(Bearing{Lon: math.NaN(), Lat: 38, Deg: 0}, 10e3, 5))
	require.Nil(t, BearingLine(a, 0, 5))
	require.Nil(t, BearingLine(a, math.Inf(1), 5))
}

func FuzzTriangulate(f *testing.F) {
	west := [2]float64{105.85, 38.80}
	oa, ob := observe(towerA, west), observe(towerB, west)
	f.Add(0.2545, 51.8853, 108.547, 2.5735, 49.0034, 32.435, 1000e3, 0.0)
	f.Add(oa.Lon, oa.Lat, oa.Deg, ob.Lon, ob.Lat, ob.Deg, 0.0, 0.0)
	f.Add(oa.Lon, oa.Lat, oa.Deg, ob.Lon, ob.Lat, ob.Deg+180, 0.0, 0.0)
	f.Add(oa.Lon, oa.Lat, oa.Deg, oa.Lon, oa.Lat, ob.Deg, 0.0, 0.0)
	f.Add(0.0, 0.0, 90.0, 180.0, 0.0, 270.0, 1e9, 1e-9)
	f.Add(math.NaN(), 38.0, 10.0, 105.0, 38.0, 20.0, -1.0, math.NaN())
	f.Fuzz(func(t *testing.T, alon, alat, adeg, blon, blat, bdeg, maxRange, minAngle float64) {
		a, b := Bearing{alon, alat, adeg}, Bearing{blon, blat, bdeg}
		lon, lat, err := Triangulate(a, b, TriangulateOptions{MaxRangeM: maxRange, MinAngleDeg: minAngle})
		if err != nil {
			require.True(t, errors.Is(err, ErrInvalidBearing) || errors.Is(err, ErrParallelBearings) ||
				errors.Is(err, ErrBehindTower) || errors.Is(err, ErrOutOfRange), "unexpected error %v", err)
			return
		}
		require.False(t, math.IsNaN(lon) || math.IsNaN(lat), "NaN fix with nil error")
		require.True(t, inRange(lon, lat), "fix (%v, %v) out of range", lon, lat)
		for _, p := range BearingLine(a, maxRange, 4) {
			require.True(t, inRange(p[0], p[1]), "bearing line point %v", p)
		}
	})
}
