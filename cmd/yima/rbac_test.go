package main

import (
	"slices"
	"sort"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
)

// builtinRoleKeys are the roles every yima ships with.
var builtinRoleKeys = []string{"admin", "district_admin", "auditor", "citizen", "volunteer", "org_leader", "org_admin"}

// allRoles lists every role through ListRoles pages of size pageSize.
func (a api) allRoles(t testing.TB, pageSize int32) []*rbacv1.Role {
	t.Helper()
	var out []*rbacv1.Role
	req := &rbacv1.ListRolesRequest{PageSize: pageSize}
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("ListRoles keeps returning page tokens")
		}
		res, err := a.rbac.ListRoles(t.Context(), connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListRoles: %v", err)
		}
		if int32(len(res.Msg.Roles)) > pageSize {
			t.Fatalf("ListRoles page of %d roles, want at most %d", len(res.Msg.Roles), pageSize)
		}
		out = append(out, res.Msg.Roles...)
		if res.Msg.NextPageToken == "" {
			return out
		}
		req.PageToken = res.Msg.NextPageToken
	}
}

// roleByKey finds a role by key among all roles.
func (a api) roleByKey(t testing.TB, key string) *rbacv1.Role {
	t.Helper()
	for _, r := range a.allRoles(t, 200) {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no role %q", key)
	return nil
}

// rootDepartment returns the root of the department tree as admin sees it.
func (a api) rootDepartment(t testing.TB) *rbacv1.Department {
	t.Helper()
	res, err := a.rbac.ListDepartments(t.Context(), connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
	if err != nil {
		t.Fatalf("ListDepartments: %v", err)
	}
	if len(res.Msg.Departments) != 1 || res.Msg.Departments[0].ParentId != "" {
		t.Fatalf("department roots = %v, want the one root", res.Msg.Departments)
	}
	return res.Msg.Departments[0]
}

func (a api) createDepartment(t testing.TB, parent, name string) string {
	t.Helper()
	res, err := a.rbac.CreateDepartment(t.Context(), connect.NewRequest(&rbacv1.CreateDepartmentRequest{ParentId: parent, Name: name}))
	if err != nil {
		t.Fatalf("CreateDepartment(%s): %v", name, err)
	}
	if res.Msg.Department.ParentId != parent || res.Msg.Department.Name != name {
		t.Fatalf("CreateDepartment = %v, want %s under %s", res.Msg.Department, name, parent)
	}
	return res.Msg.Department.Id
}

func (a api) createRole(t testing.TB, req *rbacv1.CreateRoleRequest) *rbacv1.Role {
	t.Helper()
	res, err := a.rbac.CreateRole(t.Context(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("CreateRole(%s): %v (reason %q)", req.Key, err, reason(err))
	}
	return res.Msg.Role
}

func (a api) createStaff(t testing.TB, username, dept string, roles ...string) *rbacv1.Staff {
	t.Helper()
	res, err := a.rbac.CreateStaff(t.Context(), connect.NewRequest(&rbacv1.CreateStaffRequest{
		Username: username, Name: "测试" + username, DepartmentId: dept, RoleIds: roles,
	}))
	if err != nil {
		t.Fatalf("CreateStaff(%s): %v (reason %q)", username, err, reason(err))
	}
	return res.Msg.Staff
}

// flatten lists the ids of a department tree, parents first.
func flatten(ds []*rbacv1.Department) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Id)
		out = append(out, flatten(d.Children)...)
	}
	return out
}

// menuIDs lists the ids of a menu tree, parents first.
func menuIDs(ms []*rbacv1.Menu) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Id)
		out = append(out, menuIDs(m.Children)...)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestRoles drives role management as the super administrator: the built-in
