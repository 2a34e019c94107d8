package rpc

import (
	"context"
	"slices"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	"yima/paging"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	"yima/rpc/gen/yima/rbac/v1/rbacv1connect"
	"yima/services/admin/rbac"
	"yima/store/db"
)

// rbacHandler serves RbacService over the rbac use cases.
type rbacHandler struct {
	rbacv1connect.UnimplementedRbacServiceHandler
	svc *rbac.Service
}

var _ rbacv1connect.RbacServiceHandler = (*rbacHandler)(nil)

var scopes = map[rbacv1.DataScope]access.Scope{
	rbacv1.DataScope_DATA_SCOPE_ALL:                  access.ScopeAll,
	rbacv1.DataScope_DATA_SCOPE_CUSTOM:               access.ScopeCustom,
	rbacv1.DataScope_DATA_SCOPE_DEPARTMENT:           access.ScopeDepartment,
	rbacv1.DataScope_DATA_SCOPE_DEPARTMENT_AND_BELOW: access.ScopeDepartmentAndBelow,
	rbacv1.DataScope_DATA_SCOPE_SELF:                 access.ScopeSelf,
}

func scopeToProto(s string) rbacv1.DataScope {
	for k, v := range scopes {
		if string(v) == s {
			return k
		}
	}
	return rbacv1.DataScope_DATA_SCOPE_UNSPECIFIED
}

var menuKinds = map[string]rbacv1.MenuKind{
	"directory": rbacv1.MenuKind_MENU_KIND_DIRECTORY,
	"menu":      rbacv1.MenuKind_MENU_KIND_MENU,
	"button":    rbacv1.MenuKind_MENU_KIND_BUTTON,
}

// menuTree nests menus under their parents, keeping only those keep accepts.
func menuTree(menus []db.RbacMenu, keep func(db.RbacMenu) bool) []*rbacv1.Menu {
	byParent := map[string][]*rbacv1.Menu{}
	for _, m := range menus {
		if !keep(m) {
			continue
		}
		byParent[m.ParentID.String] = append(byParent[m.ParentID.String], &rbacv1.Menu{
			Id: m.ID, ParentId: m.ParentID.String, Name: m.Name, Kind: menuKinds[m.Kind],
			Path: m.Path, Permission: m.Permission, Icon: m.Icon, Sort: m.Sort,
		})
	}
	var attach func(parent string) []*rbacv1.Menu
	attach = func(parent string) []*rbacv1.Menu {
		out := byParent[parent]
		for _, m := range out {
			m.Children = attach(m.Id)
		}
		return out
	}
	return attach("")
}

