package project_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/services/project"
)

// subOrg inserts an active org below parent (whose path is given) and
// returns its id.
func (f *fixture) subOrg(t *testing.T, parentPath []uuid.UUID, name string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	path := append(slices.Clone(parentPath), id)
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO org.org (id, parent_id, path, level, name, status)
		VALUES ($1, $2, $3, 'street', $4, 'active')`, id, parentPath[len(parentPath)-1], path, name); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) orgPath(t *testing.T, id uuid.UUID) []uuid.UUID {
	t.Helper()
	var path []uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT path FROM org.org WHERE id = $1`, id).Scan(&path); err != nil {
		t.Fatal(err)
	}
	return path
}

// projectOf inserts a project of org in status starting at start, titled
// title, with one position.
func (f *fixture) projectOf(t *testing.T, org uuid.UUID, title string, status project.Status, start time.Time) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.project (org_id, title, status, start_time, end_time)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, org, title, string(status), start, start.Add(3*time.Hour)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '引导员', 5)`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func titles(prs []project.Project) []string {
	out := make([]string, len(prs))
	for i, p := range prs {
		out[i] = p.Title
	}
	return out
}

func TestListOrgScope(t *testing.T) {
	f := newFixture(t)
	districtPath := f.orgPath(t, f.org)
	street := f.subOrg(t, districtPath, "测试街道志愿者服务中心")
	other := f.subOrg(t, districtPath[:1], "另一区志愿者协会")
	f.projectOf(t, street, "街道项目", project.StatusRecruiting, f.now.Add(24*time.Hour))
	leader := func(org uuid.UUID) *access.Principal {
		return &access.Principal{AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindOrgLeader, OrgID: org}
	}
	admin := func(org uuid.UUID) *access.Principal {
		return &access.Principal{AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindOrgAdmin, OrgID: org}
	}
	page, _ := paging.Parse(0, "")
	for _, tc := range []struct {
		name       string
		p          *access.Principal
		org        uuid.UUID
		wantReason string
	}{
		{"本组织负责人", leader(street), street, ""},
		{"本组织管理员", admin(street), street, ""},
		{"上级组织负责人", leader(f.org), street, ""},
		{"下级组织不能看上级", leader(street), f.org, "NOT_ORG_MEMBER"},
		{"其他组织", leader(other), street, "NOT_ORG_MEMBER"},
		{"志愿者账号", f.volunteer(t), street, "NOT_ORG_MEMBER"},
		{"组织不存在", leader(other), uuid.New(), "ORG_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prs, _, err := f.svc.ListOrg(t.Context(), tc.p, project.ListFilter{OrgID: tc.org, Page: page})
			if got := fault.ReasonOf(err); got != tc.wantReason {
				t.Fatalf("reason = %q (%v), want %q", got, err, tc.wantReason)
			}
			if tc.wantReason == "" && !slices.Equal(titles(prs), []string{"街道项目"}) {
				t.Errorf("projects = %v, want [街道项目]", titles(prs))
			}
		})
	}
}

func TestListOrgFiltersByEffectiveStatus(t *testing.T) {
	f := newFixture(t)
	p := &access.Principal{AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindOrgLeader, OrgID: f.org}
	h := time.Hour
	f.projectOf(t, f.org, "草稿", project.StatusDraft, f.now.Add(48*h))
	f.projectOf(t, f.org, "明天招募", project.StatusRecruiting, f.now.Add(24*h))
	soon := f.projectOf(t, f.org, "一小时后开始", project.StatusRecruiting, f.now.Add(h))
	f.projectOf(t, f.org, "已到点未写", project.StatusRecruiting, f.now.Add(-h))
	f.projectOf(t, f.org, "进行中", project.StatusRunning, f.now.Add(-2*h))
	f.projectOf(t, f.org, "已结项", project.StatusClosed, f.now.Add(-72*h))
	list := func(t *testing.T, sts ...project.Status) []string {
		t.Helper()
		page, _ := paging.Parse(0, "")
		prs, next, err := f.svc.ListOrg(t.Context(), p, project.ListFilter{OrgID: f.org, Statuses: sts, Page: page})
		if err != nil || next != "" {
			t.Fatalf("ListOrg(%v) = %v, next %q", sts, err, next)
		}
		for _, pr := range prs {
			if len(sts) > 0 && !slices.Contains(sts, pr.Status) {
				t.Errorf("%s listed as %s, not among %v", pr.Title, pr.Status, sts)
			}
			if len(pr.Positions) != 1 || pr.Positions[0].Name != "引导员" {
				t.Errorf("%s positions = %+v", pr.Title, pr.Positions)
			}
		}
		return titles(prs)
	}
	for _, tc := range []struct {
		name string
		sts  []project.Status
		want []string
	}{
		{"全部（开始时间倒序）", nil, []string{"草稿", "明天招募", "一小时后开始", "已到点未写", "进行中", "已结项"}},
		{"进行中：含按时钟到点的", []project.Status{project.StatusRunning}, []string{"已到点未写", "进行中"}},
		{"招募中：不含已到点的", []project.Status{project.StatusRecruiting}, []string{"明天招募", "一小时后开始"}},
		{"招募中或进行中", []project.Status{project.StatusRecruiting, project.StatusRunning}, []string{"明天招募", "一小时后开始", "已到点未写", "进行中"}},
		{"已结项", []project.Status{project.StatusClosed}, []string{"已结项"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(t, tc.sts...); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Two hours on, the project that started an hour ago is running too,
	// though its stored status still says recruiting.
	f.now = f.now.Add(2 * h)
	if got, want := list(t, project.StatusRunning), []string{"一小时后开始", "已到点未写", "进行中"}; !slices.Equal(got, want) {
		t.Errorf("after two hours: running = %v, want %v", got, want)
	}
	if st := f.stored(t, soon); st != project.StatusRecruiting {
		t.Errorf("stored status = %s; the list must not need AdvanceStatuses", st)
	}

	t.Run("状态无效", func(t *testing.T) {
		page, _ := paging.Parse(0, "")
		_, _, err := f.svc.ListOrg(t.Context(), p, project.ListFilter{OrgID: f.org, Statuses: []project.Status{"bogus"}, Page: page})
		if fault.ReasonOf(err) != "STATUS_INVALID" {
			t.Errorf("err = %v, want STATUS_INVALID", err)
		}
	})
	t.Run("分页", func(t *testing.T) {
		var got []string
		tok := ""
		for range 10 {
			page, err := paging.Parse(4, tok)
			if err != nil {
				t.Fatal(err)
			}
			prs, next, err := f.svc.ListOrg(t.Context(), p, project.ListFilter{OrgID: f.org, Page: page})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, titles(prs)...)
			if tok = next; tok == "" {
				break
			}
		}
		if len(got) != 6 {
			t.Errorf("paged through %v, want all 6 once", got)
		}
	})
}