// roles, create, read, update, copy, disable, delete, paging, and every way
// a request can be refused.
func TestRoles(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	anon := s.api("")
	adminToken := anon.login(t, &identityv1.DevLoginRequest{Username: "admin"})
	admin := s.api(adminToken)
	root := admin.rootDepartment(t)
	street := admin.createDepartment(t, root.Id, "徐汇区志愿服务中心")

	t.Run("内置角色", func(t *testing.T) {
		// Through gRPC too: the same handler answers both protocols.
		for _, c := range []api{admin, s.grpcAPI(t, adminToken)} {
			var keys []string
			for _, r := range c.allRoles(t, 200) {
				if slices.Contains(builtinRoleKeys, r.Key) {
					keys = append(keys, r.Key)
					if !r.Builtin || r.Status != rbacv1.RoleStatus_ROLE_STATUS_ACTIVE {
						t.Errorf("built-in role %s = %v, want builtin and active", r.Key, r)
					}
				}
			}
			if !slices.Equal(sorted(keys), sorted(builtinRoleKeys)) {
				t.Errorf("built-in roles = %v, want %v", keys, builtinRoleKeys)
			}
		}
		if r := admin.roleByKey(t, "district_admin"); r.DataScope != rbacv1.DataScope_DATA_SCOPE_DEPARTMENT_AND_BELOW {
			t.Errorf("district_admin scope = %v, want DEPARTMENT_AND_BELOW", r.DataScope)
		}
	})

	reviewerMenus := []string{"system", "system.role", "system.role.query"}
	var reviewer *rbacv1.Role
	t.Run("新建并读取角色", func(t *testing.T) {
		reviewer = admin.createRole(t, &rbacv1.CreateRoleRequest{
			Key: "street_reviewer", Name: "街道审核员", DataScope: rbacv1.DataScope_DATA_SCOPE_CUSTOM,
			Sort: 20, Remark: "审核街道项目", MenuIds: reviewerMenus, DepartmentIds: []string{street, root.Id},
		})
		res, err := admin.rbac.GetRole(t.Context(), connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: reviewer.Id}))
		checkErr(t, "GetRole", err, 0, "")
		got := res.Msg.Role
		if got.Key != "street_reviewer" || got.Name != "街道审核员" || got.DataScope != rbacv1.DataScope_DATA_SCOPE_CUSTOM ||
			got.Sort != 20 || got.Remark != "审核街道项目" || got.Builtin || got.Status != rbacv1.RoleStatus_ROLE_STATUS_ACTIVE || got.CreatedAt == nil {
			t.Errorf("GetRole = %v", got)
		}
		if !slices.Equal(sorted(got.MenuIds), sorted(reviewerMenus)) {
			t.Errorf("menus = %v, want %v", got.MenuIds, reviewerMenus)
		}
		if !slices.Equal(sorted(got.DepartmentIds), sorted([]string{street, root.Id})) {
			t.Errorf("departments = %v, want %v", got.DepartmentIds, []string{street, root.Id})
		}
	})

	t.Run("新建角色被拒", func(t *testing.T) {
		// req is a valid request changed by edit.
		req := func(edit func(r *rbacv1.CreateRoleRequest)) *rbacv1.CreateRoleRequest {
			r := &rbacv1.CreateRoleRequest{Key: "new_role", Name: "新角色", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF}
			edit(r)
			return r
		}
		for _, tc := range []struct {
			name       string
			req        *rbacv1.CreateRoleRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"标识重复", req(func(r *rbacv1.CreateRoleRequest) { r.Key = "street_reviewer" }), connect.CodeAlreadyExists, "ROLE_KEY_TAKEN"},
			{"与内置角色标识重复", req(func(r *rbacv1.CreateRoleRequest) { r.Key = "admin" }), connect.CodeAlreadyExists, "ROLE_KEY_TAKEN"},
			{"标识含大写和连字符", req(func(r *rbacv1.CreateRoleRequest) { r.Key = "Bad-Key" }), connect.CodeInvalidArgument, "ROLE_KEY_INVALID"},
			{"标识以数字开头", req(func(r *rbacv1.CreateRoleRequest) { r.Key = "1role" }), connect.CodeInvalidArgument, "ROLE_KEY_INVALID"},
			{"标识过短", req(func(r *rbacv1.CreateRoleRequest) { r.Key = "r" }), connect.CodeInvalidArgument, "ROLE_KEY_INVALID"},
			{"名称为空", req(func(r *rbacv1.CreateRoleRequest) { r.Name = "" }), connect.CodeInvalidArgument, "ROLE_NAME_INVALID"},
			{"未选数据范围", req(func(r *rbacv1.CreateRoleRequest) { r.DataScope = rbacv1.DataScope_DATA_SCOPE_UNSPECIFIED }), connect.CodeInvalidArgument, "DATA_SCOPE_INVALID"},
			{"未知菜单", req(func(r *rbacv1.CreateRoleRequest) { r.MenuIds = []string{"system.role", "system.nuke"} }), connect.CodeInvalidArgument, "MENU_UNKNOWN"},
			{"未知部门", req(func(r *rbacv1.CreateRoleRequest) {
				r.DataScope, r.DepartmentIds = rbacv1.DataScope_DATA_SCOPE_CUSTOM, []string{uuid.NewString()}
			}), connect.CodeInvalidArgument, "DEPARTMENT_UNKNOWN"},
			{"部门ID格式错误", req(func(r *rbacv1.CreateRoleRequest) {
				r.DataScope, r.DepartmentIds = rbacv1.DataScope_DATA_SCOPE_CUSTOM, []string{"徐汇"}
			}), connect.CodeInvalidArgument, "ID_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := admin.rbac.CreateRole(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "CreateRole", err, tc.wantCode, tc.wantReason)
			})
		}
		if r := admin.roleByKey(t, "street_reviewer"); r.Id != reviewer.Id || r.Name != "街道审核员" {
			t.Errorf("refused requests changed the existing role: %v", r)
		}
	})

	t.Run("修改角色", func(t *testing.T) {
		res, err := admin.rbac.UpdateRole(t.Context(), connect.NewRequest(&rbacv1.UpdateRoleRequest{
			RoleId: reviewer.Id, Name: "街道项目审核员", DataScope: rbacv1.DataScope_DATA_SCOPE_DEPARTMENT,
			Sort: 21, Remark: "改为本部门", MenuIds: []string{"system", "system.dept"},
			DepartmentIds: []string{street}, // ignored: not a custom scope
		}))
		checkErr(t, "UpdateRole", err, 0, "")
		got, err := admin.rbac.GetRole(t.Context(), connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: reviewer.Id}))
		checkErr(t, "GetRole", err, 0, "")
		r := got.Msg.Role
		if r.Key != "street_reviewer" || r.Name != "街道项目审核员" || r.DataScope != rbacv1.DataScope_DATA_SCOPE_DEPARTMENT ||
			r.Sort != 21 || r.Remark != "改为本部门" || len(r.DepartmentIds) != 0 ||
			!slices.Equal(sorted(r.MenuIds), []string{"system", "system.dept"}) {
			t.Errorf("after UpdateRole GetRole = %v", r)
		}
		if !slices.Equal(sorted(res.Msg.Role.MenuIds), sorted(r.MenuIds)) || res.Msg.Role.Name != r.Name {
			t.Errorf("UpdateRole answered %v, GetRole %v", res.Msg.Role, r)
		}
		adminRole := admin.roleByKey(t, "admin")
		for _, tc := range []struct {
			name       string
			req        *rbacv1.UpdateRoleRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"超级管理员", &rbacv1.UpdateRoleRequest{RoleId: adminRole.Id, Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF}, connect.CodeFailedPrecondition, "ROLE_BUILTIN"},
			{"不存在", &rbacv1.UpdateRoleRequest{RoleId: uuid.NewString(), Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF}, connect.CodeNotFound, "ROLE_NOT_FOUND"},
			{"未知菜单", &rbacv1.UpdateRoleRequest{RoleId: reviewer.Id, Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF, MenuIds: []string{"nope"}}, connect.CodeInvalidArgument, "MENU_UNKNOWN"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := admin.rbac.UpdateRole(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "UpdateRole", err, tc.wantCode, tc.wantReason)
			})
		}
	})

	var copied *rbacv1.Role
	t.Run("复制角色", func(t *testing.T) {
		src := admin.createRole(t, &rbacv1.CreateRoleRequest{
			Key: "custom_viewer", Name: "自定义查看", DataScope: rbacv1.DataScope_DATA_SCOPE_CUSTOM,
			Sort: 30, MenuIds: []string{"monitor", "monitor.audit"}, DepartmentIds: []string{street},
		})
		res, err := admin.rbac.CopyRole(t.Context(), connect.NewRequest(&rbacv1.CopyRoleRequest{RoleId: src.Id, Key: "custom_viewer_2", Name: "自定义查看（副本）"}))
		checkErr(t, "CopyRole", err, 0, "")
		copied = res.Msg.Role
		if copied.Id == src.Id || copied.Key != "custom_viewer_2" || copied.Name != "自定义查看（副本）" || copied.Builtin ||
			copied.DataScope != src.DataScope || !slices.Equal(sorted(copied.MenuIds), sorted(src.MenuIds)) ||
			!slices.Equal(copied.DepartmentIds, src.DepartmentIds) {
			t.Errorf("CopyRole = %v, want a copy of %v", copied, src)
		}
		_, err = admin.rbac.CopyRole(t.Context(), connect.NewRequest(&rbacv1.CopyRoleRequest{RoleId: src.Id, Key: "custom_viewer_2", Name: "再复制"}))
		checkErr(t, "CopyRole to a taken key", err, connect.CodeAlreadyExists, "ROLE_KEY_TAKEN")
		_, err = admin.rbac.CopyRole(t.Context(), connect.NewRequest(&rbacv1.CopyRoleRequest{RoleId: uuid.NewString(), Key: "ghost_copy", Name: "幽灵"}))
		checkErr(t, "CopyRole of a missing role", err, connect.CodeNotFound, "ROLE_NOT_FOUND")
		// The built-in district admin copies into an editable role.
		res, err = admin.rbac.CopyRole(t.Context(), connect.NewRequest(&rbacv1.CopyRoleRequest{RoleId: admin.roleByKey(t, "district_admin").Id, Key: "district_admin_lite", Name: "区级管理员（精简）"}))
		checkErr(t, "CopyRole of a built-in", err, 0, "")
		if res.Msg.Role.Builtin || res.Msg.Role.DataScope != rbacv1.DataScope_DATA_SCOPE_DEPARTMENT_AND_BELOW || len(res.Msg.Role.MenuIds) == 0 {
			t.Errorf("copy of district_admin = %v", res.Msg.Role)
		}
	})

	t.Run("停用启用", func(t *testing.T) {
		res, err := admin.rbac.DisableRole(t.Context(), connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: copied.Id}))
		checkErr(t, "DisableRole", err, 0, "")
		if res.Msg.Role.Status != rbacv1.RoleStatus_ROLE_STATUS_DISABLED {
			t.Errorf("DisableRole status = %v", res.Msg.Role.Status)
		}
		list, err := admin.rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{Status: rbacv1.RoleStatus_ROLE_STATUS_DISABLED}))
		checkErr(t, "ListRoles(disabled)", err, 0, "")
		if len(list.Msg.Roles) != 1 || list.Msg.Roles[0].Id != copied.Id {
			t.Errorf("disabled roles = %v, want only %s", list.Msg.Roles, copied.Key)
		}
		list, err = admin.rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{NameContains: "自定义查看"}))
		checkErr(t, "ListRoles(name)", err, 0, "")
		if len(list.Msg.Roles) != 2 {
			t.Errorf("roles named 自定义查看* = %v, want 2", list.Msg.Roles)
		}
		en, err := admin.rbac.EnableRole(t.Context(), connect.NewRequest(&rbacv1.EnableRoleRequest{RoleId: copied.Id}))
		checkErr(t, "EnableRole", err, 0, "")
		if en.Msg.Role.Status != rbacv1.RoleStatus_ROLE_STATUS_ACTIVE {
			t.Errorf("EnableRole status = %v", en.Msg.Role.Status)
		}
		_, err = admin.rbac.DisableRole(t.Context(), connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: admin.roleByKey(t, "admin").Id}))
		checkErr(t, "DisableRole(admin)", err, connect.CodeFailedPrecondition, "ROLE_BUILTIN")
		_, err = admin.rbac.DisableRole(t.Context(), connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: uuid.NewString()}))
		checkErr(t, "DisableRole(missing)", err, connect.CodeNotFound, "ROLE_NOT_FOUND")
	})

	t.Run("删除角色", func(t *testing.T) {
		held := admin.createRole(t, &rbacv1.CreateRoleRequest{Key: "held_role", Name: "已分配", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF})
		admin.createStaff(t, "holder", street, held.Id)
		for _, tc := range []struct {
			name       string
			id         string
			wantCode   connect.Code
			wantReason string
		}{
			{"内置角色", admin.roleByKey(t, "district_admin").Id, connect.CodeFailedPrecondition, "ROLE_BUILTIN"},
			{"超级管理员", admin.roleByKey(t, "admin").Id, connect.CodeFailedPrecondition, "ROLE_BUILTIN"},
			{"按类型授予的内置角色", admin.roleByKey(t, "citizen").Id, connect.CodeFailedPrecondition, "ROLE_BUILTIN"},
			{"已分配给后台用户", held.Id, connect.CodeFailedPrecondition, "ROLE_IN_USE"},
			{"不存在", uuid.NewString(), connect.CodeNotFound, "ROLE_NOT_FOUND"},
			{"未分配", copied.Id, 0, ""},
			{"再删一次", copied.Id, connect.CodeNotFound, "ROLE_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := admin.rbac.DeleteRole(t.Context(), connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: tc.id}))
				checkErr(t, "DeleteRole", err, tc.wantCode, tc.wantReason)
			})
		}
		_, err := admin.rbac.GetRole(t.Context(), connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: copied.Id}))
		checkErr(t, "GetRole after delete", err, connect.CodeNotFound, "ROLE_NOT_FOUND")
		if _, err := admin.rbac.GetRole(t.Context(), connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: held.Id})); err != nil {
			t.Errorf("held role gone after refused delete: %v", err)
		}
	})

	t.Run("分页", func(t *testing.T) {
		all := admin.allRoles(t, 200)
		if len(all) < 10 {
			t.Fatalf("only %d roles; paging by 2 needs more", len(all))
		}
		paged := admin.allRoles(t, 2)
		var want, got []string
		for _, r := range all {
			want = append(want, r.Id)
		}
		for _, r := range paged {
			got = append(got, r.Id)
		}
		if !slices.Equal(got, want) {
			t.Errorf("roles by pages of 2 = %v\nwant each once, in order: %v", got, want)
		}
		for _, tc := range []struct {
			name       string
			req        *rbacv1.ListRolesRequest
			wantReason string
		}{
			{"负的页大小", &rbacv1.ListRolesRequest{PageSize: -1}, "PAGE_SIZE_INVALID"},
			{"坏的分页标记", &rbacv1.ListRolesRequest{PageToken: "!!"}, "PAGE_TOKEN_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := admin.rbac.ListRoles(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "ListRoles", err, connect.CodeInvalidArgument, tc.wantReason)
			})
		}
	})

	t.Run("格式错误的ID", func(t *testing.T) {
		ctx := t.Context()
		for _, bad := range []string{"", "not-a-uuid", "12345", uuid.Nil.String(), "' OR 1=1 --"} {
			for _, tc := range []struct {
				name string
				call func() error
			}{
				{"GetRole", func() error {
					_, err := admin.rbac.GetRole(ctx, connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: bad}))
					return err
				}},
				{"UpdateRole", func() error {
					_, err := admin.rbac.UpdateRole(ctx, connect.NewRequest(&rbacv1.UpdateRoleRequest{RoleId: bad, Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF}))
					return err
				}},
				{"CopyRole", func() error {
					_, err := admin.rbac.CopyRole(ctx, connect.NewRequest(&rbacv1.CopyRoleRequest{RoleId: bad, Key: "copy_of_bad", Name: "x"}))
					return err
				}},
				{"DisableRole", func() error {
					_, err := admin.rbac.DisableRole(ctx, connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: bad}))
					return err
				}},
				{"EnableRole", func() error {
					_, err := admin.rbac.EnableRole(ctx, connect.NewRequest(&rbacv1.EnableRoleRequest{RoleId: bad}))
					return err
				}},
				{"DeleteRole", func() error {
					_, err := admin.rbac.DeleteRole(ctx, connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: bad}))
					return err
				}},
				{"CreateRole.department_ids", func() error {
					_, err := admin.rbac.CreateRole(ctx, connect.NewRequest(&rbacv1.CreateRoleRequest{Key: "bad_dept", Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_CUSTOM, DepartmentIds: []string{bad}}))
					return err
				}},
				{"CreateDepartment", func() error {
					_, err := admin.rbac.CreateDepartment(ctx, connect.NewRequest(&rbacv1.CreateDepartmentRequest{ParentId: bad, Name: "x"}))
					return err
				}},
				{"UpdateDepartment", func() error {
					_, err := admin.rbac.UpdateDepartment(ctx, connect.NewRequest(&rbacv1.UpdateDepartmentRequest{DepartmentId: bad, Name: "x"}))
					return err
				}},
				{"DeleteDepartment", func() error {
					_, err := admin.rbac.DeleteDepartment(ctx, connect.NewRequest(&rbacv1.DeleteDepartmentRequest{DepartmentId: bad}))
					return err
				}},
				{"CreateStaff.department_id", func() error {
					_, err := admin.rbac.CreateStaff(ctx, connect.NewRequest(&rbacv1.CreateStaffRequest{Username: "bad_staff", Name: "x", DepartmentId: bad}))
					return err
				}},
				{"CreateStaff.role_ids", func() error {
					_, err := admin.rbac.CreateStaff(ctx, connect.NewRequest(&rbacv1.CreateStaffRequest{Username: "bad_staff", Name: "x", DepartmentId: street, RoleIds: []string{bad}}))
					return err
				}},
				{"AssignRoles", func() error {
					_, err := admin.rbac.AssignRoles(ctx, connect.NewRequest(&rbacv1.AssignRolesRequest{AccountId: bad}))
					return err
				}},
				{"SwitchAccount", func() error {
					_, err := admin.identity.SwitchAccount(ctx, connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: bad}))
					return err
				}},
			} {
				checkErr(t, tc.name+"("+bad+")", tc.call(), connect.CodeInvalidArgument, "ID_INVALID")
			}
			// Optional ids are checked when given.
			if bad != "" {
				_, err := admin.rbac.ListStaff(ctx, connect.NewRequest(&rbacv1.ListStaffRequest{DepartmentId: bad}))
				checkErr(t, "ListStaff("+bad+")", err, connect.CodeInvalidArgument, "ID_INVALID")
				_, err = admin.audit.ListEntries(ctx, connect.NewRequest(&auditv1.ListEntriesRequest{PersonId: bad}))
				checkErr(t, "ListEntries("+bad+")", err, connect.CodeInvalidArgument, "ID_INVALID")
				_, err = admin.rbac.CreateDepartment(ctx, connect.NewRequest(&rbacv1.CreateDepartmentRequest{ParentId: root.Id, Name: "x", OrgId: bad}))
				checkErr(t, "CreateDepartment.org_id("+bad+")", err, connect.CodeInvalidArgument, "ID_INVALID")
			}
		}
		_, err := admin.rbac.GetRole(ctx, connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: uuid.NewString()}))
		checkErr(t, "GetRole(unknown)", err, connect.CodeNotFound, "ROLE_NOT_FOUND")
	})

	t.Run("市民无权管理角色", func(t *testing.T) {
		citizen := s.api(anon.login(t, &identityv1.DevLoginRequest{IdNumber: newCitizens(4).next(), Name: "周敏"}))
		_, err := citizen.rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{}))
		checkErr(t, "citizen ListRoles", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = citizen.rbac.CreateRole(t.Context(), connect.NewRequest(&rbacv1.CreateRoleRequest{Key: "sneaky", Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_ALL}))
		checkErr(t, "citizen CreateRole", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = citizen.rbac.ListDepartments(t.Context(), connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		checkErr(t, "citizen ListDepartments", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = citizen.audit.ListEntries(t.Context(), connect.NewRequest(&auditv1.ListEntriesRequest{}))
		checkErr(t, "citizen ListEntries", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = s.api("").rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{}))
		checkErr(t, "anonymous ListRoles", err, connect.CodeUnauthenticated, "TOKEN_MISSING")
		menus, err := citizen.rbac.ListMyMenus(t.Context(), connect.NewRequest(&rbacv1.ListMyMenusRequest{}))
		checkErr(t, "citizen ListMyMenus", err, 0, "")
		if len(menus.Msg.Menus) != 0 {
			t.Errorf("citizen menus = %v, want none", menuIDs(menus.Msg.Menus))
		}
	})
}

