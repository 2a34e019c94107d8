package project_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/services/project"
)

// Known places and the distances between them.
var (
	xujiahui     = catalog.Location{Lat: 31.1946, Lng: 121.4370} // 徐家汇
	peoplesSq    = catalog.Location{Lat: 31.2304, Lng: 121.4737} // 人民广场, ≈5.3 km from 徐家汇
	lujiazui     = catalog.Location{Lat: 31.2397, Lng: 121.4998} // 陆家嘴, ≈7.8 km from 徐家汇
	jinshanBeach = catalog.Location{Lat: 30.7240, Lng: 121.3430} // 金山城市沙滩, ≈53.2 km
)

// place is a project to insert for discovery tests.
type place struct {
	title      string
	status     project.Status
	start, end time.Time
	created    time.Time
	loc        *catalog.Location
	district   string
	categories []string
	quota      int
	hired      int
}

// discoveryProject inserts p with one position and p.hired hired
// volunteers, returning the project's id.
func (f *fixture) discoveryProject(t *testing.T, p place) uuid.UUID {
	t.Helper()
	ctx := t.Context()
	var lat, lng *float64
	if p.loc != nil {
		lat, lng = &p.loc.Lat, &p.loc.Lng
	}
	if p.categories == nil {
		p.categories = []string{}
	}
	var id, pos uuid.UUID
	if err := f.st.Pool.QueryRow(ctx, `INSERT INTO project.project
		(org_id, title, status, start_time, end_time, created_at, lat, lng, district_code, service_categories, address)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '上海市') RETURNING id`,
		f.org, p.title, string(p.status), p.start, p.end, p.created, lat, lng, p.district, p.categories).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(ctx, `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '岗位', $2) RETURNING id`,
		id, p.quota).Scan(&pos); err != nil {
		t.Fatal(err)
	}
	for range p.hired {
		v := f.volunteer(t)
		if _, err := f.st.Pool.Exec(ctx, `INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status)
			SELECT $1, $2, id, 'hired' FROM volunteer.volunteer WHERE person_id = $3`, id, pos, v.PersonID); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// discoveryFixture holds four open projects, one without a location, and
// projects discovery must never show.
type discoveryFixture struct {
	*fixture
	ids map[string]uuid.UUID
}

func newDiscoveryFixture(t *testing.T) discoveryFixture {
	f := newFixture(t)
	now := f.now
	day := 24 * time.Hour
	df := discoveryFixture{fixture: f, ids: map[string]uuid.UUID{}}
	for _, p := range []place{
		{title: "徐家汇助老", status: project.StatusRecruiting, start: now.Add(day), end: now.Add(day + 3*time.Hour),
			created: now.Add(-4 * day), loc: &xujiahui, district: "310104", categories: []string{"助老助残"}, quota: 2},
		// Stored recruiting, started an hour ago: effectively running; full.
		{title: "人民广场文明交通", status: project.StatusRecruiting, start: now.Add(-time.Hour), end: now.Add(2 * time.Hour),
			created: now.Add(-3 * day), loc: &peoplesSq, district: "310101", categories: []string{"文明交通"}, quota: 1, hired: 1},
		{title: "陆家嘴环保行动", status: project.StatusRunning, start: now.Add(3 * day), end: now.Add(3*day + 2*time.Hour),
			created: now.Add(-2 * day), loc: &lujiazui, district: "310115", categories: []string{"环境保护", "社区服务"}, quota: 3, hired: 1},
		{title: "金山海滩清洁", status: project.StatusRecruiting, start: now.Add(4 * day), end: now.Add(4*day + 2*time.Hour),
			created: now.Add(-day), loc: &jinshanBeach, district: "310116", categories: []string{"环境保护"}, quota: 10},
		{title: "线上文化课堂", status: project.StatusRecruiting, start: now.Add(5 * day), end: now.Add(5*day + time.Hour),
			created: now.Add(-time.Hour), district: "310104", categories: []string{"文化教育"}, quota: 5},
		// Never shown.
		{title: "草稿项目", status: project.StatusDraft, start: now.Add(day), end: now.Add(2 * day), created: now, loc: &xujiahui, quota: 1},
		{title: "待审项目", status: project.StatusPendingReview, start: now.Add(day), end: now.Add(2 * day), created: now, loc: &xujiahui, quota: 1},
		{title: "驳回项目", status: project.StatusRejected, start: now.Add(day), end: now.Add(2 * day), created: now, loc: &xujiahui, quota: 1},
		{title: "撤回项目", status: project.StatusWithdrawn, start: now.Add(day), end: now.Add(2 * day), created: now, loc: &xujiahui, quota: 1},
		{title: "已结项目", status: project.StatusClosed, start: now.Add(-2 * day), end: now.Add(-day), created: now, loc: &xujiahui, quota: 1},
		// Running but already over (not yet closed by its org).
		{title: "已过时项目", status: project.StatusRunning, start: now.Add(-5 * time.Hour), end: now.Add(-time.Hour), created: now, loc: &xujiahui, quota: 1},
	} {
		df.ids[p.title] = f.discoveryProject(t, p)
	}
	return df
}

func foundTitles(fs []project.Found) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Title
	}
	return out
}

