package main

import (
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
)

// TestProjectLifecycle drives withdrawing and copying projects and the
// org's roster tools (enroll, move, unhire) through the API: a district
// org and a street org below it, the street's projects approved by the
// district. Concurrent enrolments and moves never exceed a quota.
func TestProjectLifecycle(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	ids := newCitizens(3811)
	pool := s.pool(t)
	admin := s.staff(t, "admin")
	root := rootOrg(t, pool)

	districtFounder := s.citizen(t, ids.next(), "陈建国")
	district := districtFounder.registerOrg(t, "长宁区志愿者协会", root)
	admin.reviewOrg(t, district.Id, true, "")
	districtLeader := districtFounder.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, district.Id)
	streetFounder := s.citizen(t, ids.next(), "林美华")
	street := streetFounder.registerOrg(t, "华阳路街道志愿者服务中心", district.Id)
	districtLeader.reviewOrg(t, street.Id, true, "")
	streetLeader := streetFounder.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, street.Id)

	start := time.Now().Add(48 * time.Hour)
	// recruiting returns an approved project of the street.
	recruiting := func(t *testing.T, quotas ...int32) *projectv1.Project {
		t.Helper()
		pr := streetLeader.createProject(t, projectRequest(street.Id, start, quotas...))
		streetLeader.submit(t, pr.Id)
		return districtLeader.reviewProject(t, pr.Id, true, "")
	}

	const volunteers = 12
	vols := make([]golden, volunteers)
	volIDs := make([]string, volunteers)
	for i := range vols {
		vols[i] = s.citizen(t, ids.next(), "志愿者")
		volIDs[i] = vols[i].register(t).Id
	}
	missing := uuid.NewString()

	t.Run("WithdrawProject", func(t *testing.T) {
		draft := streetLeader.createProject(t, projectRequest(street.Id, start, 2))
		pending := streetLeader.createProject(t, projectRequest(street.Id, start, 2))
		streetLeader.submit(t, pending.Id)
		open := recruiting(t, 2)
		rejected := streetLeader.createProject(t, projectRequest(street.Id, start, 2))
		streetLeader.submit(t, rejected.Id)
		districtLeader.reviewProject(t, rejected.Id, false, "材料不全")

		for _, tc := range []struct {
			name       string
			caller     golden
			project    string
			reason     string
			code       connect.Code
			wantReason string
		}{
			{"原因必填", streetLeader, draft.Id, "  ", connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"项目不存在", streetLeader, missing, "不办了", connect.CodeNotFound, "PROJECT_NOT_FOUND"},
			{"编号无效", streetLeader, "x", "不办了", connect.CodeInvalidArgument, "ID_INVALID"},
			{"上级组织不能撤回", districtLeader, draft.Id, "不办了", connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者不能撤回", vols[0], draft.Id, "不办了", connect.CodePermissionDenied, ""},
			{"草稿撤回", streetLeader, draft.Id, "活动取消", 0, ""},
			{"待审核撤回", streetLeader, pending.Id, "活动取消", 0, ""},
			{"招募中撤回", streetLeader, open.Id, "场地变更", 0, ""},
			{"已撤回不能再撤回", streetLeader, draft.Id, "活动取消", connect.CodeFailedPrecondition, "PROJECT_NOT_WITHDRAWABLE"},
			{"已驳回不能撤回", streetLeader, rejected.Id, "活动取消", connect.CodeFailedPrecondition, "PROJECT_NOT_WITHDRAWABLE"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.caller.project.WithdrawProject(t.Context(), connect.NewRequest(&projectv1.WithdrawProjectRequest{ProjectId: tc.project, Reason: tc.reason}))
				if tc.code == connect.CodePermissionDenied && tc.wantReason == "" {
					if connect.CodeOf(err) != connect.CodePermissionDenied {
						t.Fatalf("WithdrawProject = %v, want permission_denied", err)
					}
					return
				}
				checkErr(t, "WithdrawProject", err, tc.code, tc.wantReason)
				if err == nil && (res.Msg.Project.Status != projectv1.ProjectStatus_PROJECT_STATUS_WITHDRAWN || res.Msg.Project.ReviewReason != tc.reason) {
					t.Errorf("withdrawn project = %v", res.Msg.Project)
				}
			})
		}
		t.Run("撤回后不能报名", func(t *testing.T) {
			_, err := vols[0].signUp(t.Context(), open.Id, open.Positions[0].Id)
			checkErr(t, "SignUp on a withdrawn project", err, connect.CodeFailedPrecondition, "PROJECT_NOT_OPEN")
			_, err = streetLeader.project.EnrollVolunteer(t.Context(), connect.NewRequest(&projectv1.EnrollVolunteerRequest{
				ProjectId: open.Id, PositionId: open.Positions[0].Id, VolunteerId: volIDs[0],
			}))
			checkErr(t, "EnrollVolunteer on a withdrawn project", err, connect.CodeFailedPrecondition, "PROJECT_NOT_OPEN")
		})
	})

	t.Run("CopyProject", func(t *testing.T) {
		src := streetLeader.createProject(t, projectRequest(street.Id, start, 3, 7))
		src2 := recruiting(t, 1)
		later := start.Add(7 * 24 * time.Hour)
		for _, tc := range []struct {
			name       string
			caller     golden
			project    string
			start, end time.Time
			code       connect.Code
			wantReason string
		}{
			{"开始时间已过", streetLeader, src.Id, time.Now().Add(-time.Hour), later, connect.CodeInvalidArgument, "START_IN_PAST"},
			{"结束早于开始", streetLeader, src.Id, later, later.Add(-time.Hour), connect.CodeInvalidArgument, "END_BEFORE_START"},
			{"项目不存在", streetLeader, missing, later, later.Add(time.Hour), connect.CodeNotFound, "PROJECT_NOT_FOUND"},
			{"上级组织不能复制", districtLeader, src.Id, later, later.Add(time.Hour), connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"复制草稿", streetLeader, src.Id, later, later.Add(2 * time.Hour), 0, ""},
			{"复制招募中的项目", streetLeader, src2.Id, later, later.Add(2 * time.Hour), 0, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.caller.project.CopyProject(t.Context(), connect.NewRequest(&projectv1.CopyProjectRequest{
					ProjectId: tc.project, StartTime: timestamppb.New(tc.start), EndTime: timestamppb.New(tc.end),
				}))
				checkErr(t, "CopyProject", err, tc.code, tc.wantReason)
				if err != nil {
					return
				}
				cp, orig := res.Msg.Project, streetLeader.getProject(t, tc.project)
				if cp.Id == orig.Id || cp.Status != projectv1.ProjectStatus_PROJECT_STATUS_DRAFT || cp.Title != orig.Title ||
					cp.Address != orig.Address || !cp.StartTime.AsTime().Equal(tc.start.Truncate(time.Microsecond)) {
					t.Errorf("copy = %v of %v", cp, orig)
				}
				if len(cp.Positions) != len(orig.Positions) {
					t.Fatalf("copy has %d positions, want %d", len(cp.Positions), len(orig.Positions))
				}
				for i, pos := range cp.Positions {
					if o := orig.Positions[i]; pos.Id == o.Id || pos.Name != o.Name || pos.Quota != o.Quota || pos.Hired != 0 {
						t.Errorf("copied position %d = %v of %v", i, pos, o)
					}
				}
			})
		}
	})

	t.Run("EnrollVolunteer", func(t *testing.T) {
		const quota = 3
		pr := recruiting(t, quota, 1)
		pos := pr.Positions[0].Id
		other := recruiting(t, 1)
		errs := make([]error, volunteers)
		var wg sync.WaitGroup
		begin := make(chan struct{})
		for i := range volIDs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				_, errs[i] = streetLeader.project.EnrollVolunteer(t.Context(), connect.NewRequest(&projectv1.EnrollVolunteerRequest{
					ProjectId: pr.Id, PositionId: pos, VolunteerId: volIDs[i],
				}))
			}()
		}
		close(begin)
		wg.Wait()
		enrolled := 0
		for i, err := range errs {
			switch {
			case err == nil:
				enrolled++
			case connect.CodeOf(err) != connect.CodeFailedPrecondition || reason(err) != "POSITION_FULL":
				t.Errorf("enrolment %d: %v (reason %q), want success or POSITION_FULL", i, err, reason(err))
			}
		}
		if enrolled != quota {
			t.Errorf("%d enrolments succeeded, want %d", enrolled, quota)
		}
		if got := streetLeader.getProject(t, pr.Id).Positions[0]; got.Hired != quota {
			t.Errorf("position = %v, want %d hired", got, quota)
		}
		var hiredIdx int
		for i, err := range errs {
			if err == nil {
				hiredIdx = i
				break
			}
		}
		for _, tc := range []struct {
			name                      string
			caller                    golden
			project, position, volunt string
			code                      connect.Code
			wantReason                string
		}{
			{"岗位不属于该项目", streetLeader, pr.Id, other.Positions[0].Id, volIDs[0], connect.CodeNotFound, "POSITION_NOT_FOUND"},
			{"志愿者不存在", streetLeader, pr.Id, pr.Positions[1].Id, missing, connect.CodeNotFound, "VOLUNTEER_NOT_FOUND"},
			{"项目不存在", streetLeader, missing, pos, volIDs[0], connect.CodeNotFound, "PROJECT_NOT_FOUND"},
			{"上级组织不能录用", districtLeader, pr.Id, pr.Positions[1].Id, volIDs[0], connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"已报名", streetLeader, pr.Id, pr.Positions[1].Id, volIDs[hiredIdx], connect.CodeAlreadyExists, "ALREADY_SIGNED_UP"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.caller.project.EnrollVolunteer(t.Context(), connect.NewRequest(&projectv1.EnrollVolunteerRequest{
					ProjectId: tc.project, PositionId: tc.position, VolunteerId: tc.volunt,
				}))
				checkErr(t, "EnrollVolunteer", err, tc.code, tc.wantReason)
			})
		}
	})

	t.Run("MoveAndUnhire", func(t *testing.T) {
		const target = 2
		pr := recruiting(t, volunteers, target)
		from, to := pr.Positions[0].Id, pr.Positions[1].Id
		other := recruiting(t, 1)
		signUps := make([]string, volunteers)
		for i, v := range vols {
			su, err := v.signUp(t.Context(), pr.Id, from)
			checkErr(t, "SignUp", err, 0, "")
			signUps[i] = su.Id
		}
		// All but the last are hired onto the roomy position; the last
		// stays pending.
		for _, id := range signUps[:volunteers-1] {
			_, err := streetLeader.reviewSignUp(t.Context(), id, true)
			checkErr(t, "ReviewSignUp", err, 0, "")
		}
		pending := signUps[volunteers-1]
		hired := signUps[:volunteers-1]

		errs := make([]error, len(hired))
		var wg sync.WaitGroup
		begin := make(chan struct{})
		for i, id := range hired {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				_, errs[i] = streetLeader.project.MoveSignUp(t.Context(), connect.NewRequest(&projectv1.MoveSignUpRequest{SignUpId: id, PositionId: to}))
			}()
		}
		close(begin)
		wg.Wait()
		moved, stayed := 0, ""
		for i, err := range errs {
			switch {
			case err == nil:
				moved++
			case connect.CodeOf(err) != connect.CodeFailedPrecondition || reason(err) != "POSITION_FULL":
				t.Errorf("move %d: %v (reason %q), want success or POSITION_FULL", i, err, reason(err))
			default:
				stayed = hired[i]
			}
		}
		if moved != target {
			t.Errorf("%d moves succeeded, want %d", moved, target)
		}
		got := streetLeader.getProject(t, pr.Id)
		if got.Positions[0].Hired != volunteers-1-target || got.Positions[1].Hired != target {
			t.Errorf("positions after moves = %v", got.Positions)
		}

		for _, tc := range []struct {
			name       string
			caller     golden
			call       string
			signUp     string
			position   string
			code       connect.Code
			wantReason string
		}{
			{"待审核的报名可以调岗", streetLeader, "move", pending, to, 0, ""},
			{"岗位已满", streetLeader, "move", stayed, to, connect.CodeFailedPrecondition, "POSITION_FULL"},
			{"同一岗位", streetLeader, "move", stayed, from, connect.CodeFailedPrecondition, "SAME_POSITION"},
			{"其他项目的岗位", streetLeader, "move", stayed, other.Positions[0].Id, connect.CodeNotFound, "POSITION_NOT_FOUND"},
			{"报名不存在", streetLeader, "move", missing, to, connect.CodeNotFound, "SIGN_UP_NOT_FOUND"},
			{"上级组织不能调岗", districtLeader, "move", stayed, to, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"取消录用", streetLeader, "unhire", stayed, "", 0, ""},
			{"未录用不能取消", streetLeader, "unhire", stayed, "", connect.CodeFailedPrecondition, "SIGN_UP_NOT_HIRED"},
			{"取消录用的报名不存在", streetLeader, "unhire", missing, "", connect.CodeNotFound, "SIGN_UP_NOT_FOUND"},
			{"上级组织不能取消录用", districtLeader, "unhire", hired[0], "", connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var su *projectv1.SignUp
				var err error
				if tc.call == "move" {
					var res *connect.Response[projectv1.MoveSignUpResponse]
					if res, err = tc.caller.project.MoveSignUp(t.Context(), connect.NewRequest(&projectv1.MoveSignUpRequest{SignUpId: tc.signUp, PositionId: tc.position})); err == nil {
						su = res.Msg.SignUp
					}
				} else {
					var res *connect.Response[projectv1.UnhireSignUpResponse]
					if res, err = tc.caller.project.UnhireSignUp(t.Context(), connect.NewRequest(&projectv1.UnhireSignUpRequest{SignUpId: tc.signUp})); err == nil {
						su = res.Msg.SignUp
					}
				}
				checkErr(t, tc.call, err, tc.code, tc.wantReason)
				switch {
				case err != nil:
				case tc.call == "move" && (su.PositionId != tc.position || su.Status != projectv1.SignUpStatus_SIGN_UP_STATUS_PENDING):
					t.Errorf("moved pending sign-up = %v", su)
				case tc.call == "unhire" && su.Status != projectv1.SignUpStatus_SIGN_UP_STATUS_PENDING:
					t.Errorf("unhired sign-up = %v", su)
				}
			})
		}
		// The unhired one, pending again, may be hired back while its
		// position has room.
		if _, err := streetLeader.reviewSignUp(t.Context(), stayed, true); err != nil {
			t.Errorf("rehiring an unhired sign-up: %v", err)
		}
	})

	t.Run("UpdateProject", func(t *testing.T) {
		draft := streetLeader.createProject(t, projectRequest(street.Id, start, 2))
		rejected := streetLeader.createProject(t, projectRequest(street.Id, start, 2))
		streetLeader.submit(t, rejected.Id)
		districtLeader.reviewProject(t, rejected.Id, false, "岗位设置不合理")
		pending := streetLeader.createProject(t, projectRequest(street.Id, start, 2))
		streetLeader.submit(t, pending.Id)
		open := recruiting(t, 2)

		later := start.Add(24 * time.Hour)
		// edit is a valid edit of project id: new title, times and
		// positions.
		edit := func(id string, quotas ...int32) *projectv1.UpdateProjectRequest {
			c := projectRequest(street.Id, later, quotas...)
			return &projectv1.UpdateProjectRequest{
				ProjectId: id, Title: "社区垃圾分类宣传（修改）", Description: c.Description,
				StartTime: c.StartTime, EndTime: c.EndTime, Address: "上海市长宁区华阳路街道",
				Location: c.Location, ServiceCategories: []string{"社区服务"}, Positions: c.Positions,
			}
		}
		bad := edit(draft.Id, 3)
		bad.EndTime = bad.StartTime
		noPos := edit(draft.Id)
		for _, tc := range []struct {
			name       string
			caller     golden
			req        *projectv1.UpdateProjectRequest
			code       connect.Code
			wantReason string
			want       projectv1.ProjectStatus
		}{
			{"结束早于开始", streetLeader, bad, connect.CodeInvalidArgument, "END_BEFORE_START", 0},
			{"至少一个岗位", streetLeader, noPos, connect.CodeInvalidArgument, "POSITIONS_REQUIRED", 0},
			{"项目不存在", streetLeader, edit(missing, 1), connect.CodeNotFound, "PROJECT_NOT_FOUND", 0},
			{"本组织修改草稿", streetLeader, edit(draft.Id, 4, 5, 6), 0, "", projectv1.ProjectStatus_PROJECT_STATUS_DRAFT},
			{"被驳回的项目修改后回到草稿", streetLeader, edit(rejected.Id, 1), 0, "", projectv1.ProjectStatus_PROJECT_STATUS_DRAFT},
			{"本组织不能修改待审核的项目", streetLeader, edit(pending.Id, 1), connect.CodeFailedPrecondition, "PROJECT_NOT_EDITABLE", 0},
			{"审核方修改待审核的项目", districtLeader, edit(pending.Id, 9), 0, "", projectv1.ProjectStatus_PROJECT_STATUS_PENDING_REVIEW},
			{"审核方不能修改草稿", districtLeader, edit(draft.Id, 1), connect.CodeFailedPrecondition, "PROJECT_NOT_EDITABLE", 0},
			{"招募中的项目不能修改", streetLeader, edit(open.Id, 1), connect.CodeFailedPrecondition, "PROJECT_NOT_EDITABLE", 0},
			{"志愿者不能修改", vols[0], edit(draft.Id, 1), connect.CodePermissionDenied, "", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.caller.project.UpdateProject(t.Context(), connect.NewRequest(tc.req))
				if tc.code == connect.CodePermissionDenied && tc.wantReason == "" {
					if connect.CodeOf(err) != connect.CodePermissionDenied {
						t.Fatalf("UpdateProject = %v, want permission_denied", err)
					}
					return
				}
				checkErr(t, "UpdateProject", err, tc.code, tc.wantReason)
				if err != nil {
					return
				}
				got := res.Msg.Project
				if got.Status != tc.want || got.Title != tc.req.Title || got.Address != tc.req.Address ||
					!got.StartTime.AsTime().Equal(tc.req.StartTime.AsTime().Truncate(time.Microsecond)) || len(got.Positions) != len(tc.req.Positions) {
					t.Fatalf("updated project = %v", got)
				}
				for i, pos := range got.Positions {
					if pos.Quota != tc.req.Positions[i].Quota || pos.Name != tc.req.Positions[i].Name {
						t.Errorf("position %d = %v, want %v", i, pos, tc.req.Positions[i])
					}
				}
			})
		}
		t.Run("修改后的草稿可以提交", func(t *testing.T) {
			if got := streetLeader.submit(t, rejected.Id); got.Status != projectv1.ProjectStatus_PROJECT_STATUS_PENDING_REVIEW {
				t.Errorf("resubmitted = %v", got.Status)
			}
		})
	})

	t.Run("ListProjectsByStage", func(t *testing.T) {
		// A fresh org keeps the counts of the other subtests out.
		founder := s.citizen(t, ids.next(), "黄晓燕")
		org := founder.registerOrg(t, "江苏路街道志愿者服务中心", district.Id)
		districtLeader.reviewOrg(t, org.Id, true, "")
		leader := founder.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, org.Id)
		approved := func() *projectv1.Project {
			pr := leader.createProject(t, projectRequest(org.Id, start, 1))
			leader.submit(t, pr.Id)
			return districtLeader.reviewProject(t, pr.Id, true, "")
		}
		toRecruit, recruitingNow, running, withdrawn := approved(), approved(), approved(), approved()
		if _, err := pool.Exec(t.Context(), `UPDATE project.project SET recruit_start = now() + interval '1 hour' WHERE id = $1`, toRecruit.Id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(t.Context(), `UPDATE project.project SET recruit_start = now() - interval '1 hour' WHERE id = $1`, recruitingNow.Id); err != nil {
			t.Fatal(err)
		}
		// Started by the clock, not yet advanced in storage.
		if _, err := pool.Exec(t.Context(), `UPDATE project.project SET start_time = now() - interval '1 hour' WHERE id = $1`, running.Id); err != nil {
			t.Fatal(err)
		}
		_, err := leader.project.WithdrawProject(t.Context(), connect.NewRequest(&projectv1.WithdrawProjectRequest{ProjectId: withdrawn.Id, Reason: "取消"}))
		checkErr(t, "WithdrawProject", err, 0, "")
		rejected := leader.createProject(t, projectRequest(org.Id, start, 1))
		leader.submit(t, rejected.Id)
		districtLeader.reviewProject(t, rejected.Id, false, "不合适")
		leader.createProject(t, projectRequest(org.Id, start, 1)) // a draft: no stage

		for _, tc := range []struct {
			name       string
			caller     golden
			org        string
			stage      projectv1.ProjectStage
			want       []string
			code       connect.Code
			wantReason string
		}{
			{"待招募", leader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_TO_RECRUIT, []string{toRecruit.Id}, 0, ""},
			{"招募中", leader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_RECRUITING, []string{recruitingNow.Id}, 0, ""},
			{"进行中", districtLeader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_RUNNING, []string{running.Id}, 0, ""},
			{"已结项", leader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_CLOSED, nil, 0, ""},
			{"已驳回", leader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_REJECTED, []string{rejected.Id}, 0, ""},
			{"已撤回", admin, org.Id, projectv1.ProjectStage_PROJECT_STAGE_WITHDRAWN, []string{withdrawn.Id}, 0, ""},
			{"阶段无效", leader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_UNSPECIFIED, nil, connect.CodeInvalidArgument, "STAGE_INVALID"},
			{"其他组织不能查看", streetLeader, org.Id, projectv1.ProjectStage_PROJECT_STAGE_RECRUITING, nil, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.caller.project.ListProjectsByStage(t.Context(), connect.NewRequest(&projectv1.ListProjectsByStageRequest{OrgId: tc.org, Stage: tc.stage}))
				checkErr(t, "ListProjectsByStage", err, tc.code, tc.wantReason)
				if err != nil {
					return
				}
				var got []string
				for _, pr := range res.Msg.Projects {
					got = append(got, pr.Id)
					if len(pr.Positions) != 1 {
						t.Errorf("project %s listed with %d positions", pr.Id, len(pr.Positions))
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("listed %v, want %v", got, tc.want)
				}
			})
		}
	})
}
