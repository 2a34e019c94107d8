package rbac

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
}

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
		Menus: []string{"system", "system.user", "system.user.add", "system.user.edit", "system.dept", "system.dept.add", "system.dept.edit", "monitor", "monitor.audit"}},
	{Key: "auditor", Name: "审计员", Scope: "all", Sort: 3, Remark: "只读查看审计日志",
		Menus: []string{"monitor", "monitor.audit"}},
	{Key: "citizen", Name: "市民", Scope: "self", Sort: 10, Remark: "所有登录市民（按账号类型授予）"},
	{Key: "volunteer", Name: "志愿者", Scope: "self", Sort: 11, Remark: "注册志愿者（按账号类型授予）"},
	{Key: "org_leader", Name: "组织负责人", Scope: "department_and_below", Sort: 12, Remark: "组织负责人（按账号类型授予）"},
	{Key: "org_admin", Name: "组织管理员", Scope: "department_and_below", Sort: 13, Remark: "组织管理员（按账号类型授予）"},
}
