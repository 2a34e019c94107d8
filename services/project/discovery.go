package project

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/store/db"
)

// Discovery sorts.
const (
	SortDistance  DiscoverySort = "distance"
	SortStartTime DiscoverySort = "start_time"
	SortNewest    DiscoverySort = "newest"
)

// DiscoverySort orders Search's results; empty means SortDistance with a
// location, else SortStartTime.
type DiscoverySort string

// Limits of a search.
const (
	// SearchPageMax bounds a search page: discovery serves phones.
	SearchPageMax = 50
	// SearchPageDefault is a page when none is asked for.
	SearchPageDefault = 20
	// MaxDistanceKm bounds the distance filter: the service area is the
	// city, and a larger radius is no filter at all.
	MaxDistanceKm = 1000
	// searchTitleMax bounds the title text searched for, in characters.
	searchTitleMax = 50
)

var districtCodePattern = regexp.MustCompile(`^[0-9]{6}$`)

// SearchFilter selects and orders projects for discovery. The zero value
// is every open project, earliest start first.
type SearchFilter struct {
	// Location is the caller's position; nil: no distances.
	Location *catalog.Location
	// Categories keeps projects with any of them.
	Categories []string
	// DistrictCode keeps projects of that district.
	DistrictCode string
	// From and To keep projects overlapping [From, To); zero: unbounded.
	From, To time.Time
	// MaxDistanceKm keeps projects at most that far from Location; 0: no
	// limit.
	MaxDistanceKm float64
	// FreeOnly keeps projects with a position not yet full.
	FreeOnly bool
	// Title keeps projects whose title contains it.
	Title string
	// OrgID keeps the projects of that org; uuid.Nil: of any org.
	OrgID uuid.UUID
	Sort  DiscoverySort
	// Page: its Limit is capped at SearchPageMax; 0 asks for
	// SearchPageDefault.
	Page paging.Page
}

// Found is a project as discovery shows it: Project with its positions
// (their hired counts), OrgName set, and the distance from the search's
// location.
type Found struct {
	Project
	// DistrictCode is the district of the project's place.
	DistrictCode string
	// DistanceKm from the location searched from; negative without one or
	// when the project's location is unknown.
	DistanceKm float64
}

// Places returns the sum of the positions' quotas and of their hired
// counts.
func (f Found) Places() (total, filled int32) {
	for _, p := range f.Positions {
		total += p.Quota
		filled += p.Hired
	}
	return total, filled
}

