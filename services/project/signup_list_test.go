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

func TestListSignUps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	street := f.subOrg(t, f.orgPath(t, f.org), "某街道")
	sibling := f.subOrg(t, f.orgPath(t, f.org), "另一街道")
	pr := f.projectOf(t, street, "报名项目", project.StatusRecruiting, f.now.Add(48*time.Hour))
	var pos1, pos2 uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT id FROM project.position WHERE project_id = $1`, pr).Scan(&pos1); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.position (project_id, name, quota, sort) VALUES ($1, '后勤', 5, 1) RETURNING id`, pr).Scan(&pos2); err != nil {
		t.Fatal(err)
	}
	vs := make([]*access.Principal, 5)
	ids := make([]uuid.UUID, 5)
	for i := range vs {
		vs[i] = f.volunteer(t)
		ids[i] = f.volunteerID(t, vs[i])
	}
	if _, err := f.st.Pool.Exec(t.Context(), `UPDATE volunteer.volunteer SET service_categories = '{文明交通}' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	f.signUp(t, pr, pos1, ids[0], project.SignUpPending)
	f.signUp(t, pr, pos1, ids[1], project.SignUpHired)
	f.signUp(t, pr, pos2, ids[2], project.SignUpPending)
	f.signUp(t, pr, pos2, ids[3], project.SignUpRejected)
	f.signUp(t, pr, pos1, ids[4], project.SignUpCancelled)

	vols := func(es []project.SignUpEntry) []uuid.UUID {
		out := make([]uuid.UUID, len(es))
		for i, e := range es {
			out[i] = e.VolunteerID
		}
		return out
	}
	page := paging.Page{Limit: 50}
	for _, tc := range []struct {
		name       string
		caller     *access.Principal
		filter     project.SignUpFilter
		want       []uuid.UUID
		wantReason string
	}{
		{"全部", f.leaderOf(t, street), project.SignUpFilter{}, ids, ""},
		{"待审核", f.leaderOf(t, street), project.SignUpFilter{Statuses: []project.SignUpStatus{project.SignUpPending}}, []uuid.UUID{ids[0], ids[2]}, ""},
		{"已录用与已拒绝", f.leaderOf(t, street), project.SignUpFilter{Statuses: []project.SignUpStatus{project.SignUpHired, project.SignUpRejected}}, []uuid.UUID{ids[1], ids[3]}, ""},
		{"按岗位", f.leaderOf(t, street), project.SignUpFilter{PositionID: pos2}, []uuid.UUID{ids[2], ids[3]}, ""},
		{"上级组织可看", f.leaderOf(t, f.org), project.SignUpFilter{Statuses: []project.SignUpStatus{project.SignUpCancelled}}, []uuid.UUID{ids[4]}, ""},
		{"平级组织不可看", f.leaderOf(t, sibling), project.SignUpFilter{}, nil, "NOT_ORG_MEMBER"},
		{"志愿者不可看", vs[0], project.SignUpFilter{}, nil, "NOT_ORG_MEMBER"},
		{"状态无效", f.leaderOf(t, street), project.SignUpFilter{Statuses: []project.SignUpStatus{"gone"}}, nil, "STATUS_INVALID"},
		{"岗位不属于项目", f.leaderOf(t, street), project.SignUpFilter{PositionID: uuid.New()}, nil, "POSITION_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.filter.ProjectID, tc.filter.Page = pr, page
			got, _, err := f.svc.ListSignUps(t.Context(), tc.caller, tc.filter)
			if fault.ReasonOf(err) != tc.wantReason {
				t.Fatalf("ListSignUps = %v, want reason %q", err, tc.wantReason)
			}
			if err == nil && !slices.Equal(vols(got), tc.want) {
				t.Errorf("volunteers = %v, want %v", vols(got), tc.want)
			}
		})
	}
	t.Run("字段与分页", func(t *testing.T) {
		got, next, err := f.svc.ListSignUps(t.Context(), f.leaderOf(t, street), project.SignUpFilter{ProjectID: pr, Page: paging.Page{Limit: 2}})
		if err != nil || len(got) != 2 || next == "" {
			t.Fatalf("first page = %v, %q, %v", got, next, err)
		}
		e := got[0]
		if e.VolunteerNameMasked != "测*" || e.VolunteerNo == "" || e.PositionName != "引导员" || !slices.Equal(e.ServiceCategories, []string{"文明交通"}) || e.Status != project.SignUpPending {
			t.Errorf("entry = %+v", e)
		}
	})
	t.Run("我的报名", func(t *testing.T) {
		got, _, err := f.svc.ListMySignUps(t.Context(), vs[2], nil, page)
		if err != nil || len(got) != 1 || got[0].ProjectTitle != "报名项目" || got[0].PositionName != "后勤" || got[0].OrgName != "某街道" ||
			got[0].ProjectStatus != project.StatusRecruiting {
			t.Errorf("ListMySignUps = %+v, %v", got, err)
		}
		none, _, err := f.svc.ListMySignUps(t.Context(), vs[2], []project.SignUpStatus{project.SignUpHired}, page)
		if err != nil || len(none) != 0 {
			t.Errorf("hired only = %+v, %v", none, err)
		}
		if _, _, err := f.svc.ListMySignUps(t.Context(), f.leaderOf(t, street), nil, page); fault.ReasonOf(err) != "NOT_A_VOLUNTEER" {
			t.Errorf("leader ListMySignUps = %v, want NOT_A_VOLUNTEER", err)
		}
	})
}

func TestListScopeAndTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	district := f.org
	street := f.subOrg(t, f.orgPath(t, district), "某街道")
	own := f.projectOf(t, district, "区级项目", project.StatusPendingReview, f.now.Add(24*time.Hour))
	child := f.projectOf(t, street, "街道项目", project.StatusPendingReview, f.now.Add(48*time.Hour))
	closed := f.projectOf(t, street, "街道已结项目", project.StatusClosed, f.now.Add(-48*time.Hour))
	page := paging.Page{Limit: 50}

	for _, tc := range []struct {
		name   string
		caller *access.Principal
		filter project.ScopeFilter
		want   []string
	}{
		{"区级看到本级和下级", f.leaderOf(t, district), project.ScopeFilter{}, []string{"街道项目", "区级项目", "街道已结项目"}},
		{"待审核", f.leaderOf(t, district), project.ScopeFilter{Statuses: []project.Status{project.StatusPendingReview}}, []string{"街道项目", "区级项目"}},
		{"按下级组织", f.leaderOf(t, district), project.ScopeFilter{OrgID: street}, []string{"街道项目", "街道已结项目"}},
		{"只看下级", f.leaderOf(t, district), project.ScopeFilter{OrgID: district, Below: true}, []string{"街道项目", "街道已结项目"}},
		{"按标题", f.leaderOf(t, district), project.ScopeFilter{TitleContains: "已结"}, []string{"街道已结项目"}},
		{"街道看不到上级的项目", f.leaderOf(t, street), project.ScopeFilter{}, []string{"街道项目", "街道已结项目"}},
		{"街道按上级组织筛也看不到", f.leaderOf(t, street), project.ScopeFilter{OrgID: district}, []string{"街道项目", "街道已结项目"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.filter.Page = page
			got, _, err := f.svc.ListScope(t.Context(), tc.caller, tc.filter)
			if err != nil || !slices.Equal(titles(got), tc.want) {
				t.Errorf("ListScope = %v, %v; want %v", titles(got), err, tc.want)
			}
		})
	}
	if _, _, err := f.svc.ListScope(t.Context(), f.volunteer(t), project.ScopeFilter{Page: page}); fault.ReasonOf(err) != "NO_ORG_SCOPE" {
		t.Errorf("volunteer ListScope = %v, want NO_ORG_SCOPE", err)
	}
	if _, _, err := f.svc.ListScope(t.Context(), f.leaderOf(t, district), project.ScopeFilter{Statuses: []project.Status{"x"}, Page: page}); fault.ReasonOf(err) != "STATUS_INVALID" {
		t.Errorf("bad status = %v, want STATUS_INVALID", err)
	}

	t.Run("标签", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			caller     *access.Principal
			project    uuid.UUID
			change     project.TagChange
			wantReason string
		}{
			{"本组织设标签", f.leaderOf(t, street), child, project.TagChange{Tags: []string{"垃圾分类", " 周末 "}}, ""},
			{"上级组织设标签与服务类别", f.leaderOf(t, district), closed, project.TagChange{Tags: []string{"优秀项目"}, SetServiceCategories: true, ServiceCategories: []string{"环境保护"}}, ""},
			{"下级不能给上级设", f.leaderOf(t, street), own, project.TagChange{Tags: []string{"x"}}, "NOT_ORG_MEMBER"},
			{"服务类别无效", f.leaderOf(t, street), child, project.TagChange{SetServiceCategories: true, ServiceCategories: []string{"不存在"}}, "SERVICE_CATEGORY_INVALID"},
			{"项目不存在", f.leaderOf(t, street), uuid.New(), project.TagChange{}, "PROJECT_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				pr, err := f.svc.SetTags(t.Context(), tc.caller, tc.project, tc.change)
				if fault.ReasonOf(err) != tc.wantReason {
					t.Fatalf("SetTags = %v, want reason %q", err, tc.wantReason)
				}
				if err == nil && (len(pr.Tags) != len(tc.change.Tags) || pr.OrgName == "") {
					t.Errorf("tagged project = %+v", pr)
				}
			})
		}
		got, _, err := f.svc.ListScope(t.Context(), f.leaderOf(t, district), project.ScopeFilter{Tag: "周末", Page: page})
		if err != nil || !slices.Equal(titles(got), []string{"街道项目"}) || got[0].OrgName != "某街道" {
			t.Errorf("by tag = %v, %v", titles(got), err)
		}
		pr, err := f.svc.Get(t.Context(), closed)
		if err != nil || !slices.Equal(pr.ServiceCategories, []string{"环境保护"}) || !slices.Equal(pr.Tags, []string{"优秀项目"}) {
			t.Errorf("closed project = %v %v, %v", pr.ServiceCategories, pr.Tags, err)
		}
	})
}