func TestSearchFiltersAndSorts(t *testing.T) {
	f := newDiscoveryFixture(t)
	now := f.now
	day := 24 * time.Hour
	here := &xujiahui
	other := uuid.New() // an org with no projects
	for _, tc := range []struct {
		name string
		f    project.SearchFilter
		want []string
	}{
		{"默认按开始时间", project.SearchFilter{},
			[]string{"人民广场文明交通", "徐家汇助老", "陆家嘴环保行动", "金山海滩清洁", "线上文化课堂"}},
		{"有位置默认按距离（无位置的项目不在其中）", project.SearchFilter{Location: here},
			[]string{"徐家汇助老", "人民广场文明交通", "陆家嘴环保行动", "金山海滩清洁"}},
		{"从陆家嘴按距离", project.SearchFilter{Location: &lujiazui, Sort: project.SortDistance},
			[]string{"陆家嘴环保行动", "人民广场文明交通", "徐家汇助老", "金山海滩清洁"}},
		{"6公里内", project.SearchFilter{Location: here, MaxDistanceKm: 6},
			[]string{"徐家汇助老", "人民广场文明交通"}},
		{"5公里内不含人民广场", project.SearchFilter{Location: here, MaxDistanceKm: 5},
			[]string{"徐家汇助老"}},
		{"10公里内按开始时间", project.SearchFilter{Location: here, MaxDistanceKm: 10, Sort: project.SortStartTime},
			[]string{"人民广场文明交通", "徐家汇助老", "陆家嘴环保行动"}},
		{"有空位", project.SearchFilter{Location: here, FreeOnly: true},
			[]string{"徐家汇助老", "陆家嘴环保行动", "金山海滩清洁"}},
		{"类别", project.SearchFilter{Categories: []string{"环境保护"}},
			[]string{"陆家嘴环保行动", "金山海滩清洁"}},
		{"多个类别任一", project.SearchFilter{Categories: []string{"文明交通", "文化教育"}},
			[]string{"人民广场文明交通", "线上文化课堂"}},
		{"区县", project.SearchFilter{DistrictCode: "310104"},
			[]string{"徐家汇助老", "线上文化课堂"}},
		{"某一天", project.SearchFilter{From: now.Add(day).Truncate(day), To: now.Add(2 * day).Truncate(day)},
			[]string{"徐家汇助老"}},
		{"今天（进行中的也算）", project.SearchFilter{From: now.Truncate(day), To: now.Add(day).Truncate(day)},
			[]string{"人民广场文明交通"}},
		{"只给开始日期", project.SearchFilter{From: now.Add(3 * day)},
			[]string{"陆家嘴环保行动", "金山海滩清洁", "线上文化课堂"}},
		{"标题", project.SearchFilter{Title: "环保"}, []string{"陆家嘴环保行动"}},
		{"最新", project.SearchFilter{Sort: project.SortNewest},
			[]string{"线上文化课堂", "金山海滩清洁", "陆家嘴环保行动", "人民广场文明交通", "徐家汇助老"}},
		{"组合筛选", project.SearchFilter{Location: here, MaxDistanceKm: 100, Categories: []string{"环境保护"}, FreeOnly: true, Title: "海滩"},
			[]string{"金山海滩清洁"}},
		{"无结果", project.SearchFilter{DistrictCode: "310120"}, []string{}},
		{"本组织", project.SearchFilter{OrgID: f.org},
			[]string{"人民广场文明交通", "徐家汇助老", "陆家嘴环保行动", "金山海滩清洁", "线上文化课堂"}},
		{"本组织6公里内", project.SearchFilter{Location: here, MaxDistanceKm: 6, OrgID: f.org},
			[]string{"徐家汇助老", "人民广场文明交通"}},
		{"其他组织按距离", project.SearchFilter{Location: here, OrgID: other}, []string{}},
		{"其他组织6公里内", project.SearchFilter{Location: here, MaxDistanceKm: 6, OrgID: other}, []string{}},
		{"其他组织最新", project.SearchFilter{Sort: project.SortNewest, OrgID: other}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := f.svc.Search(t.Context(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(foundTitles(got), tc.want) {
				t.Errorf("got %v, want %v", foundTitles(got), tc.want)
			}
			if next != "" {
				t.Errorf("next = %q on a single page", next)
			}
		})
	}
}

func TestSearchDistancesAndPlaces(t *testing.T) {
	f := newDiscoveryFixture(t)
	got, _, err := f.svc.Search(t.Context(), project.SearchFilter{Location: &xujiahui, Sort: project.SortStartTime})
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]project.Found{}
	for _, g := range got {
		byTitle[g.Title] = g
	}
	for _, tc := range []struct {
		title         string
		wantKm        float64
		total, filled int32
		status        project.Status
		org, district string
	}{
		{"徐家汇助老", 0, 2, 0, project.StatusRecruiting, "测试区志愿者协会", "310104"},
		{"人民广场文明交通", 5.3, 1, 1, project.StatusRunning, "测试区志愿者协会", "310101"},
		{"陆家嘴环保行动", 7.8, 3, 1, project.StatusRunning, "测试区志愿者协会", "310115"},
		{"金山海滩清洁", 53.2, 10, 0, project.StatusRecruiting, "测试区志愿者协会", "310116"},
		{"线上文化课堂", -1, 5, 0, project.StatusRecruiting, "测试区志愿者协会", "310104"},
	} {
		g, ok := byTitle[tc.title]
		if !ok {
			t.Errorf("%s missing", tc.title)
			continue
		}
		if math.Abs(g.DistanceKm-tc.wantKm) > 0.2 {
			t.Errorf("%s: distance %.3f km, want ≈%.1f", tc.title, g.DistanceKm, tc.wantKm)
		}
		if g.Location != nil && math.Abs(g.DistanceKm-project.DistanceKm(xujiahui, *g.Location)) > 0.001 {
			t.Errorf("%s: database says %.4f km, DistanceKm %.4f", tc.title, g.DistanceKm, project.DistanceKm(xujiahui, *g.Location))
		}
		if total, filled := g.Places(); total != tc.total || filled != tc.filled {
			t.Errorf("%s: places %d/%d, want %d/%d", tc.title, filled, total, tc.filled, tc.total)
		}
		if g.Status != tc.status || g.OrgName != tc.org || g.DistrictCode != tc.district {
			t.Errorf("%s: status %s org %q district %q, want %s %q %q", tc.title, g.Status, g.OrgName, g.DistrictCode, tc.status, tc.org, tc.district)
		}
	}
}

