package gis

// Bearings and cross-bearing triangulation for fire-watch towers (森林防火瞭望).
//
// Everything here works on a spherical Earth of radius [EarthRadiusM], the
// IUGG mean radius R1 of the WGS-84 ellipsoid. Positions are WGS-84 degrees
// (lon, lat) in and out; bearings are degrees clockwise from true north. Over
// the ≤ 30 km a tower can see, the sphere differs from the ellipsoid by at
// most ~0.5 % in distance and a few hundredths of a degree in bearing — far
// below the error of a camera's pan encoder — and the spherical formulas have
// closed forms that never fail to converge, which the alarm path needs.
//
// The formulas are the standard ones of spherical navigation (haversine
// distance, initial bearing, the direct problem, and the intersection of two
// paths given start points and bearings), as collected in Ed Williams'
// Aviation Formulary and in Chris Veness' "Movable Type Scripts —
// Calculate distance, bearing and more between Latitude/Longitude points".

import (
	"errors"
	"fmt"
	"math"
)

var (
	// ErrInvalidBearing means a NaN or infinite value, a coordinate outside
	// [-180,180]×[-90,90], or a tower at a pole (where bearings are undefined).
	ErrInvalidBearing = errors.New("invalid bearing observation")
	// ErrParallelBearings means the radials cross at less than the minimum
	// angle, coincide, or degenerate (coincident towers, a radial along the
	// baseline), so the fix is ambiguous or ill-conditioned.
	ErrParallelBearings = errors.New("bearings too close to parallel")
	// ErrBehindTower means the radials' great circles meet only behind at
	// least one tower (or, going forward, only on the far side of the Earth).
	ErrBehindTower = errors.New("intersection behind a tower")
	// ErrOutOfRange means the intersection is farther than the maximum range from a tower.
	ErrOutOfRange = errors.New("intersection beyond range")
)

const (
	// EarthRadiusM is the mean radius (IUGG R1 = (2a+b)/3 of WGS-84) of the
	// sphere every function in this file works on.
	EarthRadiusM = 6371008.8
	// DefaultMaxRangeM is the farthest a tower is trusted to locate a fire.
	DefaultMaxRangeM = 30000.0
	// DefaultMinAngleDeg is the smallest crossing angle of two radials accepted as a fix.
	DefaultMinAngleDeg = 10.0
	// maxLineSegments bounds BearingLine's allocation.
	maxLineSegments = 10000
	// degenerateSin is the |sin| below which an angle is treated as zero: a
	// radial within ~0.2 µrad of the baseline, where the intersection formula
	// loses its digits to cancellation.
	degenerateSin = 1e-9
	// nearM is the distance under which a bearing from a tower is undefined.
	nearM = 1e-3
)

const (
	deg2rad = math.Pi / 180
	rad2deg = 180 / math.Pi
)

// Bearing is an observation from a tower: the tower's position and the true
// bearing (degrees clockwise from true north) to what it sees.
type Bearing struct{ Lon, Lat, Deg float64 }

// TriangulateOptions bounds what Triangulate accepts. A zero, negative or NaN
// field takes its default.
type TriangulateOptions struct {
	// MaxRangeM is the greatest distance from either tower (default 30 km).
	MaxRangeM float64
	// MinAngleDeg is the smallest crossing angle of the radials at the fix,
	// folded into [0°, 90°] (default 10°).
	MinAngleDeg float64
}

func (o TriangulateOptions) withDefaults() TriangulateOptions {
	if !(o.MaxRangeM > 0) {
		o.MaxRangeM = DefaultMaxRangeM
	}
	if !(o.MinAngleDeg > 0) {
		o.MinAngleDeg = DefaultMinAngleDeg
	}
	return o
}

// Calibrate turns a camera's raw pan angle into a true bearing: raw plus the
// tower's north offset, normalised to [0, 360). NaN or infinite input gives NaN.
func Calibrate(rawDeg, northOffsetDeg float64) float64 {
	return norm360(rawDeg + northOffsetDeg)
}

// Destination solves the direct problem on the sphere: the point reached by
// going distanceM metres from (lon, lat) along the great circle that starts
// at bearingDeg. Longitude is returned in [-180, 180).
func Destination(lon, lat, bearingDeg, distanceM float64) (lon2, lat2 float64) {
	φ1, λ1, θ := lat*deg2rad, lon*deg2rad, bearingDeg*deg2rad
	δ := distanceM / EarthRadiusM
	sinφ2 := math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ)
	φ2 := math.Asin(clamp1(sinφ2))
	Δλ := math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*sinφ2)
	return norm180((λ1 + Δλ) * rad2deg), φ2 * rad2deg
}