// Search returns a page of projects open to join — approved (effective
// status recruiting or running) and not yet ended — matching f, and the
// next page's token ("" on the last). Anyone may search, signed in or not.
// Errors: invalid_argument (LOCATION_INVALID, LOCATION_REQUIRED,
// DISTANCE_INVALID, DATE_RANGE_INVALID, TITLE_TOO_LONG, CATEGORY_INVALID,
// DISTRICT_INVALID, SORT_INVALID).
func (s *Service) Search(ctx context.Context, f SearchFilter) ([]Found, string, error) {
	if err := validateSearch(&f); err != nil {
		return nil, "", err
	}
	now := s.opt.Now()
	radius := f.MaxDistanceKm * 1000
	var lat, lng float64
	if f.Location != nil {
		lat, lng = f.Location.Lat, f.Location.Lng
	}
	categories := f.Categories
	if categories == nil {
		categories = []string{}
	}
	type row struct {
		p        db.ProjectProject
		org      string
		distance float64
	}
	var rows []row
	switch {
	case f.Sort == SortDistance && f.MaxDistanceKm == 0:
		var rs []db.SearchProjectsNearestRow
		err := s.opt.Store.InTx(ctx, func(q *db.Queries) error {
			if err := q.PlanDiscovery(ctx); err != nil {
				return err
			}
			var err error
			rs, err = q.SearchProjectsNearest(ctx, db.SearchProjectsNearestParams{
				Lat: lat, Lng: lng, Now: now, Categories: categories, DistrictCode: f.DistrictCode,
				ByOrg: f.OrgID != uuid.Nil, OrgID: f.OrgID,
				HasFrom: !f.From.IsZero(), FromTime: f.From, HasTo: !f.To.IsZero(), ToTime: f.To,
				Title: f.Title, FreeOnly: f.FreeOnly, Off: f.Page.Offset, Lim: f.Page.Fetch(),
			})
			return err
		})
		if err != nil {
			return nil, "", fmt.Errorf("search nearest projects: %w", err)
		}
		for _, r := range rs {
			rows = append(rows, row{r.ProjectProject, r.OrgName, r.DistanceM})
		}
	case f.Sort == SortDistance:
		var rs []db.SearchProjectsNearestWithinRow
		err := s.opt.Store.InTx(ctx, func(q *db.Queries) error {
			if err := q.PlanDiscovery(ctx); err != nil {
				return err
			}
			var err error
			rs, err = q.SearchProjectsNearestWithin(ctx, db.SearchProjectsNearestWithinParams{
				Lat: lat, Lng: lng, Now: now, RadiusM: radius, Categories: categories, DistrictCode: f.DistrictCode,
				ByOrg: f.OrgID != uuid.Nil, OrgID: f.OrgID,
				HasFrom: !f.From.IsZero(), FromTime: f.From, HasTo: !f.To.IsZero(), ToTime: f.To,
				Title: f.Title, FreeOnly: f.FreeOnly, Off: f.Page.Offset, Lim: f.Page.Fetch(),
			})
			return err
		})
		if err != nil {
			return nil, "", fmt.Errorf("search projects within %v km: %w", f.MaxDistanceKm, err)
		}
		for _, r := range rs {
			rows = append(rows, row{r.ProjectProject, r.OrgName, r.DistanceM})
		}
	default:
		arg := db.SearchProjectsByStartParams{
			HasLoc: f.Location != nil, Within: f.MaxDistanceKm > 0, Lat: lat, Lng: lng, Now: now, RadiusM: radius,
			Categories: categories, DistrictCode: f.DistrictCode, ByOrg: f.OrgID != uuid.Nil, OrgID: f.OrgID,
			HasFrom: !f.From.IsZero(), FromTime: f.From, HasTo: !f.To.IsZero(), ToTime: f.To,
			Title: f.Title, FreeOnly: f.FreeOnly, Off: f.Page.Offset, Lim: f.Page.Fetch(),
		}
		if f.Sort == SortNewest {
			rs, err := s.opt.Store.Q.SearchProjectsNewest(ctx, db.SearchProjectsNewestParams(arg))
			if err != nil {
				return nil, "", fmt.Errorf("search newest projects: %w", err)
			}
			for _, r := range rs {
				rows = append(rows, row{r.ProjectProject, r.OrgName, r.DistanceM})
			}
			break
		}
		rs, err := s.opt.Store.Q.SearchProjectsByStart(ctx, arg)
		if err != nil {
			return nil, "", fmt.Errorf("search projects by start: %w", err)
		}
		for _, r := range rs {
			rows = append(rows, row{r.ProjectProject, r.OrgName, r.DistanceM})
		}
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]Found, len(rows))
	ids := make([]uuid.UUID, len(rows))
	at := make(map[uuid.UUID]int, len(rows))
	for i, r := range rows {
		pr := fromRow(r.p, now)
		pr.OrgName = r.org
		out[i] = Found{Project: pr, DistrictCode: r.p.DistrictCode, DistanceKm: -1}
		if r.distance >= 0 && pr.Location != nil {
			out[i].DistanceKm = r.distance / 1000
		}
		ids[i], at[r.p.ID] = r.p.ID, i
	}
	if len(ids) == 0 {
		return out, next, nil
	}
	// Not withPositions: its ListPositionsOfProjects counts hired sign-ups
	// by position alone, which no index leads with.
	positions, err := s.opt.Store.Q.ListPositionsOfFound(ctx, ids)
	if err != nil {
		return nil, "", fmt.Errorf("list positions: %w", err)
	}
	for _, r := range positions {
		pr := &out[at[r.ProjectID]]
		pr.Positions = append(pr.Positions, Position{
			ID: r.ID, Name: r.Name, Quota: r.Quota, SignInMethods: methods(r.SignInMethods), Skills: r.Skills, Hired: r.Hired,
		})
	}
	return out, next, nil
}

