package gis

import (
	"fmt"
	"strings"

	"github.com/twpayne/go-geom"
)

// Unassigned is the region code callers record when [Index.Locate] finds no
// region, so that such devices and alarms stay visible and can be assigned by hand.
const Unassigned = "unassigned"

// UnassignedName is the display name that goes with [Unassigned].
const UnassignedName = "区域外（待分配）"

// Levels, shallowest first. The values are stable ids stored by callers.
const (
	LevelProvince = "province" // 省级, code xx0000
	LevelLeague   = "league"   // 地级: 盟/市, code xxxx00
	LevelBanner   = "banner"   // 县级: 旗/县/区, other 6-digit codes
	LevelTown     = "town"     // 乡级: 苏木/镇, 9 digits
	LevelVillage  = "village"  // 村级: 嘎查/社区, 12 digits
	LevelGrid     = "grid"     // 网格, longer than 12
)

// levelRank orders levels by depth; Locate prefers the higher rank.
var levelRank = map[string]int{
	LevelProvince: 0,
	LevelLeague:   1,
	LevelBanner:   2,
	LevelTown:     3,
	LevelVillage:  4,
	LevelGrid:     5,
}

// numLevels is the number of distinct levels (the length of levelRank).
const numLevels = 6

// Region is one administrative area (GB/T 2260-style code).
//
// Regions returned by this package share their Geom with the [Index]; treat
// it as read-only.
type Region struct {
	Code   string     // "152921"
	Name   string     // "阿拉善左旗"
	Level  string     // one of the Level… constants
	Parent string     // parent code, "" for the root
	Geom   geom.T     // *geom.Polygon or *geom.MultiPolygon in lon/lat EPSG:4326; nil for non-spatial parents
	Center [2]float64 // label point lon/lat ("cp" property if present, else bbox centre)
}

// Spatial reports whether the region has a boundary that points can fall in.
func (r Region) Spatial() bool { return r.Geom != nil }

// DeriveLevel returns the level implied by a GB/T 2260-style code:
// xx0000 province, xxxx00 league, other 6 digits banner, 9 digits town,
// 12 digits village, longer (with a 12-digit village prefix) grid.
func DeriveLevel(code string) (string, error) {
	switch n := len(code); {
	case n == 6 && allDigits(code):
		switch {
		case strings.HasSuffix(code, "0000"):
			return LevelProvince, nil
		case strings.HasSuffix(code, "00"):
			return LevelLeague, nil
		}
		return LevelBanner, nil
	case n == 9 && allDigits(code):
		return LevelTown, nil
	case n == 12 && allDigits(code):
		return LevelVillage, nil
	case n > 12 && allDigits(code[:12]):
		return LevelGrid, nil
	}
	return "", fmt.Errorf("%w: %q has no derivable level", ErrInvalidCode, code)
}

// DeriveParent returns the parent implied by a code: 152921 → 152900 →
// 150000 → "", a 9-digit town → its first 6, a 12-digit village → its first 9,
// a grid → its 12-digit village prefix. Codes without a derivable level give "".
func DeriveParent(code string) string {
	level, err := DeriveLevel(code)
	if err != nil {
		return ""
	}
	switch level {
	case LevelLeague:
		return code[:2] + "0000"
	case LevelBanner:
		return code[:4] + "00"
	case LevelTown:
		return code[:6]
	case LevelVillage:
		return code[:9]
	case LevelGrid:
		return code[:12]
	}
	return ""
}

// isUpperRoot reports whether code is a province or league code. Those may be
// absent from an index: a league deployment loads its banners, not China.
func isUpperRoot(code string) bool {
	level, err := DeriveLevel(code)
	return err == nil && (level == LevelProvince || level == LevelLeague)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
