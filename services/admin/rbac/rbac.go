// Package rbac is the back-office permission model administrators know from
// RuoYi: a department tree, roles with a data scope, and a menu catalogue of
// directories, pages and buttons carrying permission strings. It resolves
// what an account may do and manages roles, departments and staff.
package rbac

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// grantsTTL bounds how long resolved grants are trusted. Changes made on
// this node clear the cache at once; the TTL covers other nodes.
const grantsTTL = 5 * time.Second

// Service is the RBAC use cases.
type Service struct {
	st  *store.Store
	now func() time.Time
	log *slog.Logger

	mu     sync.Mutex
	grants map[uuid.UUID]cachedGrants
}

type cachedGrants struct {
	g  *access.Grants
	at time.Time
}

// New returns a Service.
func New(st *store.Store, now func() time.Time, log *slog.Logger) *Service {
	return &Service{st: st, now: now, log: log, grants: make(map[uuid.UUID]cachedGrants)}
}

// Grants resolves what p's account may do, cached for a few seconds.
func (s *Service) Grants(ctx context.Context, p *access.Principal) (*access.Grants, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.grants[p.AccountID]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < grantsTTL {
		return c.g, nil
	}
	g, err := s.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.grants[p.AccountID] = cachedGrants{g: g, at: now}
	s.mu.Unlock()
	return g, nil
}

// Forget clears every cached grant, after roles or assignments changed.
func (s *Service) Forget() {
	s.mu.Lock()
	clear(s.grants)
	s.mu.Unlock()
}

func (s *Service) resolve(ctx context.Context, p *access.Principal) (*access.Grants, error) {
	roles, err := s.st.Q.ListGrantingRoles(ctx, db.ListGrantingRolesParams{AccountID: p.AccountID, Key: p.Kind.String()})
	if err != nil {
		return nil, fmt.Errorf("list granting roles: %w", err)
	}
	g := &access.Grants{}
	ids := make([]uuid.UUID, 0, len(roles))
	admin := false
	for _, r := range roles {
		ids = append(ids, r.ID)
		g.Scopes = append(g.Scopes, access.Scope(r.DataScope))
		admin = admin || r.Key == AdminRole
	}
	if admin {
		g.Permissions = []string{access.AllPermissions}
		for _, m := range Catalog {
			g.MenuIDs = append(g.MenuIDs, m.ID)
		}
		return g, nil
	}
	if g.Permissions, err = s.st.Q.ListRolesPermissions(ctx, ids); err != nil {
		return nil, fmt.Errorf("list permissions: %w", err)
	}
	if g.MenuIDs, err = s.st.Q.ListRolesMenuIDs(ctx, ids); err != nil {
		return nil, fmt.Errorf("list menus: %w", err)
	}
	if g.HasScope(access.ScopeCustom) {
		if g.Departments, err = s.st.Q.ListRolesDepartmentIDs(ctx, ids); err != nil {
			return nil, fmt.Errorf("list custom departments: %w", err)
		}
	}
	return g, nil
}

// Visibility is the set of departments a principal's data scope covers.
type Visibility struct {
	// All is true when the scope is unlimited.
	All bool
	// Departments visible when not All.
	Departments []uuid.UUID
}

// Visible computes which departments p may see, the union over its roles.
func (s *Service) Visible(ctx context.Context, p *access.Principal) (Visibility, error) {
	g := p.Grants
	if g == nil {
		return Visibility{}, nil
	}
	if g.HasScope(access.ScopeAll) || g.Has(access.AllPermissions) {
		return Visibility{All: true}, nil
	}
	set := map[uuid.UUID]bool{}
	for _, d := range g.Departments {
		set[d] = true
	}
	if p.DepartmentID != uuid.Nil && (g.HasScope(access.ScopeDepartment) || g.HasScope(access.ScopeDepartmentAndBelow)) {
		set[p.DepartmentID] = true
		if g.HasScope(access.ScopeDepartmentAndBelow) {
			all, err := s.st.Q.ListDepartments(ctx)
			if err != nil {
				return Visibility{}, fmt.Errorf("list departments: %w", err)
			}
			for _, d := range all {
				if slices.Contains(d.Path, p.DepartmentID) {
					set[d.ID] = true
				}
			}
		}
	}
	v := Visibility{}
	for d := range set {
		v.Departments = append(v.Departments, d)
	}
	return v, nil
}

// Can reports whether v covers department d.
func (v Visibility) Can(d uuid.UUID) bool { return v.All || slices.Contains(v.Departments, d) }

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// RoleInput is the editable part of a role.
type RoleInput struct {
	Key         string
	Name        string
	Scope       access.Scope
	Sort        int32
	Remark      string
	MenuIDs     []string
	Departments []uuid.UUID
}