// validateSearch checks f and fills its defaults: the sort and the page
// size.
func validateSearch(f *SearchFilter) error {
	if f.Location != nil && !validLatLng(f.Location.Lat, f.Location.Lng) {
		return fault.InvalidField("location", "LOCATION_INVALID", "位置无效")
	}
	switch f.Sort {
	case "":
		f.Sort = SortStartTime
		if f.Location != nil {
			f.Sort = SortDistance
		}
	case SortDistance:
		if f.Location == nil {
			return fault.InvalidField("location", "LOCATION_REQUIRED", "按距离排序需要提供位置")
		}
	case SortStartTime, SortNewest:
	default:
		return fault.InvalidField("sort", "SORT_INVALID", "排序方式无效")
	}
	switch d := f.MaxDistanceKm; {
	case math.IsNaN(d) || d < 0 || d > MaxDistanceKm:
		return fault.InvalidField("max_distance_km", "DISTANCE_INVALID", fmt.Sprintf("距离须在 0 到 %d 公里之间", MaxDistanceKm))
	case d > 0 && f.Location == nil:
		return fault.InvalidField("location", "LOCATION_REQUIRED", "按距离筛选需要提供位置")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return fault.InvalidField("to", "DATE_RANGE_INVALID", "结束日期须晚于开始日期")
	}
	if utf8.RuneCountInString(f.Title) > searchTitleMax || !utf8.ValidString(f.Title) {
		return fault.InvalidField("title", "TITLE_TOO_LONG", fmt.Sprintf("搜索词不能超过 %d 个字", searchTitleMax))
	}
	if len(f.Categories) > 0 {
		cs, bad, ok := catalog.NormalizeCategories(f.Categories)
		if !ok {
			return fault.InvalidField("categories", "CATEGORY_INVALID", "服务类别无效："+bad)
		}
		f.Categories = cs
	}
	if f.DistrictCode != "" && !districtCodePattern.MatchString(f.DistrictCode) {
		return fault.InvalidField("district_code", "DISTRICT_INVALID", "区县代码无效")
	}
	switch {
	case f.Page.Limit <= 0:
		f.Page.Limit = SearchPageDefault
	case f.Page.Limit > SearchPageMax:
		f.Page.Limit = SearchPageMax
	}
	return nil
}

func validLatLng(lat, lng float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lng) && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

// GetPublic returns a project past review — effective status recruiting,
// running or closed — with its positions and org name, and its distance
// from loc when loc is given (else negative). Anyone may ask. Errors:
// invalid_argument (LOCATION_INVALID), not_found (PROJECT_NOT_FOUND, also
// for drafts, projects pending review, rejected and withdrawn ones).
func (s *Service) GetPublic(ctx context.Context, id uuid.UUID, loc *catalog.Location) (Found, error) {
	if loc != nil && !validLatLng(loc.Lat, loc.Lng) {
		return Found{}, fault.InvalidField("location", "LOCATION_INVALID", "位置无效")
	}
	pr, err := s.Get(ctx, id)
	if err != nil {
		return Found{}, err
	}
	switch pr.Status {
	case StatusRecruiting, StatusRunning, StatusClosed:
	default:
		return Found{}, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	place, err := s.opt.Store.Q.GetPublicProjectPlace(ctx, id)
	if err != nil {
		return Found{}, fmt.Errorf("load org name: %w", err)
	}
	pr.OrgName = place.OrgName
	f := Found{Project: pr, DistrictCode: place.DistrictCode, DistanceKm: -1}
	if loc != nil && pr.Location != nil {
		f.DistanceKm = DistanceKm(*loc, *pr.Location)
	}
	return f, nil
}

// earthRadiusM is earthdistance's earth(): the radius the database
// measures with, so that GetPublic's distances agree with Search's.
const earthRadiusM = 6378168

// DistanceKm is the great-circle distance between a and b in kilometres on
// the sphere earthdistance uses.
func DistanceKm(a, b catalog.Location) float64 {
	rad := math.Pi / 180
	φ1, φ2 := a.Lat*rad, b.Lat*rad
	dφ, dλ := (b.Lat-a.Lat)*rad, (b.Lng-a.Lng)*rad
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(h))) / 1000
}
