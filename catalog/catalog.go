// Package catalog holds the platform's fixed vocabularies — the service
// categories volunteers, orgs and projects are filed under, and the
// political statuses (政治面貌) of registration forms — and the service
// area locations must fall in. The registration use cases validate against
// it and the demo data draws from it, so both always agree.
package catalog

import (
	"slices"
)

// serviceCategories are the platform's service categories, in the order
// pages show them.
var serviceCategories = []string{"社区服务", "文明交通", "环境保护", "助老助残", "文化教育", "大型赛会", "应急救援", "医疗卫生"}

// Political statuses (政治面貌) as registration forms write them.
const (
	PoliticalParty     = "中共党员"
	PoliticalProbation = "中共预备党员"
	PoliticalLeague    = "共青团员"
	PoliticalDemocrat  = "民主党派"
	PoliticalMasses    = "群众"
)

var politicalStatuses = []string{PoliticalParty, PoliticalProbation, PoliticalLeague, PoliticalDemocrat, PoliticalMasses}

// ServiceCategories returns the service categories in display order; the
// slice is new on each call.
func ServiceCategories() []string { return slices.Clone(serviceCategories) }

// PoliticalStatuses returns the political statuses in form order; the slice
// is new on each call.
func PoliticalStatuses() []string { return slices.Clone(politicalStatuses) }

// IsPoliticalStatus reports whether s is one of the political statuses.
func IsPoliticalStatus(s string) bool { return slices.Contains(politicalStatuses, s) }

// NormalizeCategories returns cs without duplicates in display order, or
// the first value that is no service category.
func NormalizeCategories(cs []string) (out []string, bad string, ok bool) {
	seen := make(map[string]bool, len(cs))
	for _, c := range cs {
		if !slices.Contains(serviceCategories, c) {
			return nil, c, false
		}
		seen[c] = true
	}
	out = []string{}
	for _, c := range serviceCategories {
		if seen[c] {
			out = append(out, c)
		}
	}
	return out, "", true
}

// The service area: Shanghai's extent (30.67–31.88 °N, 120.85–122.12 °E,
// Chongming and the outlying islands included) with a margin of a few
// kilometres, in WGS84 degrees.
const (
	minLat, maxLat = 30.6, 31.95
	minLng, maxLng = 120.8, 122.3
)

// InServiceArea reports whether a WGS84 point lies in the service area.
// NaN and infinities never do.
func InServiceArea(lat, lng float64) bool {
	return lat >= minLat && lat <= maxLat && lng >= minLng && lng <= maxLng
}

// Location is a point in WGS84 / CGCS2000 degrees.
type Location struct {
	Lat, Lng float64
}

// InServiceArea reports whether l is set and lies in the service area.
func (l *Location) InServiceArea() bool { return l != nil && InServiceArea(l.Lat, l.Lng) }