// Role is a role with its menus and custom departments.
type Role struct {
	db.RbacRole
	MenuIDs     []string
	Departments []uuid.UUID
}

func (s *Service) validateRole(ctx context.Context, q *db.Queries, in RoleInput) error {
	if in.Name == "" || len([]rune(in.Name)) > 64 {
		return fault.InvalidField("name", "ROLE_NAME_INVALID", "角色名称不能为空且不超过64个字")
	}
	switch in.Scope {
	case access.ScopeAll, access.ScopeCustom, access.ScopeDepartment, access.ScopeDepartmentAndBelow, access.ScopeSelf:
	default:
		return fault.InvalidField("data_scope", "DATA_SCOPE_INVALID", "请选择数据权限范围")
	}
	if n, err := q.CountMenus(ctx, in.MenuIDs); err != nil {
		return fmt.Errorf("count menus: %w", err)
	} else if int(n) != len(uniq(in.MenuIDs)) {
		return fault.InvalidField("menu_ids", "MENU_UNKNOWN", "包含不存在的菜单")
	}
	if n, err := q.CountDepartments(ctx, in.Departments); err != nil {
		return fmt.Errorf("count departments: %w", err)
	} else if int(n) != len(uniq(in.Departments)) {
		return fault.InvalidField("department_ids", "DEPARTMENT_UNKNOWN", "包含不存在的部门")
	}
	return nil
}

func (s *Service) setRoleLinks(ctx context.Context, q *db.Queries, id uuid.UUID, in RoleInput) error {
	if err := q.ClearRoleMenus(ctx, id); err != nil {
		return fmt.Errorf("clear role menus: %w", err)
	}
	if err := q.AddRoleMenus(ctx, db.AddRoleMenusParams{RoleID: id, MenuIds: uniq(in.MenuIDs)}); err != nil {
		return fmt.Errorf("add role menus: %w", err)
	}
	if err := q.ClearRoleDepartments(ctx, id); err != nil {
		return fmt.Errorf("clear role departments: %w", err)
	}
	var depts []uuid.UUID
	if in.Scope == access.ScopeCustom {
		depts = uniq(in.Departments)
	}
	if err := q.AddRoleDepartments(ctx, db.AddRoleDepartmentsParams{RoleID: id, DepartmentIds: depts}); err != nil {
		return fmt.Errorf("add role departments: %w", err)
	}
	return nil
}

// CreateRole adds a role.
func (s *Service) CreateRole(ctx context.Context, in RoleInput) (Role, error) {
	if !keyPattern.MatchString(in.Key) {
		return Role{}, fault.InvalidField("key", "ROLE_KEY_INVALID", "角色标识须为小写字母开头，由小写字母、数字和下划线组成")
	}
	var id uuid.UUID
	err := s.st.InTx(ctx, func(q *db.Queries) error {
		if err := s.validateRole(ctx, q, in); err != nil {
			return err
		}
		r, err := q.CreateRole(ctx, db.CreateRoleParams{Key: in.Key, Name: in.Name, DataScope: string(in.Scope), Sort: in.Sort, Remark: in.Remark})
		if err != nil {
			if store.ConstraintViolated(err) == "role_key_key" {
				return fault.New(fault.Conflict, "ROLE_KEY_TAKEN", "角色标识已被使用")
			}
			return fmt.Errorf("create role: %w", err)
		}
		id = r.ID
		return s.setRoleLinks(ctx, q, id, in)
	})
	if err != nil {
		return Role{}, err
	}
	return s.GetRole(ctx, id)
}

// UpdateRole replaces a role's editable fields. The super administrator
// role cannot be narrowed.
func (s *Service) UpdateRole(ctx context.Context, id uuid.UUID, in RoleInput) (Role, error) {
	err := s.st.InTx(ctx, func(q *db.Queries) error {
		r, err := q.GetRoleForUpdate(ctx, id)
		if store.IsNotFound(err) {
			return roleNotFound()
		}
		if err != nil {
			return fmt.Errorf("load role: %w", err)
		}
		if r.Key == AdminRole {
			return fault.New(fault.FailedPrecondition, "ROLE_BUILTIN", "超级管理员角色不可修改")
		}
		if err := s.validateRole(ctx, q, in); err != nil {
			return err
		}
		if _, err := q.UpdateRole(ctx, db.UpdateRoleParams{ID: id, Name: in.Name, DataScope: string(in.Scope), Sort: in.Sort, Remark: in.Remark}); err != nil {
			return fmt.Errorf("update role: %w", err)
		}
		return s.setRoleLinks(ctx, q, id, in)
	})
	if err != nil {
		return Role{}, err
	}
	s.Forget()
	return s.GetRole(ctx, id)
}