// Distance is the great-circle (haversine) distance in metres.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	return angularDistance(lon1, lat1, lon2, lat2) * EarthRadiusM
}

// InitialBearing is the bearing in [0, 360) at (lon1, lat1) of the great
// circle to (lon2, lat2). It is 0 for coincident points.
func InitialBearing(lon1, lat1, lon2, lat2 float64) float64 {
	φ1, φ2 := lat1*deg2rad, lat2*deg2rad
	Δλ := (lon2 - lon1) * deg2rad
	y := math.Sin(Δλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(Δλ)
	return norm360(math.Atan2(y, x) * rad2deg)
}

// BearingLine samples the radial of a from the tower out to lengthM metres:
// segments+1 points [lon, lat], the tower first, for drawing a single tower's
// bearing line. segments is raised to 1 and capped at 10000; invalid input
// (see ErrInvalidBearing) or a length that is not positive and finite gives nil.
func BearingLine(a Bearing, lengthM float64, segments int) [][2]float64 {
	if a.valid() != nil || !(lengthM > 0) || math.IsInf(lengthM, 1) {
		return nil
	}
	segments = min(max(segments, 1), maxLineSegments)
	pts := make([][2]float64, segments+1)
	pts[0] = [2]float64{a.Lon, a.Lat}
	for i := 1; i <= segments; i++ {
		lon, lat := Destination(a.Lon, a.Lat, a.Deg, lengthM*float64(i)/float64(segments))
		pts[i] = [2]float64{lon, lat}
	}
	return pts
}

// Triangulate locates what two towers see as the intersection of their
// radials (great-circle paths from each tower along its bearing), by the
// spherical-triangle solution of the navigation formularies: with δ12 the
// angular distance between the towers and α1, α2 the angles between the
// baseline and each radial, the third angle is
// cos α3 = −cos α1 cos α2 + sin α1 sin α2 cos δ12 and the distance from the
// first tower is tan δ13 = sin δ12 sin α1 sin α2 / (cos α2 + cos α1 cos α3).
//
// It refuses fixes a dispatcher should not trust, with a wrapped sentinel:
// ErrInvalidBearing, ErrParallelBearings (crossing angle folded into [0°, 90°]
// below MinAngleDeg — both the far, shallow crossing and the crossing near the
// baseline, where the radials nearly coincide, are ill-conditioned),
// ErrBehindTower and ErrOutOfRange.
func Triangulate(a, b Bearing, o TriangulateOptions) (lon, lat float64, err error) {
	o = o.withDefaults()
	if err := a.valid(); err != nil {
		return 0, 0, fmt.Errorf("tower a: %w", err)
	}
	if err := b.valid(); err != nil {
		return 0, 0, fmt.Errorf("tower b: %w", err)
	}
	δ13, err := intersectAngle(a, b, o.MinAngleDeg)
	if err != nil {
		return 0, 0, err
	}
	lon, lat = Destination(a.Lon, a.Lat, a.Deg, δ13*EarthRadiusM)
	if math.IsNaN(lon) || math.IsNaN(lat) {
		return 0, 0, fmt.Errorf("%w: no finite intersection", ErrParallelBearings)
	}
	if err := checkFix(a, b, lon, lat, o.MaxRangeM); err != nil {
		return 0, 0, err
	}
	return lon, lat, nil
}

// intersectAngle returns δ13, the angular distance from a to the crossing of
// the two radials, going forward along a's radial.
func intersectAngle(a, b Bearing, minAngleDeg float64) (float64, error) {
	δ12 := angularDistance(a.Lon, a.Lat, b.Lon, b.Lat)
	if math.Sin(δ12) < degenerateSin {
		return 0, fmt.Errorf("%w: towers coincide or are antipodal (%.3f m apart)", ErrParallelBearings, δ12*EarthRadiusM)
	}
	θ12 := InitialBearing(a.Lon, a.Lat, b.Lon, b.Lat) * deg2rad
	θ21 := InitialBearing(b.Lon, b.Lat, a.Lon, a.Lat) * deg2rad
	α1 := wrapPi(a.Deg*deg2rad - θ12) // angle at a between the baseline and a's radial
	α2 := wrapPi(θ21 - b.Deg*deg2rad) // angle at b, signed the opposite way
	s1, s2 := math.Sin(α1), math.Sin(α2)
	if math.Abs(s1) < degenerateSin || math.Abs(s2) < degenerateSin {
		return 0, fmt.Errorf("%w: a radial lies along the baseline (α1 %.6f°, α2 %.6f°)", ErrParallelBearings, α1*rad2deg, α2*rad2deg)
	}
	if s1*s2 < 0 {
		return 0, fmt.Errorf("%w: the radials diverge on opposite sides of the baseline (α1 %.3f°, α2 %.3f°)", ErrBehindTower, α1*rad2deg, α2*rad2deg)
	}
	cosα3 := clamp1(-math.Cos(α1)*math.Cos(α2) + s1*s2*math.Cos(δ12))
	α3 := math.Acos(cosα3)
	if crossing := min(α3, math.Pi-α3) * rad2deg; crossing < minAngleDeg {
		return 0, fmt.Errorf("%w: crossing angle %.2f° < %.2f°", ErrParallelBearings, crossing, minAngleDeg)
	}
	δ13 := math.Atan2(math.Sin(δ12)*s1*s2, math.Cos(α2)+math.Cos(α1)*cosα3)
	if δ13 > math.Pi/2 {
		// Going forward the radials meet beyond a quarter of the globe; the
		// near crossing, the antipode of this one, is behind both towers.
		return 0, fmt.Errorf("%w: the radials meet only on the far side of the Earth", ErrBehindTower)
	}
	return δ13, nil
}

// checkFix confirms the fix is ahead of both towers and within range. The
// bearing comparison is the formularies' own test for the ambiguous case and
// also guards the formula's rounding near its degenerate configurations.
func checkFix(a, b Bearing, lon, lat, maxRangeM float64) error {
	for _, t := range [...]struct {
		name string
		obs  Bearing
	}{{"a", a}, {"b", b}} {
		d := Distance(t.obs.Lon, t.obs.Lat, lon, lat)
		if d > nearM {
			back := InitialBearing(t.obs.Lon, t.obs.Lat, lon, lat)
			if diff := math.Abs(wrapPi((back - t.obs.Deg) * deg2rad)); diff > math.Pi/2 {
				return fmt.Errorf("%w: tower %s looks at %.2f° but the intersection is at %.2f°", ErrBehindTower, t.name, t.obs.Deg, back)
			}
		}
		if d > maxRangeM {
			return fmt.Errorf("%w: %.0f m from tower %s, limit %.0f m", ErrOutOfRange, d, t.name, maxRangeM)
		}
	}
	return nil
}

func (o Bearing) valid() error {
	switch {
	case !finite(o.Lon) || !finite(o.Lat) || !finite(o.Deg):
		return fmt.Errorf("%w: non-finite value (lon %v, lat %v, deg %v)", ErrInvalidBearing, o.Lon, o.Lat, o.Deg)
	case !inRange(o.Lon, o.Lat):
		return fmt.Errorf("%w: coordinate (%v, %v) out of range", ErrInvalidBearing, o.Lon, o.Lat)
	case math.Abs(o.Lat) == 90:
		return fmt.Errorf("%w: tower at a pole", ErrInvalidBearing)
	}
	return nil
}

// angularDistance is the haversine central angle in radians.
func angularDistance(lon1, lat1, lon2, lat2 float64) float64 {
	φ1, φ2 := lat1*deg2rad, lat2*deg2rad
	sΔφ := math.Sin((φ2 - φ1) / 2)
	sΔλ := math.Sin((lon2 - lon1) * deg2rad / 2)
	h := sΔφ*sΔφ + math.Cos(φ1)*math.Cos(φ2)*sΔλ*sΔλ
	return 2 * math.Asin(math.Sqrt(clamp(h, 0, 1)))
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

func clamp1(x float64) float64 { return clamp(x, -1, 1) }

// norm360 maps degrees to [0, 360).
func norm360(d float64) float64 {
	d = math.Mod(d, 360)
	if d < 0 {
		d += 360
	}
	if d >= 360 { // -tiny + 360 rounds to 360
		d = 0
	}
	return d
}

// norm180 maps degrees to [-180, 180).
func norm180(d float64) float64 { return norm360(d+180) - 180 }

// wrapPi maps radians to (-π, π].
func wrapPi(r float64) float64 {
	r = math.Mod(r, 2*math.Pi)
	switch {
	case r > math.Pi:
		r -= 2 * math.Pi
	case r <= -math.Pi:
		r += 2 * math.Pi
	}
	return r
}
