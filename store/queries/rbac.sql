-- name: ListGrantingRoles :many
-- The active roles an account acts with: assigned roles for staff, the
-- built-in role named after the kind for everyone else.
SELECT r.id, r.key, r.data_scope FROM rbac.role r
JOIN rbac.account_role ar ON ar.role_id = r.id
WHERE ar.account_id = $1 AND NOT r.disabled
UNION
SELECT r.id, r.key, r.data_scope FROM rbac.role r
WHERE r.builtin AND r.key = $2 AND NOT r.disabled;

-- name: ListRolesPermissions :many
SELECT DISTINCT m.permission FROM rbac.role_menu rm
JOIN rbac.menu m ON m.id = rm.menu_id
WHERE rm.role_id = ANY(@role_ids::uuid[]) AND m.permission <> ''
ORDER BY m.permission;

-- name: ListRolesMenuIDs :many
SELECT DISTINCT rm.menu_id FROM rbac.role_menu rm
WHERE rm.role_id = ANY(@role_ids::uuid[]);

-- name: ListRolesDepartmentIDs :many
SELECT DISTINCT department_id FROM rbac.role_department
WHERE role_id = ANY(@role_ids::uuid[]);

-- name: ListMenus :many
SELECT * FROM rbac.menu ORDER BY sort, id;

-- name: UpsertMenu :exec
INSERT INTO rbac.menu (id, parent_id, name, kind, path, permission, icon, sort)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET
    parent_id = EXCLUDED.parent_id, name = EXCLUDED.name, kind = EXCLUDED.kind,
    path = EXCLUDED.path, permission = EXCLUDED.permission, icon = EXCLUDED.icon,
    sort = EXCLUDED.sort;

-- name: DeleteMenusExcept :exec
DELETE FROM rbac.menu WHERE NOT (id = ANY(@keep::text[]));

-- name: UpsertBuiltinRole :one
INSERT INTO rbac.role (key, name, data_scope, builtin, sort, remark)
VALUES ($1, $2, $3, true, $4, $5)
ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, builtin = true, remark = EXCLUDED.remark
RETURNING id;

-- name: AddRoleMenus :exec
INSERT INTO rbac.role_menu (role_id, menu_id)
SELECT @role_id::uuid, unnest(@menu_ids::text[])
ON CONFLICT DO NOTHING;

-- name: ListRoles :many
SELECT * FROM rbac.role
WHERE (@name_contains::text = '' OR name LIKE '%' || @name_contains || '%')
  AND (sqlc.narg(disabled)::boolean IS NULL OR disabled = sqlc.narg(disabled))
ORDER BY sort, key
LIMIT @lim OFFSET @off;

-- name: GetRole :one
SELECT * FROM rbac.role WHERE id = $1;

-- name: GetRoleForUpdate :one
SELECT * FROM rbac.role WHERE id = $1 FOR UPDATE;

-- name: CreateRole :one
INSERT INTO rbac.role (key, name, data_scope, sort, remark)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: UpdateRole :one
UPDATE rbac.role SET name = $2, data_scope = $3, sort = $4, remark = $5, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: SetRoleDisabled :one
UPDATE rbac.role SET disabled = $2, updated_at = now() WHERE id = $1 RETURNING *;

-- name: DeleteRole :exec
DELETE FROM rbac.role WHERE id = $1;

-- name: CountRoleHolders :one
SELECT count(*) FROM rbac.account_role WHERE role_id = $1;

-- name: ListRoleMenuIDs :many
SELECT menu_id FROM rbac.role_menu WHERE role_id = $1 ORDER BY menu_id;

-- name: ListRoleDepartmentIDs :many
SELECT department_id FROM rbac.role_department WHERE role_id = $1 ORDER BY department_id;

-- name: ClearRoleMenus :exec
DELETE FROM rbac.role_menu WHERE role_id = $1;

-- name: ClearRoleDepartments :exec
DELETE FROM rbac.role_department WHERE role_id = $1;

