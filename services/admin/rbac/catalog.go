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
	// The dev SMS gateway's inbox; its RPC is served by `yima dev` only.
	{ID: "monitor.devsms", ParentID: "monitor", Name: "开发短信网关", Kind: "menu", Path: "/monitor/dev-sms", Permission: "monitor:sms:list", Icon: "ChatDotRound", Sort: 2},
	// Deciding the dev record-check department's cases (V6); its RPCs are
	// served by `yima dev` only. A button until the console has a page.
	{ID: "monitor.devrecordcheck", ParentID: "monitor", Name: "开发审查部门：无犯罪记录审查", Kind: "button", Permission: "monitor:recordcheck:decide", Sort: 3},
	// The push of volunteer cards to the city e-license library (V1): the
	// outbox in every mode, the dev library's register in `yima dev`.
	{ID: "monitor.develicense", ParentID: "monitor", Name: "电子证照推送", Kind: "menu", Path: "/monitor/dev-elicense", Permission: "monitor:elicense:list", Icon: "Files", Sort: 4},
	{ID: "monitor.develicense.retry", ParentID: "monitor.develicense", Name: "重试推送", Kind: "button", Permission: "monitor:elicense:retry", Sort: 1},

	// Notifications (S4): SMS and in-app messages to org users, and what
	// became of them.
	{ID: "message", Name: "消息通知", Kind: "directory", Path: "/message", Icon: "Message", Sort: 20},
	{ID: "message.send", ParentID: "message", Name: "发送短信", Kind: "menu", Path: "/message/send", Permission: "org:message:send", Icon: "ChatDotRound", Sort: 1},
	{ID: "message.sent", ParentID: "message", Name: "已发消息", Kind: "menu", Path: "/message/sent", Permission: "org:message:list", Icon: "Tickets", Sort: 2},

	// The back office's org and project pages (S2, S3, S6, S7): each page
	// opens with a list permission; what it lets one do are its buttons.
	{ID: "org", Name: "组织管理", Kind: "directory", Path: "/org", Icon: "OfficeBuilding", Sort: 10},
	{ID: "org.review", ParentID: "org", Name: "组织审核", Kind: "menu", Path: "/org/review", Permission: "org:org:list", Icon: "Stamp", Sort: 1},
	{ID: "org.review.approve", ParentID: "org.review", Name: "审核组织申请", Kind: "button", Permission: "org:org:review", Sort: 1},
	{ID: "org.review.edit", ParentID: "org.review", Name: "修改申请资料", Kind: "button", Permission: "org:org:edit", Sort: 2},
	{ID: "org.info", ParentID: "org", Name: "组织信息", Kind: "menu", Path: "/org/info", Permission: "org:org:list", Icon: "List", Sort: 2},
	{ID: "org.info.edit", ParentID: "org.info", Name: "修改组织", Kind: "button", Permission: "org:org:edit", Sort: 1},
	{ID: "org.info.deactivate", ParentID: "org.info", Name: "停用/恢复组织", Kind: "button", Permission: "org:org:deactivate", Sort: 2},
	{ID: "org.info.projects", ParentID: "org.info", Name: "查看组织项目", Kind: "button", Permission: "org:project:list", Sort: 3},
	{ID: "org.info.members", ParentID: "org.info", Name: "查看组织志愿者", Kind: "button", Permission: "org:member:list", Sort: 4},
	{ID: "org.info.tag", ParentID: "org.info", Name: "设置上级标签", Kind: "button", Permission: "org:tag:edit", Sort: 10},
	{ID: "org.info.code", ParentID: "org.info", Name: "组织码", Kind: "button", Permission: "org:org:code", Sort: 11},
	{ID: "org.users", ParentID: "org", Name: "组织用户", Kind: "menu", Path: "/org/users", Permission: "org:admin:list", Icon: "User", Sort: 10},
	{ID: "org.groups", ParentID: "org", Name: "组织分组", Kind: "menu", Path: "/org/groups", Permission: "org:group:list", Icon: "Menu", Sort: 11},
	{ID: "org.groups.edit", ParentID: "org.groups", Name: "编辑/合并分组", Kind: "button", Permission: "org:group:edit", Sort: 1},
	// The register of issued service certificates (S5).
	{ID: "org.certificate", ParentID: "org", Name: "服务证明登记", Kind: "menu", Path: "/org/certificates", Permission: "org:certificate:list", Icon: "Document", Sort: 20},
	// The volunteer archive (S1): the list opens with the list permission;
	// a volunteer's detail and its service records are its button.
	{ID: "volunteer", Name: "志愿者管理", Kind: "directory", Path: "/volunteer", Icon: "UserFilled", Sort: 9},
	{ID: "volunteer.list", ParentID: "volunteer", Name: "志愿者列表", Kind: "menu", Path: "/volunteer/list", Permission: "volunteer:volunteer:list", Icon: "List", Sort: 1},
	{ID: "volunteer.list.query", ParentID: "volunteer.list", Name: "志愿者档案详情", Kind: "button", Permission: "volunteer:volunteer:query", Sort: 1},
	// The archive of electronic volunteer cards (V1) and their sync to the
	// city e-license library.
	{ID: "volunteer.cards", ParentID: "volunteer", Name: "志愿者证", Kind: "menu", Path: "/volunteer/cards", Permission: "volunteer:card:query", Icon: "Tickets", Sort: 2},
	{ID: "project", Name: "项目管理", Kind: "directory", Path: "/project", Icon: "Files", Sort: 11},
	{ID: "project.review", ParentID: "project", Name: "项目审核", Kind: "menu", Path: "/project/review", Permission: "org:project:list", Icon: "Checked", Sort: 1},
	{ID: "project.review.approve", ParentID: "project.review", Name: "审核项目", Kind: "button", Permission: "org:project:review", Sort: 1},
	{ID: "project.review.edit", ParentID: "project.review", Name: "修改待审项目", Kind: "button", Permission: "org:project:edit", Sort: 2},
	{ID: "project.info", ParentID: "project", Name: "项目信息", Kind: "menu", Path: "/project/info", Permission: "org:project:list", Icon: "Tickets", Sort: 2},
	{ID: "project.info.code", ParentID: "project.info", Name: "项目签到码", Kind: "button", Permission: "org:code:get", Sort: 1},
	{ID: "project.info.roster", ParentID: "project.info", Name: "报名与录用名单", Kind: "button", Permission: "org:signup:list", Sort: 2},
	{ID: "project.info.tag", ParentID: "project.info", Name: "设置项目标签", Kind: "button", Permission: "org:project:tag", Sort: 3},

	// The mobile apps' operations. These groups have no path: they hold
	// permissions for roles, not pages, so the console's sidebar leaves
	// them out.
	{ID: "app.h5", Name: "志愿者端", Kind: "directory", Icon: "Iphone", Sort: 80},
	{ID: "app.h5.register", ParentID: "app.h5", Name: "注册志愿者", Kind: "button", Permission: "volunteer:profile:register", Sort: 1},
	{ID: "app.h5.signup", ParentID: "app.h5", Name: "报名项目", Kind: "button", Permission: "volunteer:signup:add", Sort: 2},
	{ID: "app.h5.code", ParentID: "app.h5", Name: "亮码", Kind: "button", Permission: "volunteer:code:show", Sort: 3},
	{ID: "app.h5.records", ParentID: "app.h5", Name: "服务记录", Kind: "button", Permission: "volunteer:record:list", Sort: 4},
	{ID: "app.h5.card", ParentID: "app.h5", Name: "电子志愿者证", Kind: "button", Permission: "volunteer:card:show", Sort: 6},
	{ID: "app.h5.org_register", ParentID: "app.h5", Name: "申请成立组织", Kind: "button", Permission: "org:org:register", Sort: 5},
	{ID: "app.h5.certificate", ParentID: "app.h5", Name: "申请服务证明", Kind: "button", Permission: "volunteer:certificate:apply", Sort: 70},
	{ID: "app.h5.record_check", ParentID: "app.h5", Name: "申请无犯罪记录证明", Kind: "button", Permission: "volunteer:recordcheck:apply", Sort: 71},
	{ID: "app.h5.org_join", ParentID: "app.h5", Name: "加入/退出组织", Kind: "button", Permission: "volunteer:org:join", Sort: 30},
	{ID: "app.h5.org_mine", ParentID: "app.h5", Name: "我的组织", Kind: "button", Permission: "volunteer:org:list", Sort: 31},
	{ID: "app.h5.signup_list", ParentID: "app.h5", Name: "我的报名", Kind: "button", Permission: "volunteer:signup:list", Sort: 60},
	{ID: "app.h5.rating", ParentID: "app.h5", Name: "我的评价", Kind: "button", Permission: "volunteer:rating:query", Sort: 61},
	{ID: "app.h5.profile", ParentID: "app.h5", Name: "个人中心", Kind: "button", Permission: "volunteer:profile:query", Sort: 80},
	{ID: "app.h5.profile_edit", ParentID: "app.h5", Name: "修改个人资料", Kind: "button", Permission: "volunteer:profile:edit", Sort: 81},
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
	{ID: "app.org.certificate_list", ParentID: "app.org", Name: "服务证明申请与登记", Kind: "button", Permission: "org:certificate:list", Sort: 70},
	{ID: "app.org.certificate_issue", ParentID: "app.org", Name: "出具服务证明", Kind: "button", Permission: "org:certificate:issue", Sort: 71},
	{ID: "app.org.message_send", ParentID: "app.org", Name: "发送消息", Kind: "button", Permission: "org:message:send", Sort: 40},
	{ID: "app.org.message_list", ParentID: "app.org", Name: "已发消息", Kind: "button", Permission: "org:message:list", Sort: 41},
	{ID: "app.org.member_list", ParentID: "app.org", Name: "成员列表", Kind: "button", Permission: "org:member:list", Sort: 30},
	{ID: "app.org.member_add", ParentID: "app.org", Name: "添加成员", Kind: "button", Permission: "org:member:add", Sort: 31},
	{ID: "app.org.member_remove", ParentID: "app.org", Name: "移除成员", Kind: "button", Permission: "org:member:remove", Sort: 32},
	{ID: "app.org.member_review", ParentID: "app.org", Name: "入会申请审核", Kind: "button", Permission: "org:member:review", Sort: 33},
	{ID: "app.org.member_group", ParentID: "app.org", Name: "成员分组", Kind: "button", Permission: "org:member:group", Sort: 34},
	{ID: "app.org.member_tag", ParentID: "app.org", Name: "成员标签", Kind: "button", Permission: "org:member:tag", Sort: 35},
	{ID: "app.org.admin_list", ParentID: "app.org", Name: "授权管理员与授权记录", Kind: "button", Permission: "org:admin:list", Sort: 50},
	{ID: "app.org.admin_grant", ParentID: "app.org", Name: "授权/撤销管理员（仅负责人）", Kind: "button", Permission: "org:admin:grant", Sort: 51},
	{ID: "app.org.tag_edit", ParentID: "app.org", Name: "组织标签", Kind: "button", Permission: "org:tag:edit", Sort: 52},
	{ID: "app.org.group_list", ParentID: "app.org", Name: "下级组织分组", Kind: "button", Permission: "org:group:list", Sort: 53},
	{ID: "app.org.group_edit", ParentID: "app.org", Name: "编辑/合并组织分组", Kind: "button", Permission: "org:group:edit", Sort: 54},
	{ID: "app.org.org_code", ParentID: "app.org", Name: "组织码", Kind: "button", Permission: "org:org:code", Sort: 55},
	{ID: "app.org.signup_list", ParentID: "app.org", Name: "报名与录用名单", Kind: "button", Permission: "org:signup:list", Sort: 60},
	{ID: "app.org.rating_add", ParentID: "app.org", Name: "评价志愿者", Kind: "button", Permission: "org:rating:add", Sort: 61},
	{ID: "app.org.rating_query", ParentID: "app.org", Name: "查看志愿者评价", Kind: "button", Permission: "volunteer:rating:query", Sort: 62},
	{ID: "app.org.project_tag", ParentID: "app.org", Name: "项目标签", Kind: "button", Permission: "org:project:tag", Sort: 63},
}