// CopyRole creates a role with another's scope and menus under a new key
// and name.
func (s *Service) CopyRole(ctx context.Context, id uuid.UUID, key, name string) (Role, error) {
	src, err := s.GetRole(ctx, id)
	if err != nil {
		return Role{}, err
	}
	return s.CreateRole(ctx, RoleInput{
		Key: key, Name: name, Scope: access.Scope(src.DataScope), Sort: src.Sort,
		Remark: src.Remark, MenuIDs: src.MenuIDs, Departments: src.Departments,
	})
}

// SetRoleDisabled disables or enables a role, effective at once on this node
// and within seconds on the others.
func (s *Service) SetRoleDisabled(ctx context.Context, id uuid.UUID, disabled bool) (Role, error) {
	r, err := s.st.Q.GetRole(ctx, id)
	if store.IsNotFound(err) {
		return Role{}, roleNotFound()
	}
	if err != nil {
		return Role{}, fmt.Errorf("load role: %w", err)
	}
	if r.Key == AdminRole && disabled {
		return Role{}, fault.New(fault.FailedPrecondition, "ROLE_BUILTIN", "超级管理员角色不可停用")
	}
	if _, err := s.st.Q.SetRoleDisabled(ctx, db.SetRoleDisabledParams{ID: id, Disabled: disabled}); err != nil {
		return Role{}, fmt.Errorf("set role disabled: %w", err)
	}
	s.Forget()
	return s.GetRole(ctx, id)
}

// DeleteRole removes a role no account holds. Built-in roles stay.
func (s *Service) DeleteRole(ctx context.Context, id uuid.UUID) error {
	err := s.st.InTx(ctx, func(q *db.Queries) error {
		r, err := q.GetRoleForUpdate(ctx, id)
		if store.IsNotFound(err) {
			return roleNotFound()
		}
		if err != nil {
			return fmt.Errorf("load role: %w", err)
		}
		if r.Builtin {
			return fault.New(fault.FailedPrecondition, "ROLE_BUILTIN", "内置角色不可删除")
		}
		n, err := q.CountRoleHolders(ctx, id)
		if err != nil {
			return fmt.Errorf("count role holders: %w", err)
		}
		if n > 0 {
			return fault.Newf(fault.FailedPrecondition, "ROLE_IN_USE", "角色已分配给 %d 个用户，不能删除", n)
		}
		if err := q.DeleteRole(ctx, id); err != nil {
			return fmt.Errorf("delete role: %w", err)
		}
		return nil
	})
	if err == nil {
		s.Forget()
	}
	return err
}

// GetRole returns a role with its menus and departments.
func (s *Service) GetRole(ctx context.Context, id uuid.UUID) (Role, error) {
	r, err := s.st.Q.GetRole(ctx, id)
	if store.IsNotFound(err) {
		return Role{}, roleNotFound()
	}
	if err != nil {
		return Role{}, fmt.Errorf("load role: %w", err)
	}
	out := Role{RbacRole: r}
	if out.MenuIDs, err = s.st.Q.ListRoleMenuIDs(ctx, id); err != nil {
		return Role{}, fmt.Errorf("list role menus: %w", err)
	}
	if out.Departments, err = s.st.Q.ListRoleDepartmentIDs(ctx, id); err != nil {
		return Role{}, fmt.Errorf("list role departments: %w", err)
	}
	return out, nil
}

// ListRoles lists roles by name and status (nil = any).
func (s *Service) ListRoles(ctx context.Context, nameContains string, disabled *bool, pg paging.Page) ([]db.RbacRole, string, error) {
	arg := db.ListRolesParams{NameContains: nameContains, Lim: pg.Fetch(), Off: pg.Offset}
	if disabled != nil {
		arg.Disabled.Bool, arg.Disabled.Valid = *disabled, true
	}
	rows, err := s.st.Q.ListRoles(ctx, arg)
	if err != nil {
		return nil, "", fmt.Errorf("list roles: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	return rows, next, nil
}

// Menus returns the catalogue as stored.
func (s *Service) Menus(ctx context.Context) ([]db.RbacMenu, error) {
	m, err := s.st.Q.ListMenus(ctx)
	if err != nil {
		return nil, fmt.Errorf("list menus: %w", err)
	}
	return m, nil
}

func roleNotFound() error { return fault.New(fault.NotFound, "ROLE_NOT_FOUND", "角色不存在") }

func uniq[T comparable](in []T) []T {
	seen := make(map[T]bool, len(in))
	out := make([]T, 0, len(in))
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
