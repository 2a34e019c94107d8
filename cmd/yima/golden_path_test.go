package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "yima/rpc/gen/yima/common/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/store/demo"
)

// demoCitizen signs in a fixed demo login by role.
func (s *testServer) demoCitizen(t testing.TB, role string) golden {
	t.Helper()
	for _, c := range demo.Citizens() {
		if c.Role == role {
			return s.citizen(t, c.IDNumber, c.Name)
		}
	}
	t.Fatalf("no demo citizen with role %s", role)
	return golden{}
}

// TestGoldenPathRegistrationAndReview drives rows 3–6 of ARCHITECTURE §10
// (all but closing) on the demo data: a citizen becomes a volunteer on the
// same token; another registers a street org under 徐汇区志愿者协会, which
// its leader 陈思远 admits; the new org drafts a project that the district
// approves; the volunteer signs up and is hired; the clock makes the
// project RUNNING.
func TestGoldenPathRegistrationAndReview(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	ids := newCitizens(3601)
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	huangpu := s.orgByName(t, "黄浦区志愿者协会")
	pool := s.pool(t)

	// Row 3: registering as a volunteer, and the same token acting as one.
	vol := s.citizen(t, ids.next(), "韩梅梅")
	t.Run("注册志愿者", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			req        *volunteerv1.RegisterRequest
			wantReason string
		}{
			{"政治面貌为空", &volunteerv1.RegisterRequest{ServiceCategories: []string{"社区服务"}}, "POLITICAL_STATUS_INVALID"},
			{"政治面貌不在列表", &volunteerv1.RegisterRequest{PoliticalStatus: "无党派", ServiceCategories: []string{"社区服务"}}, "POLITICAL_STATUS_INVALID"},
			{"未选服务类别", &volunteerv1.RegisterRequest{PoliticalStatus: "群众"}, "SERVICE_CATEGORIES_REQUIRED"},
			{"服务类别不存在", &volunteerv1.RegisterRequest{PoliticalStatus: "群众", ServiceCategories: []string{"社区服务", "打游戏"}}, "SERVICE_CATEGORY_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := vol.volunteer.Register(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, connect.CodeInvalidArgument, tc.wantReason)
			})
		}
		_, err := vol.volunteer.GetMyVolunteer(t.Context(), connect.NewRequest(&volunteerv1.GetMyVolunteerRequest{}))
		checkErr(t, "GetMyVolunteer before registering", err, connect.CodeNotFound, "NOT_A_VOLUNTEER")

		res, err := vol.volunteer.Register(t.Context(), connect.NewRequest(&volunteerv1.RegisterRequest{
			PoliticalStatus: "共青团员", ServiceCategories: []string{"医疗卫生", "社区服务", "社区服务"},
		}))
		checkErr(t, "Register", err, 0, "")
		v := res.Msg.Volunteer
		if !regexp.MustCompile(`^SH[0-9]{10}$`).MatchString(v.VolunteerNo) || v.Name != "韩梅梅" || v.PoliticalStatus != "共青团员" ||
			!slices.Equal(v.ServiceCategories, []string{"社区服务", "医疗卫生"}) || v.Id == "" {
			t.Errorf("Register = %v", v)
		}
		// The same token now acts as the volunteer, at once.
		if me := vol.identityMe(t); me.Account.Kind != identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER {
			t.Errorf("GetMe after Register: account %v, want the volunteer account", me.Account)
		}
		var kinds []identityv1.AccountKind
		for _, a := range vol.accounts(t) {
			kinds = append(kinds, a.Kind)
			if a.Active != (a.Kind == identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER) {
				t.Errorf("account %v active = %v", a.Kind, a.Active)
			}
		}
		if want := []identityv1.AccountKind{identityv1.AccountKind_ACCOUNT_KIND_CITIZEN, identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER}; !slices.Equal(kinds, want) {
			t.Errorf("ListAccounts kinds = %v, want %v", kinds, want)
		}
		_, err = vol.volunteer.Register(t.Context(), connect.NewRequest(&volunteerv1.RegisterRequest{PoliticalStatus: "群众", ServiceCategories: []string{"社区服务"}}))
		checkErr(t, "second Register", err, connect.CodeAlreadyExists, "ALREADY_VOLUNTEER")
		mine, err := vol.volunteer.GetMyVolunteer(t.Context(), connect.NewRequest(&volunteerv1.GetMyVolunteerRequest{}))
		checkErr(t, "GetMyVolunteer", err, 0, "")
		if m := mine.Msg.Volunteer; m.Id != v.Id || m.VolunteerNo != v.VolunteerNo || !regexp.MustCompile(`^310\*{11}[0-9]{3}[0-9X]$`).MatchString(m.IdNumberMasked) {
			t.Errorf("GetMyVolunteer = %v, want %s with a masked ID number", m, v.Id)
		}
		var n int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM volunteer.volunteer WHERE volunteer_no = $1`, v.VolunteerNo).Scan(&n); err != nil || n != 1 {
			t.Errorf("volunteers numbered %s: %d (%v)", v.VolunteerNo, n, err)
		}
	})

	// Row 4: registering an org under a district, and its review.
	founder := s.citizen(t, ids.next(), "林晓东")
	chen := s.demoCitizen(t, demo.RoleLeader)
	chenXuhui := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	chenTianping := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, s.orgByName(t, demo.OrgTianpinglu))
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	admin := s.staff(t, "admin")
	var street *orgv1.Org
	t.Run("注册组织", func(t *testing.T) {
		bad := func(f func(r *orgv1.RegisterOrgRequest)) *orgv1.RegisterOrgRequest {
			r := orgRequest("斜土路街道志愿者服务中心", xuhui)
			f(r)
			return r
		}
		for _, tc := range []struct {
			name       string
			req        *orgv1.RegisterOrgRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"名称为空", bad(func(r *orgv1.RegisterOrgRequest) { r.Name = "  " }), connect.CodeInvalidArgument, "NAME_REQUIRED"},
			{"名称过长", bad(func(r *orgv1.RegisterOrgRequest) { r.Name = string(bytes.Repeat([]byte("志"), 51)) }), connect.CodeInvalidArgument, "NAME_TOO_LONG"},
			{"上级ID无效", bad(func(r *orgv1.RegisterOrgRequest) { r.ParentOrgId = "xuhui" }), connect.CodeInvalidArgument, "ID_INVALID"},
			{"上级不存在", bad(func(r *orgv1.RegisterOrgRequest) { r.ParentOrgId = uuid.NewString() }), connect.CodeNotFound, "PARENT_NOT_FOUND"},
			{"没有位置", bad(func(r *orgv1.RegisterOrgRequest) { r.Location = nil }), connect.CodeInvalidArgument, "LOCATION_INVALID"},
			{"位置在北京", bad(func(r *orgv1.RegisterOrgRequest) { r.Location = &commonv1.Location{Lat: 39.9042, Lng: 116.4074} }), connect.CodeInvalidArgument, "LOCATION_INVALID"},
			{"位置为零点", bad(func(r *orgv1.RegisterOrgRequest) { r.Location = &commonv1.Location{} }), connect.CodeInvalidArgument, "LOCATION_INVALID"},
			{"服务类别不存在", bad(func(r *orgv1.RegisterOrgRequest) { r.ServiceCategories = []string{"唱歌"} }), connect.CodeInvalidArgument, "SERVICE_CATEGORY_INVALID"},
			{"同名组织", bad(func(r *orgv1.RegisterOrgRequest) { r.Name = demo.OrgXujiahui }), connect.CodeAlreadyExists, "ORG_NAME_TAKEN"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := founder.org.RegisterOrg(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
		_, err := admin.org.RegisterOrg(t.Context(), connect.NewRequest(orgRequest("后台组织", xuhui)))
		checkErr(t, "staff RegisterOrg", err, connect.CodePermissionDenied, "STAFF_NOT_ALLOWED")

		street = founder.registerOrg(t, "斜土路街道志愿者服务中心", xuhui)
		if street.Status != orgv1.OrgStatus_ORG_STATUS_PENDING || street.Level != orgv1.OrgLevel_ORG_LEVEL_STREET ||
			street.ParentOrgId != xuhui || street.Name != "斜土路街道志愿者服务中心" || street.Location.GetLat() != 31.1880 {
			t.Errorf("RegisterOrg = %v", street)
		}
		var pathOK bool
		var changes int
		err = pool.QueryRow(t.Context(), `SELECT o.path = p.path || o.id, (SELECT count(*) FROM org.status_change c WHERE c.org_id = o.id AND c.to_status = 'pending')
			FROM org.org o JOIN org.org p ON p.id = o.parent_id WHERE o.id = $1`, street.Id).Scan(&pathOK, &changes)
		if err != nil || !pathOK || changes != 1 {
			t.Errorf("stored org: path extends the parent's = %v, pending changes = %d (%v)", pathOK, changes, err)
		}
		// The founder holds a leader account for it, not usable yet.
		leader := founder.account(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, street.Id)
		_, err = founder.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: leader.Id}))
		checkErr(t, "SwitchAccount to the pending org", err, connect.CodeFailedPrecondition, "ACCOUNT_INACTIVE")
		// Nothing registers under a pending org.
		_, err = vol.org.RegisterOrg(t.Context(), connect.NewRequest(orgRequest("斜土路第一居委志愿者服务站", street.Id)))
		checkErr(t, "RegisterOrg under a pending org", err, connect.CodeFailedPrecondition, "PARENT_INACTIVE")
		if o, err := vol.org.GetOrg(t.Context(), connect.NewRequest(&orgv1.GetOrgRequest{OrgId: street.Id})); err != nil || o.Msg.Org.Status != orgv1.OrgStatus_ORG_STATUS_PENDING {
			t.Errorf("GetOrg = %v, %v", o, err)
		}
	})

	t.Run("审核组织", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        golden
			req        *orgv1.ReviewOrgRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"驳回不填原因", chenXuhui, &orgv1.ReviewOrgRequest{OrgId: street.Id, Reason: " "}, connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"ID无效", chenXuhui, &orgv1.ReviewOrgRequest{OrgId: "x", Approve: true}, connect.CodeInvalidArgument, "ID_INVALID"},
			{"组织不存在", chenXuhui, &orgv1.ReviewOrgRequest{OrgId: uuid.NewString(), Approve: true}, connect.CodeNotFound, "ORG_NOT_FOUND"},
			{"同级街道不能审核", wang, &orgv1.ReviewOrgRequest{OrgId: street.Id, Approve: true}, connect.CodePermissionDenied, "NOT_PARENT"},
			{"同级街道管理员不能审核", chenTianping, &orgv1.ReviewOrgRequest{OrgId: street.Id, Approve: true}, connect.CodePermissionDenied, "NOT_PARENT"},
			{"下级不能审核上级", wang, &orgv1.ReviewOrgRequest{OrgId: xuhui, Approve: true}, connect.CodePermissionDenied, "NOT_PARENT"},
			{"市民无权限", founder, &orgv1.ReviewOrgRequest{OrgId: street.Id, Approve: true}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"志愿者无权限", vol, &orgv1.ReviewOrgRequest{OrgId: street.Id, Approve: true}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"已通过的组织", chenXuhui, &orgv1.ReviewOrgRequest{OrgId: xujiahui, Approve: true}, connect.CodeFailedPrecondition, "ORG_NOT_PENDING"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.org.ReviewOrg(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
		o := chenXuhui.reviewOrg(t, street.Id, true, "")
		if o.Status != orgv1.OrgStatus_ORG_STATUS_ACTIVE {
			t.Errorf("ReviewOrg = %v, want ACTIVE", o)
		}
		_, err := chenXuhui.org.ReviewOrg(t.Context(), connect.NewRequest(&orgv1.ReviewOrgRequest{OrgId: street.Id, Approve: true}))
		checkErr(t, "second ReviewOrg", err, connect.CodeFailedPrecondition, "ORG_NOT_PENDING")
		var changes int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM org.status_change WHERE org_id = $1 AND from_status = 'pending' AND to_status = 'active'`, street.Id).Scan(&changes); err != nil || changes != 1 {
			t.Errorf("approval changes recorded: %d (%v)", changes, err)
		}
	})

	// The founder now acts as the street org's leader.
	leader := founder.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, street.Id)

	t.Run("后台审核组织", func(t *testing.T) {
		// A district department's staff reviews orgs in its district only.
		deps, err := admin.rbac.ListDepartments(t.Context(), connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		checkErr(t, "ListDepartments", err, 0, "")
		dept, err := admin.rbac.CreateDepartment(t.Context(), connect.NewRequest(&rbacv1.CreateDepartmentRequest{
			ParentId: deps.Msg.Departments[0].Id, Name: "徐汇区志愿服务工作部", OrgId: xuhui,
		}))
		checkErr(t, "CreateDepartment", err, 0, "")
		roles, err := admin.rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{PageSize: 100}))
		checkErr(t, "ListRoles", err, 0, "")
		var districtRole string
		for _, r := range roles.Msg.Roles {
			if r.Key == "district_admin" {
				districtRole = r.Id
			}
		}
		_, err = admin.rbac.CreateStaff(t.Context(), connect.NewRequest(&rbacv1.CreateStaffRequest{
			Username: "xuhui_reviewer", Name: "徐汇审核员", DepartmentId: dept.Msg.Department.Id, RoleIds: []string{districtRole},
		}))
		checkErr(t, "CreateStaff", err, 0, "")
		clerk := s.staff(t, "xuhui_reviewer")

		inXuhui := founder.registerOrg(t, "徐汇区青年志愿者服务队", xuhui)
		inHuangpu := founder.registerOrg(t, "黄浦区青年志愿者服务队", huangpu)
		_, err = clerk.org.ReviewOrg(t.Context(), connect.NewRequest(&orgv1.ReviewOrgRequest{OrgId: inHuangpu.Id, Approve: true}))
		checkErr(t, "district staff reviewing another district", err, connect.CodePermissionDenied, "NOT_PARENT")
		if o := clerk.reviewOrg(t, inXuhui.Id, false, "材料不全"); o.Status != orgv1.OrgStatus_ORG_STATUS_REJECTED || o.ReviewReason != "材料不全" {
			t.Errorf("district staff rejecting = %v", o)
		}
		if o := admin.reviewOrg(t, inHuangpu.Id, true, ""); o.Status != orgv1.OrgStatus_ORG_STATUS_ACTIVE {
			t.Errorf("admin approving = %v", o)
		}
		// A rejected org's leader account stays unusable.
		rejected := founder.account(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, inXuhui.Id)
		_, err = founder.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: rejected.Id}))
		checkErr(t, "SwitchAccount to a rejected org", err, connect.CodeFailedPrecondition, "ACCOUNT_INACTIVE")
	})

	// Row 5: drafting, submitting and reviewing a project.
	var pr *projectv1.Project
	t.Run("创建项目", func(t *testing.T) {
		start := time.Now().Add(48 * time.Hour).Truncate(time.Second)
		bad := func(f func(r *projectv1.CreateProjectRequest)) *projectv1.CreateProjectRequest {
			r := projectRequest(street.Id, start, 3)
			f(r)
			return r
		}
		for _, tc := range []struct {
			name       string
			who        golden
			req        *projectv1.CreateProjectRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"开始时间已过", leader, bad(func(r *projectv1.CreateProjectRequest) { r.StartTime = timestamppb.New(time.Now().Add(-time.Hour)) }), connect.CodeInvalidArgument, "START_IN_PAST"},
			{"结束早于开始", leader, bad(func(r *projectv1.CreateProjectRequest) { r.EndTime = timestamppb.New(start.Add(-time.Minute)) }), connect.CodeInvalidArgument, "END_BEFORE_START"},
			{"没有时间", leader, bad(func(r *projectv1.CreateProjectRequest) { r.StartTime = nil }), connect.CodeInvalidArgument, "TIME_REQUIRED"},
			{"没有岗位", leader, bad(func(r *projectv1.CreateProjectRequest) { r.Positions = nil }), connect.CodeInvalidArgument, "POSITIONS_REQUIRED"},
			{"名额为零", leader, bad(func(r *projectv1.CreateProjectRequest) { r.Positions[0].Quota = 0 }), connect.CodeInvalidArgument, "QUOTA_INVALID"},
			{"岗位无名", leader, bad(func(r *projectv1.CreateProjectRequest) { r.Positions[0].Name = "" }), connect.CodeInvalidArgument, "POSITION_NAME_REQUIRED"},
			{"签到方式未指定", leader, bad(func(r *projectv1.CreateProjectRequest) {
				r.Positions[0].SignInMethods = []projectv1.SignInMethod{projectv1.SignInMethod_SIGN_IN_METHOD_UNSPECIFIED}
			}), connect.CodeInvalidArgument, "SIGN_IN_METHOD_INVALID"},
			{"签到方式未知", leader, bad(func(r *projectv1.CreateProjectRequest) { r.Positions[0].SignInMethods = []projectv1.SignInMethod{9} }), connect.CodeInvalidArgument, "SIGN_IN_METHOD_INVALID"},
			{"没有名称", leader, bad(func(r *projectv1.CreateProjectRequest) { r.Title = "" }), connect.CodeInvalidArgument, "TITLE_REQUIRED"},
			{"位置在海外", leader, bad(func(r *projectv1.CreateProjectRequest) { r.Location = &commonv1.Location{Lat: 35.68, Lng: 139.76} }), connect.CodeInvalidArgument, "LOCATION_INVALID"},
			{"组织ID无效", leader, bad(func(r *projectv1.CreateProjectRequest) { r.OrgId = "street" }), connect.CodeInvalidArgument, "ID_INVALID"},
			{"别的组织", chenXuhui, projectRequest(street.Id, start, 3), connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", vol, projectRequest(street.Id, start, 3), connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.project.CreateProject(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
		req := projectRequest(street.Id, start, 3, 1)
		req.Positions[1].SignInMethods = []projectv1.SignInMethod{projectv1.SignInMethod_SIGN_IN_METHOD_SELF_SCAN, projectv1.SignInMethod_SIGN_IN_METHOD_STAFF_SCAN, projectv1.SignInMethod_SIGN_IN_METHOD_SELF_SCAN}
		pr = leader.createProject(t, req)
		if pr.Status != projectv1.ProjectStatus_PROJECT_STATUS_DRAFT || len(pr.Positions) != 2 || pr.Positions[0].Id == "" || pr.Positions[1].Id == "" ||
			pr.OrgId != street.Id || !pr.StartTime.AsTime().Equal(start) || pr.Positions[0].Quota != 3 || len(pr.Positions[0].SignInMethods) != 0 ||
			!slices.Equal(pr.Positions[1].SignInMethods, []projectv1.SignInMethod{projectv1.SignInMethod_SIGN_IN_METHOD_STAFF_SCAN, projectv1.SignInMethod_SIGN_IN_METHOD_SELF_SCAN}) {
			t.Errorf("CreateProject = %v", pr)
		}
	})

	t.Run("提交与审核项目", func(t *testing.T) {
		_, err := chenXuhui.project.SubmitProject(t.Context(), connect.NewRequest(&projectv1.SubmitProjectRequest{ProjectId: pr.Id}))
		checkErr(t, "Submit by another org", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		_, err = chenXuhui.project.ReviewProject(t.Context(), connect.NewRequest(&projectv1.ReviewProjectRequest{ProjectId: pr.Id, Approve: true}))
		checkErr(t, "Review a draft", err, connect.CodeFailedPrecondition, "PROJECT_NOT_PENDING")
		if got := leader.submit(t, pr.Id); got.Status != projectv1.ProjectStatus_PROJECT_STATUS_PENDING_REVIEW {
			t.Errorf("SubmitProject = %v", got.Status)
		}
		_, err = leader.project.SubmitProject(t.Context(), connect.NewRequest(&projectv1.SubmitProjectRequest{ProjectId: pr.Id}))
		checkErr(t, "second Submit", err, connect.CodeFailedPrecondition, "PROJECT_NOT_DRAFT")
		_, err = vol.project.SignUp(t.Context(), connect.NewRequest(&projectv1.SignUpRequest{ProjectId: pr.Id, PositionId: pr.Positions[0].Id}))
		checkErr(t, "SignUp before approval", err, connect.CodeFailedPrecondition, "PROJECT_NOT_OPEN")
		for _, tc := range []struct {
			name       string
			who        golden
			req        *projectv1.ReviewProjectRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"本组织不能审核", leader, &projectv1.ReviewProjectRequest{ProjectId: pr.Id, Approve: true}, connect.CodePermissionDenied, "OWN_PROJECT"},
			{"同级街道不能审核", wang, &projectv1.ReviewProjectRequest{ProjectId: pr.Id, Approve: true}, connect.CodePermissionDenied, "NOT_PARENT"},
			{"驳回不填原因", chenXuhui, &projectv1.ReviewProjectRequest{ProjectId: pr.Id}, connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"项目不存在", chenXuhui, &projectv1.ReviewProjectRequest{ProjectId: uuid.NewString(), Approve: true}, connect.CodeNotFound, "PROJECT_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.project.ReviewProject(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
		if got := chenXuhui.reviewProject(t, pr.Id, true, ""); got.Status != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING {
			t.Errorf("ReviewProject = %v, want RECRUITING", got.Status)
		}
		_, err = chenXuhui.project.ReviewProject(t.Context(), connect.NewRequest(&projectv1.ReviewProjectRequest{ProjectId: pr.Id, Approve: true}))
		checkErr(t, "second Review", err, connect.CodeFailedPrecondition, "PROJECT_NOT_PENDING")
	})

	// Row 6: signing up and hiring.
	t.Run("报名与录用", func(t *testing.T) {
		other := s.citizen(t, ids.next(), "周杰")
		other.register(t)
		_, err := founder.project.SignUp(t.Context(), connect.NewRequest(&projectv1.SignUpRequest{ProjectId: pr.Id, PositionId: pr.Positions[0].Id}))
		checkErr(t, "citizen SignUp", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = vol.signUp(t.Context(), pr.Id, uuid.NewString())
		checkErr(t, "SignUp for an unknown position", err, connect.CodeNotFound, "POSITION_NOT_FOUND")
		// A position of a project of another org.
		var foreign uuid.UUID
		if err := pool.QueryRow(t.Context(), `SELECT id FROM project.position WHERE project_id <> $1 LIMIT 1`, pr.Id).Scan(&foreign); err != nil {
			t.Fatal(err)
		}
		_, err = vol.signUp(t.Context(), pr.Id, foreign.String())
		checkErr(t, "SignUp for another project's position", err, connect.CodeNotFound, "POSITION_NOT_FOUND")

		su, err := vol.signUp(t.Context(), pr.Id, pr.Positions[1].Id)
		checkErr(t, "SignUp", err, 0, "")
		if su.Status != projectv1.SignUpStatus_SIGN_UP_STATUS_PENDING || su.ProjectId != pr.Id || su.PositionId != pr.Positions[1].Id {
			t.Errorf("SignUp = %v", su)
		}
		_, err = vol.signUp(t.Context(), pr.Id, pr.Positions[0].Id)
		checkErr(t, "second SignUp", err, connect.CodeAlreadyExists, "ALREADY_SIGNED_UP")
		otherSU, err := other.signUp(t.Context(), pr.Id, pr.Positions[1].Id)
		checkErr(t, "other SignUp", err, 0, "")

		_, err = chenXuhui.reviewSignUp(t.Context(), su.Id, true)
		checkErr(t, "ReviewSignUp by the parent org", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		_, err = vol.reviewSignUp(t.Context(), su.Id, true)
		checkErr(t, "ReviewSignUp by a volunteer", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		hired, err := leader.reviewSignUp(t.Context(), su.Id, true)
		checkErr(t, "ReviewSignUp", err, 0, "")
		if hired.Status != projectv1.SignUpStatus_SIGN_UP_STATUS_HIRED {
			t.Errorf("ReviewSignUp = %v", hired)
		}
		_, err = leader.reviewSignUp(t.Context(), su.Id, false)
		checkErr(t, "second ReviewSignUp", err, connect.CodeFailedPrecondition, "SIGN_UP_NOT_PENDING")
		// The quota-1 position is full: approving and signing up both stop.
		_, err = leader.reviewSignUp(t.Context(), otherSU.Id, true)
		checkErr(t, "hiring beyond the quota", err, connect.CodeFailedPrecondition, "POSITION_FULL")
		rej, err := leader.reviewSignUp(t.Context(), otherSU.Id, false)
		checkErr(t, "rejecting", err, 0, "")
		if rej.Status != projectv1.SignUpStatus_SIGN_UP_STATUS_REJECTED {
			t.Errorf("rejected sign-up = %v", rej)
		}
		_, err = other.signUp(t.Context(), pr.Id, pr.Positions[1].Id)
		checkErr(t, "SignUp for a full position", err, connect.CodeFailedPrecondition, "POSITION_FULL")
		_, err = other.signUp(t.Context(), pr.Id, pr.Positions[0].Id)
		checkErr(t, "SignUp again after a rejection", err, 0, "")

		got := vol.getProject(t, pr.Id)
		if got.Positions[0].Hired != 0 || got.Positions[1].Hired != 1 || got.Status != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING {
			t.Errorf("GetProject = %v", got)
		}
	})

	// RUNNING follows from the clock.
	t.Run("开始后进行中", func(t *testing.T) {
		soon := leader.createProject(t, projectRequest(street.Id, time.Now().Add(3*time.Second), 2))
		leader.submit(t, soon.Id)
		if got := chenXuhui.reviewProject(t, soon.Id, true, ""); got.Status != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING {
			t.Fatalf("approved project = %v, want RECRUITING before its start", got.Status)
		}
		eventually(t, 15*time.Second, func() error {
			if st := vol.getProject(t, soon.Id).Status; st != projectv1.ProjectStatus_PROJECT_STATUS_RUNNING {
				return fmt.Errorf("status %v, want RUNNING", st)
			}
			return nil
		})
		// A running project still takes sign-ups.
		_, err := vol.signUp(t.Context(), soon.Id, soon.Positions[0].Id)
		checkErr(t, "SignUp on a running project", err, 0, "")
	})

	t.Run("Connect JSON", func(t *testing.T) {
		// The contract's plain JSON: field names in lowerCamelCase, enums by
		// name, unpopulated fields emitted.
		body := postJSON(t, s, vol.token, "/yima.project.v1.ProjectService/GetProject", fmt.Sprintf(`{"project_id":%q}`, pr.Id))
		var res struct {
			Project struct {
				ID        string `json:"id"`
				Status    string `json:"status"`
				Positions []struct {
					ID    string `json:"id"`
					Quota int    `json:"quota"`
					Hired *int   `json:"hired"`
				} `json:"positions"`
			} `json:"project"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		if res.Project.ID != pr.Id || res.Project.Status != "PROJECT_STATUS_RECRUITING" || len(res.Project.Positions) != 2 || res.Project.Positions[0].Hired == nil {
			t.Errorf("GetProject JSON = %s", body)
		}
	})
}

// postJSON calls a procedure with Connect's JSON encoding, failing unless it
// answers 200.
func postJSON(t testing.TB, s *testServer, token, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s %s", path, res.Status, out)
	}
	return out
}

// identityMe returns GetMe of the caller.
func (g golden) identityMe(t testing.TB) *identityv1.GetMeResponse {
	t.Helper()
	res, err := g.identity.GetMe(t.Context(), connect.NewRequest(&identityv1.GetMeRequest{}))
	checkErr(t, "GetMe", err, 0, "")
	return res.Msg
}
