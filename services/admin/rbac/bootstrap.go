package rbac

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"yima/store"
	"yima/store/db"
)

// AdminUsername is the city super administrator, present from the first
// start.
const AdminUsername = "admin"

// Bootstrap brings the permission data to what this version declares: the
// menu catalogue, the built-in roles with their menus, the root department
// mapped to the root org, and the admin user. Safe to run at every start
// and on several nodes at once.
func (s *Service) Bootstrap(ctx context.Context, rootOrg uuid.UUID) error {
	return s.st.InTx(ctx, func(q *db.Queries) error {
		// Serialize concurrent starts of several nodes.
		if err := q.LockBootstrap(ctx); err != nil {
			return fmt.Errorf("lock bootstrap: %w", err)
		}
		keep := make([]string, 0, len(Catalog))
		for _, m := range Catalog {
			keep = append(keep, m.ID)
			if err := q.UpsertMenu(ctx, db.UpsertMenuParams{
				ID: m.ID, ParentID: store.Text(m.ParentID), Name: m.Name, Kind: m.Kind,
				Path: m.Path, Permission: m.Permission, Icon: m.Icon, Sort: m.Sort,
			}); err != nil {
				return fmt.Errorf("upsert menu %s: %w", m.ID, err)
			}
		}
		if err := q.DeleteMenusExcept(ctx, keep); err != nil {
			return fmt.Errorf("delete retired menus: %w", err)
		}
		var adminRole uuid.UUID
		for _, r := range builtinRoles {
			id, err := q.UpsertBuiltinRole(ctx, db.UpsertBuiltinRoleParams{Key: r.Key, Name: r.Name, DataScope: r.Scope, Sort: r.Sort, Remark: r.Remark})
			if err != nil {
				return fmt.Errorf("upsert role %s: %w", r.Key, err)
			}
			// Built-in menus are added, never removed: administrators may
			// have granted more, and that choice is theirs.
			if err := q.AddRoleMenus(ctx, db.AddRoleMenusParams{RoleID: id, MenuIds: r.Menus}); err != nil {
				return fmt.Errorf("grant menus to %s: %w", r.Key, err)
			}
			if r.Key == AdminRole {
				adminRole = id
			}
		}
		root, err := q.GetRootDepartment(ctx)
		if store.IsNotFound(err) {
			id := uuid.New()
			root, err = q.CreateDepartment(ctx, db.CreateDepartmentParams{
				ID: id, Path: []uuid.UUID{id}, Name: "上海市志愿服务工作部门", OrgID: store.NullUUID(rootOrg),
			})
		}
		if err != nil {
			return fmt.Errorf("ensure root department: %w", err)
		}
		if _, err := q.GetStaffAccountByUsername(ctx, store.Text(AdminUsername)); store.IsNotFound(err) {
			person, err := q.CreateStaffPerson(ctx, "系统管理员")
			if err != nil {
				return fmt.Errorf("create admin person: %w", err)
			}
			acct, err := q.CreateStaffAccount(ctx, db.CreateStaffAccountParams{
				PersonID: person, Username: store.Text(AdminUsername), DepartmentID: store.NullUUID(root.ID),
			})
			if err != nil {
				return fmt.Errorf("create admin account: %w", err)
			}
			if err := q.AddAccountRoles(ctx, db.AddAccountRolesParams{AccountID: acct, RoleIds: []uuid.UUID{adminRole}}); err != nil {
				return fmt.Errorf("grant admin role: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("find admin: %w", err)
		}
		return nil
	})
}
