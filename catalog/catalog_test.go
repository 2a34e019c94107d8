package catalog

import (
	"math"
	"slices"
	"testing"
)

func TestNormalizeCategories(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		want    []string
		wantBad string
	}{
		{"空", nil, []string{}, ""},
		{"按展示顺序去重", []string{"医疗卫生", "社区服务", "医疗卫生"}, []string{"社区服务", "医疗卫生"}, ""},
		{"未知类别", []string{"社区服务", "打游戏"}, nil, "打游戏"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, bad, ok := NormalizeCategories(tc.in)
			if !slices.Equal(got, tc.want) || bad != tc.wantBad || ok != (tc.wantBad == "") {
				t.Errorf("NormalizeCategories(%v) = %v, %q, %v; want %v, %q", tc.in, got, bad, ok, tc.want, tc.wantBad)
			}
		})
	}
}

func TestInServiceArea(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lat, lng float64
		want     bool
	}{
		{"人民广场", 31.2304, 121.4737, true},
		{"崇明东滩", 31.51, 121.96, true},
		{"金山嘴", 30.70, 121.35, true},
		{"北京", 39.9042, 116.4074, false},
		{"零点", 0, 0, false},
		{"经纬度颠倒", 121.4737, 31.2304, false},
		{"NaN", math.NaN(), 121.4737, false},
		{"无穷", 31.2304, math.Inf(1), false},
	} {
		if got := InServiceArea(tc.lat, tc.lng); got != tc.want {
			t.Errorf("%s: InServiceArea(%v, %v) = %v, want %v", tc.name, tc.lat, tc.lng, got, tc.want)
		}
	}
	var missing *Location
	if missing.InServiceArea() {
		t.Error("a nil location is in the service area")
	}
}

func TestPoliticalStatuses(t *testing.T) {
	for _, s := range PoliticalStatuses() {
		if !IsPoliticalStatus(s) {
			t.Errorf("%s is listed but not accepted", s)
		}
	}
	for _, s := range []string{"", "民主党派成员", "无党派人士"} {
		if IsPoliticalStatus(s) {
			t.Errorf("%q accepted", s)
		}
	}
}
