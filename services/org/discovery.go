package org

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/store/db"
)

// OrgSort orders public org searches.
type OrgSort string

// The sorts.
const (
	SortDistance      OrgSort = "distance"
	SortFoundedNewest OrgSort = "founded_newest"
	SortFoundedOldest OrgSort = "founded_oldest"
)

// Bounds of public org searches.
const (
	publicPageDefault = 20
	publicPageMax     = 50
	publicNameMax     = 50
)

var districtCode = regexp.MustCompile(`^[0-9]{6}$`)

// PublicFilter is a public org search; every field is optional.
type PublicFilter struct {
	Location     *catalog.Location
	DistrictCode string
	Category     string
	NameContains string
	Sort         OrgSort // "" sorts by distance with a location, else newest founded
	PageSize     int32
	PageToken    string
}

// PublicOrg is what anyone may see of an org, with its counts.
type PublicOrg struct {
	Org
	FoundedOn          string // YYYY-MM-DD, "" when unknown
	DistrictCode       string
	ContactPhoneMasked string
	ParentName         string
	MemberCount        int64
	ProjectCount       int64 // past review
	ServiceSeconds     int64
	DistanceKm         float64 // 0 without a location
}

// SearchPublic lists active orgs below the root for anyone (V4), with the
// next page's token. Errors: invalid_argument (LOCATION_INVALID,
// LOCATION_REQUIRED, NAME_TOO_LONG, CATEGORY_INVALID, DISTRICT_INVALID,
// SORT_INVALID, PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (s *Service) SearchPublic(ctx context.Context, f PublicFilter) ([]PublicOrg, string, error) {
	if err := validatePublic(&f); err != nil {
		return nil, "", err
	}
	size := min(f.PageSize, publicPageMax)
	if size == 0 {
		size = publicPageDefault
	}
	pg, err := paging.Parse(size, f.PageToken)
	if err != nil {
		return nil, "", err
	}
	arg := publicParams(f.Location)
	arg.DistrictCode, arg.Category, arg.NameContains, arg.Sort = f.DistrictCode, f.Category, f.NameContains, string(f.Sort)
	arg.Off, arg.Lim = pg.Offset, pg.Fetch()
	rows, err := s.opt.Store.Q.SearchPublicOrgs(ctx, arg)
	if err != nil {
		return nil, "", fmt.Errorf("search orgs: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]PublicOrg, len(rows))
	for i, r := range rows {
		out[i] = publicFromRow(r)
	}
	return out, next, nil
}

// GetPublic returns an active org's public page, with its distance from loc
// when given. Errors: invalid_argument (LOCATION_INVALID), not_found
// (ORG_NOT_FOUND, also for orgs not active).
func (s *Service) GetPublic(ctx context.Context, id uuid.UUID, loc *catalog.Location) (PublicOrg, error) {
	if loc != nil && !validLatLng(loc.Lat, loc.Lng) {
		return PublicOrg{}, fault.InvalidField("location", "LOCATION_INVALID", "位置无效")
	}
	arg := publicParams(loc)
	arg.ID, arg.Sort, arg.Lim = uuid.NullUUID{UUID: id, Valid: true}, string(SortFoundedNewest), 1
	rows, err := s.opt.Store.Q.SearchPublicOrgs(ctx, arg)
	if err != nil {
		return PublicOrg{}, fmt.Errorf("get public org: %w", err)
	}
	if len(rows) == 0 {
		return PublicOrg{}, errNotPublic()
	}
	return publicFromRow(rows[0]), nil
}

// errNotPublic answers for an org that does not exist or is not active,
// without telling which.
func errNotPublic() error {
	return fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在或未公开")
}

func validatePublic(f *PublicFilter) error {
	if f.Location != nil && !validLatLng(f.Location.Lat, f.Location.Lng) {
		return fault.InvalidField("location", "LOCATION_INVALID", "位置无效")
	}
	switch f.Sort {
	case "":
		f.Sort = SortFoundedNewest
		if f.Location != nil {
			f.Sort = SortDistance
		}
	case SortDistance:
		if f.Location == nil {
			return fault.InvalidField("location", "LOCATION_REQUIRED", "按距离排序需要提供位置")
		}
	case SortFoundedNewest, SortFoundedOldest:
	default:
		return fault.InvalidField("sort", "SORT_INVALID", "排序方式无效")
	}
	if utf8.RuneCountInString(f.NameContains) > publicNameMax || !utf8.ValidString(f.NameContains) {
		return fault.InvalidField("name_contains", "NAME_TOO_LONG", fmt.Sprintf("搜索词不能超过 %d 个字", publicNameMax))
	}
	if f.Category != "" {
		cs, _, ok := catalog.NormalizeCategories([]string{f.Category})
		if !ok {
			return fault.InvalidField("category", "CATEGORY_INVALID", "服务类别无效："+f.Category)
		}
		f.Category = cs[0]
	}
	if f.DistrictCode != "" && !districtCode.MatchString(f.DistrictCode) {
		return fault.InvalidField("district_code", "DISTRICT_INVALID", "区县代码无效")
	}
	return nil
}

func validLatLng(lat, lng float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lng) && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

func publicParams(loc *catalog.Location) db.SearchPublicOrgsParams {
	var arg db.SearchPublicOrgsParams
	if loc != nil {
		arg.Lat, arg.Lng = pgtype.Float8{Float64: loc.Lat, Valid: true}, pgtype.Float8{Float64: loc.Lng, Valid: true}
	}
	return arg
}

func publicFromRow(r db.SearchPublicOrgsRow) PublicOrg {
	o := PublicOrg{
		Org: Org{
			ID: r.ID, Name: r.Name, Level: Level(r.Level), Status: StatusActive, Address: r.Address,
			ServiceCategories: r.ServiceCategories, Intro: r.Intro, ContactName: r.ContactName,
			LogoHash: r.LogoHash,
		},
		DistrictCode: r.DistrictCode, ContactPhoneMasked: r.ContactPhoneMasked, ParentName: r.ParentName,
		MemberCount: r.MemberCount, ProjectCount: r.ProjectCount, ServiceSeconds: r.ServiceSeconds,
		DistanceKm: math.Round(r.DistanceM) / 1000,
	}
	if r.Lat.Valid && r.Lng.Valid {
		o.Location = &catalog.Location{Lat: r.Lat.Float64, Lng: r.Lng.Float64}
	}
	if r.FoundedOn.Valid {
		o.FoundedOn = r.FoundedOn.Time.Format("2006-01-02")
	}
	return o
}
