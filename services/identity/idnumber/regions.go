package idnumber

import (
	_ "embed"
	"strings"
	"sync"
)

// regionsTxt is the GB/T 2260 table; gen_regions.go documents where it comes from and what it
// covers, and rebuilds it.
//
//go:embed regions.txt
var regionsTxt string

// regions indexes regionsTxt on first use, so programs that never validate a number do not pay
// for the ~7,000-entry map. The map is never written after it is built.
var regions = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 8000)
	for line := range strings.Lines(regionsTxt) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		code, name, _ := strings.Cut(line, " ")
		m[code] = name
	}
	return m
})

// RegionName returns the name of a six-digit GB/T 2260 code, current or retired, and whether the
// code is known. A code that was reused returns its newest name, e.g. 310101 is 黄浦区; retired
// codes keep theirs, e.g. 310103 is 卢湾区.
func RegionName(code string) (string, bool) {
	name, ok := regions()[code]
	return name, ok
}

// District is a division of Shanghai, for demo data and pickers.
type District struct {
	// Code is the six-digit GB/T 2260 code, e.g. "310101".
	Code string
	// Name is the official name, e.g. "黄浦区".
	Name string
}

// ShanghaiDistricts returns Shanghai's 16 districts in use today (since 崇明县 became 崇明区 in
// 2016), in code order. Each call returns a new slice, so callers may modify it.
func ShanghaiDistricts() []District {
	return []District{
		{"310101", "黄浦区"},
		{"310104", "徐汇区"},
		{"310105", "长宁区"},
		{"310106", "静安区"},
		{"310107", "普陀区"},
		{"310109", "虹口区"},
		{"310110", "杨浦区"},
		{"310112", "闵行区"},
		{"310113", "宝山区"},
		{"310114", "嘉定区"},
		{"310115", "浦东新区"},
		{"310116", "金山区"},
		{"310117", "松江区"},
		{"310118", "青浦区"},
		{"310120", "奉贤区"},
		{"310151", "崇明区"},
	}
}