// Menus granted to the kind roles, by kind.
var (
	citizenMenus   = []string{"app.h5.register", "app.h5.org_register"}
	volunteerMenus = append(slices.Clip(citizenMenus), "app.h5.signup", "app.h5.code", "app.h5.records", "app.org.scan",
		"app.h5.org_join", "app.h5.org_mine", "app.h5.signup_list", "app.h5.rating",
		"app.h5.certificate", "app.h5.profile", "app.h5.profile_edit",
		"app.h5.record_check", "app.h5.card")
	orgMenus = []string{
		"app.h5.org_register", "app.org.org_review", "app.org.project_add", "app.org.project_review",
		"app.org.signup_review", "app.org.project_close", "app.org.code", "app.org.scan",
		"app.org.attendance", "app.org.attendance_review", "app.org.attendance_add",
		"app.org.device_list", "app.org.device_add", "app.org.device_remove", "app.org.project_list",
		"app.org.org_list", "app.org.org_edit", "app.org.org_deactivate",
		"app.org.project_edit",
		"app.org.member_list", "app.org.member_add", "app.org.member_remove", "app.org.member_review",
		"app.org.member_group", "app.org.member_tag",
		"app.org.message_send", "app.org.message_list",
		"app.org.admin_list", "app.org.tag_edit", "app.org.group_list", "app.org.group_edit", "app.org.org_code",
		"app.org.signup_list", "app.org.rating_add", "app.org.rating_query", "app.org.project_tag",
		"app.org.certificate_list", "app.org.certificate_issue",
	}
	// leaderMenus are orgMenus and what only the org's leader may do:
	// delegate admins.
	leaderMenus = append(slices.Clip(orgMenus), "app.org.admin_grant")
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
			"app.org.project_edit", "app.org.member_list",
			"message", "message.send", "message.sent",
			"org", "org.review", "org.review.approve", "org.review.edit", "org.info", "org.info.edit", "org.info.deactivate", "org.info.projects", "org.info.members",
			"org.info.tag", "org.info.code", "org.users", "org.groups", "org.groups.edit",
			"volunteer", "volunteer.list", "volunteer.list.query", "volunteer.cards",
			"project", "project.review", "project.review.approve", "project.review.edit",
			"project.info", "project.info.code", "project.info.roster", "project.info.tag",
			"app.org.rating_query",
			"org.certificate"}},
	{Key: "auditor", Name: "审计员", Scope: "all", Sort: 3, Remark: "只读查看审计日志",
		Menus: []string{"monitor", "monitor.audit"}},
	{Key: "citizen", Name: "市民", Scope: "self", Sort: 10, Remark: "所有登录市民（按账号类型授予）", Menus: citizenMenus},
	{Key: "volunteer", Name: "志愿者", Scope: "self", Sort: 11, Remark: "注册志愿者（按账号类型授予）", Menus: volunteerMenus},
	{Key: "org_leader", Name: "组织负责人", Scope: "department_and_below", Sort: 12, Remark: "组织负责人（按账号类型授予）", Menus: leaderMenus},
	{Key: "org_admin", Name: "组织管理员", Scope: "department_and_below", Sort: 13, Remark: "组织管理员（按账号类型授予）", Menus: orgMenus},
}