// TestStaffPermissions covers what back-office staff may do: a role
// granting one page, the effect of disabling it on a live token, the menus
// it shows, and the department data scope of a district administrator.
func TestStaffPermissions(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	anon := s.api("")
	admin := s.api(anon.login(t, &identityv1.DevLoginRequest{Username: "admin"}))
	root := admin.rootDepartment(t)
	xuhui := admin.createDepartment(t, root.Id, "徐汇区志愿服务工作部")
	fenglin := admin.createDepartment(t, xuhui, "枫林路街道")
	tianping := admin.createDepartment(t, fenglin, "天平路居委")
	huangpu := admin.createDepartment(t, root.Id, "黄浦区志愿服务工作部")

	reader := admin.createRole(t, &rbacv1.CreateRoleRequest{
		Key: "role_reader", Name: "角色查看", DataScope: rbacv1.DataScope_DATA_SCOPE_DEPARTMENT, MenuIds: []string{"system.role"},
	})
	staff := admin.createStaff(t, "role_reader_1", xuhui, reader.Id)
	if staff.DepartmentId != xuhui || !slices.Equal(staff.RoleIds, []string{reader.Id}) || staff.Username != "role_reader_1" {
		t.Fatalf("CreateStaff = %v", staff)
	}
	rr := s.api(anon.login(t, &identityv1.DevLoginRequest{Username: "role_reader_1"}))
	listRoles := func() error {
		_, err := rr.rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{}))
		return err
	}

	t.Run("只读角色", func(t *testing.T) {
		me := rr.me(t)
		if me.Account.Kind != identityv1.AccountKind_ACCOUNT_KIND_STAFF || me.Account.Id != staff.AccountId ||
			!slices.Equal(me.Permissions, []string{"system:role:list"}) {
			t.Errorf("GetMe = %v, want staff %s with system:role:list only", me, staff.AccountId)
		}
		checkErr(t, "ListRoles", listRoles(), 0, "")
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"CreateRole", func() error {
				_, err := rr.rbac.CreateRole(t.Context(), connect.NewRequest(&rbacv1.CreateRoleRequest{Key: "escalate", Name: "提权", DataScope: rbacv1.DataScope_DATA_SCOPE_ALL}))
				return err
			}},
			{"GetRole", func() error {
				_, err := rr.rbac.GetRole(t.Context(), connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: reader.Id}))
				return err
			}},
			{"DisableRole", func() error {
				_, err := rr.rbac.DisableRole(t.Context(), connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: reader.Id}))
				return err
			}},
			{"ListDepartments", func() error {
				_, err := rr.rbac.ListDepartments(t.Context(), connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
				return err
			}},
			{"AssignRoles", func() error {
				_, err := rr.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{AccountId: staff.AccountId, RoleIds: []string{admin.roleByKey(t, "admin").Id}}))
				return err
			}},
		} {
			checkErr(t, tc.name, tc.call(), connect.CodePermissionDenied, "PERMISSION_DENIED")
		}
		menus, err := rr.rbac.ListMyMenus(t.Context(), connect.NewRequest(&rbacv1.ListMyMenusRequest{}))
		checkErr(t, "ListMyMenus", err, 0, "")
		if got, want := menuIDs(menus.Msg.Menus), []string{"system", "system.role"}; !slices.Equal(got, want) {
			t.Errorf("ListMyMenus menus = %v, want %v: the role page under its directory", got, want)
		}
		if !slices.Equal(menus.Msg.Permissions, []string{"system:role:list"}) {
			t.Errorf("ListMyMenus permissions = %v, want [system:role:list]", menus.Msg.Permissions)
		}
	})

	t.Run("角色在用不能删除", func(t *testing.T) {
		_, err := admin.rbac.DeleteRole(t.Context(), connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: reader.Id}))
		checkErr(t, "DeleteRole", err, connect.CodeFailedPrecondition, "ROLE_IN_USE")
	})

	t.Run("停用角色立即收回权限", func(t *testing.T) {
		_, err := admin.rbac.DisableRole(t.Context(), connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: reader.Id}))
		checkErr(t, "DisableRole", err, 0, "")
		// Grants are cached up to 5 s on a node.
		eventually(t, 10*time.Second, func() error { return wantCode(listRoles(), connect.CodePermissionDenied, "PERMISSION_DENIED") })
		menus, err := rr.rbac.ListMyMenus(t.Context(), connect.NewRequest(&rbacv1.ListMyMenusRequest{}))
		checkErr(t, "ListMyMenus", err, 0, "")
		if len(menus.Msg.Menus) != 0 || len(menus.Msg.Permissions) != 0 {
			t.Errorf("ListMyMenus with a disabled role = %v %v, want nothing", menuIDs(menus.Msg.Menus), menus.Msg.Permissions)
		}
		if me := rr.me(t); len(me.Permissions) != 0 {
			t.Errorf("GetMe permissions with a disabled role = %v", me.Permissions)
		}
		_, err = admin.rbac.EnableRole(t.Context(), connect.NewRequest(&rbacv1.EnableRoleRequest{RoleId: reader.Id}))
		checkErr(t, "EnableRole", err, 0, "")
		eventually(t, 10*time.Second, listRoles)
	})

	t.Run("重新分配角色", func(t *testing.T) {
		auditor := admin.roleByKey(t, "auditor")
		res, err := admin.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{AccountId: staff.AccountId, RoleIds: []string{auditor.Id}}))
		checkErr(t, "AssignRoles", err, 0, "")
		if !slices.Equal(res.Msg.Staff.RoleIds, []string{auditor.Id}) {
			t.Errorf("AssignRoles roles = %v, want [%s]", res.Msg.Staff.RoleIds, auditor.Id)
		}
		eventually(t, 10*time.Second, func() error { return wantCode(listRoles(), connect.CodePermissionDenied, "PERMISSION_DENIED") })
		if _, err := rr.audit.ListEntries(t.Context(), connect.NewRequest(&auditv1.ListEntriesRequest{})); err != nil {
			t.Errorf("auditor ListEntries: %v", err)
		}
		// Now nobody holds role_reader.
		_, err = admin.rbac.DeleteRole(t.Context(), connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: reader.Id}))
		checkErr(t, "DeleteRole after reassignment", err, 0, "")
		_, err = admin.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{AccountId: staff.AccountId, RoleIds: []string{uuid.NewString()}}))
		checkErr(t, "AssignRoles(unknown role)", err, connect.CodeInvalidArgument, "ROLE_NOT_FOUND")
	})

	t.Run("区级管理员的数据范围", func(t *testing.T) {
		district := admin.roleByKey(t, "district_admin")
		admin.createStaff(t, "xuhui_admin", xuhui, district.Id)
		admin.createStaff(t, "fenglin_clerk", fenglin)
		admin.createStaff(t, "huangpu_admin", huangpu, district.Id)
		da := s.api(anon.login(t, &identityv1.DevLoginRequest{Username: "xuhui_admin"}))
		admin.createRole(t, &rbacv1.CreateRoleRequest{
			Key: "role_editor", Name: "角色编辑", DataScope: rbacv1.DataScope_DATA_SCOPE_DEPARTMENT, MenuIds: []string{"system.role", "system.role.edit"},
		})

		deps, err := da.rbac.ListDepartments(t.Context(), connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		checkErr(t, "ListDepartments", err, 0, "")
		if len(deps.Msg.Departments) != 1 || deps.Msg.Departments[0].Id != xuhui {
			t.Errorf("district admin's department roots = %v, want only 徐汇 %s", deps.Msg.Departments, xuhui)
		}
		if got, want := sorted(flatten(deps.Msg.Departments)), sorted([]string{xuhui, fenglin, tianping}); !slices.Equal(got, want) {
			t.Errorf("district admin sees departments %v, want %v", got, want)
		}

		staffNames := func(c api, under string) []string {
			t.Helper()
			res, err := c.rbac.ListStaff(t.Context(), connect.NewRequest(&rbacv1.ListStaffRequest{DepartmentId: under, PageSize: 200}))
			checkErr(t, "ListStaff", err, 0, "")
			var out []string
			for _, st := range res.Msg.Staff {
				out = append(out, st.Username)
			}
			return out
		}
		if got, want := staffNames(da, ""), []string{"fenglin_clerk", "role_reader_1", "xuhui_admin"}; !slices.Equal(got, want) {
			t.Errorf("district admin ListStaff = %v, want %v", got, want)
		}
		if got := staffNames(da, huangpu); len(got) != 0 {
			t.Errorf("district admin ListStaff under 黄浦 = %v, want none", got)
		}
		if got, want := staffNames(da, fenglin), []string{"fenglin_clerk"}; !slices.Equal(got, want) {
			t.Errorf("district admin ListStaff under 枫林 = %v, want %v", got, want)
		}
		if got, want := staffNames(admin, ""), []string{"admin", "fenglin_clerk", "huangpu_admin", "role_reader_1", "xuhui_admin"}; !slices.Equal(got, want) {
			t.Errorf("admin ListStaff = %v, want %v", got, want)
		}

		for _, tc := range []struct {
			name       string
			call       func() error
			wantCode   connect.Code
			wantReason string
		}{
			{"改本区下级部门", func() error {
				_, err := da.rbac.UpdateDepartment(t.Context(), connect.NewRequest(&rbacv1.UpdateDepartmentRequest{DepartmentId: fenglin, Name: "枫林路街道办事处", Sort: 2}))
				return err
			}, 0, ""},
			{"改外区部门", func() error {
				_, err := da.rbac.UpdateDepartment(t.Context(), connect.NewRequest(&rbacv1.UpdateDepartmentRequest{DepartmentId: huangpu, Name: "改名"}))
				return err
			}, connect.CodeNotFound, "DEPARTMENT_NOT_FOUND"},
			{"改上级根部门", func() error {
				_, err := da.rbac.UpdateDepartment(t.Context(), connect.NewRequest(&rbacv1.UpdateDepartmentRequest{DepartmentId: root.Id, Name: "改名"}))
				return err
			}, connect.CodeNotFound, "DEPARTMENT_NOT_FOUND"},
			{"在外区建部门", func() error {
				_, err := da.rbac.CreateDepartment(t.Context(), connect.NewRequest(&rbacv1.CreateDepartmentRequest{ParentId: huangpu, Name: "外滩街道"}))
				return err
			}, connect.CodeNotFound, "DEPARTMENT_NOT_FOUND"},
			{"在本区建部门", func() error {
				_, err := da.rbac.CreateDepartment(t.Context(), connect.NewRequest(&rbacv1.CreateDepartmentRequest{ParentId: xuhui, Name: "湖南路街道"}))
				return err
			}, 0, ""},
			{"在外区建用户", func() error {
				_, err := da.rbac.CreateStaff(t.Context(), connect.NewRequest(&rbacv1.CreateStaffRequest{Username: "intruder", Name: "外人", DepartmentId: huangpu}))
				return err
			}, connect.CodeNotFound, "DEPARTMENT_NOT_FOUND"},
			{"给外区用户分配角色", func() error {
				huangpuStaff := staffByName(t, admin, "huangpu_admin")
				_, err := da.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{AccountId: huangpuStaff.AccountId}))
				return err
			}, connect.CodeNotFound, "STAFF_NOT_FOUND"},
			// Holding system:user:add and system:user:edit never lifts a
			// district admin above themselves.
			{"新建超级管理员", func() error {
				_, err := da.rbac.CreateStaff(t.Context(), connect.NewRequest(&rbacv1.CreateStaffRequest{
					Username: "sneaky_admin", Name: "提权", DepartmentId: fenglin, RoleIds: []string{admin.roleByKey(t, "admin").Id}}))
				return err
			}, connect.CodePermissionDenied, "ROLE_NOT_GRANTABLE"},
			{"给自己分配超级管理员", func() error {
				self := staffByName(t, admin, "xuhui_admin")
				_, err := da.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{
					AccountId: self.AccountId, RoleIds: []string{district.Id, admin.roleByKey(t, "admin").Id}}))
				return err
			}, connect.CodePermissionDenied, "ROLE_NOT_GRANTABLE"},
			{"分配全市数据范围的角色", func() error {
				clerk := staffByName(t, admin, "fenglin_clerk")
				_, err := da.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{
					AccountId: clerk.AccountId, RoleIds: []string{admin.roleByKey(t, "auditor").Id}}))
				return err
			}, connect.CodePermissionDenied, "ROLE_NOT_GRANTABLE"},
			{"分配超出自身权限的角色", func() error {
				clerk := staffByName(t, admin, "fenglin_clerk")
				_, err := da.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{
					AccountId: clerk.AccountId, RoleIds: []string{admin.roleByKey(t, "role_editor").Id}}))
				return err
			}, connect.CodePermissionDenied, "ROLE_NOT_GRANTABLE"},
			{"分配自己的角色", func() error {
				clerk := staffByName(t, admin, "fenglin_clerk")
				_, err := da.rbac.AssignRoles(t.Context(), connect.NewRequest(&rbacv1.AssignRolesRequest{
					AccountId: clerk.AccountId, RoleIds: []string{district.Id}}))
				return err
			}, 0, ""},
			{"删除部门无权限", func() error {
				_, err := da.rbac.DeleteDepartment(t.Context(), connect.NewRequest(&rbacv1.DeleteDepartmentRequest{DepartmentId: tianping}))
				return err
			}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"管理角色无权限", func() error {
				_, err := da.rbac.ListRoles(t.Context(), connect.NewRequest(&rbacv1.ListRolesRequest{}))
				return err
			}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.name, tc.call(), tc.wantCode, tc.wantReason) })
		}
		menus, err := da.rbac.ListMyMenus(t.Context(), connect.NewRequest(&rbacv1.ListMyMenusRequest{}))
		checkErr(t, "ListMyMenus", err, 0, "")
		if got, want := sorted(menuIDs(menus.Msg.Menus)), []string{"message", "message.send", "message.sent", "monitor", "monitor.audit",
			"org", "org.certificate", "org.groups", "org.info", "org.review", "org.users", "project", "project.info", "project.review",
			"system", "system.dept", "system.user", "volunteer", "volunteer.cards", "volunteer.list"}; !slices.Equal(got, want) {
			t.Errorf("district admin menus = %v, want %v (pages and directories, no buttons)", got, want)
		}
	})

	t.Run("删除部门", func(t *testing.T) {
		empty := admin.createDepartment(t, huangpu, "空部门")
		for _, tc := range []struct {
			name       string
			id         string
			wantCode   connect.Code
			wantReason string
		}{
			{"有下级部门", xuhui, connect.CodeFailedPrecondition, "DEPARTMENT_NOT_EMPTY"},
			{"有用户", huangpu, connect.CodeFailedPrecondition, "DEPARTMENT_NOT_EMPTY"},
			{"根部门", root.Id, connect.CodeFailedPrecondition, "DEPARTMENT_ROOT"},
			{"不存在", uuid.NewString(), connect.CodeNotFound, "DEPARTMENT_NOT_FOUND"},
			{"空部门", empty, 0, ""},
			{"再删一次", empty, connect.CodeNotFound, "DEPARTMENT_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := admin.rbac.DeleteDepartment(t.Context(), connect.NewRequest(&rbacv1.DeleteDepartmentRequest{DepartmentId: tc.id}))
				checkErr(t, "DeleteDepartment", err, tc.wantCode, tc.wantReason)
			})
		}
	})
}

// staffByName finds a staff account by username.
func staffByName(t testing.TB, a api, username string) *rbacv1.Staff {
	t.Helper()
	res, err := a.rbac.ListStaff(t.Context(), connect.NewRequest(&rbacv1.ListStaffRequest{PageSize: 200}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Msg.Staff {
		if s.Username == username {
			return s
		}
	}
	t.Fatalf("no staff %s", username)
	return nil
}