func TestSearchPages(t *testing.T) {
	f := newDiscoveryFixture(t)
	for _, sort := range []project.DiscoverySort{project.SortDistance, project.SortStartTime, project.SortNewest} {
		t.Run(string(sort), func(t *testing.T) {
			all, _, err := f.svc.Search(t.Context(), project.SearchFilter{Location: &xujiahui, Sort: sort})
			if err != nil {
				t.Fatal(err)
			}
			var paged []string
			tok := ""
			for range 10 {
				page, err := paging.Parse(2, tok)
				if err != nil {
					t.Fatal(err)
				}
				got, next, err := f.svc.Search(t.Context(), project.SearchFilter{Location: &xujiahui, Sort: sort, Page: page})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) > 2 {
					t.Fatalf("page of %d", len(got))
				}
				paged = append(paged, foundTitles(got)...)
				if tok = next; tok == "" {
					break
				}
			}
			if !slices.Equal(paged, foundTitles(all)) || len(paged) < 4 {
				t.Errorf("pages %v, whole %v", paged, foundTitles(all))
			}
		})
	}
	// A page is at most SearchPageMax.
	for i := range 55 {
		f.discoveryProject(t, place{title: "批量项目" + string(rune('A'+i%26)), status: project.StatusRecruiting,
			start: f.now.Add(time.Hour), end: f.now.Add(2 * time.Hour), created: f.now, loc: &xujiahui, quota: 1})
	}
	got, next, err := f.svc.Search(t.Context(), project.SearchFilter{Page: paging.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != project.SearchPageMax || next == "" {
		t.Errorf("got %d with next %q, want %d and a next page", len(got), next, project.SearchPageMax)
	}
}

func TestSearchRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	now := f.now
	for _, tc := range []struct {
		name, reason string
		f            project.SearchFilter
	}{
		{"纬度越界", "LOCATION_INVALID", project.SearchFilter{Location: &catalog.Location{Lat: 91, Lng: 121}}},
		{"经度非数", "LOCATION_INVALID", project.SearchFilter{Location: &catalog.Location{Lat: 31, Lng: math.NaN()}}},
		{"按距离却无位置", "LOCATION_REQUIRED", project.SearchFilter{Sort: project.SortDistance}},
		{"距离上限却无位置", "LOCATION_REQUIRED", project.SearchFilter{MaxDistanceKm: 5}},
		{"负距离", "DISTANCE_INVALID", project.SearchFilter{Location: &xujiahui, MaxDistanceKm: -1}},
		{"距离过大", "DISTANCE_INVALID", project.SearchFilter{Location: &xujiahui, MaxDistanceKm: 5000}},
		{"日期倒置", "DATE_RANGE_INVALID", project.SearchFilter{From: now, To: now.Add(-time.Hour)}},
		{"标题过长", "TITLE_TOO_LONG", project.SearchFilter{Title: strings.Repeat("长", 51)}},
		{"未知类别", "CATEGORY_INVALID", project.SearchFilter{Categories: []string{"打游戏"}}},
		{"区县代码", "DISTRICT_INVALID", project.SearchFilter{DistrictCode: "徐汇"}},
		{"排序", "SORT_INVALID", project.SearchFilter{Sort: "price"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.svc.Search(t.Context(), tc.f)
			if fault.KindOf(err) != fault.Invalid || fault.ReasonOf(err) != tc.reason {
				t.Errorf("err = %v, want invalid %s", err, tc.reason)
			}
		})
	}
}

