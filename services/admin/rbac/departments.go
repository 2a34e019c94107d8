package rbac

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// Departments lists the departments p's data scope covers, roots first.
func (s *Service) Departments(ctx context.Context, p *access.Principal) ([]db.RbacDepartment, error) {
	v, err := s.Visible(ctx, p)
	if err != nil {
		return nil, err
	}
	all, err := s.st.Q.ListDepartments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	out := all[:0]
	for _, d := range all {
		if v.Can(d.ID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// CreateDepartment adds a department under parent, which p's scope must
// cover.
func (s *Service) CreateDepartment(ctx context.Context, p *access.Principal, parent uuid.UUID, name string, org uuid.UUID, sort int32) (db.RbacDepartment, error) {
	if name == "" || len([]rune(name)) > 64 {
		return db.RbacDepartment{}, fault.InvalidField("name", "DEPARTMENT_NAME_INVALID", "部门名称不能为空且不超过64个字")
	}
	par, err := s.department(ctx, p, parent, "parent_id")
	if err != nil {
		return db.RbacDepartment{}, err
	}
	id := uuid.New()
	d, err := s.st.Q.CreateDepartment(ctx, db.CreateDepartmentParams{
		ID: id, ParentID: uuid.NullUUID{UUID: par.ID, Valid: true},
		Path: append(append([]uuid.UUID{}, par.Path...), id), Name: name,
		OrgID: store.NullUUID(org), Sort: sort,
	})
	if err != nil {
		if store.ConstraintViolated(err) == "department_org_id_fkey" {
			return db.RbacDepartment{}, fault.InvalidField("org_id", "ORG_NOT_FOUND", "组织不存在")
		}
		return db.RbacDepartment{}, fmt.Errorf("create department: %w", err)
	}
	return d, nil
}

// UpdateDepartment renames or reorders a department p's scope covers.
func (s *Service) UpdateDepartment(ctx context.Context, p *access.Principal, id uuid.UUID, name string, sort int32) (db.RbacDepartment, error) {
	if name == "" || len([]rune(name)) > 64 {
		return db.RbacDepartment{}, fault.InvalidField("name", "DEPARTMENT_NAME_INVALID", "部门名称不能为空且不超过64个字")
	}
	if _, err := s.department(ctx, p, id, "department_id"); err != nil {
		return db.RbacDepartment{}, err
	}
	d, err := s.st.Q.UpdateDepartment(ctx, db.UpdateDepartmentParams{ID: id, Name: name, Sort: sort})
	if err != nil {
		return db.RbacDepartment{}, fmt.Errorf("update department: %w", err)
	}
	return d, nil
}

// DeleteDepartment removes an empty department p's scope covers.
func (s *Service) DeleteDepartment(ctx context.Context, p *access.Principal, id uuid.UUID) error {
	d, err := s.department(ctx, p, id, "department_id")
	if err != nil {
		return err
	}
	if !d.ParentID.Valid {
		return fault.New(fault.FailedPrecondition, "DEPARTMENT_ROOT", "根部门不可删除")
	}
	return s.st.InTx(ctx, func(q *db.Queries) error {
		n, err := q.CountDepartmentDependents(ctx, uuid.NullUUID{UUID: id, Valid: true})
		if err != nil {
			return fmt.Errorf("count department dependents: %w", err)
		}
		if n > 0 {
			return fault.New(fault.FailedPrecondition, "DEPARTMENT_NOT_EMPTY", "部门下还有子部门或用户，不能删除")
		}
		if err := q.DeleteDepartment(ctx, id); err != nil {
			if store.ConstraintViolated(err) != "" {
				return fault.New(fault.FailedPrecondition, "DEPARTMENT_IN_USE", "部门仍被角色或用户引用，不能删除")
			}
			return fmt.Errorf("delete department: %w", err)
		}
		return nil
	})
}

// department loads a department and checks p's scope covers it; a
// department out of scope looks exactly like a missing one.
func (s *Service) department(ctx context.Context, p *access.Principal, id uuid.UUID, field string) (db.RbacDepartment, error) {
	notFound := fault.InvalidField(field, "DEPARTMENT_NOT_FOUND", "部门不存在")
	notFound.Kind = fault.NotFound
	d, err := s.st.Q.GetDepartment(ctx, id)
	if store.IsNotFound(err) {
		return db.RbacDepartment{}, notFound
	}
	if err != nil {
		return db.RbacDepartment{}, fmt.Errorf("load department: %w", err)
	}
	v, err := s.Visible(ctx, p)
	if err != nil {
		return db.RbacDepartment{}, err
	}
	if !v.Can(d.ID) {
		return db.RbacDepartment{}, notFound
	}
	return d, nil
}

// Staff is a back-office user.
type Staff = db.GetStaffRow

// ListStaff lists staff in p's scope, optionally under one department.
func (s *Service) ListStaff(ctx context.Context, p *access.Principal, under uuid.UUID, pg paging.Page) ([]db.ListStaffRow, string, error) {
	v, err := s.Visible(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.st.Q.ListStaff(ctx, db.ListStaffParams{
		Under:   store.NullUUID(under),
		Scoped:  !v.All,
		Visible: v.Departments,
		Lim:     pg.Fetch(), Off: pg.Offset,
	})
	if err != nil {
		return nil, "", fmt.Errorf("list staff: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	return rows, next, nil
}

// CreateStaff adds a back-office user in a department p's scope covers.
func (s *Service) CreateStaff(ctx context.Context, p *access.Principal, username, name string, dept uuid.UUID, roles []uuid.UUID) (Staff, error) {
	if !keyPattern.MatchString(username) {
		return Staff{}, fault.InvalidField("username", "USERNAME_INVALID", "用户名须为小写字母开头，由小写字母、数字和下划线组成")
	}
	if name == "" {
		return Staff{}, fault.InvalidField("name", "NAME_REQUIRED", "姓名不能为空")
	}
	if _, err := s.department(ctx, p, dept, "department_id"); err != nil {
		return Staff{}, err
	}
	if err := s.grantable(ctx, p, roles); err != nil {
		return Staff{}, err
	}
	var id uuid.UUID
	err := s.st.InTx(ctx, func(q *db.Queries) error {
		person, err := q.CreateStaffPerson(ctx, name)
		if err != nil {
			return fmt.Errorf("create staff person: %w", err)
		}
		id, err = q.CreateStaffAccount(ctx, db.CreateStaffAccountParams{
			PersonID: person, Username: store.Text(username), DepartmentID: store.NullUUID(dept),
		})
		if err != nil {
			if store.ConstraintViolated(err) == "account_username_key" {
				return fault.New(fault.Conflict, "USERNAME_TAKEN", "用户名已被使用")
			}
			return fmt.Errorf("create staff account: %w", err)
		}
		return assignRoles(ctx, q, id, roles)
	})
	if err != nil {
		return Staff{}, err
	}
	return s.st.Q.GetStaff(ctx, id)
}

// AssignRoles replaces the roles of a staff account p's scope covers.
func (s *Service) AssignRoles(ctx context.Context, p *access.Principal, account uuid.UUID, roles []uuid.UUID) (Staff, error) {
	st, err := s.st.Q.GetStaff(ctx, account)
	if store.IsNotFound(err) {
		return Staff{}, fault.New(fault.NotFound, "STAFF_NOT_FOUND", "用户不存在")
	}
	if err != nil {
		return Staff{}, fmt.Errorf("load staff: %w", err)
	}
	if _, err := s.department(ctx, p, st.DepartmentID.UUID, "account_id"); err != nil {
		return Staff{}, fault.New(fault.NotFound, "STAFF_NOT_FOUND", "用户不存在")
	}
	if err := s.grantable(ctx, p, roles); err != nil {
		return Staff{}, err
	}
	if err := s.st.InTx(ctx, func(q *db.Queries) error {
		if err := q.ClearAccountRoles(ctx, account); err != nil {
			return fmt.Errorf("clear account roles: %w", err)
		}
		return assignRoles(ctx, q, account, roles)
	}); err != nil {
		return Staff{}, err
	}
	s.Forget()
	return s.st.Q.GetStaff(ctx, account)
}

// grantable refuses roles p may not hand out, so that holding
// system:user:add or system:user:edit never lifts anyone above themselves:
// the super administrator hands out any role; anyone else only roles whose
// permissions they hold and whose data scope is no wider than their own.
// Unknown roles pass here; assignRoles reports them. Errors:
// permission_denied (ROLE_NOT_GRANTABLE).
func (s *Service) grantable(ctx context.Context, p *access.Principal, roles []uuid.UUID) error {
	g := p.Grants
	if g == nil {
		g = &access.Grants{}
	}
	if g.Has(access.AllPermissions) {
		return nil
	}
	denied := fault.New(fault.PermissionDenied, "ROLE_NOT_GRANTABLE", "不能分配超出自身权限或数据范围的角色")
	for _, id := range uniq(roles) {
		r, err := s.st.Q.GetRole(ctx, id)
		if store.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("load role: %w", err)
		}
		if r.Key == AdminRole {
			return denied
		}
		perms, err := s.st.Q.ListRolesPermissions(ctx, []uuid.UUID{id})
		if err != nil {
			return fmt.Errorf("list role permissions: %w", err)
		}
		for _, perm := range perms {
			if !g.Has(perm) {
				return denied
			}
		}
		// A staff account given a role sits in a department p can see.
		wide := g.HasScope(access.ScopeAll)
		switch access.Scope(r.DataScope) {
		case access.ScopeAll:
			if !wide {
				return denied
			}
		case access.ScopeDepartmentAndBelow:
			if !wide && !g.HasScope(access.ScopeDepartmentAndBelow) {
				return denied
			}
		case access.ScopeCustom:
			depts, err := s.st.Q.ListRoleDepartmentIDs(ctx, id)
			if err != nil {
				return fmt.Errorf("list role departments: %w", err)
			}
			v, err := s.Visible(ctx, p)
			if err != nil {
				return err
			}
			for _, d := range depts {
				if !v.Can(d) {
					return denied
				}
			}
		}
	}
	return nil
}

func assignRoles(ctx context.Context, q *db.Queries, account uuid.UUID, roles []uuid.UUID) error {
	roles = uniq(roles)
	n, err := q.CountRoles(ctx, roles)
	if err != nil {
		return fmt.Errorf("count roles: %w", err)
	}
	if int(n) != len(roles) {
		return fault.InvalidField("role_ids", "ROLE_NOT_FOUND", "包含不存在的角色")
	}
	if err := q.AddAccountRoles(ctx, db.AddAccountRolesParams{AccountID: account, RoleIds: roles}); err != nil {
		return fmt.Errorf("add account roles: %w", err)
	}
	return nil
}