-- name: AddRoleDepartments :exec
INSERT INTO rbac.role_department (role_id, department_id)
SELECT @role_id::uuid, unnest(@department_ids::uuid[])
ON CONFLICT DO NOTHING;

-- name: CountMenus :one
SELECT count(*) FROM rbac.menu WHERE id = ANY(@ids::text[]);

-- name: CountDepartments :one
SELECT count(*) FROM rbac.department WHERE id = ANY(@ids::uuid[]);

-- name: ListDepartments :many
SELECT * FROM rbac.department ORDER BY cardinality(path), sort, name;

-- name: GetDepartment :one
SELECT * FROM rbac.department WHERE id = $1;

-- name: GetRootDepartment :one
SELECT * FROM rbac.department WHERE parent_id IS NULL ORDER BY created_at LIMIT 1;

-- name: CreateDepartment :one
INSERT INTO rbac.department (id, parent_id, path, name, org_id, sort)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;

-- name: UpdateDepartment :one
UPDATE rbac.department SET name = $2, sort = $3 WHERE id = $1 RETURNING *;

-- name: DeleteDepartment :exec
DELETE FROM rbac.department WHERE id = $1;

-- name: CountDepartmentDependents :one
SELECT (SELECT count(*) FROM rbac.department d WHERE d.parent_id = $1)
     + (SELECT count(*) FROM identity.account a WHERE a.department_id = $1) AS n;

-- name: ListStaff :many
SELECT a.id, a.username, a.department_id, a.disabled, p.name,
       coalesce(array_agg(ar.role_id ORDER BY ar.role_id) FILTER (WHERE ar.role_id IS NOT NULL), '{}')::uuid[] AS role_ids
FROM identity.account a
JOIN identity.person p ON p.id = a.person_id
LEFT JOIN rbac.department d ON d.id = a.department_id
LEFT JOIN rbac.account_role ar ON ar.account_id = a.id
WHERE a.kind = 'staff'
  AND (sqlc.narg(under)::uuid IS NULL OR sqlc.narg(under)::uuid = ANY(d.path))
  AND (NOT @scoped::boolean OR d.id = ANY(@visible::uuid[]))
GROUP BY a.id, p.name
ORDER BY a.username
LIMIT @lim OFFSET @off;

-- name: GetStaff :one
SELECT a.id, a.username, a.department_id, a.disabled, p.name,
       coalesce(array_agg(ar.role_id ORDER BY ar.role_id) FILTER (WHERE ar.role_id IS NOT NULL), '{}')::uuid[] AS role_ids
FROM identity.account a
JOIN identity.person p ON p.id = a.person_id
LEFT JOIN rbac.account_role ar ON ar.account_id = a.id
WHERE a.id = $1 AND a.kind = 'staff'
GROUP BY a.id, p.name;

-- name: CreateStaffPerson :one
INSERT INTO identity.person (name) VALUES ($1) RETURNING id;

-- name: CreateStaffAccount :one
-- A staff account belongs to the org its department, or the nearest
-- department above it, maps to.
INSERT INTO identity.account (person_id, kind, username, department_id, org_id)
VALUES (@person_id, 'staff', @username, @department_id, (
    SELECT a.org_id FROM rbac.department d
    JOIN rbac.department a ON a.id = ANY(d.path) AND a.org_id IS NOT NULL
    WHERE d.id = @department_id
    ORDER BY cardinality(a.path) DESC LIMIT 1))
RETURNING id;

-- name: LockBootstrap :exec
-- Serializes the bootstrap of nodes starting together.
SELECT pg_advisory_xact_lock(7001);

-- name: ClearAccountRoles :exec
DELETE FROM rbac.account_role WHERE account_id = $1;

-- name: AddAccountRoles :exec
INSERT INTO rbac.account_role (account_id, role_id)
SELECT @account_id::uuid, unnest(@role_ids::uuid[])
ON CONFLICT DO NOTHING;

-- name: CountRoles :one
SELECT count(*) FROM rbac.role WHERE id = ANY(@ids::uuid[]);
