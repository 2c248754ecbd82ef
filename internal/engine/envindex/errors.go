package envindex

import "errors"

var (
	// ErrNoPollutant means no pollutant needed by the report was present.
	ErrNoPollutant = errors.New("envindex: no pollutant present")
	// ErrNegative means a concentration or factor value is below zero.
	ErrNegative = errors.New("envindex: negative value")
	// ErrNotFinite means a value is +Inf or -Inf (NaN counts as missing).
	ErrNotFinite = errors.New("envindex: value is not finite")
	// ErrFallbackMissing means a special rule of HJ 633-2012 needs an
	// average that was not given (SO2 24-h for SO2 1-h > 800, O3 1-h for
	// O3 8-h > 800).
	ErrFallbackMissing = errors.New("envindex: special rule needs a missing average")
	// ErrNoFactor means a water sample has no factor the class table knows.
	ErrNoFactor = errors.New("envindex: no water factor present")
	// ErrUnknownBody means the WaterBody is neither River nor Lake.
	ErrUnknownBody = errors.New("envindex: unknown water body")
)
