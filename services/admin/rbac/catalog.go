package rbac

import "slices"

// Menu is an entry of the console's menu catalogue. The catalogue is
// declared here, in code, so that pages and permission strings change
// together; Bootstrap upserts it into rbac.menu at every start.
type Menu struct {
	ID         string
	ParentID   string
	Name       string
	Kind       string // directory, menu or button
	Path       string
	Permission string
	Icon       string
	Sort       int32
}

// Catalog is the menu catalogue, parents before children.
var Catalog = []Menu{
	{ID: "system", Name: "系统管理", Kind: "directory", Path: "/system", Icon: "Setting", Sort: 90},
	{ID: "system.user", ParentID: "system", Name: "用户管理", Kind: "menu", Path: "/system/user", Permission: "system:user:list", Icon: "User", Sort: 1},
	{ID: "system.user.add", ParentID: "system.user", Name: "新增用户", Kind: "button", Permission: "system:user:add", Sort: 1},
	{ID: "system.user.edit", ParentID: "system.user", Name: "分配角色", Kind: "button", Permission: "system:user:edit", Sort: 2},
	{ID: "system.role", ParentID: "system", Name: "角色管理", Kind: "menu", Path: "/system/role", Permission: "system:role:list", Icon: "UserFilled", Sort: 2},
	{ID: "system.role.query", ParentID: "system.role", Name: "角色查询", Kind: "button", Permission: "system:role:query", Sort: 1},
	{ID: "system.role.add", ParentID: "system.role", Name: "角色新增", Kind: "button", Permission: "system:role:add", Sort: 2},
	{ID: "system.role.edit", ParentID: "system.role", Name: "角色修改", Kind: "button", Permission: "system:role:edit", Sort: 3},
	{ID: "system.role.remove", ParentID: "system.role", Name: "角色删除", Kind: "button", Permission: "system:role:remove", Sort: 4},
	{ID: "system.dept", ParentID: "system", Name: "部门管理", Kind: "menu", Path: "/system/dept", Permission: "system:dept:list", Icon: "OfficeBuilding", Sort: 3},
	{ID: "system.dept.add", ParentID: "system.dept", Name: "部门新增", Kind: "button", Permission: "system:dept:add", Sort: 1},
	{ID: "system.dept.edit", ParentID: "system.dept", Name: "部门修改", Kind: "button", Permission: "system:dept:edit", Sort: 2},
	{ID: "system.dept.remove", ParentID: "system.dept", Name: "部门删除", Kind: "button", Permission: "system:dept:remove", Sort: 3},
	{ID: "system.menu", ParentID: "system", Name: "菜单管理", Kind: "menu", Path: "/system/menu", Permission: "system:menu:list", Icon: "Menu", Sort: 4},
	{ID: "monitor", Name: "系统监控", Kind: "directory", Path: "/monitor", Icon: "Monitor", Sort: 91},
	{ID: "monitor.audit", ParentID: "monitor", Name: "审计日志", Kind: "menu", Path: "/monitor/audit", Permission: "monitor:audit:list", Icon: "Document", Sort: 1},

	// The mobile apps' operations. These groups have no path: they hold
	// permissions for roles, not pages, so the console's sidebar leaves
	// them out.
	{ID: "app.h5", Name: "志愿者端", Kind: "directory", Icon: "Iphone", Sort: 80},
	{ID: "app.h5.register", ParentID: "app.h5", Name: "注册志愿者", Kind: "button", Permission: "volunteer:profile:register", Sort: 1},
	{ID: "app.h5.signup", ParentID: "app.h5", Name: "报名项目", Kind: "button", Permission: "volunteer:signup:add", Sort: 2},
	{ID: "app.h5.code", ParentID: "app.h5", Name: "亮码", Kind: "button", Permission: "volunteer:code:show", Sort: 3},
	{ID: "app.h5.records", ParentID: "app.h5", Name: "服务记录", Kind: "button", Permission: "volunteer:record:list", Sort: 4},
	{ID: "app.h5.org_register", ParentID: "app.h5", Name: "申请成立组织", Kind: "button", Permission: "org:org:register", Sort: 5},
	{ID: "app.org", Name: "组织端", Kind: "directory", Icon: "OfficeBuilding", Sort: 81},
	{ID: "app.org.org_review", ParentID: "app.org", Name: "审核下级组织", Kind: "button", Permission: "org:org:review", Sort: 1},
	{ID: "app.org.project_add", ParentID: "app.org", Name: "发布项目", Kind: "button", Permission: "org:project:add", Sort: 2},
	{ID: "app.org.project_review", ParentID: "app.org", Name: "审核下级项目", Kind: "button", Permission: "org:project:review", Sort: 3},
	{ID: "app.org.signup_review", ParentID: "app.org", Name: "报名审核", Kind: "button", Permission: "org:signup:review", Sort: 4},
	{ID: "app.org.project_close", ParentID: "app.org", Name: "结项", Kind: "button", Permission: "org:project:close", Sort: 5},
	{ID: "app.org.code", ParentID: "app.org", Name: "项目码", Kind: "button", Permission: "org:code:get", Sort: 6},
	{ID: "app.org.scan", ParentID: "app.org", Name: "扫码签到", Kind: "button", Permission: "checkin:scan:submit", Sort: 7},
	{ID: "app.org.attendance", ParentID: "app.org", Name: "考勤记录", Kind: "button", Permission: "org:attendance:list", Sort: 8},
	{ID: "app.org.attendance_review", ParentID: "app.org", Name: "考勤审核", Kind: "button", Permission: "org:attendance:review", Sort: 9},
	{ID: "app.org.attendance_add", ParentID: "app.org", Name: "补录服务时长", Kind: "button", Permission: "org:attendance:add", Sort: 10},
	{ID: "app.org.device_list", ParentID: "app.org", Name: "扫码设备", Kind: "button", Permission: "org:device:list", Sort: 11},
	{ID: "app.org.device_add", ParentID: "app.org", Name: "登记扫码设备", Kind: "button", Permission: "org:device:add", Sort: 12},
	{ID: "app.org.device_remove", ParentID: "app.org", Name: "停用扫码设备", Kind: "button", Permission: "org:device:remove", Sort: 13},
	{ID: "app.org.project_list", ParentID: "app.org", Name: "项目列表", Kind: "button", Permission: "org:project:list", Sort: 14},
	{ID: "app.org.org_list", ParentID: "app.org", Name: "组织架构", Kind: "button", Permission: "org:org:list", Sort: 15},
	{ID: "app.org.org_edit", ParentID: "app.org", Name: "编辑组织信息", Kind: "button", Permission: "org:org:edit", Sort: 16},
	{ID: "app.org.org_deactivate", ParentID: "app.org", Name: "停用/恢复下级组织", Kind: "button", Permission: "org:org:deactivate", Sort: 17},
	{ID: "app.org.project_edit", ParentID: "app.org", Name: "修改项目", Kind: "button", Permission: "org:project:edit", Sort: 18},
}

