// Sources waterLimits was verified against (2026-11, every value):
//
//   - GB 3838-2002 《地表水环境质量标准》, SEPA/AQSIQ 2002-04-28, in force
//     2002-06-01, 表1 「地表水环境质量标准基本项目标准限值」 (mg/L), as
//     transcribed at https://g230.com/9327769.html (copied from
//     water800.com/szbz/szbz.htm; includes the bracketed 湖、库 TP values)
//     and at http://www.r-can.com.cn/r-can_Affiche_10862570.html (river
//     values). Both agree with every number below: DO 饱和率90%(或7.5)/6/5/3/2,
//     CODMn 2/4/6/10/15, COD 15/15/20/30/40, BOD5 3/3/4/6/10,
//     NH3-N 0.15/0.5/1.0/1.5/2.0, TP 0.02/0.1/0.2/0.3/0.4
//     (湖、库 0.01/0.025/0.05/0.1/0.2), TN (湖、库) 0.2/0.5/1.0/1.5/2.0,
//     pH 6~9.
//   - 《地表水环境质量评价办法（试行）》(环办〔2011〕22号), text at
//     https://m.howto1234.net/wenku/rgrgb/J4gbVVy6ep, for the exceedance
//     multiple and its exemptions (see FactorExceedance).
//
// No value here differed from those sources. Class I DO is "饱和率 90%
// (或 7.5)"; only the 7.5 mg/L form is used, as saturation needs water
// temperature and pressure this package does not get.

package envindex

import (
	"fmt"
	"math/big"
)

// Factor is a basic item of GB 3838-2002 Table 1; the keys of Sample.
type Factor string

// The factors classified here. All in mg/L except pH (dimensionless).
const (
	PH    Factor = "ph"    // pH 值
	DO    Factor = "do"    // 溶解氧; higher is better
	CODMn Factor = "codmn" // 高锰酸盐指数
	COD   Factor = "cod"   // 化学需氧量 (COD, the profile's cod_mgl)
	BOD5  Factor = "bod5"  // 五日生化需氧量
	NH3N  Factor = "nh3n"  // 氨氮 (NH3-N)
	TP    Factor = "tp"    // 总磷 (以 P 计); lakes and reservoirs have tighter limits
	TN    Factor = "tn"    // 总氮 (湖、库, 以 N 计); not evaluated for rivers
)

// factorOrder is the order of GB 3838-2002 Table 1, used for every list.
var factorOrder = []Factor{PH, DO, CODMn, COD, BOD5, NH3N, TP, TN}

// Sample holds one water sample by factor. Absent or NaN factors were not
// measured and are skipped; negative or infinite values are errors.
type Sample map[Factor]float64

// WaterBody selects the limits that differ between rivers and lakes or
// reservoirs (总磷; 总氮 applies to lakes and reservoirs only).
type WaterBody int

// Water bodies. The zero value is invalid so that a forgotten body is an
// error rather than a silent choice.
const (
	River WaterBody = iota + 1 // 河流
	Lake                       // 湖、库
)

// Class is a surface-water quality class; a larger value is worse.
type Class int

// Classes I..V of GB 3838-2002 and 劣V (worse than V).
const (
	ClassI Class = iota + 1
	ClassII
	ClassIII
	ClassIV
	ClassV
	ClassWorseV // 劣V类
)

