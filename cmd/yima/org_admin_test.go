package main

import (
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	"yima/services/identity/idnumber"
	"yima/store/demo"
)

// orgAdmin returns the caller's OrgAdminService client.
func (g golden) orgAdmin() orgv1connect.OrgAdminServiceClient {
	return orgv1connect.NewOrgAdminServiceClient(g.s.client(g.token), g.s.URL)
}

// TestOrgAdmins drives OrgAdminService (O1, O9, O11, S3, S4) on the demo
// data with a clock the test moves: 王建国, leader of 徐家汇街道, delegates
// an admin who never signed in; the admin signs in, acts in the street and
// nowhere else, and stops the moment the delegation ends or is revoked;
// the authorization log shows it all. Then tags, groups and org codes.
func TestOrgAdmins(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	s := startServerAloneWith(t, func(m *Main) { m.Now = clk.Now }, "--demo")
	ctx := t.Context()

	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	chen := s.demoCitizen(t, demo.RoleLeader)
	chenXuhui := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	chenTianping := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianpinglu)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	admin := s.staff(t, "admin")

	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	newID := func() string {
		return idnumber.Generate(rnd, "310104", time.Date(1992, 3, 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC), rnd.IntN(2) == 0)
	}
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(clk.Now().Add(d)) }
	grant := func(as golden, org, id, name string, until *timestamppb.Timestamp) (*orgv1.OrgUser, error) {
		res, err := as.orgAdmin().GrantOrgAdmin(ctx, connect.NewRequest(&orgv1.GrantOrgAdminRequest{
			OrgId: org, IdNumber: id, Name: name, Phone: "13812345678", Duties: "项目发布与考勤", ValidUntil: until,
		}))
		if err != nil {
			return nil, err
		}
		return res.Msg.User, nil
	}

	// The permission strings: only a leader holds org:admin:grant.
	if p := wang.identityMe(t).Permissions; !slices.Contains(p, "org:admin:grant") || !slices.Contains(p, "org:admin:list") {
		t.Errorf("leader permissions = %v, want org:admin:grant and org:admin:list", p)
	}
	if p := chenTianping.identityMe(t).Permissions; slices.Contains(p, "org:admin:grant") || !slices.Contains(p, "org:admin:list") {
		t.Errorf("admin permissions = %v, want org:admin:list without org:admin:grant", p)
	}

	liuID, liuName := newID(), "刘晓燕"
	var liu *orgv1.OrgUser
	t.Run("授权管理员", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			as         golden
			org, id    string
			nameGiven  string
			until      *timestamppb.Timestamp
			wantCode   connect.Code
			wantReason string
		}{
			{"管理员账号无授权权限", chenTianping, tianpinglu, newID(), "张三", ts(time.Hour), connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"上级负责人不能代授权", chenXuhui, xujiahui, newID(), "张三", ts(time.Hour), connect.CodePermissionDenied, "LEADER_ONLY"},
			{"下级不能授权上级", wang, xuhui, newID(), "张三", ts(time.Hour), connect.CodePermissionDenied, "LEADER_ONLY"},
			{"后台不能授权", admin, xujiahui, newID(), "张三", ts(time.Hour), connect.CodePermissionDenied, "LEADER_ONLY"},
			{"身份证号无效", wang, xujiahui, "310104199001020011", "张三", ts(time.Hour), connect.CodeInvalidArgument, "ID_NUMBER_CHECKSUM"},
			{"截止时间必填", wang, xujiahui, newID(), "张三", nil, connect.CodeInvalidArgument, "VALID_UNTIL_REQUIRED"},
			{"超过三年", wang, xujiahui, newID(), "张三", ts(4 * 365 * 24 * time.Hour), connect.CodeInvalidArgument, "VALID_UNTIL_TOO_LATE"},
			{"姓名与身份证不符", wang, xujiahui, "310105200103082069", "赵雨", ts(time.Hour), connect.CodeInvalidArgument, "NAME_MISMATCH"},
			{"组织编号无效", wang, "x", newID(), "张三", ts(time.Hour), connect.CodeInvalidArgument, "ID_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := grant(tc.as, tc.org, tc.id, tc.nameGiven, tc.until)
				checkErr(t, "GrantOrgAdmin", err, tc.wantCode, tc.wantReason)
			})
		}
		var err error
		liu, err = grant(wang, xujiahui, liuID, liuName, ts(2*time.Hour))
		checkErr(t, "GrantOrgAdmin", err, 0, "")
		if liu.Role != orgv1.OrgUserRole_ORG_USER_ROLE_ADMIN || liu.Status != orgv1.OrgUserStatus_ORG_USER_STATUS_ACTIVE ||
			liu.NameMasked != "刘**" || liu.PhoneMasked != "138****5678" || liu.Duties != "项目发布与考勤" ||
			strings.Contains(liu.IdNumberMasked, liuID[6:14]) {
			t.Errorf("granted = %v", liu)
		}
		_, err = grant(wang, xujiahui, liuID, liuName, ts(time.Hour))
		checkErr(t, "GrantOrgAdmin twice", err, connect.CodeAlreadyExists, "ADMIN_EXISTS")
	})

	// The admin signs in for the first time and finds the account.
	liuCitizen := s.citizen(t, liuID, liuName)
	liuAdmin := liuCitizen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, xujiahui)
	listUsers := func(as golden, org string) error {
		_, err := as.orgAdmin().ListOrgUsers(ctx, connect.NewRequest(&orgv1.ListOrgUsersRequest{OrgId: org}))
		return err
	}

	t.Run("管理员只在本组织内", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			call       func() error
			wantCode   connect.Code
			wantReason string
		}{
			{"本组织用户", func() error { return listUsers(liuAdmin, xujiahui) }, 0, ""},
			{"本组织标签", func() error {
				_, err := liuAdmin.orgAdmin().SetOrgTags(ctx, connect.NewRequest(&orgv1.SetOrgTagsRequest{
					OrgId: xujiahui, Source: orgv1.OrgTagSource_ORG_TAG_SOURCE_SELF, Tags: []string{"社区服务", "助老"},
				}))
				return err
			}, 0, ""},
			{"上级组织用户", func() error { return listUsers(liuAdmin, xuhui) }, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"平级组织用户", func() error { return listUsers(liuAdmin, tianpinglu) }, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"上级组织标签", func() error {
				_, err := liuAdmin.orgAdmin().SetOrgTags(ctx, connect.NewRequest(&orgv1.SetOrgTagsRequest{
					OrgId: xuhui, Source: orgv1.OrgTagSource_ORG_TAG_SOURCE_SELF, Tags: []string{"越权"},
				}))
				return err
			}, connect.CodePermissionDenied, "NOT_OWN_ORG"},
			{"上级授权记录", func() error {
				_, err := liuAdmin.orgAdmin().ListAuthorizationLog(ctx, connect.NewRequest(&orgv1.ListAuthorizationLogRequest{OrgId: xuhui}))
				return err
			}, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"再授权他人", func() error {
				_, err := grant(liuAdmin, xujiahui, newID(), "张三", ts(time.Hour))
				return err
			}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"撤销他人", func() error {
				_, err := liuAdmin.orgAdmin().RevokeOrgAdmin(ctx, connect.NewRequest(&orgv1.RevokeOrgAdminRequest{AccountId: liu.AccountId}))
				return err
			}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.name, tc.call(), tc.wantCode, tc.wantReason) })
		}
	})

	t.Run("到期立即失效", func(t *testing.T) {
		// The token was issued to last until the delegation's end (two
		// hours); the leader shortens it to one, and the same token stops
		// the moment the shorter period ends — on the next request, not at
		// the next sign-in.
		res, err := wang.orgAdmin().UpdateOrgAdminValidity(ctx, connect.NewRequest(&orgv1.UpdateOrgAdminValidityRequest{
			AccountId: liu.AccountId, ValidUntil: ts(time.Hour),
		}))
		checkErr(t, "UpdateOrgAdminValidity", err, 0, "")
		if got := res.Msg.User.ValidUntil.AsTime(); !got.Equal(clk.Now().Add(time.Hour).Truncate(time.Second)) {
			t.Errorf("valid until %v", got)
		}
		_, err = chenXuhui.orgAdmin().UpdateOrgAdminValidity(ctx, connect.NewRequest(&orgv1.UpdateOrgAdminValidityRequest{
			AccountId: liu.AccountId, ValidUntil: ts(2 * time.Hour),
		}))
		checkErr(t, "parent changes validity", err, connect.CodePermissionDenied, "LEADER_ONLY")
		checkErr(t, "before the end", listUsers(liuAdmin, xujiahui), 0, "")
		clk.Advance(time.Hour + time.Second)
		checkErr(t, "after the end", listUsers(liuAdmin, xujiahui), connect.CodeUnauthenticated, "ACCOUNT_EXPIRED")
		_, err = liuCitizen.identity.SwitchAccount(ctx, connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: liu.AccountId}))
		checkErr(t, "switch to the expired account", err, connect.CodeFailedPrecondition, "ACCOUNT_EXPIRED")
		users, err := wang.orgAdmin().ListOrgUsers(ctx, connect.NewRequest(&orgv1.ListOrgUsersRequest{
			OrgId: xujiahui, Role: orgv1.OrgUserRole_ORG_USER_ROLE_ADMIN,
		}))
		checkErr(t, "ListOrgUsers", err, 0, "")
		if len(users.Msg.Users) != 1 || users.Msg.Users[0].Status != orgv1.OrgUserStatus_ORG_USER_STATUS_EXPIRED {
			t.Errorf("admins after the end = %v", users.Msg.Users)
		}
	})

	t.Run("撤销立即失效", func(t *testing.T) {
		again, err := grant(wang, xujiahui, liuID, liuName, ts(24*time.Hour))
		checkErr(t, "grant again", err, 0, "")
		if again.AccountId != liu.AccountId {
			t.Errorf("granted again as %s, want the same account %s", again.AccountId, liu.AccountId)
		}
		back := liuCitizen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, xujiahui)
		checkErr(t, "granted again acts", listUsers(back, xujiahui), 0, "")
		_, err = chenXuhui.orgAdmin().RevokeOrgAdmin(ctx, connect.NewRequest(&orgv1.RevokeOrgAdminRequest{AccountId: liu.AccountId}))
		checkErr(t, "parent revokes", err, connect.CodePermissionDenied, "LEADER_ONLY")
		res, err := wang.orgAdmin().RevokeOrgAdmin(ctx, connect.NewRequest(&orgv1.RevokeOrgAdminRequest{AccountId: liu.AccountId, Reason: "岗位调整"}))
		checkErr(t, "RevokeOrgAdmin", err, 0, "")
		if res.Msg.User.Status != orgv1.OrgUserStatus_ORG_USER_STATUS_REVOKED {
			t.Errorf("revoked = %v", res.Msg.User)
		}
		checkErr(t, "after revocation", listUsers(back, xujiahui), connect.CodeUnauthenticated, "TOKEN_REVOKED")
		// Granted once more, the revoked session stays revoked.
		_, err = grant(wang, xujiahui, liuID, liuName, ts(24*time.Hour))
		checkErr(t, "grant after revocation", err, 0, "")
		checkErr(t, "old token after a new grant", listUsers(back, xujiahui), connect.CodeUnauthenticated, "TOKEN_REVOKED")
	})

	t.Run("授权记录", func(t *testing.T) {
		want := []orgv1.AuthorizationAction{
			orgv1.AuthorizationAction_AUTHORIZATION_ACTION_GRANT, orgv1.AuthorizationAction_AUTHORIZATION_ACTION_REVOKE,
			orgv1.AuthorizationAction_AUTHORIZATION_ACTION_GRANT, orgv1.AuthorizationAction_AUTHORIZATION_ACTION_EXPIRE,
			orgv1.AuthorizationAction_AUTHORIZATION_ACTION_CHANGE, orgv1.AuthorizationAction_AUTHORIZATION_ACTION_GRANT,
		}
		for _, tc := range []struct {
			name       string
			as         golden
			wantCode   connect.Code
			wantReason string
		}{
			{"本组织负责人", wang, 0, ""},
			{"上级组织", chenXuhui, 0, ""},
			{"后台", admin, 0, ""},
			{"平级组织管理员", chenTianping, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got []orgv1.AuthorizationAction
				var events []*orgv1.AuthorizationEvent
				tok := ""
				for range 10 {
					res, err := tc.as.orgAdmin().ListAuthorizationLog(ctx, connect.NewRequest(&orgv1.ListAuthorizationLogRequest{OrgId: xujiahui, PageSize: 2, PageToken: tok}))
					checkErr(t, "ListAuthorizationLog", err, tc.wantCode, tc.wantReason)
					if err != nil {
						return
					}
					events = append(events, res.Msg.Events...)
					if tok = res.Msg.NextPageToken; tok == "" {
						break
					}
				}
				var mine []*orgv1.AuthorizationEvent
				for _, e := range events {
					if e.AccountId == liu.AccountId {
						mine = append(mine, e)
						got = append(got, e.Action)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("log = %v, want %v (newest first)", got, want)
				}
				for _, e := range mine {
					if e.NameMasked != "刘**" || strings.Contains(e.IdNumberMasked, liuID[6:14]) {
						t.Errorf("entry shows %q %q", e.NameMasked, e.IdNumberMasked)
					}
				}
				if r := mine[1]; r.Reason != "岗位调整" || r.ByNameMasked != "王**" {
					t.Errorf("revocation = %v", r)
				}
				if e := mine[3]; e.ByNameMasked != "" || !e.At.AsTime().Equal(e.ValidUntil.AsTime()) {
					t.Errorf("expiry = %v, want at its valid_until and by no one", e)
				}
			})
		}
	})

	t.Run("组织用户", func(t *testing.T) {
		// A district department's staff see their district's org users.
		deps, err := admin.rbac.ListDepartments(ctx, connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		checkErr(t, "ListDepartments", err, 0, "")
		dept, err := admin.rbac.CreateDepartment(ctx, connect.NewRequest(&rbacv1.CreateDepartmentRequest{
			ParentId: deps.Msg.Departments[0].Id, Name: "徐汇区组织管理科", OrgId: xuhui,
		}))
		checkErr(t, "CreateDepartment", err, 0, "")
		_, err = admin.rbac.CreateStaff(ctx, connect.NewRequest(&rbacv1.CreateStaffRequest{
			Username: "xuhui_org_users", Name: "徐汇组织科员", DepartmentId: dept.Msg.Department.Id,
			RoleIds: []string{s.api(admin.token).roleByKey(t, "district_admin").Id},
		}))
		checkErr(t, "CreateStaff", err, 0, "")
		clerk := s.staff(t, "xuhui_org_users")
		menus, err := clerk.rbac.ListMyMenus(ctx, connect.NewRequest(&rbacv1.ListMyMenusRequest{}))
		checkErr(t, "ListMyMenus", err, 0, "")
		for _, perm := range []string{"org:admin:list", "org:group:list", "org:group:edit", "org:tag:edit", "org:org:code"} {
			if !slices.Contains(menus.Msg.Permissions, perm) {
				t.Errorf("district staff permissions %v lack %s", menus.Msg.Permissions, perm)
			}
		}
		if slices.Contains(menus.Msg.Permissions, "org:admin:grant") {
			t.Error("district staff may grant org admins")
		}

		orgsOf := func(as golden, req *orgv1.ListOrgUsersRequest) ([]string, error) {
			res, err := as.orgAdmin().ListOrgUsers(ctx, connect.NewRequest(req))
			if err != nil {
				return nil, err
			}
			var out []string
			for _, u := range res.Msg.Users {
				if !slices.Contains(out, u.OrgId) {
					out = append(out, u.OrgId)
				}
				if u.NameMasked == "" || !strings.Contains(u.NameMasked, "*") {
					t.Errorf("user %v shows an unmasked name", u)
				}
			}
			return out, nil
		}
		for _, tc := range []struct {
			name        string
			as          golden
			req         *orgv1.ListOrgUsersRequest
			want, never []string
			wantCode    connect.Code
			wantReason  string
		}{
			{"区级后台看本区", clerk, &orgv1.ListOrgUsersRequest{PageSize: 200}, []string{xuhui, xujiahui, tianpinglu}, []string{s.orgByName(t, "黄浦区志愿者协会")}, 0, ""},
			{"区级负责人看下级", chenXuhui, &orgv1.ListOrgUsersRequest{OrgId: xujiahui}, []string{xujiahui}, nil, 0, ""},
			{"街道看本组织", wang, &orgv1.ListOrgUsersRequest{}, []string{xujiahui}, []string{xuhui, tianpinglu}, 0, ""},
			{"街道看不到上级", wang, &orgv1.ListOrgUsersRequest{OrgId: xuhui}, nil, nil, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"区级后台看不到外区", clerk, &orgv1.ListOrgUsersRequest{OrgId: s.orgByName(t, "黄浦区志愿者协会")}, nil, nil, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"分页标记无效", admin, &orgv1.ListOrgUsersRequest{PageToken: "!!"}, nil, nil, connect.CodeInvalidArgument, "PAGE_TOKEN_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := orgsOf(tc.as, tc.req)
				checkErr(t, "ListOrgUsers", err, tc.wantCode, tc.wantReason)
				for _, w := range tc.want {
					if !slices.Contains(got, w) {
						t.Errorf("orgs %v lack %s", got, w)
					}
				}
				for _, n := range tc.never {
					if slices.Contains(got, n) {
						t.Errorf("orgs %v hold %s", got, n)
					}
				}
			})
		}
		res, err := wang.orgAdmin().UpdateOrgUserContact(ctx, connect.NewRequest(&orgv1.UpdateOrgUserContactRequest{
			AccountId: wang.account(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui).Id, Phone: "13900001111", Duties: "全面负责",
		}))
		checkErr(t, "UpdateOrgUserContact", err, 0, "")
		if u := res.Msg.User; u.Duties != "全面负责" || u.PhoneMasked != "139****1111" || u.Role != orgv1.OrgUserRole_ORG_USER_ROLE_LEADER {
			t.Errorf("leader contact = %v", u)
		}
	})

	t.Run("组织标签", func(t *testing.T) {
		set := func(as golden, org string, src orgv1.OrgTagSource, tags ...string) error {
			_, err := as.orgAdmin().SetOrgTags(ctx, connect.NewRequest(&orgv1.SetOrgTagsRequest{OrgId: org, Source: src, Tags: tags}))
			return err
		}
		self, parent := orgv1.OrgTagSource_ORG_TAG_SOURCE_SELF, orgv1.OrgTagSource_ORG_TAG_SOURCE_PARENT
		checkErr(t, "parent sets parent tags", set(chenXuhui, xujiahui, parent, "优秀组织"), 0, "")
		checkErr(t, "org sets parent tags", set(wang, xujiahui, parent, "自封"), connect.CodePermissionDenied, "NOT_PARENT")
		checkErr(t, "child tags its parent", set(wang, xuhui, parent, "越权"), connect.CodePermissionDenied, "NOT_PARENT")
		checkErr(t, "parent edits the org's own tags", set(chenXuhui, xujiahui, self, "代改"), connect.CodePermissionDenied, "NOT_OWN_ORG")
		checkErr(t, "no source", set(wang, xujiahui, orgv1.OrgTagSource_ORG_TAG_SOURCE_UNSPECIFIED, "x"), connect.CodeInvalidArgument, "SOURCE_REQUIRED")
		res, err := admin.orgAdmin().GetOrgTags(ctx, connect.NewRequest(&orgv1.GetOrgTagsRequest{OrgId: xujiahui}))
		checkErr(t, "GetOrgTags", err, 0, "")
		if !slices.Equal(res.Msg.SelfTags, []string{"社区服务", "助老"}) || !slices.Equal(res.Msg.ParentTags, []string{"优秀组织"}) {
			t.Errorf("tags = %v", res.Msg)
		}
	})

	t.Run("组织分组", func(t *testing.T) {
		create := func(as golden, owner, name string, orgs ...string) (*orgv1.OrgGroup, error) {
			res, err := as.orgAdmin().CreateOrgGroup(ctx, connect.NewRequest(&orgv1.CreateOrgGroupRequest{OwnerOrgId: owner, Name: name, OrgIds: orgs}))
			if err != nil {
				return nil, err
			}
			return res.Msg.Group, nil
		}
		a, err := create(chenXuhui, xuhui, "示范街道", xujiahui)
		checkErr(t, "CreateOrgGroup", err, 0, "")
		b, err := create(chenXuhui, xuhui, "新建街道", xujiahui, tianpinglu)
		checkErr(t, "CreateOrgGroup", err, 0, "")
		_, err = create(wang, xuhui, "越权")
		checkErr(t, "child groups its parent's orgs", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
		_, err = create(chenXuhui, xuhui, "外区", s.orgByName(t, "黄浦区志愿者协会"))
		checkErr(t, "another district's org", err, connect.CodeInvalidArgument, "ORG_NOT_SUBORDINATE")
		_, err = create(chenXuhui, xuhui, "示范街道")
		checkErr(t, "same name", err, connect.CodeAlreadyExists, "GROUP_NAME_TAKEN")
		_, err = wang.orgAdmin().MergeOrgGroups(ctx, connect.NewRequest(&orgv1.MergeOrgGroupsRequest{GroupId: a.Id, FromGroupId: b.Id}))
		checkErr(t, "child merges", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
		m, err := chenXuhui.orgAdmin().MergeOrgGroups(ctx, connect.NewRequest(&orgv1.MergeOrgGroupsRequest{GroupId: a.Id, FromGroupId: b.Id}))
		checkErr(t, "MergeOrgGroups", err, 0, "")
		if g := m.Msg.Group; g.MemberCount != 2 || len(g.Merges) != 1 || g.Merges[0].FromName != "新建街道" || g.Merges[0].OrgsAdded != 1 {
			t.Errorf("merged = %v", g)
		}
		list, err := admin.orgAdmin().ListOrgGroups(ctx, connect.NewRequest(&orgv1.ListOrgGroupsRequest{OwnerOrgId: xuhui}))
		checkErr(t, "ListOrgGroups", err, 0, "")
		if len(list.Msg.Groups) != 1 || list.Msg.Groups[0].Id != a.Id {
			t.Errorf("groups = %v, want only %s", list.Msg.Groups, a.Id)
		}
		_, err = chenXuhui.orgAdmin().GetOrgGroup(ctx, connect.NewRequest(&orgv1.GetOrgGroupRequest{GroupId: b.Id}))
		checkErr(t, "merged-away group", err, connect.CodeNotFound, "GROUP_NOT_FOUND")
	})

	t.Run("组织码", func(t *testing.T) {
		res, err := wang.orgAdmin().GetOrgCodeLinks(ctx, connect.NewRequest(&orgv1.GetOrgCodeLinksRequest{OrgId: xujiahui}))
		checkErr(t, "GetOrgCodeLinks", err, 0, "")
		_, err = wang.orgAdmin().GetOrgCodeLinks(ctx, connect.NewRequest(&orgv1.GetOrgCodeLinksRequest{OrgId: xuhui}))
		checkErr(t, "child gets its parent's code", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
		_, err = admin.orgAdmin().GetOrgCodeLinks(ctx, connect.NewRequest(&orgv1.GetOrgCodeLinksRequest{OrgId: xuhui}))
		checkErr(t, "staff gets a code", err, 0, "")
		get := func(token, path string) (int, string, string) {
			t.Helper()
			resp, err := s.client(token).Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
		}
		for _, tc := range []struct {
			name, token, path string
			status            int
			ctype, contains   string
		}{
			{"PNG", "", res.Msg.PngUrl, http.StatusOK, "image/png", "PNG"},
			{"SVG", "", res.Msg.SvgUrl, http.StatusOK, "image/svg+xml", "<svg"},
			{"打印页", "", res.Msg.PrintUrl, http.StatusOK, "text/html; charset=utf-8", demo.OrgXujiahui},
			{"无凭证", "", "/codes/org/" + xujiahui + ".png", http.StatusUnauthorized, "text/plain; charset=utf-8", "凭证"},
			{"他组织的凭证", "", strings.Replace(res.Msg.PngUrl, xujiahui, tianpinglu, 1), http.StatusForbidden, "text/plain; charset=utf-8", "无效"},
			{"令牌", wang.token, "/codes/org/" + xujiahui + ".svg", http.StatusOK, "image/svg+xml", "<svg"},
			{"令牌越权", wang.token, "/codes/org/" + xuhui + ".svg", http.StatusForbidden, "text/plain; charset=utf-8", "范围"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, ctype, body := get(tc.token, tc.path)
				if status != tc.status || ctype != tc.ctype || !strings.Contains(body, tc.contains) {
					t.Errorf("GET %s = %d %s %.80q, want %d %s containing %q", tc.path, status, ctype, body, tc.status, tc.ctype, tc.contains)
				}
			})
		}

		// A volunteer's scanner reads the printed code to open the org's
		// page: anyone may resolve it, only an authentic org code resolves.
		_, _, page := get("", res.Msg.PrintUrl)
		code := regexp.MustCompile(`YO1\.[A-Z0-9]{130}`).FindString(page)
		if code == "" {
			t.Fatalf("the print page shows no org code: %.200q", page)
		}
		anon := orgv1connect.NewOrgDiscoveryServiceClient(s.client(""), s.URL)
		resolve := func(payload string) (*orgv1.ResolveOrgCodeResponse, error) {
			r, err := anon.ResolveOrgCode(ctx, connect.NewRequest(&orgv1.ResolveOrgCodeRequest{Payload: payload}))
			if err != nil {
				return nil, err
			}
			return r.Msg, nil
		}
		got, err := resolve(code)
		checkErr(t, "ResolveOrgCode", err, 0, "")
		if got.OrgId != xujiahui || got.Name != demo.OrgXujiahui {
			t.Errorf("the code resolves to %s %s, want %s %s", got.OrgId, got.Name, xujiahui, demo.OrgXujiahui)
		}
		// A character inside the signature changed (the last one may only
		// carry padding bits).
		forged := []byte(code)
		forged[100] = map[bool]byte{true: 'B', false: 'A'}[forged[100] == 'A']
		for _, bad := range []string{string(forged), "YV1.NOTACODE", ""} {
			_, err := resolve(bad)
			checkErr(t, "resolve "+bad, err, connect.CodeInvalidArgument, "CODE_INVALID")
		}
	})
}
