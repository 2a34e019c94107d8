package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	"yima/store/demo"
)

// members returns the MemberService client of g's caller.
func (g golden) members() orgv1connect.MemberServiceClient { return g.s.api(g.token).member }

// TestMembers drives O2 through the API on the demo data: 王建国 leads
// 徐家汇街道志愿者服务中心 under 陈思远's 徐汇区志愿者协会; 陈思远 also
// administers 天平路街道, a peer of 徐家汇. The street adds members by ID
// number, reviews join applications, keeps groups and tags, and removes
// members; the district and district staff may only look.
func TestMembers(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	ids := newCitizens(4202)
	pool := s.pool(t)
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	chen := s.demoCitizen(t, demo.RoleLeader)
	chenXuhui := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	chenTianping := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianpinglu)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	admin := s.staff(t, "admin")
	var citizenID string
	for _, c := range demo.Citizens() {
		if c.Role == demo.RoleCitizen {
			citizenID = c.IDNumber
		}
	}

	// Three fresh volunteers: one the street adds, one who applies, one
	// who does both later.
	type vol struct {
		g        golden
		id, idNo string
	}
	newVol := func(name string) vol {
		no := ids.next()
		g := s.citizen(t, no, name)
		return vol{g: g, id: g.register(t).Id, idNo: no}
	}
	zhou, wu, zheng := newVol("周志强"), newVol("吴芳"), newVol("郑浩然")

	add := func(as golden, org, idNo string) (*orgv1.Member, error) {
		res, err := as.members().AddMember(t.Context(), connect.NewRequest(&orgv1.AddMemberRequest{OrgId: org, IdNumber: idNo}))
		if err != nil {
			return nil, err
		}
		return res.Msg.Member, nil
	}
	list := func(as golden, req *orgv1.ListMembersRequest) ([]*orgv1.Member, error) {
		res, err := as.members().ListMembers(t.Context(), connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		return res.Msg.Members, nil
	}
	volIDs := func(ms []*orgv1.Member) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.VolunteerId)
		}
		return out
	}

	t.Run("按身份证号添加成员", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			as         golden
			org, idNo  string
			wantCode   connect.Code
			wantReason string
		}{
			{name: "本组织负责人", as: wang, org: xujiahui, idNo: zhou.idNo},
			{name: "重复添加", as: wang, org: xujiahui, idNo: zhou.idNo, wantCode: connect.CodeAlreadyExists, wantReason: "ALREADY_MEMBER"},
			{name: "校验位错误", as: wang, org: xujiahui, idNo: zhou.idNo[:17] + map[bool]string{true: "1", false: "0"}[zhou.idNo[17] == '0'],
				wantCode: connect.CodeInvalidArgument, wantReason: "ID_NUMBER_CHECKSUM"},
			{name: "格式错误", as: wang, org: xujiahui, idNo: "31010419900101", wantCode: connect.CodeInvalidArgument, wantReason: "ID_NUMBER_FORMAT"},
			{name: "平台无此人", as: wang, org: xujiahui, idNo: ids.next(), wantCode: connect.CodeNotFound, wantReason: "PERSON_NOT_FOUND"},
			{name: "未注册志愿者", as: wang, org: xujiahui, idNo: citizenID, wantCode: connect.CodeFailedPrecondition, wantReason: "NOT_A_VOLUNTEER"},
			{name: "上级组织不能代加", as: chenXuhui, org: xujiahui, idNo: wu.idNo, wantCode: connect.CodePermissionDenied, wantReason: "NOT_ORG_MEMBER"},
			{name: "平级组织管理员不能加", as: chenTianping, org: xujiahui, idNo: wu.idNo, wantCode: connect.CodePermissionDenied, wantReason: "NOT_ORG_MEMBER"},
			{name: "志愿者没有权限", as: wu.g, org: xujiahui, idNo: wu.idNo, wantCode: connect.CodePermissionDenied, wantReason: "PERMISSION_DENIED"},
			{name: "组织编号无效", as: wang, org: "x", idNo: wu.idNo, wantCode: connect.CodeInvalidArgument, wantReason: "ID_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m, err := add(tc.as, tc.org, tc.idNo)
				checkErr(t, "AddMember", err, tc.wantCode, tc.wantReason)
				if err != nil {
					return
				}
				if m.VolunteerId != zhou.id || m.Status != orgv1.MemberStatus_MEMBER_STATUS_MEMBER ||
					m.Source != orgv1.MemberSource_MEMBER_SOURCE_ADDED_BY_ORG || m.NameMasked != "周**" ||
					!strings.Contains(m.IdNumberMasked, "*") || strings.Contains(m.IdNumberMasked, zhou.idNo[6:14]) ||
					m.VolunteerNo == "" || m.JoinedAt == nil {
					t.Errorf("AddMember = %v", m)
				}
			})
		}
		// The admin of 天平路 adds to its own org.
		if _, err := add(chenTianping, tianpinglu, zheng.idNo); err != nil {
			t.Errorf("admin adding to own org: %v", err)
		}
	})

	t.Run("入会申请与审核", func(t *testing.T) {
		join := func(as golden, org string) (*orgv1.Membership, error) {
			res, err := as.members().JoinOrg(t.Context(), connect.NewRequest(&orgv1.JoinOrgRequest{OrgId: org}))
			if err != nil {
				return nil, err
			}
			return res.Msg.Membership, nil
		}
		review := func(as golden, volunteer string, approve bool, feedback string) (*orgv1.Member, error) {
			res, err := as.members().ReviewJoinApplication(t.Context(), connect.NewRequest(&orgv1.ReviewJoinApplicationRequest{
				OrgId: xujiahui, VolunteerId: volunteer, Approve: approve, Feedback: feedback,
			}))
			if err != nil {
				return nil, err
			}
			return res.Msg.Member, nil
		}
		m, err := join(wu.g, xujiahui)
		checkErr(t, "JoinOrg", err, 0, "")
		if m.Status != orgv1.MemberStatus_MEMBER_STATUS_PENDING || m.OrgName != demo.OrgXujiahui || m.AppliedAt == nil {
			t.Errorf("JoinOrg = %v", m)
		}
		_, err = join(wu.g, xujiahui)
		checkErr(t, "JoinOrg again", err, connect.CodeAlreadyExists, "APPLICATION_PENDING")
		_, err = join(zhou.g, xujiahui)
		checkErr(t, "JoinOrg as a member", err, connect.CodeAlreadyExists, "ALREADY_MEMBER")
		_, err = join(wang, xuhui)
		checkErr(t, "JoinOrg as an org", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = add(wang, xujiahui, wu.idNo)
		checkErr(t, "AddMember while applying", err, connect.CodeAlreadyExists, "APPLICATION_PENDING")
		// A pending org takes no applications.
		founder := s.citizen(t, ids.next(), "孙立新")
		pendingOrg := founder.registerOrg(t, "徐汇区青年志愿者服务队", xuhui)
		_, err = join(wu.g, pendingOrg.Id)
		checkErr(t, "JoinOrg pending org", err, connect.CodeFailedPrecondition, "ORG_INACTIVE")

		apps, err := list(wang, &orgv1.ListMembersRequest{OrgId: xujiahui, Status: orgv1.MemberStatus_MEMBER_STATUS_PENDING})
		checkErr(t, "ListMembers pending", err, 0, "")
		if !slices.Equal(volIDs(apps), []string{wu.id}) {
			t.Errorf("applications = %v, want %s", volIDs(apps), wu.id)
		}
		_, err = review(wang, wu.id, false, "")
		checkErr(t, "reject without feedback", err, connect.CodeInvalidArgument, "FEEDBACK_REQUIRED")
		_, err = review(chenXuhui, wu.id, true, "")
		checkErr(t, "district reviewing the street's", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		_, err = review(wang, uuid.NewString(), true, "")
		checkErr(t, "unknown application", err, connect.CodeNotFound, "APPLICATION_NOT_FOUND")
		r, err := review(wang, wu.id, false, "请先参加新志愿者培训")
		checkErr(t, "reject", err, 0, "")
		if r.Status != orgv1.MemberStatus_MEMBER_STATUS_REJECTED || r.Feedback != "请先参加新志愿者培训" {
			t.Errorf("rejected = %v", r)
		}
		_, err = review(wang, wu.id, true, "")
		checkErr(t, "review twice", err, connect.CodeFailedPrecondition, "APPLICATION_NOT_PENDING")

		mine, err := wu.g.members().ListMyMemberships(t.Context(), connect.NewRequest(&orgv1.ListMyMembershipsRequest{}))
		checkErr(t, "ListMyMemberships", err, 0, "")
		if len(mine.Msg.Memberships) != 1 || mine.Msg.Memberships[0].Feedback != "请先参加新志愿者培训" ||
			mine.Msg.Memberships[0].Status != orgv1.MemberStatus_MEMBER_STATUS_REJECTED {
			t.Errorf("ListMyMemberships = %v", mine.Msg.Memberships)
		}
		_, err = join(wu.g, xujiahui)
		checkErr(t, "apply again", err, 0, "")
		r, err = review(wang, wu.id, true, "欢迎加入")
		checkErr(t, "approve", err, 0, "")
		if r.Status != orgv1.MemberStatus_MEMBER_STATUS_MEMBER || r.Source != orgv1.MemberSource_MEMBER_SOURCE_APPLIED || r.JoinedAt == nil {
			t.Errorf("approved = %v", r)
		}

		// 郑浩然 joins 徐家汇 too, then quits 天平路.
		_, err = join(zheng.g, xujiahui)
		checkErr(t, "zheng applies", err, 0, "")
		_, err = review(wang, zheng.id, true, "")
		checkErr(t, "zheng approved", err, 0, "")
		q, err := zheng.g.members().QuitOrg(t.Context(), connect.NewRequest(&orgv1.QuitOrgRequest{OrgId: tianpinglu, Reason: "搬家"}))
		checkErr(t, "QuitOrg", err, 0, "")
		if q.Msg.Membership.Status != orgv1.MemberStatus_MEMBER_STATUS_LEFT || q.Msg.Membership.LeftReason != "搬家" {
			t.Errorf("QuitOrg = %v", q.Msg.Membership)
		}
		_, err = zheng.g.members().QuitOrg(t.Context(), connect.NewRequest(&orgv1.QuitOrgRequest{OrgId: tianpinglu}))
		checkErr(t, "QuitOrg twice", err, connect.CodeFailedPrecondition, "NOT_A_MEMBER")
	})

	t.Run("成员列表与查看范围", func(t *testing.T) {
		// A district department's staff sees the district's orgs only.
		deps, err := admin.rbac.ListDepartments(t.Context(), connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		checkErr(t, "ListDepartments", err, 0, "")
		dept, err := admin.rbac.CreateDepartment(t.Context(), connect.NewRequest(&rbacv1.CreateDepartmentRequest{
			ParentId: deps.Msg.Departments[0].Id, Name: "徐汇区志愿服务工作部", OrgId: xuhui,
		}))
		checkErr(t, "CreateDepartment", err, 0, "")
		district := s.api(admin.token).roleByKey(t, "district_admin")
		_, err = admin.rbac.CreateStaff(t.Context(), connect.NewRequest(&rbacv1.CreateStaffRequest{
			Username: "xuhui_members", Name: "徐汇成员管理员", DepartmentId: dept.Msg.Department.Id, RoleIds: []string{district.Id},
		}))
		checkErr(t, "CreateStaff", err, 0, "")
		clerk := s.staff(t, "xuhui_members")
		huangpuStreet := s.orgByName(t, "外滩街道志愿者服务中心")

		for _, tc := range []struct {
			name       string
			as         golden
			org        string
			wantCode   connect.Code
			wantReason string
		}{
			{name: "本组织负责人", as: wang, org: xujiahui},
			{name: "上级组织负责人", as: chenXuhui, org: xujiahui},
			{name: "超级管理员", as: admin, org: xujiahui},
			{name: "区级工作人员", as: clerk, org: xujiahui},
			{name: "区级工作人员看外区", as: clerk, org: huangpuStreet, wantCode: connect.CodePermissionDenied, wantReason: "NOT_IN_SCOPE"},
			{name: "下级看不到上级", as: wang, org: xuhui, wantCode: connect.CodePermissionDenied, wantReason: "NOT_IN_SCOPE"},
			{name: "平级组织管理员", as: chenTianping, org: xujiahui, wantCode: connect.CodePermissionDenied, wantReason: "NOT_IN_SCOPE"},
			{name: "志愿者没有权限", as: zhou.g, org: xujiahui, wantCode: connect.CodePermissionDenied, wantReason: "PERMISSION_DENIED"},
			{name: "组织不存在", as: admin, org: uuid.NewString(), wantCode: connect.CodeNotFound, wantReason: "ORG_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ms, err := list(tc.as, &orgv1.ListMembersRequest{OrgId: tc.org, PageSize: 200})
				checkErr(t, "ListMembers", err, tc.wantCode, tc.wantReason)
				if err == nil && tc.org == xujiahui && !slices.Contains(volIDs(ms), zhou.id) {
					t.Errorf("ListMembers lacks 周志强")
				}
				_, err = tc.as.members().ListMemberGroups(t.Context(), connect.NewRequest(&orgv1.ListMemberGroupsRequest{OrgId: tc.org}))
				checkErr(t, "ListMemberGroups", err, tc.wantCode, tc.wantReason)
			})
		}
		// The demo's volunteer 李晓梅 is a member of 徐家汇, found by name
		// and shown masked.
		ms, err := list(wang, &orgv1.ListMembersRequest{OrgId: xujiahui, NameContains: "李晓梅"})
		checkErr(t, "ListMembers by name", err, 0, "")
		if len(ms) != 1 || ms[0].NameMasked != "李**" || ms[0].PoliticalStatus == "" || strings.Contains(ms[0].IdNumberMasked, "19950923") {
			t.Errorf("李晓梅 = %v", ms)
		}
		// Paging walks the whole list once.
		all, err := list(wang, &orgv1.ListMembersRequest{OrgId: xujiahui, PageSize: 200})
		checkErr(t, "ListMembers all", err, 0, "")
		var seen []string
		tok := ""
		for range 100 {
			res, err := wang.members().ListMembers(t.Context(), connect.NewRequest(&orgv1.ListMembersRequest{OrgId: xujiahui, PageSize: 7, PageToken: tok}))
			checkErr(t, "ListMembers page", err, 0, "")
			seen = append(seen, volIDs(res.Msg.Members)...)
			if tok = res.Msg.NextPageToken; tok == "" {
				break
			}
		}
		if !slices.Equal(seen, volIDs(all)) || len(seen) < 4 {
			t.Errorf("paged %d members, want the %d of one page", len(seen), len(all))
		}
		_, err = list(wang, &orgv1.ListMembersRequest{OrgId: xujiahui, PageToken: "!!"})
		checkErr(t, "bad token", err, connect.CodeInvalidArgument, "PAGE_TOKEN_INVALID")
	})

	t.Run("分组、标签与服务统计", func(t *testing.T) {
		// Service records: 周志强 served 2 h and 30 min on one project of
		// 徐家汇 and 1 h on another, and 3 h for 天平路; 吴芳 45 min on the
		// first.
		project := func(org string) (id, position string) {
			if err := pool.QueryRow(t.Context(), `INSERT INTO project.project (org_id, title, status, start_time, end_time)
				VALUES ($1, '成员统计测试项目', 'closed', now() - interval '30 days', now() - interval '29 days') RETURNING id::text`, org).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if err := pool.QueryRow(t.Context(), `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '岗位', 10) RETURNING id::text`, id).Scan(&position); err != nil {
				t.Fatal(err)
			}
			return id, position
		}
		n := 0
		record := func(volunteer, project, position string, seconds int) {
			n++
			start := time.Now().Add(-time.Duration(40+n) * 24 * time.Hour)
			end := start.Add(time.Duration(seconds) * time.Second)
			session := uuid.New()
			if _, err := pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 'closed', 'scan')`, session, project, position, volunteer, start, end, seconds); err != nil {
				t.Fatal(err)
			}
			if _, err := pool.Exec(t.Context(), `INSERT INTO record.service_record (volunteer_id, project_id, position_id, session_id, started_at, ended_at, duration_seconds)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, volunteer, project, position, session, start, end, seconds); err != nil {
				t.Fatal(err)
			}
		}
		p1, pos1 := project(xujiahui)
		p2, pos2 := project(xujiahui)
		p3, pos3 := project(tianpinglu)
		record(zhou.id, p1, pos1, 7200)
		record(zhou.id, p1, pos1, 1800)
		record(zhou.id, p2, pos2, 3600)
		record(zhou.id, p3, pos3, 10800)
		record(wu.id, p1, pos1, 2700)

		res, err := wang.members().CreateMemberGroup(t.Context(), connect.NewRequest(&orgv1.CreateMemberGroupRequest{OrgId: xujiahui, Name: "文明引导队", Description: "轨交站点文明引导"}))
		checkErr(t, "CreateMemberGroup", err, 0, "")
		group := res.Msg.Group
		_, err = wang.members().CreateMemberGroup(t.Context(), connect.NewRequest(&orgv1.CreateMemberGroupRequest{OrgId: xujiahui, Name: "文明引导队"}))
		checkErr(t, "same name", err, connect.CodeAlreadyExists, "GROUP_NAME_TAKEN")
		_, err = chenXuhui.members().CreateMemberGroup(t.Context(), connect.NewRequest(&orgv1.CreateMemberGroupRequest{OrgId: xujiahui, Name: "上级建的组"}))
		checkErr(t, "district creating", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		_, err = chenTianping.members().AssignGroupMembers(t.Context(), connect.NewRequest(&orgv1.AssignGroupMembersRequest{GroupId: group.Id, VolunteerIds: []string{zhou.id}}))
		checkErr(t, "peer assigning", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		outsider := newVol("冯晓东")
		_, err = wang.members().AssignGroupMembers(t.Context(), connect.NewRequest(&orgv1.AssignGroupMembersRequest{GroupId: group.Id, VolunteerIds: []string{zhou.id, outsider.id}}))
		checkErr(t, "assigning a non-member", err, connect.CodeFailedPrecondition, "NOT_A_MEMBER")
		as, err := wang.members().AssignGroupMembers(t.Context(), connect.NewRequest(&orgv1.AssignGroupMembersRequest{GroupId: group.Id, VolunteerIds: []string{zhou.id, wu.id}}))
		checkErr(t, "AssignGroupMembers", err, 0, "")
		want := &orgv1.MemberGroup{MemberCount: 2, ServiceSeconds: 7200 + 1800 + 3600 + 2700, ServiceRecordCount: 4, ProjectCount: 2}
		if g := as.Msg.Group; as.Msg.Added != 2 || g.MemberCount != want.MemberCount || g.ServiceSeconds != want.ServiceSeconds ||
			g.ServiceRecordCount != want.ServiceRecordCount || g.ProjectCount != want.ProjectCount {
			t.Errorf("AssignGroupMembers = %v (added %d), want stats %v", g, as.Msg.Added, want)
		}
		// The district sees the same statistics.
		gs, err := chenXuhui.members().ListMemberGroups(t.Context(), connect.NewRequest(&orgv1.ListMemberGroupsRequest{OrgId: xujiahui}))
		checkErr(t, "ListMemberGroups", err, 0, "")
		if len(gs.Msg.Groups) != 1 || gs.Msg.Groups[0].ServiceSeconds != want.ServiceSeconds || gs.Msg.Groups[0].Name != "文明引导队" {
			t.Errorf("ListMemberGroups = %v", gs.Msg.Groups)
		}
		ms, err := list(wang, &orgv1.ListMembersRequest{OrgId: xujiahui, GroupId: group.Id})
		checkErr(t, "ListMembers by group", err, 0, "")
		if got := volIDs(ms); len(got) != 2 || !slices.Contains(got, zhou.id) || !slices.Contains(got, wu.id) {
			t.Errorf("group members = %v", got)
		}
		for _, m := range ms {
			if m.VolunteerId == zhou.id && (m.ServiceSeconds != 7200+1800+3600+10800 || m.OrgServiceSeconds != 7200+1800+3600 ||
				m.ServiceRecordCount != 4 || len(m.Groups) != 1 || m.Groups[0].Name != "文明引导队") {
				t.Errorf("周志强 = %v", m)
			}
		}

		// Tags.
		tag, err := wang.members().SetMemberTags(t.Context(), connect.NewRequest(&orgv1.SetMemberTagsRequest{OrgId: xujiahui, VolunteerId: zhou.id, Tags: []string{"骨干", " 英语翻译 ", "骨干"}}))
		checkErr(t, "SetMemberTags", err, 0, "")
		if !slices.Equal(tag.Msg.Member.Tags, []string{"骨干", "英语翻译"}) {
			t.Errorf("tags = %q", tag.Msg.Member.Tags)
		}
		_, err = wang.members().SetMemberTags(t.Context(), connect.NewRequest(&orgv1.SetMemberTagsRequest{OrgId: xujiahui, VolunteerId: wu.id, Tags: []string{"这是一个超过十二个字的很长的标签"}}))
		checkErr(t, "long tag", err, connect.CodeInvalidArgument, "TAG_TOO_LONG")
		_, err = chenXuhui.members().SetMemberTags(t.Context(), connect.NewRequest(&orgv1.SetMemberTagsRequest{OrgId: xujiahui, VolunteerId: wu.id, Tags: []string{"骨干"}}))
		checkErr(t, "district tagging", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		tags, err := wang.members().ListMemberTags(t.Context(), connect.NewRequest(&orgv1.ListMemberTagsRequest{OrgId: xujiahui}))
		checkErr(t, "ListMemberTags", err, 0, "")
		if len(tags.Msg.Tags) != 2 || tags.Msg.Tags[0].MemberCount != 1 {
			t.Errorf("ListMemberTags = %v", tags.Msg.Tags)
		}
		ms, err = list(wang, &orgv1.ListMembersRequest{OrgId: xujiahui, Tag: "英语翻译"})
		checkErr(t, "ListMembers by tag", err, 0, "")
		if !slices.Equal(volIDs(ms), []string{zhou.id}) {
			t.Errorf("tagged = %v", volIDs(ms))
		}

		// Removing a member takes them out of the group; the statistics
		// follow.
		_, err = wang.members().RemoveMember(t.Context(), connect.NewRequest(&orgv1.RemoveMemberRequest{OrgId: xujiahui, VolunteerId: wu.id}))
		checkErr(t, "remove without reason", err, connect.CodeInvalidArgument, "REASON_REQUIRED")
		_, err = chenXuhui.members().RemoveMember(t.Context(), connect.NewRequest(&orgv1.RemoveMemberRequest{OrgId: xujiahui, VolunteerId: wu.id, Reason: "x"}))
		checkErr(t, "district removing", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		rm, err := wang.members().RemoveMember(t.Context(), connect.NewRequest(&orgv1.RemoveMemberRequest{OrgId: xujiahui, VolunteerId: wu.id, Reason: "本人申请退出"}))
		checkErr(t, "RemoveMember", err, 0, "")
		if rm.Msg.Member.Status != orgv1.MemberStatus_MEMBER_STATUS_LEFT || rm.Msg.Member.LeftReason != "本人申请退出" || len(rm.Msg.Member.Groups) != 0 {
			t.Errorf("RemoveMember = %v", rm.Msg.Member)
		}
		gs, err = wang.members().ListMemberGroups(t.Context(), connect.NewRequest(&orgv1.ListMemberGroupsRequest{OrgId: xujiahui}))
		checkErr(t, "ListMemberGroups after removal", err, 0, "")
		if g := gs.Msg.Groups[0]; g.MemberCount != 1 || g.ServiceSeconds != 7200+1800+3600 || g.ServiceRecordCount != 3 {
			t.Errorf("group after removal = %v", g)
		}
		_, err = wang.members().RemoveMember(t.Context(), connect.NewRequest(&orgv1.RemoveMemberRequest{OrgId: xujiahui, VolunteerId: wu.id, Reason: "again"}))
		checkErr(t, "remove twice", err, connect.CodeFailedPrecondition, "NOT_A_MEMBER")

		// Editing and deleting the group.
		up, err := wang.members().UpdateMemberGroup(t.Context(), connect.NewRequest(&orgv1.UpdateMemberGroupRequest{GroupId: group.Id, Name: "文明引导一队"}))
		checkErr(t, "UpdateMemberGroup", err, 0, "")
		if up.Msg.Group.Name != "文明引导一队" || up.Msg.Group.MemberCount != 1 {
			t.Errorf("UpdateMemberGroup = %v", up.Msg.Group)
		}
		un, err := wang.members().UnassignGroupMembers(t.Context(), connect.NewRequest(&orgv1.UnassignGroupMembersRequest{GroupId: group.Id, VolunteerIds: []string{zhou.id}}))
		checkErr(t, "UnassignGroupMembers", err, 0, "")
		if un.Msg.Removed != 1 || un.Msg.Group.MemberCount != 0 || un.Msg.Group.ServiceSeconds != 0 {
			t.Errorf("UnassignGroupMembers = %v", un.Msg)
		}
		_, err = wang.members().DeleteMemberGroup(t.Context(), connect.NewRequest(&orgv1.DeleteMemberGroupRequest{GroupId: group.Id}))
		checkErr(t, "DeleteMemberGroup", err, 0, "")
		_, err = wang.members().DeleteMemberGroup(t.Context(), connect.NewRequest(&orgv1.DeleteMemberGroupRequest{GroupId: group.Id}))
		checkErr(t, "DeleteMemberGroup twice", err, connect.CodeNotFound, "GROUP_NOT_FOUND")
	})

	t.Run("审计", func(t *testing.T) {
		const svc = "/yima.org.v1.MemberService/"
		for _, proc := range []string{"AddMember", "RemoveMember", "ReviewJoinApplication", "SetMemberTags", "CreateMemberGroup",
			"UpdateMemberGroup", "DeleteMemberGroup", "AssignGroupMembers", "UnassignGroupMembers", "JoinOrg", "QuitOrg"} {
			es := s.api(admin.token).entries(t, &auditv1.ListEntriesRequest{Procedure: svc + proc})
			if len(es) == 0 {
				t.Errorf("no audit entry for %s", proc)
			}
		}
		// A refused call is audited with its reason, and the ID number
		// never appears in the log.
		es := s.api(admin.token).entries(t, &auditv1.ListEntriesRequest{Procedure: svc + "AddMember"})
		refused := 0
		for _, e := range es {
			if e.Result != "ok" {
				refused++
			}
			if strings.Contains(e.String(), zhou.idNo) {
				t.Errorf("audit entry shows the ID number: %v", e)
			}
		}
		if refused == 0 {
			t.Errorf("no refused AddMember among %d entries", len(es))
		}
	})
}
