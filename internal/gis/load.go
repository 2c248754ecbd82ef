package gis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"
)

// rawCollection and rawFeature keep ids and properties as raw JSON so that
// numeric codes keep their exact digits (a float64 would round long grid codes).
type rawCollection struct {
	Type     string       `json:"type"`
	Features []rawFeature `json:"features"`
}

type rawFeature struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   *geojson.Geometry          `json:"geometry"`
}

// LoadGeoJSON parses a FeatureCollection into regions, in file order.
//
// Code comes from properties.code, else the feature id; name from
// properties.name; level from properties.level, else [DeriveLevel]; parent
// from properties.parent, else [DeriveParent]; Center from properties.cp,
// else the bounding-box centre (zero for a null geometry without cp).
// Geometry may be null, Polygon or MultiPolygon; rings must be closed, have
// at least 4 positions and lie inside lon [-180,180] lat [-90,90]; codes must
// be unique within the file.
func LoadGeoJSON(b []byte) ([]Region, error) {
	var fc rawCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGeoJSON, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%w: type %q, want FeatureCollection", ErrInvalidGeoJSON, fc.Type)
	}
	regions := make([]Region, 0, len(fc.Features))
	seen := make(map[string]int, len(fc.Features))
	for i, f := range fc.Features {
		r, err := f.region()
		if err != nil {
			return nil, fmt.Errorf("feature %d: %w", i, err)
		}
		if j, dup := seen[r.Code]; dup {
			return nil, fmt.Errorf("%w: %s in features %d and %d", ErrDuplicateCode, r.Code, j, i)
		}
		seen[r.Code] = i
		regions = append(regions, r)
	}
	return regions, nil
}

// LoadDir loads every *.geojson at the root of fsys, in name order, and
// merges them; a code that appears in two files is an error. Other files
// (README, licences) are ignored, and an empty folder gives no regions.
func LoadDir(fsys fs.FS) ([]Region, error) {
	names, err := fs.Glob(fsys, "*.geojson")
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	sort.Strings(names)
	var all []Region
	from := make(map[string]string)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		regions, err := LoadGeoJSON(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, r := range regions {
			if prev, dup := from[r.Code]; dup {
				return nil, fmt.Errorf("%w: %s in %s and %s", ErrDuplicateCode, r.Code, prev, name)
			}
			from[r.Code] = name
		}
		all = append(all, regions...)
	}
	return all, nil
}

func (f rawFeature) region() (Region, error) {
	if f.Type != "Feature" {
		return Region{}, fmt.Errorf("%w: type %q, want Feature", ErrInvalidGeoJSON, f.Type)
	}
	var r Region
	var err error
	if r.Code, err = f.code(); err != nil {
		return Region{}, err
	}
	if r.Geom, err = decodeGeometry(f.Geometry); err != nil {
		return Region{}, fmt.Errorf("region %s: %w", r.Code, err)
	}
	if err := f.fillProperties(&r); err != nil {
		return Region{}, fmt.Errorf("region %s: %w", r.Code, err)
	}
	return r, nil
}

func (f rawFeature) code() (string, error) {
	code, err := rawString(f.Properties["code"])
	if err == nil && code == "" {
		code, err = rawString(f.ID)
	}
	if err != nil {
		return "", fmt.Errorf("code: %w", err)
	}
	if code == "" {
		return "", fmt.Errorf("%w: no properties.code and no id", ErrInvalidCode)
	}
	return code, nil
}

// fillProperties sets name, level, parent and centre on r, whose Code and
// Geom are already set.
func (f rawFeature) fillProperties(r *Region) error {
	var err error
	if r.Name, err = rawString(f.Properties["name"]); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if r.Level, err = rawString(f.Properties["level"]); err != nil {
		return fmt.Errorf("level: %w", err)
	}
	if r.Level, err = checkLevel(r.Code, r.Level); err != nil {
		return err
	}
	if r.Parent, err = rawString(f.Properties["parent"]); err != nil {
		return fmt.Errorf("parent: %w", err)
	}
	if r.Parent == "" {
		r.Parent = DeriveParent(r.Code)
	}
	r.Center, err = center(f.Properties["cp"], r.Geom)
	return err
}

// checkLevel returns level if it is known, or the level derived from code
// when level is empty.
func checkLevel(code, level string) (string, error) {
	if level == "" {
		return DeriveLevel(code)
	}
	if _, ok := levelRank[level]; !ok {
		return "", fmt.Errorf("%w: %q", ErrInvalidLevel, level)
	}
	return level, nil
}

// center returns the "cp" label point if given, else the bbox centre of g.
func center(cp json.RawMessage, g geom.T) ([2]float64, error) {
	if isNull(cp) {
		return bboxCenter(g), nil
	}
	var xy []float64
	if err := json.Unmarshal(cp, &xy); err != nil || len(xy) != 2 {
		return [2]float64{}, fmt.Errorf("%w: cp %s is not [lon, lat]", ErrInvalidGeoJSON, cp)
	}
	if !inRange(xy[0], xy[1]) {
		return [2]float64{}, fmt.Errorf("%w: cp %v", ErrCoordinateRange, xy)
	}
	return [2]float64{xy[0], xy[1]}, nil
}

// rawString reads a JSON string or number as text; null or absent is "".
func rawString(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("%w: want string or number, got %.40s", ErrInvalidGeoJSON, raw)
	}
	return n.String(), nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func decodeGeometry(g *geojson.Geometry) (geom.T, error) {
	if g == nil {
		return nil, nil
	}
	if g.Type != "Polygon" && g.Type != "MultiPolygon" {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedGeometry, g.Type)
	}
	t, err := g.Decode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGeometry, err)
	}
	if err := validateGeom(t); err != nil {
		return nil, err
	}
	return t, nil
}
