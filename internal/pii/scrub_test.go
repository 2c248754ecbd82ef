package pii_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/pii"
)

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"群众张先生来电13812345678反映井盖缺失", "群众张先生来电138****5678反映井盖缺失"},
		{"回电 138 1234 5678 或 138-1234-5678", "回电 138****5678 或 138****5678"},
		{"电话+86 13812345678，备用+8613912345678，0086 137 0000 1111", "电话+86 138****5678，备用+86 139****5678，+86 137****1111"},
		{"座机0483-8221234转", "座机048****1234转"},
		{"身份证152921199001011234，另一张15292119900101123X号", "身份证152921********1234，另一张152921********123X号"},
		{"旧证152921900101123", "旧证152921******123"},
		{"邮箱 zhang.san@example.com 联系", "邮箱 z***@example.com 联系"},
		{"手机13812345678x号楼", "手机138****5678x号楼"},
		{"138 12345678 或 1381234 5678 或 138.1234.5678", "138****5678 或 138****5678 或 138****5678"},
		{"全角１３８１２３４５６７８，１３８　１２３４　５６７８", "全角138****5678，138****5678"},
		{"座机0483 8221234、(0483)8221234、（010）12345678", "座机048****1234、048****1234、010****5678"},
		{"分机0483-8221234-801，总机0483-8221234转8", "分机048****1234-***，总机048****1234-***"},
		{"两个号码13812345678-13912345678", "两个号码138****5678-139****5678"},
		{"+86 10 12345678，0086-13812345678，008613812345678", "+86 010****5678，+86 138****5678，+86 138****5678"},
	} {
		got, found := pii.Scrub(tc.in)
		require.True(t, found, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, keep := range []string{
		"拨打12345热线，110已到场",
		"2026-11-21 10:30 发现烟点，坐标105.856,38.719",
		"订单号202611210000123456789", // longer than any ID: not one
		"水位1069.35米，超警戒0.35米",
		"1380人受影响，共8221234元",
		"样品编号12345678901X",
		"北纬38.0123456789度，东经138.12345678度",
		"设备IMEI 861234567890123，序列号0001234567",
		"编号123456199913451234（日期不成立，不是身份证）",
		"",
	} {
		got, found := pii.Scrub(keep)
		require.False(t, found, keep)
		require.Equal(t, keep, got)
	}
}

// FuzzScrub: any text comes back valid (if it was) and unchanged unless
// something was found; a mobile number standing alone never survives.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{"来电13812345678", "152921199001011234", "a@b.cn", "+86 138 1234 5678", "0483-8221234x",
		"\xff13812345678", "0@0.0@0.0", "１３８１２３４５６７８", "0+86"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, found := pii.Scrub(s)
		if utf8.ValidString(s) {
			require.True(t, utf8.ValidString(got))
		}
		if !found {
			require.Equal(t, s, got)
		}
		planted := "，" + s + " 13812345678 "
		got, found = pii.Scrub(planted)
		require.True(t, found)
		require.NotContains(t, got, " 13812345678 ", "%q", planted)
	})
}