func TestGetPublic(t *testing.T) {
	f := newDiscoveryFixture(t)
	for _, tc := range []struct {
		title string
		found bool
	}{
		{"徐家汇助老", true},
		{"人民广场文明交通", true},
		{"已结项目", true},
		{"草稿项目", false},
		{"待审项目", false},
		{"驳回项目", false},
		{"撤回项目", false},
	} {
		t.Run(tc.title, func(t *testing.T) {
			got, err := f.svc.GetPublic(t.Context(), f.ids[tc.title], &xujiahui)
			if !tc.found {
				if fault.KindOf(err) != fault.NotFound || fault.ReasonOf(err) != "PROJECT_NOT_FOUND" {
					t.Errorf("err = %v, want not_found PROJECT_NOT_FOUND", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != tc.title || got.OrgName != "测试区志愿者协会" || len(got.Positions) != 1 || got.Location == nil {
				t.Errorf("got %+v", got)
			}
		})
	}
	got, err := f.svc.GetPublic(t.Context(), f.ids["人民广场文明交通"], &xujiahui)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.DistanceKm-5.3) > 0.2 || got.DistrictCode != "310101" {
		t.Errorf("distance %.3f district %q", got.DistanceKm, got.DistrictCode)
	}
	if got, _ := f.svc.GetPublic(t.Context(), f.ids["徐家汇助老"], nil); got.DistanceKm >= 0 {
		t.Errorf("distance without a location: %v", got.DistanceKm)
	}
	if _, err := f.svc.GetPublic(t.Context(), uuid.New(), nil); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := f.svc.GetPublic(t.Context(), f.ids["徐家汇助老"], &catalog.Location{Lat: 100}); fault.ReasonOf(err) != "LOCATION_INVALID" {
		t.Errorf("bad location: %v", err)
	}
}
