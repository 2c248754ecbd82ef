package gis

import "errors"

var (
	// ErrInvalidGeoJSON means the input is not JSON or not a FeatureCollection of Features.
	ErrInvalidGeoJSON = errors.New("invalid GeoJSON")
	// ErrUnsupportedGeometry means a geometry other than null, Polygon or MultiPolygon.
	ErrUnsupportedGeometry = errors.New("unsupported geometry type")
	// ErrInvalidGeometry means an empty polygon, a ring with fewer than 4 positions or an unclosed ring.
	ErrInvalidGeometry = errors.New("invalid geometry")
	// ErrCoordinateRange means a longitude outside [-180,180] or a latitude outside [-90,90].
	ErrCoordinateRange = errors.New("coordinate out of range")
	// ErrInvalidCode means a region with no code, or a code whose level cannot be derived.
	ErrInvalidCode = errors.New("invalid region code")
	// ErrInvalidLevel means a level that is not one of the Level… constants.
	ErrInvalidLevel = errors.New("invalid region level")
	// ErrDuplicateCode means two regions share a code.
	ErrDuplicateCode = errors.New("duplicate region code")
	// ErrUnknownParent means a region names a banner-or-deeper parent that is not loaded.
	ErrUnknownParent = errors.New("unknown parent region")
	// ErrParentCycle means following parents leads back to the same region.
	ErrParentCycle = errors.New("region parent cycle")
)