// Menus granted to the kind roles, by kind.
var (
	citizenMenus   = []string{"app.h5.register", "app.h5.org_register"}
	volunteerMenus = append(slices.Clip(citizenMenus), "app.h5.signup", "app.h5.code", "app.h5.records", "app.org.scan")
	orgMenus       = []string{
		"app.h5.org_register", "app.org.org_review", "app.org.project_add", "app.org.project_review",
		"app.org.signup_review", "app.org.project_close", "app.org.code", "app.org.scan",
		"app.org.attendance", "app.org.attendance_review", "app.org.attendance_add",
		"app.org.device_list", "app.org.device_add", "app.org.device_remove", "app.org.project_list",
		"app.org.org_list", "app.org.org_edit", "app.org.org_deactivate",
		"app.org.project_edit",
	}
)

// builtinRole is a role yima ships. Kind roles are granted by an account's
// kind rather than by assignment.
type builtinRole struct {
	Key, Name, Scope, Remark string
	Sort                     int32
	Menus                    []string
}

// AdminRole is the key of the super administrator, who holds every
// permission.
const AdminRole = "admin"

var builtinRoles = []builtinRole{
	{Key: AdminRole, Name: "超级管理员", Scope: "all", Sort: 1, Remark: "拥有全部权限"},
	{Key: "district_admin", Name: "区级管理员", Scope: "department_and_below", Sort: 2, Remark: "管理本区及下级部门",
		Menus: []string{"system", "system.user", "system.user.add", "system.user.edit", "system.dept", "system.dept.add", "system.dept.edit", "monitor", "monitor.audit",
			"app.org.org_review", "app.org.project_review", "app.org.project_list",
			"app.org.org_list", "app.org.org_edit", "app.org.org_deactivate",
			"app.org.project_edit"}},
	{Key: "auditor", Name: "审计员", Scope: "all", Sort: 3, Remark: "只读查看审计日志",
		Menus: []string{"monitor", "monitor.audit"}},
	{Key: "citizen", Name: "市民", Scope: "self", Sort: 10, Remark: "所有登录市民（按账号类型授予）", Menus: citizenMenus},
	{Key: "volunteer", Name: "志愿者", Scope: "self", Sort: 11, Remark: "注册志愿者（按账号类型授予）", Menus: volunteerMenus},
	{Key: "org_leader", Name: "组织负责人", Scope: "department_and_below", Sort: 12, Remark: "组织负责人（按账号类型授予）", Menus: orgMenus},
	{Key: "org_admin", Name: "组织管理员", Scope: "department_and_below", Sort: 13, Remark: "组织管理员（按账号类型授予）", Menus: orgMenus},
}
