package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	"yima/services/audit"
)

const rbacService = "/yima.rbac.v1.RbacService/"

// runAuditVerify runs `yima admin audit-verify` on the server's database and
// returns its error and output.
func runAuditVerify(t testing.TB, s *testServer) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runAdmin(t.Context(), []string{"audit-verify", "--database-url", s.Config.DatabaseURL}, &out, &out, func(string) string { return "" })
	return out.String(), err
}

// tamper runs sql against the audit log the way an intruder with database
// rights would: with the append-only trigger off, for this transaction only.
// The trigger sits on the partitioned parent and is cloned onto each
// partition; ALTER TABLE on the parent switches it on every partition
// (PostgreSQL 15 recurses to them).
func tamper(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	ctx := t.Context()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, q := range []string{`ALTER TABLE audit.entry DISABLE TRIGGER entry_append_only`, sql, `ALTER TABLE audit.entry ENABLE TRIGGER entry_append_only`} {
		var a []any
		if q == sql {
			a = args
		}
		tag, err := tx.Exec(ctx, q, a...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if q == sql && tag.RowsAffected() != 1 {
			t.Fatalf("%s changed %d rows, want 1", q, tag.RowsAffected())
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// wantEntry is an audit entry a test expects.
type wantEntry struct {
	procedure, result, target string
	person, account           string
}

// TestAuditTrail checks that every mutating administrative call, allowed or
// refused, lands in the hash-chained log with who, which account, what and
// the result; that reads do not; that the chain verifies; and that changing
// an entry afterwards is refused by the database and, when forced, found.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	pool := s.pool(t)
	anon := s.api("")
	// gRPC for the administrator: the audit trail does not depend on the
	// protocol.
	admin := s.grpcAPI(t, anon.login(t, &identityv1.DevLoginRequest{Username: "admin"}))
	adminMe := admin.me(t)
	citizen := s.api(anon.login(t, &identityv1.DevLoginRequest{IdNumber: newCitizens(5).next(), Name: "孙丽"}))
	citizenMe := citizen.me(t)

	var want []wantEntry
	asAdmin := func(proc, result, target string) {
		want = append(want, wantEntry{rbacService + proc, result, target, adminMe.Person.Id, adminMe.Account.Id})
	}
	role := admin.createRole(t, &rbacv1.CreateRoleRequest{Key: "audited_role", Name: "被审计的角色", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF, MenuIds: []string{"system.role"}})
	asAdmin("CreateRole", "ok", role.Id)
	district := admin.roleByKey(t, "district_admin")

	ctx := t.Context()
	for _, c := range []struct {
		name string
		call func() error
		want wantEntry
	}{
		{"bad key", func() error {
			_, err := admin.rbac.CreateRole(ctx, connect.NewRequest(&rbacv1.CreateRoleRequest{Key: "Bad Key", Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF}))
			return err
		}, wantEntry{"CreateRole", "invalid_argument", "", "admin", ""}},
		{"update", func() error {
			_, err := admin.rbac.UpdateRole(ctx, connect.NewRequest(&rbacv1.UpdateRoleRequest{RoleId: role.Id, Name: "改过的角色", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF}))
			return err
		}, wantEntry{"UpdateRole", "ok", role.Id, "admin", ""}},
		{"disable", func() error {
			_, err := admin.rbac.DisableRole(ctx, connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: role.Id}))
			return err
		}, wantEntry{"DisableRole", "ok", role.Id, "admin", ""}},
		{"enable", func() error {
			_, err := admin.rbac.EnableRole(ctx, connect.NewRequest(&rbacv1.EnableRoleRequest{RoleId: role.Id}))
			return err
		}, wantEntry{"EnableRole", "ok", role.Id, "admin", ""}},
		{"citizen create", func() error {
			_, err := citizen.rbac.CreateRole(ctx, connect.NewRequest(&rbacv1.CreateRoleRequest{Key: "citizen_made", Name: "x", DataScope: rbacv1.DataScope_DATA_SCOPE_ALL}))
			return err
		}, wantEntry{"CreateRole", "permission_denied", "", "citizen", ""}},
		{"citizen delete", func() error {
			_, err := citizen.rbac.DeleteRole(ctx, connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: role.Id}))
			return err
		}, wantEntry{"DeleteRole", "permission_denied", role.Id, "citizen", ""}},
		{"anonymous disable", func() error {
			_, err := anon.rbac.DisableRole(ctx, connect.NewRequest(&rbacv1.DisableRoleRequest{RoleId: role.Id}))
			return err
		}, wantEntry{"DisableRole", "unauthenticated", role.Id, "", ""}},
		{"malformed id", func() error {
			_, err := admin.rbac.DeleteRole(ctx, connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: "not-a-uuid"}))
			return err
		}, wantEntry{"DeleteRole", "invalid_argument", "not-a-uuid", "admin", ""}},
		{"built-in", func() error {
			_, err := admin.rbac.DeleteRole(ctx, connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: district.Id}))
			return err
		}, wantEntry{"DeleteRole", "failed_precondition", district.Id, "admin", ""}},
		{"delete", func() error {
			_, err := admin.rbac.DeleteRole(ctx, connect.NewRequest(&rbacv1.DeleteRoleRequest{RoleId: role.Id}))
			return err
		}, wantEntry{"DeleteRole", "ok", role.Id, "admin", ""}},
	} {
		got := "ok"
		if err := c.call(); err != nil {
			got = connect.CodeOf(err).String()
		}
		if got != c.want.result {
			t.Fatalf("%s: %s, want %s", c.name, got, c.want.result)
		}
		w := c.want
		w.procedure = rbacService + w.procedure
		switch w.person {
		case "admin":
			w.person, w.account = adminMe.Person.Id, adminMe.Account.Id
		case "citizen":
			w.person, w.account = citizenMe.Person.Id, citizenMe.Account.Id
		}
		want = append(want, w)
	}

	// Reads, allowed or refused, leave no entry.
	for _, c := range []api{admin, citizen} {
		c.rbac.ListRoles(ctx, connect.NewRequest(&rbacv1.ListRolesRequest{}))
		c.rbac.GetRole(ctx, connect.NewRequest(&rbacv1.GetRoleRequest{RoleId: district.Id}))
		c.rbac.ListDepartments(ctx, connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		c.rbac.ListStaff(ctx, connect.NewRequest(&rbacv1.ListStaffRequest{}))
		c.rbac.ListMenus(ctx, connect.NewRequest(&rbacv1.ListMenusRequest{}))
		c.rbac.ListMyMenus(ctx, connect.NewRequest(&rbacv1.ListMyMenusRequest{}))
		c.audit.ListEntries(ctx, connect.NewRequest(&auditv1.ListEntriesRequest{}))
		c.identity.GetMe(ctx, connect.NewRequest(&identityv1.GetMeRequest{}))
	}

	t.Run("条目", func(t *testing.T) {
		got := admin.entries(t, &auditv1.ListEntriesRequest{PageSize: 3})
		if len(got) != len(want) {
			for _, e := range got {
				t.Logf("entry %d %s %s %q", e.Seq, e.Procedure, e.Result, e.Target)
			}
			t.Fatalf("%d audit entries, want %d (one per mutating call, none for reads)", len(got), len(want))
		}
		for i, e := range got {
			w := want[len(want)-1-i] // newest first
			if e.Seq != int64(len(want)-i) {
				t.Errorf("entry %d seq = %d, want %d", i, e.Seq, len(want)-i)
			}
			gotEntry := wantEntry{e.Procedure, e.Result, e.Target, e.PersonId, e.AccountId}
			if gotEntry != w {
				t.Errorf("entry %d = %+v\nwant %+v", e.Seq, gotEntry, w)
			}
			if e.At == nil || e.RequestId == "" || e.ClientAddr == "" {
				t.Errorf("entry %d lacks time, request id or client address: %v", e.Seq, e)
			}
		}
		creates := admin.entries(t, &auditv1.ListEntriesRequest{Procedure: rbacService + "CreateRole"})
		if len(creates) != 3 {
			t.Errorf("CreateRole entries = %d, want 3", len(creates))
		}
		mine := admin.entries(t, &auditv1.ListEntriesRequest{PersonId: citizenMe.Person.Id})
		if len(mine) != 2 || mine[0].Result != "permission_denied" || mine[1].Result != "permission_denied" {
			t.Errorf("citizen's entries = %v, want two refusals", mine)
		}
		_, err := admin.audit.ListEntries(ctx, connect.NewRequest(&auditv1.ListEntriesRequest{PageToken: "x"}))
		checkErr(t, "ListEntries(bad token)", err, connect.CodeInvalidArgument, "PAGE_TOKEN_INVALID")
	})

	t.Run("校验完整", func(t *testing.T) {
		out, err := runAuditVerify(t, s)
		if err != nil {
			t.Fatalf("audit-verify: %v\n%s", err, out)
		}
		if wantOut := fmt.Sprintf("audit chain intact: %d entries verified", len(want)); !strings.Contains(out, wantOut) {
			t.Errorf("audit-verify printed %q, want %q", out, wantOut)
		}
	})

	t.Run("数据库拒绝修改", func(t *testing.T) {
		for _, sql := range []string{
			`UPDATE audit.entry SET target = 'x' WHERE seq = 2`,
			`DELETE FROM audit.entry WHERE seq = 2`,
		} {
			_, err := pool.Exec(ctx, sql)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want the append-only refusal", sql, err)
			}
		}
		if out, err := runAuditVerify(t, s); err != nil {
			t.Fatalf("audit-verify after refused changes: %v\n%s", err, out)
		}
	})

	t.Run("篡改被发现", func(t *testing.T) {
		const seq = 3
		tamper(t, pool, `UPDATE audit.entry SET target = 'someone-else' WHERE seq = $1`, seq)
		out, err := runAuditVerify(t, s)
		if !errors.Is(err, audit.ErrTampered) {
			t.Fatalf("audit-verify after tampering = %v, want audit.ErrTampered\n%s", err, out)
		}
		if !strings.Contains(out, fmt.Sprintf("seq %d: entry changed", seq)) {
			t.Errorf("audit-verify output does not name seq %d:\n%s", seq, out)
		}
		if strings.Count(out, "seq ") != 1 {
			t.Errorf("audit-verify blames more than the changed entry:\n%s", out)
		}
	})
}

