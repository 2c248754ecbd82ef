package envindex

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// exact converts v to the rational number its shortest decimal form denotes
// (0.1 becomes exactly 1/10, not the binary double next to it). ok is false
// for NaN, which callers treat as "not measured".
func exact(v float64) (r *big.Rat, ok bool, err error) {
	switch {
	case math.IsNaN(v):
		return nil, false, nil
	case math.IsInf(v, 0):
		return nil, false, fmt.Errorf("%w: %v", ErrNotFinite, v)
	case v < 0:
		return nil, false, fmt.Errorf("%w: %v", ErrNegative, v)
	}
	r, good := new(big.Rat).SetString(strconv.FormatFloat(v, 'f', -1, 64))
	if !good {
		// Unreachable: FormatFloat 'f' always yields a valid decimal.
		return nil, false, fmt.Errorf("envindex: cannot parse %v", v)
	}
	return r, true, nil
}

// rat parses a decimal literal from the tables; a typo panics at init.
func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("envindex: bad table literal " + s)
	}
	return r
}

// ceilRat rounds r up to an integer (向上进位取整数).
func ceilRat(r *big.Rat) int {
	n := new(big.Int).Neg(r.Num())
	// big.Int.Div is Euclidean; with a positive divisor it is floor, so
	// -floor(-n/d) is ceil(n/d).
	q := new(big.Int).Div(n, r.Denom())
	return int(q.Neg(q).Int64())
}