func (c Class) String() string {
	names := [...]string{"", "I", "II", "III", "IV", "V", "劣V"}
	if c < ClassI || c > ClassWorseV {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return names[c]
}

// waterLimits is GB 3838-2002 《地表水环境质量标准》 Table 1 「地表水环境质量标准
// 基本项目标准限值」 (mg/L), classes I..V. DO is a lower bound (≥), the others
// upper bounds (≤). pH is 6~9 for every class and handled apart. TP's lake
// limits are the bracketed 「湖、库」 values; TN is a lake/reservoir item.
var waterLimits = map[WaterBody]map[Factor][]string{
	River: {
		DO:    {"7.5", "6", "5", "3", "2"},
		CODMn: {"2", "4", "6", "10", "15"},
		COD:   {"15", "15", "20", "30", "40"},
		BOD5:  {"3", "3", "4", "6", "10"},
		NH3N:  {"0.15", "0.5", "1.0", "1.5", "2.0"},
		TP:    {"0.02", "0.1", "0.2", "0.3", "0.4"},
	},
	Lake: {
		DO:    {"7.5", "6", "5", "3", "2"},
		CODMn: {"2", "4", "6", "10", "15"},
		COD:   {"15", "15", "20", "30", "40"},
		BOD5:  {"3", "3", "4", "6", "10"},
		NH3N:  {"0.15", "0.5", "1.0", "1.5", "2.0"},
		TP:    {"0.01", "0.025", "0.05", "0.1", "0.2"},
		TN:    {"0.2", "0.5", "1.0", "1.5", "2.0"},
	},
}

var (
	phLow  = rat("6")
	phHigh = rat("9")
)

// FactorClass is the class one factor alone would give.
type FactorClass struct {
	Factor Factor
	Value  float64
	Class  Class
}

// ClassResult is the class of a sample by the worst single factor.
type ClassResult struct {
	Class Class
	// Determining lists every factor whose own class equals Class (ties
	// all listed), in Table 1 order.
	Determining []Factor
	Factors     []FactorClass // every evaluated factor, in Table 1 order
}

// WaterClass classifies s by the worst single factor of GB 3838-2002
// Table 1 for body. A factor's class is the best class whose limit it meets
// (COD 15 is class I, as I and II share the limit); pH outside 6~9 is 劣V.
// Factors the body has no limit for (TN in a river) are ignored.
func WaterClass(s Sample, body WaterBody) (ClassResult, error) {
	limits, ok := waterLimits[body]
	if !ok {
		return ClassResult{}, fmt.Errorf("%w: %d", ErrUnknownBody, int(body))
	}
	var res ClassResult
	for _, f := range factorOrder {
		r, present, err := factorValue(s, f, limits)
		if err != nil {
			return ClassResult{}, err
		}
		if !present {
			continue
		}
		fc := FactorClass{Factor: f, Value: s[f], Class: classOf(f, r, limits)}
		res.Factors = append(res.Factors, fc)
		res.Class = max(res.Class, fc.Class)
	}
	if len(res.Factors) == 0 {
		return ClassResult{}, ErrNoFactor
	}
	for _, fc := range res.Factors {
		if fc.Class == res.Class {
			res.Determining = append(res.Determining, fc.Factor)
		}
	}
	return res, nil
}

// factorValue returns f's exact value; present is false when f is not
// measured or has no limit for this body.
func factorValue(s Sample, f Factor, limits map[Factor][]string) (*big.Rat, bool, error) {
	v, ok := s[f]
	if _, known := limits[f]; !ok || (!known && f != PH) {
		return nil, false, nil
	}
	r, present, err := exact(v)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", f, err)
	}
	return r, present, nil
}

func classOf(f Factor, r *big.Rat, limits map[Factor][]string) Class {
	if f == PH {
		if r.Cmp(phLow) >= 0 && r.Cmp(phHigh) <= 0 {
			return ClassI
		}
		return ClassWorseV
	}
	for i, s := range limits[f] {
		if meets(f, r, rat(s)) {
			return ClassI + Class(i)
		}
	}
	return ClassWorseV
}

// meets reports whether r satisfies limit: DO at least, others at most.
func meets(f Factor, r, limit *big.Rat) bool {
	if f == DO {
		return r.Cmp(limit) >= 0
	}
	return r.Cmp(limit) <= 0
}

// FactorExceedance is one factor that fails a target class.
type FactorExceedance struct {
	Factor Factor
	Value  float64
	Class  Class // the factor's own class
	// Limit is the target class's limit (nil for pH, whose limit is 6~9).
	Limit *big.Rat
	// Multiple is the exceedance multiple (C − limit)/limit (超标倍数),
	// exact. It is nil for DO and pH: following 《地表水环境质量评价办法
	// （试行）》(环办〔2011〕22号), 水温、pH 和溶解氧 carry no multiple.
	Multiple *big.Rat
}

// Exceedance lists, in Table 1 order, the factors of s whose own class is
// worse than target, with their exceedance multiples against target's
// limits. It returns nil when target is not I..V, body is unknown, or no
// factor exceeds; factors with invalid values (WaterClass reports those)
// are skipped.
func Exceedance(s Sample, target Class, body WaterBody) []FactorExceedance {
	limits, ok := waterLimits[body]
	if !ok || target < ClassI || target > ClassV {
		return nil
	}
	var out []FactorExceedance
	for _, f := range factorOrder {
		r, present, err := factorValue(s, f, limits)
		if err != nil || !present {
			continue
		}
		cl := classOf(f, r, limits)
		if cl <= target {
			continue
		}
		fe := FactorExceedance{Factor: f, Value: s[f], Class: cl}
		if f != PH {
			fe.Limit = rat(limits[f][target-ClassI])
		}
		if f != PH && f != DO {
			m := new(big.Rat).Sub(r, fe.Limit)
			fe.Multiple = m.Quo(m, fe.Limit)
		}
		out = append(out, fe)
	}
	return out
}