// TestAuditDetectsDeletion deletes entries behind the application's back,
// each case on a fresh server, and expects audit-verify to notice.
func TestAuditDetectsDeletion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		delete  func(n int) int // which seq to delete of n entries
		wantOut func(n int) string
	}{
		{"删除中间条目", func(n int) int { return 2 }, func(n int) string { return "seq 3: entries 2–2 missing" }},
		{"删除最后条目", func(n int) int { return n }, func(n int) string {
			return fmt.Sprintf("seq %d: chain head is at %d but the last entry is %d", n, n, n-1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServerAlone(t)
			admin := s.api(s.api("").login(t, &identityv1.DevLoginRequest{Username: "admin"}))
			const n = 4
			for i := range n {
				admin.createRole(t, &rbacv1.CreateRoleRequest{Key: fmt.Sprintf("role_%d", i), Name: "角色", DataScope: rbacv1.DataScope_DATA_SCOPE_SELF})
			}
			if out, err := runAuditVerify(t, s); err != nil || !strings.Contains(out, fmt.Sprintf("%d entries verified", n)) {
				t.Fatalf("audit-verify before deleting: %v\n%s", err, out)
			}
			tamper(t, s.pool(t), `DELETE FROM audit.entry WHERE seq = $1`, tc.delete(n))
			out, err := runAuditVerify(t, s)
			if !errors.Is(err, audit.ErrTampered) {
				t.Fatalf("audit-verify after deleting = %v, want audit.ErrTampered\n%s", err, out)
			}
			if !strings.Contains(out, tc.wantOut(n)) {
				t.Errorf("audit-verify printed\n%s\nwant %q", out, tc.wantOut(n))
			}
		})
	}
}
