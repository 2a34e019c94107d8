package main

import (
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/store/demo"
)

// TestRecruitLists drives, on the demo data, the recruitment window of
// SignUp, the org's sign-up lists (ListSignUps), the volunteer's own
// (ListMySignUps), the scope-wide project list (ListProjects), project tags
// and the back office's code links, each with who may and who may not.
func TestRecruitLists(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	ids := newCitizens(4711)
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	chen := s.demoCitizen(t, demo.RoleLeader)
	district := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	sibling := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianpinglu)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	admin := s.staff(t, "admin")

	start := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	approved := func(t *testing.T, req *projectv1.CreateProjectRequest) *projectv1.Project {
		t.Helper()
		pr := wang.createProject(t, req)
		wang.submit(t, pr.Id)
		return district.reviewProject(t, pr.Id, true, "")
	}

	t.Run("招募时间窗", func(t *testing.T) {
		req := projectRequest(xujiahui, start, 5)
		req.RecruitStart = timestamppb.New(time.Now().Add(time.Hour).Truncate(time.Second))
		req.RecruitEnd = timestamppb.New(start)
		req.Tags = []string{"周末"}
		later := approved(t, req)
		if later.Stage != projectv1.ProjectStage_PROJECT_STAGE_TO_RECRUIT || !later.RecruitStart.AsTime().Equal(req.RecruitStart.AsTime()) ||
			!slices.Equal(later.Tags, []string{"周末"}) {
			t.Errorf("approved project = stage %v, recruit %v, tags %v", later.Stage, later.RecruitStart, later.Tags)
		}
		v := s.citizen(t, ids.next(), "周晓")
		v.register(t)
		_, err := v.signUp(t.Context(), later.Id, later.Positions[0].Id)
		checkErr(t, "SignUp before the window", err, connect.CodeFailedPrecondition, "RECRUIT_NOT_STARTED")

		bad := projectRequest(xujiahui, start, 5)
		bad.RecruitEnd = timestamppb.New(start.Add(4 * time.Hour))
		_, err = wang.project.CreateProject(t.Context(), connect.NewRequest(bad))
		checkErr(t, "CreateProject with recruit_end after end_time", err, connect.CodeInvalidArgument, "RECRUIT_END_AFTER_END")
	})

	open := approved(t, projectRequest(xujiahui, start, 3, 2))
	posA, posB := open.Positions[0].Id, open.Positions[1].Id
	vols := make([]golden, 4)
	volIDs := make([]string, len(vols))
	signUps := make([]string, len(vols))
	for i := range vols {
		vols[i] = s.citizen(t, ids.next(), "报名者")
		volIDs[i] = vols[i].register(t).Id
		pos := posA
		if i == 3 {
			pos = posB
		}
		su, err := vols[i].signUp(t.Context(), open.Id, pos)
		checkErr(t, "SignUp", err, 0, "")
		signUps[i] = su.Id
	}
	if _, err := wang.reviewSignUp(t.Context(), signUps[1], true); err != nil {
		t.Fatal(err)
	}
	if _, err := wang.reviewSignUp(t.Context(), signUps[2], false); err != nil {
		t.Fatal(err)
	}

	t.Run("ListSignUps", func(t *testing.T) {
		pending := []projectv1.SignUpStatus{projectv1.SignUpStatus_SIGN_UP_STATUS_PENDING}
		for _, tc := range []struct {
			name       string
			caller     golden
			req        *projectv1.ListSignUpsRequest
			want       []string
			code       connect.Code
			wantReason string
		}{
			{"本组织全部", wang, &projectv1.ListSignUpsRequest{ProjectId: open.Id}, volIDs, 0, ""},
			{"待审核", wang, &projectv1.ListSignUpsRequest{ProjectId: open.Id, Statuses: pending}, []string{volIDs[0], volIDs[3]}, 0, ""},
			{"待审核且按岗位", wang, &projectv1.ListSignUpsRequest{ProjectId: open.Id, Statuses: pending, PositionId: posB}, []string{volIDs[3]}, 0, ""},
			{"已录用", wang, &projectv1.ListSignUpsRequest{ProjectId: open.Id, Statuses: []projectv1.SignUpStatus{projectv1.SignUpStatus_SIGN_UP_STATUS_HIRED}}, []string{volIDs[1]}, 0, ""},
			{"上级组织", district, &projectv1.ListSignUpsRequest{ProjectId: open.Id}, volIDs, 0, ""},
			{"后台管理员", admin, &projectv1.ListSignUpsRequest{ProjectId: open.Id}, volIDs, 0, ""},
			{"同级组织管理员不能看", sibling, &projectv1.ListSignUpsRequest{ProjectId: open.Id}, nil, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", vols[0], &projectv1.ListSignUpsRequest{ProjectId: open.Id}, nil, connect.CodePermissionDenied, ""},
			{"状态无效", wang, &projectv1.ListSignUpsRequest{ProjectId: open.Id, Statuses: []projectv1.SignUpStatus{0}}, nil, connect.CodeInvalidArgument, "STATUS_INVALID"},
			{"项目编号无效", wang, &projectv1.ListSignUpsRequest{ProjectId: "x"}, nil, connect.CodeInvalidArgument, "ID_INVALID"},
			{"项目不存在", wang, &projectv1.ListSignUpsRequest{ProjectId: uuid.NewString()}, nil, connect.CodeNotFound, "PROJECT_NOT_FOUND"},
			{"分页标记无效", wang, &projectv1.ListSignUpsRequest{ProjectId: open.Id, PageToken: "!"}, nil, connect.CodeInvalidArgument, "PAGE_TOKEN_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.caller.project.ListSignUps(t.Context(), connect.NewRequest(tc.req))
				if tc.code == connect.CodePermissionDenied && tc.wantReason == "" {
					if connect.CodeOf(err) != connect.CodePermissionDenied {
						t.Fatalf("ListSignUps = %v, want permission_denied", err)
					}
					return
				}
				checkErr(t, "ListSignUps", err, tc.code, tc.wantReason)
				if err != nil {
					return
				}
				var got []string
				for _, e := range res.Msg.SignUps {
					got = append(got, e.SignUp.VolunteerId)
					if e.VolunteerNameMasked != "报**" || e.VolunteerNo == "" || e.PositionName == "" || !slices.Equal(e.ServiceCategories, []string{"社区服务"}) {
						t.Errorf("entry = %v", e)
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("volunteers = %v, want %v", got, tc.want)
				}
			})
		}
	})

	t.Run("ListMySignUps", func(t *testing.T) {
		res, err := vols[1].project.ListMySignUps(t.Context(), connect.NewRequest(&projectv1.ListMySignUpsRequest{}))
		checkErr(t, "ListMySignUps", err, 0, "")
		if got := res.Msg.SignUps; len(got) != 1 || got[0].SignUp.Id != signUps[1] || got[0].SignUp.Status != projectv1.SignUpStatus_SIGN_UP_STATUS_HIRED ||
			got[0].ProjectTitle != open.Title || got[0].OrgName != demo.OrgXujiahui || got[0].ProjectStatus != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING {
			t.Errorf("ListMySignUps = %v", got)
		}
		_, err = wang.project.ListMySignUps(t.Context(), connect.NewRequest(&projectv1.ListMySignUpsRequest{}))
		if connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("org leader ListMySignUps = %v, want permission_denied", err)
		}
	})

	t.Run("ListProjects与标签", func(t *testing.T) {
		pending := wang.createProject(t, projectRequest(xujiahui, start, 1))
		wang.submit(t, pending.Id)
		list := func(g golden, req *projectv1.ListProjectsRequest) ([]*projectv1.Project, error) {
			res, err := g.project.ListProjects(t.Context(), connect.NewRequest(req))
			if err != nil {
				return nil, err
			}
			return res.Msg.Projects, nil
		}
		has := func(prs []*projectv1.Project, id string) bool {
			return slices.ContainsFunc(prs, func(p *projectv1.Project) bool { return p.Id == id })
		}
		review := &projectv1.ListProjectsRequest{Statuses: []projectv1.ProjectStatus{projectv1.ProjectStatus_PROJECT_STATUS_PENDING_REVIEW}, PageSize: 200}
		prs, err := list(admin, review)
		checkErr(t, "staff ListProjects", err, 0, "")
		if !has(prs, pending.Id) || has(prs, open.Id) {
			t.Errorf("staff review queue lacks the pending project or holds an approved one")
		}
		for _, p := range prs {
			if p.Id == pending.Id && (p.OrgName != demo.OrgXujiahui || len(p.Positions) != 1 || p.Positions[0].Quota != 1) {
				t.Errorf("listed project = %v", p)
			}
		}
		if prs, err = list(district, review); err != nil || !has(prs, pending.Id) {
			t.Errorf("district review queue = %d projects, %v; want the street's pending one", len(prs), err)
		}
		if prs, err = list(sibling, &projectv1.ListProjectsRequest{OrgId: xujiahui}); err != nil || len(prs) != 0 {
			t.Errorf("sibling org listing 徐家汇 = %d projects, %v; want none", len(prs), err)
		}
		_, err = list(vols[0], &projectv1.ListProjectsRequest{})
		if connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("volunteer ListProjects = %v, want permission_denied", err)
		}

		setTags := func(g golden, tags ...string) error {
			_, err := g.project.SetProjectTags(t.Context(), connect.NewRequest(&projectv1.SetProjectTagsRequest{ProjectId: open.Id, Tags: tags}))
			return err
		}
		checkErr(t, "own org sets tags", setTags(wang, "垃圾分类"), 0, "")
		checkErr(t, "staff sets tags", setTags(admin, "垃圾分类", "示范项目"), 0, "")
		checkErr(t, "sibling sets tags", setTags(sibling, "越权"), connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		checkErr(t, "too many tags", setTags(wang, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), connect.CodeInvalidArgument, "TOO_MANY_TAGS")
		prs, err = list(admin, &projectv1.ListProjectsRequest{Tag: "示范项目"})
		if err != nil || len(prs) != 1 || prs[0].Id != open.Id || !slices.Equal(prs[0].Tags, []string{"垃圾分类", "示范项目"}) {
			t.Errorf("by tag = %v, %v", prs, err)
		}
		if got := wang.getProject(t, open.Id); got.OrgName != demo.OrgXujiahui || got.ContactName == "" {
			t.Errorf("GetProject org and contact = %q, %q", got.OrgName, got.ContactName)
		}
	})

	t.Run("后台查看项目签到码", func(t *testing.T) {
		links := func(g golden) error {
			c := checkinv1connect.NewCheckinStaffServiceClient(s.client(g.token), s.URL)
			_, err := c.GetProjectCodeLinks(t.Context(), connect.NewRequest(&checkinv1.GetProjectCodeLinksRequest{ProjectId: open.Id}))
			return err
		}
		checkErr(t, "staff code links", links(admin), 0, "")
		checkErr(t, "own org code links", links(wang), 0, "")
		checkErr(t, "sibling code links", links(sibling), connect.CodePermissionDenied, "NOT_ORG_MEMBER")
	})
}
