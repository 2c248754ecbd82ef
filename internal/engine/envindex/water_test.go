package envindex

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
)

// Expected classes are read by hand off GB 3838-2002 Table 1 (mg/L):
//
//	          I      II     III    IV     V
//	DO  ≥     7.5    6      5      3      2
//	CODMn ≤   2      4      6      10     15
//	COD ≤     15     15     20     30     40
//	BOD5 ≤    3      3      4      6      10
//	NH3-N ≤   0.15   0.5    1.0    1.5    2.0
//	TP ≤ river 0.02  0.1    0.2    0.3    0.4
//	TP ≤ lake  0.01  0.025  0.05   0.1    0.2
//	TN ≤ lake  0.2   0.5    1.0    1.5    2.0
//	pH 6~9 for all classes
func TestWaterClass(t *testing.T) {
	tests := []struct {
		desc        string
		sample      Sample
		body        WaterBody
		class       Class
		determining []Factor
	}{
		{
			// pH 7.5 I; DO 8 ≥ 7.5 I; COD 12 ≤ 15 I; NH3-N 0.5 on the II
			// limit (> 0.15) II; TP 0.02 on the I limit I → II by NH3-N.
			desc:        "class II",
			sample:      Sample{PH: 7.5, DO: 8, COD: 12, NH3N: 0.5, TP: 0.02},
			body:        River,
			class:       ClassII,
			determining: []Factor{NH3N},
		},
		{
			// DO 2.5: < 3 (IV) but ≥ 2 → V; COD 18 III; NH3-N 0.8 III;
			// TP 0.15 III; pH 7 I → V by DO, the factor where lower is worse.
			desc:        "decided by low DO",
			sample:      Sample{PH: 7, DO: 2.5, COD: 18, NH3N: 0.8, TP: 0.15},
			body:        River,
			class:       ClassV,
			determining: []Factor{DO},
		},
		{
			// DO 5.5 III; COD 25 IV; NH3-N 1.2 IV; TP 0.25 IV; pH 8 I → IV,
			// three factors tie.
			desc:        "tie between three factors",
			sample:      Sample{PH: 8, DO: 5.5, COD: 25, NH3N: 1.2, TP: 0.25},
			body:        River,
			class:       ClassIV,
			determining: []Factor{COD, NH3N, TP},
		},
		{
			// pH 9.5 outside 6~9 劣V; DO 1.5 < 2 劣V; COD 45 > 40 劣V;
			// NH3-N 2.5 > 2 劣V; TP 0.3 IV.
			desc:        "劣V",
			sample:      Sample{PH: 9.5, DO: 1.5, COD: 45, NH3N: 2.5, TP: 0.3},
			body:        River,
			class:       ClassWorseV,
			determining: []Factor{PH, DO, COD, NH3N},
		},
		{
			// pH 5.9 alone < 6 → 劣V, whatever else.
			desc:        "pH below 6 is 劣V",
			sample:      Sample{PH: 5.9, DO: 9},
			body:        River,
			class:       ClassWorseV,
			determining: []Factor{PH},
		},
		{
			// TP 0.08: river ≤ 0.1 → II; others I (DO 8, COD 10, NH3-N 0.1,
			// pH 7). TN is a lake item and is ignored for a river.
			desc:        "river TP",
			sample:      Sample{PH: 7, DO: 8, COD: 10, NH3N: 0.1, TP: 0.08, TN: 1.2},
			body:        River,
			class:       ClassII,
			determining: []Factor{TP},
		},
		{
			// Same sample in a lake: TP 0.08 > 0.05 (III), ≤ 0.1 → IV;
			// TN 1.2 > 1.0, ≤ 1.5 → IV; tie.
			desc:        "lake TP and TN",
			sample:      Sample{PH: 7, DO: 8, COD: 10, NH3N: 0.1, TP: 0.08, TN: 1.2},
			body:        Lake,
			class:       ClassIV,
			determining: []Factor{TP, TN},
		},
		{
			// CODMn 4.5: > 4 (II), ≤ 6 → III; BOD5 3.5: > 3 (I and II share
			// 3), ≤ 4 → III; COD 15 on the shared I/II limit → I; DO 6.5:
			// < 7.5, ≥ 6 → II → III, CODMn and BOD5 tie.
			desc:        "CODMn and BOD5",
			sample:      Sample{DO: 6.5, CODMn: 4.5, COD: 15, BOD5: 3.5},
			body:        River,
			class:       ClassIII,
			determining: []Factor{CODMn, BOD5},
		},
		{
			// DO exactly 2 meets the V limit (≥ 2) → V; CODMn exactly 15
			// meets V (≤ 15) → V; tie on the V limits.
			desc:        "on the class V limits",
			sample:      Sample{DO: 2, CODMn: 15},
			body:        River,
			class:       ClassV,
			determining: []Factor{DO, CODMn},
		},
		{
			// DO 1.99 < 2 → 劣V; BOD5 10.01 > 10 → 劣V.
			desc:        "just past the class V limits",
			sample:      Sample{DO: 1.99, BOD5: 10.01},
			body:        River,
			class:       ClassWorseV,
			determining: []Factor{DO, BOD5},
		},
		{
			// Lake TP 0.025 on the II limit → II; TN 0.5 on the II limit → II.
			desc:        "lake TP and TN on the II limits",
			sample:      Sample{TP: 0.025, TN: 0.5},
			body:        Lake,
			class:       ClassII,
			determining: []Factor{TP, TN},
		},
		{
			// Lake TP 0.026 > 0.025, ≤ 0.05 → III (the same value in a river
			// is ≤ 0.1 → II, see the next case).
			desc:        "lake TP just past II",
			sample:      Sample{TP: 0.026},
			body:        Lake,
			class:       ClassIII,
			determining: []Factor{TP},
		},
		{
			desc:        "river TP 0.026",
			sample:      Sample{TP: 0.026},
			body:        River,
			class:       ClassII,
			determining: []Factor{TP},
		},
		{
			// Everything I: all factors tie at I; NaN COD is skipped.
			desc:        "all class I, NaN skipped",
			sample:      Sample{PH: 7, DO: 7.5, COD: math.NaN()},
			body:        Lake,
			class:       ClassI,
			determining: []Factor{PH, DO},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := WaterClass(tt.sample, tt.body)
			require.NoError(t, err)
			require.Equal(t, tt.class, got.Class)
			require.Equal(t, tt.determining, got.Determining)
		})
	}
}