func (h *rbacHandler) ListMyMenus(ctx context.Context, req *connect.Request[rbacv1.ListMyMenusRequest]) (*connect.Response[rbacv1.ListMyMenusResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	menus, err := h.svc.Menus(ctx)
	if err != nil {
		return nil, err
	}
	// A granted page shows under its directories even when the role names
	// only the page; otherwise nothing would lead to it. Entries without a
	// path (the mobile apps' permission groups) are no console pages.
	parent := make(map[string]string, len(menus))
	for _, m := range menus {
		parent[m.ID] = m.ParentID.String
	}
	show := map[string]bool{}
	for _, m := range menus {
		if m.Kind == "button" || m.Path == "" || !slices.Contains(p.Grants.MenuIDs, m.ID) {
			continue
		}
		for id := m.ID; id != "" && !show[id]; id = parent[id] {
			show[id] = true
		}
	}
	tree := menuTree(menus, func(m db.RbacMenu) bool { return show[m.ID] })
	return connect.NewResponse(&rbacv1.ListMyMenusResponse{Menus: tree, Permissions: p.Grants.Permissions}), nil
}

func (h *rbacHandler) ListMenus(ctx context.Context, req *connect.Request[rbacv1.ListMenusRequest]) (*connect.Response[rbacv1.ListMenusResponse], error) {
	menus, err := h.svc.Menus(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.ListMenusResponse{Menus: menuTree(menus, func(db.RbacMenu) bool { return true })}), nil
}

func roleToProto(r db.RbacRole, menus []string, depts []uuid.UUID) *rbacv1.Role {
	status := rbacv1.RoleStatus_ROLE_STATUS_ACTIVE
	if r.Disabled {
		status = rbacv1.RoleStatus_ROLE_STATUS_DISABLED
	}
	out := &rbacv1.Role{
		Id: r.ID.String(), Key: r.Key, Name: r.Name, DataScope: scopeToProto(r.DataScope),
		Status: status, Builtin: r.Builtin, Sort: r.Sort, Remark: r.Remark,
		MenuIds: menus, CreatedAt: timestamppb.New(r.CreatedAt),
	}
	for _, d := range depts {
		out.DepartmentIds = append(out.DepartmentIds, d.String())
	}
	return out
}

func fullRole(r rbac.Role) *rbacv1.Role { return roleToProto(r.RbacRole, r.MenuIDs, r.Departments) }

func (h *rbacHandler) ListRoles(ctx context.Context, req *connect.Request[rbacv1.ListRolesRequest]) (*connect.Response[rbacv1.ListRolesResponse], error) {
	pg, err := paging.Parse(req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	var disabled *bool
	switch req.Msg.Status {
	case rbacv1.RoleStatus_ROLE_STATUS_ACTIVE:
		disabled = new(bool)
	case rbacv1.RoleStatus_ROLE_STATUS_DISABLED:
		disabled = new(bool)
		*disabled = true
	}
	rows, next, err := h.svc.ListRoles(ctx, req.Msg.NameContains, disabled, pg)
	if err != nil {
		return nil, err
	}
	res := &rbacv1.ListRolesResponse{NextPageToken: next}
	for _, r := range rows {
		res.Roles = append(res.Roles, roleToProto(r, nil, nil))
	}
	return connect.NewResponse(res), nil
}

func (h *rbacHandler) GetRole(ctx context.Context, req *connect.Request[rbacv1.GetRoleRequest]) (*connect.Response[rbacv1.GetRoleResponse], error) {
	id, err := parseID("role_id", req.Msg.RoleId)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.GetRole(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.GetRoleResponse{Role: fullRole(r)}), nil
}

func roleInput(key, name string, scope rbacv1.DataScope, sort int32, remark string, menus, depts []string) (rbac.RoleInput, error) {
	ds, err := parseIDs("department_ids", depts)
	if err != nil {
		return rbac.RoleInput{}, err
	}
	return rbac.RoleInput{Key: key, Name: name, Scope: scopes[scope], Sort: sort, Remark: remark, MenuIDs: menus, Departments: ds}, nil
}

func (h *rbacHandler) CreateRole(ctx context.Context, req *connect.Request[rbacv1.CreateRoleRequest]) (*connect.Response[rbacv1.CreateRoleResponse], error) {
	m := req.Msg
	in, err := roleInput(m.Key, m.Name, m.DataScope, m.Sort, m.Remark, m.MenuIds, m.DepartmentIds)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.CreateRole(ctx, in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.CreateRoleResponse{Role: fullRole(r)}), nil
}

func (h *rbacHandler) UpdateRole(ctx context.Context, req *connect.Request[rbacv1.UpdateRoleRequest]) (*connect.Response[rbacv1.UpdateRoleResponse], error) {
	m := req.Msg
	id, err := parseID("role_id", m.RoleId)
	if err != nil {
		return nil, err
	}
	in, err := roleInput("", m.Name, m.DataScope, m.Sort, m.Remark, m.MenuIds, m.DepartmentIds)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.UpdateRole(ctx, id, in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.UpdateRoleResponse{Role: fullRole(r)}), nil
}

func (h *rbacHandler) CopyRole(ctx context.Context, req *connect.Request[rbacv1.CopyRoleRequest]) (*connect.Response[rbacv1.CopyRoleResponse], error) {
	id, err := parseID("role_id", req.Msg.RoleId)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.CopyRole(ctx, id, req.Msg.Key, req.Msg.Name)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.CopyRoleResponse{Role: fullRole(r)}), nil
}

func (h *rbacHandler) setDisabled(ctx context.Context, roleID string, disabled bool) (*rbacv1.Role, error) {
	id, err := parseID("role_id", roleID)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.SetRoleDisabled(ctx, id, disabled)
	if err != nil {
		return nil, err
	}
	return fullRole(r), nil
}

func (h *rbacHandler) DisableRole(ctx context.Context, req *connect.Request[rbacv1.DisableRoleRequest]) (*connect.Response[rbacv1.DisableRoleResponse], error) {
	r, err := h.setDisabled(ctx, req.Msg.RoleId, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.DisableRoleResponse{Role: r}), nil
}

func (h *rbacHandler) EnableRole(ctx context.Context, req *connect.Request[rbacv1.EnableRoleRequest]) (*connect.Response[rbacv1.EnableRoleResponse], error) {
	r, err := h.setDisabled(ctx, req.Msg.RoleId, false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.EnableRoleResponse{Role: r}), nil
}

func (h *rbacHandler) DeleteRole(ctx context.Context, req *connect.Request[rbacv1.DeleteRoleRequest]) (*connect.Response[rbacv1.DeleteRoleResponse], error) {
	id, err := parseID("role_id", req.Msg.RoleId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteRole(ctx, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.DeleteRoleResponse{}), nil
}

func deptToProto(d db.RbacDepartment) *rbacv1.Department {
	out := &rbacv1.Department{Id: d.ID.String(), Name: d.Name, Sort: d.Sort}
	if d.ParentID.Valid {
		out.ParentId = d.ParentID.UUID.String()
	}
	if d.OrgID.Valid {
		out.OrgId = d.OrgID.UUID.String()
	}
	return out
}

func (h *rbacHandler) ListDepartments(ctx context.Context, req *connect.Request[rbacv1.ListDepartmentsRequest]) (*connect.Response[rbacv1.ListDepartmentsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := h.svc.Departments(ctx, p)
	if err != nil {
		return nil, err
	}
	// Departments come parents first; a visible department whose parent is
	// out of scope becomes a root of the caller's tree.
	nodes := map[string]*rbacv1.Department{}
	var roots []*rbacv1.Department
	for _, d := range ds {
		n := deptToProto(d)
		nodes[n.Id] = n
		if parent, ok := nodes[n.ParentId]; ok {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return connect.NewResponse(&rbacv1.ListDepartmentsResponse{Departments: roots}), nil
}

func (h *rbacHandler) CreateDepartment(ctx context.Context, req *connect.Request[rbacv1.CreateDepartmentRequest]) (*connect.Response[rbacv1.CreateDepartmentResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	parent, err := parseID("parent_id", req.Msg.ParentId)
	if err != nil {
		return nil, err
	}
	var org uuid.UUID
	if req.Msg.OrgId != "" {
		if org, err = parseID("org_id", req.Msg.OrgId); err != nil {
			return nil, err
		}
	}
	d, err := h.svc.CreateDepartment(ctx, p, parent, req.Msg.Name, org, req.Msg.Sort)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.CreateDepartmentResponse{Department: deptToProto(d)}), nil
}

func (h *rbacHandler) UpdateDepartment(ctx context.Context, req *connect.Request[rbacv1.UpdateDepartmentRequest]) (*connect.Response[rbacv1.UpdateDepartmentResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("department_id", req.Msg.DepartmentId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.UpdateDepartment(ctx, p, id, req.Msg.Name, req.Msg.Sort)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.UpdateDepartmentResponse{Department: deptToProto(d)}), nil
}

func (h *rbacHandler) DeleteDepartment(ctx context.Context, req *connect.Request[rbacv1.DeleteDepartmentRequest]) (*connect.Response[rbacv1.DeleteDepartmentResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("department_id", req.Msg.DepartmentId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteDepartment(ctx, p, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.DeleteDepartmentResponse{}), nil
}

func staffToProto(id uuid.UUID, username string, dept uuid.NullUUID, disabled bool, name string, roles []uuid.UUID) *rbacv1.Staff {
	out := &rbacv1.Staff{AccountId: id.String(), Username: username, Name: name, Disabled: disabled}
	if dept.Valid {
		out.DepartmentId = dept.UUID.String()
	}
	for _, r := range roles {
		out.RoleIds = append(out.RoleIds, r.String())
	}
	return out
}

func (h *rbacHandler) ListStaff(ctx context.Context, req *connect.Request[rbacv1.ListStaffRequest]) (*connect.Response[rbacv1.ListStaffResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	var under uuid.UUID
	if req.Msg.DepartmentId != "" {
		if under, err = parseID("department_id", req.Msg.DepartmentId); err != nil {
			return nil, err
		}
	}
	rows, next, err := h.svc.ListStaff(ctx, p, under, pg)
	if err != nil {
		return nil, err
	}
	res := &rbacv1.ListStaffResponse{NextPageToken: next}
	for _, r := range rows {
		res.Staff = append(res.Staff, staffToProto(r.ID, r.Username.String, r.DepartmentID, r.Disabled, r.Name, r.RoleIds))
	}
	return connect.NewResponse(res), nil
}

func (h *rbacHandler) CreateStaff(ctx context.Context, req *connect.Request[rbacv1.CreateStaffRequest]) (*connect.Response[rbacv1.CreateStaffResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	dept, err := parseID("department_id", req.Msg.DepartmentId)
	if err != nil {
		return nil, err
	}
	roles, err := parseIDs("role_ids", req.Msg.RoleIds)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.CreateStaff(ctx, p, req.Msg.Username, req.Msg.Name, dept, roles)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.CreateStaffResponse{Staff: staffToProto(s.ID, s.Username.String, s.DepartmentID, s.Disabled, s.Name, s.RoleIds)}), nil
}

func (h *rbacHandler) AssignRoles(ctx context.Context, req *connect.Request[rbacv1.AssignRolesRequest]) (*connect.Response[rbacv1.AssignRolesResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("account_id", req.Msg.AccountId)
	if err != nil {
		return nil, err
	}
	roles, err := parseIDs("role_ids", req.Msg.RoleIds)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.AssignRoles(ctx, p, id, roles)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&rbacv1.AssignRolesResponse{Staff: staffToProto(s.ID, s.Username.String, s.DepartmentID, s.Disabled, s.Name, s.RoleIds)}), nil
}