func TestWaterClassErrors(t *testing.T) {
	tests := []struct {
		desc   string
		sample Sample
		body   WaterBody
		err    error
	}{
		{desc: "no body", sample: Sample{DO: 8}, err: ErrUnknownBody},
		{desc: "empty", sample: Sample{}, body: River, err: ErrNoFactor},
		{desc: "only TN in a river", sample: Sample{TN: 0.1}, body: River, err: ErrNoFactor},
		{desc: "negative", sample: Sample{COD: -1}, body: River, err: ErrNegative},
		{desc: "infinite", sample: Sample{TP: math.Inf(1)}, body: Lake, err: ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := WaterClass(tt.sample, tt.body)
			require.ErrorIs(t, err, tt.err)
		})
	}
}

func TestExceedance(t *testing.T) {
	r := func(s string) *big.Rat { return rat(s) }
	tests := []struct {
		desc   string
		sample Sample
		target Class
		body   WaterBody
		want   []FactorExceedance
	}{
		{
			// Against III (river): pH 7 meets; DO 4 is IV (limit 5), no
			// multiple for DO; CODMn 6 meets III; COD 30: (30−20)/20 = 1/2;
			// NH3-N 2.5: (2.5−1.0)/1.0 = 3/2; TP 0.3: (0.3−0.2)/0.2 = 1/2
			// exactly (float64 gives 0.49999999999999994).
			desc:   "river against III",
			sample: Sample{PH: 7, DO: 4, CODMn: 6, COD: 30, NH3N: 2.5, TP: 0.3},
			target: ClassIII,
			body:   River,
			want: []FactorExceedance{
				{Factor: DO, Value: 4, Class: ClassIV, Limit: r("5")},
				{Factor: COD, Value: 30, Class: ClassIV, Limit: r("20"), Multiple: r("1/2")},
				{Factor: NH3N, Value: 2.5, Class: ClassWorseV, Limit: r("1"), Multiple: r("3/2")},
				{Factor: TP, Value: 0.3, Class: ClassIV, Limit: r("0.2"), Multiple: r("1/2")},
			},
		},
		{
			// Lake TP 0.1 against III (0.05): (0.1−0.05)/0.05 = 1;
			// pH 10 is 劣V with no limit value and no multiple.
			desc:   "lake against III",
			sample: Sample{TP: 0.1, PH: 10},
			target: ClassIII,
			body:   Lake,
			want: []FactorExceedance{
				{Factor: PH, Value: 10, Class: ClassWorseV},
				{Factor: TP, Value: 0.1, Class: ClassIV, Limit: r("0.05"), Multiple: r("1")},
			},
		},
		{
			// Against II (river): COD 15 meets (II limit 15); TP 0.11:
			// (0.11−0.1)/0.1 = 1/10.
			desc:   "river against II",
			sample: Sample{COD: 15, TP: 0.11},
			target: ClassII,
			body:   River,
			want: []FactorExceedance{
				{Factor: TP, Value: 0.11, Class: ClassIII, Limit: r("0.1"), Multiple: r("1/10")},
			},
		},
		{
			// Same TP, two bodies, against II. River: 0.1 < 0.15 ≤ 0.2 → III,
			// (0.15 − 0.1)/0.1 = 1/2. Lake (next case): 0.1 < 0.15 ≤ 0.2 → V,
			// (0.15 − 0.025)/0.025 = 5.
			desc:   "TP 0.15 in a river against II",
			sample: Sample{TP: 0.15},
			target: ClassII,
			body:   River,
			want: []FactorExceedance{
				{Factor: TP, Value: 0.15, Class: ClassIII, Limit: r("0.1"), Multiple: r("1/2")},
			},
		},
		{
			desc:   "TP 0.15 in a lake against II",
			sample: Sample{TP: 0.15},
			target: ClassII,
			body:   Lake,
			want: []FactorExceedance{
				{Factor: TP, Value: 0.15, Class: ClassV, Limit: r("0.025"), Multiple: r("5")},
			},
		},
		{
			// Against III (river): CODMn 9: (9 − 6)/6 = 1/2, class IV;
			// BOD5 5: (5 − 4)/4 = 1/4, class IV; DO 5 meets III.
			desc:   "CODMn and BOD5 against III",
			sample: Sample{DO: 5, CODMn: 9, BOD5: 5},
			target: ClassIII,
			body:   River,
			want: []FactorExceedance{
				{Factor: CODMn, Value: 9, Class: ClassIV, Limit: r("6"), Multiple: r("1/2")},
				{Factor: BOD5, Value: 5, Class: ClassIV, Limit: r("4"), Multiple: r("1/4")},
			},
		},
		{
			// Against V (lake): NH3-N 3: (3 − 2)/2 = 1/2; TN 2.5:
			// (2.5 − 2)/2 = 1/4; DO 1 < 2 is 劣V with limit 2, no multiple.
			desc:   "lake against V",
			sample: Sample{DO: 1, NH3N: 3, TN: 2.5},
			target: ClassV,
			body:   Lake,
			want: []FactorExceedance{
				{Factor: DO, Value: 1, Class: ClassWorseV, Limit: r("2")},
				{Factor: NH3N, Value: 3, Class: ClassWorseV, Limit: r("2"), Multiple: r("1/2")},
				{Factor: TN, Value: 2.5, Class: ClassWorseV, Limit: r("2"), Multiple: r("1/4")},
			},
		},
		{desc: "nothing exceeds", sample: Sample{COD: 15}, target: ClassI, body: River},
		{desc: "target 劣V is not a target", sample: Sample{COD: 99}, target: ClassWorseV, body: River},
		{desc: "unknown body", sample: Sample{COD: 99}, target: ClassIII},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := Exceedance(tt.sample, tt.target, tt.body)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				g := got[i]
				require.Equal(t, w.Factor, g.Factor)
				require.Equal(t, w.Value, g.Value)
				require.Equal(t, w.Class, g.Class)
				requireRat(t, w.Limit, g.Limit)
				requireRat(t, w.Multiple, g.Multiple)
			}
		})
	}
}

func TestClassString(t *testing.T) {
	require.Equal(t, "I", ClassI.String())
	require.Equal(t, "V", ClassV.String())
	require.Equal(t, "劣V", ClassWorseV.String())
	require.Equal(t, "Class(0)", Class(0).String())
}

func requireRat(t *testing.T, want, got *big.Rat) {
	t.Helper()
	if want == nil {
		require.Nil(t, got)
		return
	}
	require.NotNil(t, got)
	require.Zero(t, want.Cmp(got), "want %s, got %s", want.RatString(), got.RatString())
}
