package org

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/keyring"
	"yima/paging"
	"yima/sensitive"
	"yima/services/identity"
	"yima/services/identity/idnumber"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

// TestMain runs the package's tests against the shared PostgreSQL harness.
// It is the package's only TestMain.
func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// fixture is a database with a district org, two streets below it and a
// street of another district, leaders for them, and the org use cases over
// it with a clock the test moves.
type fixture struct {
	st                         *store.Store
	svc                        *Service
	admins                     *Admins
	box                        *sensitive.Box
	now                        atomic.Pointer[time.Time]
	sessions                   *sessionLog
	root, district, street     uuid.UUID
	sibling, otherDistrict     uuid.UUID
	otherStreet                uuid.UUID
	leaderPerson               uuid.UUID // leads street
	districtLeader, streetLead *access.Principal
	siblingLeader, otherLeader *access.Principal
	staffAll, staffNone        *access.Principal
	rnd                        *rand.Rand
	forgotten                  sync.Map // account ids the cache was told to forget
}

// sessionLog records the accounts whose sessions were revoked.
type sessionLog struct {
	mu       sync.Mutex
	accounts []uuid.UUID
}

func (l *sessionLog) RevokeAccountSessions(_ context.Context, _, account uuid.UUID) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts = append(l.accounts, account)
	return nil
}

func (l *sessionLog) got() []uuid.UUID {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.accounts)
}

type forgetFunc func(uuid.UUID)

func (f forgetFunc) ForgetAccount(id uuid.UUID) { f(id) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	root, err := EnsureRoot(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		st: st, root: root.ID, district: uuid.New(), street: uuid.New(), sibling: uuid.New(),
		otherDistrict: uuid.New(), otherStreet: uuid.New(), sessions: &sessionLog{},
		rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7)),
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.now.Store(&now)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := st.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	for _, d := range []struct {
		id   uuid.UUID
		name string
	}{{f.district, "测试区"}, {f.otherDistrict, "另一区"}} {
		exec(`INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$2::uuid, $1::uuid], 'district', $3, 'active')`, d.id, f.root, d.name)
	}
	for _, o := range []struct {
		id, parent uuid.UUID
		name       string
	}{{f.street, f.district, "甲街道"}, {f.sibling, f.district, "乙街道"}, {f.otherStreet, f.otherDistrict, "丙街道"}} {
		exec(`INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$3::uuid, $2::uuid, $1::uuid], 'street', $4, 'active')`, o.id, o.parent, f.root, o.name)
	}
	k, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.box, err = sensitive.NewBox(k.Data(), k.Index()); err != nil {
		t.Fatal(err)
	}
	staff := func(name string) *access.Principal {
		t.Helper()
		var person uuid.UUID
		if err := st.Pool.QueryRow(ctx, `INSERT INTO identity.person (name) VALUES ($1) RETURNING id`, name).Scan(&person); err != nil {
			t.Fatal(err)
		}
		return &access.Principal{PersonID: person, Kind: access.KindStaff}
	}
	f.staffAll, f.staffNone = staff("市级后台"), staff("无权后台")
	f.svc = New(Options{
		Store: st, Now: func() time.Time { return *f.now.Load() },
		Accounts: forgetFunc(func(id uuid.UUID) { f.forgotten.Store(id, true) }),
		Staff: StaffScopeFunc(func(_ context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
			return p == f.staffAll, nil, nil
		}),
	})
	f.admins = NewAdmins(f.svc, AdminOptions{Box: f.box, Sessions: f.sessions})

	leader := func(org uuid.UUID, name string) *access.Principal {
		t.Helper()
		var person, acct uuid.UUID
		if err := st.Pool.QueryRow(ctx, `INSERT INTO identity.person (name, id_number_masked) VALUES ($1, '310***********0000') RETURNING id`, name).Scan(&person); err != nil {
			t.Fatal(err)
		}
		if err := st.Pool.QueryRow(ctx, `INSERT INTO identity.account (person_id, kind, org_id) VALUES ($1, 'org_leader', $2) RETURNING id`, person, org).Scan(&acct); err != nil {
			t.Fatal(err)
		}
		return &access.Principal{PersonID: person, AccountID: acct, Kind: access.KindOrgLeader, OrgID: org}
	}
	f.districtLeader = leader(f.district, "区负责")
	f.streetLead = leader(f.street, "王建国")
	f.leaderPerson = f.streetLead.PersonID
	f.siblingLeader = leader(f.sibling, "乙负责")
	f.otherLeader = leader(f.otherStreet, "丙负责")
	return f
}

func (f *fixture) clock() time.Time { return *f.now.Load() }

func (f *fixture) advance(d time.Duration) {
	n := f.now.Load().Add(d)
	f.now.Store(&n)
}

// idNumber returns a fresh valid ID number of a person born in 1990.
func (f *fixture) idNumber() string {
	return idnumber.Generate(f.rnd, "310104", time.Date(1990, 1, 2+f.rnd.IntN(27), 0, 0, 0, 0, time.UTC), f.rnd.IntN(2) == 0)
}

// adminPrincipal is the principal of an admin account.
func adminPrincipal(u User, person uuid.UUID) *access.Principal {
	return &access.Principal{PersonID: person, AccountID: u.AccountID, Kind: access.KindOrgAdmin, OrgID: u.OrgID}
}

func sortIDs(ids []uuid.UUID) {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
}

func wantFault(t *testing.T, what string, err error, kind fault.Kind, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	if fault.KindOf(err) != kind || fault.ReasonOf(err) != reason {
		t.Errorf("%s: err = %v, want %v %s", what, err, kind, reason)
	}
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.st.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestFieldIDNumberIsIdentitys(t *testing.T) {
	if fieldIDNumber != identity.FieldIDNumber {
		t.Fatalf("fieldIDNumber = %q, identity seals under %q: a person recorded here would not be found at sign-in", fieldIDNumber, identity.FieldIDNumber)
	}
}

func TestGrantRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	known := f.idNumber()
	if _, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: known, Name: "李小红", ValidUntil: f.clock().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The street's leader as an admin of their own org: give them an ID
	// number first.
	leaderID := f.idNumber()
	if _, err := f.st.Pool.Exec(ctx, `UPDATE identity.person SET id_number_idx = $2 WHERE id = $1`, f.leaderPerson, f.box.Index(fieldIDNumber, leaderID)); err != nil {
		t.Fatal(err)
	}
	ok := func(g Grant) Grant {
		g.OrgID = f.street
		if g.IDNumber == "" {
			g.IDNumber = f.idNumber()
		}
		if g.Name == "" {
			g.Name = "张三"
		}
		if g.ValidUntil.IsZero() {
			g.ValidUntil = f.clock().Add(30 * 24 * time.Hour)
		}
		return g
	}
	admin, err := f.admins.Grant(ctx, f.streetLead, ok(Grant{}))
	if err != nil {
		t.Fatal(err)
	}
	streetAdmin := adminPrincipal(admin, uuid.Nil)
	long := make([]rune, maxDuties+1)
	for i := range long {
		long[i] = '责'
	}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		in     Grant
		kind   fault.Kind
		reason string
	}{
		{"身份证号校验位错", f.streetLead, ok(Grant{IDNumber: "310104199001020011"}), fault.Invalid, "ID_NUMBER_CHECKSUM"},
		{"身份证号格式错", f.streetLead, ok(Grant{IDNumber: "12345"}), fault.Invalid, "ID_NUMBER_FORMAT"},
		{"姓名为空", f.streetLead, ok(Grant{Name: "  "}), fault.Invalid, "NAME_REQUIRED"},
		{"姓名与已知人员不符", f.streetLead, ok(Grant{IDNumber: known, Name: "李小白"}), fault.Invalid, "NAME_MISMATCH"},
		{"手机号无效", f.streetLead, ok(Grant{Phone: "12345"}), fault.Invalid, "PHONE_INVALID"},
		{"职责过长", f.streetLead, ok(Grant{Duties: string(long)}), fault.Invalid, "DUTIES_TOO_LONG"},
		{"截止时间必填", f.streetLead, Grant{OrgID: f.street, IDNumber: f.idNumber(), Name: "张三"}, fault.Invalid, "VALID_UNTIL_REQUIRED"},
		{"截止时间已过", f.streetLead, ok(Grant{ValidUntil: f.clock().Add(-time.Minute)}), fault.Invalid, "VALID_UNTIL_PAST"},
		{"超过三年", f.streetLead, ok(Grant{ValidUntil: f.clock().AddDate(MaxDelegationYears, 0, 0).Add(time.Second)}), fault.Invalid, "VALID_UNTIL_TOO_LATE"},
		{"开始晚于截止", f.streetLead, ok(Grant{ValidFrom: f.clock().Add(48 * time.Hour), ValidUntil: f.clock().Add(24 * time.Hour)}), fault.Invalid, "VALID_FROM_AFTER_UNTIL"},
		{"管理员不能授权", streetAdmin, ok(Grant{}), fault.PermissionDenied, "LEADER_ONLY"},
		{"上级负责人不能代授权", f.districtLeader, ok(Grant{}), fault.PermissionDenied, "LEADER_ONLY"},
		{"平级负责人不能授权", f.siblingLeader, ok(Grant{}), fault.PermissionDenied, "LEADER_ONLY"},
		{"下级不能授权上级", f.streetLead, func() Grant { g := ok(Grant{}); g.OrgID = f.district; return g }(), fault.PermissionDenied, "LEADER_ONLY"},
		{"后台人员不能授权", f.staffAll, ok(Grant{}), fault.PermissionDenied, "LEADER_ONLY"},
		{"组织不存在", f.streetLead, func() Grant { g := ok(Grant{}); g.OrgID = uuid.New(); return g }(), fault.NotFound, "ORG_NOT_FOUND"},
		{"负责人本人", f.streetLead, ok(Grant{IDNumber: leaderID, Name: "王建国"}), fault.FailedPrecondition, "IS_LEADER"},
		{"已是管理员", f.streetLead, ok(Grant{IDNumber: known, Name: "李小红"}), fault.Conflict, "ADMIN_EXISTS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accounts := f.count(t, `SELECT count(*) FROM identity.account`)
			people := f.count(t, `SELECT count(*) FROM identity.person`)
			events := f.count(t, `SELECT count(*) FROM org.authorization_event`)
			_, err := f.admins.Grant(ctx, tc.as, tc.in)
			wantFault(t, "Grant", err, tc.kind, tc.reason)
			if got := f.count(t, `SELECT count(*) FROM identity.account`); got != accounts {
				t.Errorf("accounts %d → %d after a refused grant", accounts, got)
			}
			if got := f.count(t, `SELECT count(*) FROM identity.person`); got != people {
				t.Errorf("people %d → %d after a refused grant", people, got)
			}
			if got := f.count(t, `SELECT count(*) FROM org.authorization_event`); got != events {
				t.Errorf("log entries %d → %d after a refused grant", events, got)
			}
		})
	}
}

// TestDelegationLifecycle grants an admin who never signed in, changes the
// validity, revokes, grants again and lets it expire, checking the
// accounts, the users list and the authorization log at each step.
func TestDelegationLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	id := f.idNumber()
	start := f.clock()
	until := start.Add(30 * 24 * time.Hour)

	u, err := f.admins.Grant(ctx, f.streetLead, Grant{
		OrgID: f.street, IDNumber: " " + id + " ", Name: "欧阳晓晓", Phone: "+86 138-1234-5678", Duties: "负责项目发布", ValidUntil: until,
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != RoleAdmin || u.Status != UserActive || u.OrgID != f.street || u.NameMasked != "欧阳**" ||
		u.PhoneMasked != "138****5678" || u.Duties != "负责项目发布" || !u.ValidUntil.Equal(until) || !u.ValidFrom.Equal(start) ||
		u.IDNumberMasked != idnumber.Mask(id) || u.GrantedAt.IsZero() {
		t.Errorf("granted = %+v", u)
	}
	// The person is recorded for their first sign-in: found by the blind
	// index identity uses, the number sealed, no provider subject yet.
	var person uuid.UUID
	var enc []byte
	var subject *string
	if err := f.st.Pool.QueryRow(ctx, `SELECT id, id_number_enc, oidc_subject FROM identity.person WHERE id_number_idx = $1`,
		f.box.Index(identity.FieldIDNumber, id)).Scan(&person, &enc, &subject); err != nil {
		t.Fatalf("person by blind index: %v", err)
	}
	if plain, err := f.box.Open(identity.FieldIDNumber, enc); err != nil || plain != id || subject != nil {
		t.Errorf("person: id number %q (%v), subject %v", plain, err, subject)
	}
	if _, ok := f.forgotten.Load(u.AccountID); !ok {
		t.Error("grant did not clear the account's cached state")
	}
	admin := adminPrincipal(u, person)

	// Validity changes: only the leader; a revoked one cannot change.
	_, err = f.admins.ChangeValidity(ctx, admin, u.AccountID, Validity{Until: until.Add(time.Hour)})
	wantFault(t, "admin changes own validity", err, fault.PermissionDenied, "LEADER_ONLY")
	_, err = f.admins.ChangeValidity(ctx, f.streetLead, u.AccountID, Validity{Until: start.Add(-time.Hour)})
	wantFault(t, "validity in the past", err, fault.Invalid, "VALID_UNTIL_PAST")
	_, err = f.admins.ChangeValidity(ctx, f.streetLead, f.streetLead.AccountID, Validity{Until: until})
	wantFault(t, "a leader's validity", err, fault.NotFound, "ADMIN_NOT_FOUND")
	shorter := start.Add(7 * 24 * time.Hour)
	if u, err = f.admins.ChangeValidity(ctx, f.streetLead, u.AccountID, Validity{Until: shorter}); err != nil {
		t.Fatal(err)
	}
	if !u.ValidUntil.Equal(shorter) || u.Status != UserActive {
		t.Errorf("after change = %+v", u)
	}

	// Contact: the leader edits duties and phone of anyone of the org.
	_, err = f.admins.UpdateContact(ctx, admin, u.AccountID, "", "改职责")
	wantFault(t, "admin edits contact", err, fault.PermissionDenied, "LEADER_ONLY")
	if lu, err := f.admins.UpdateContact(ctx, f.streetLead, f.streetLead.AccountID, "13900001111", "全面负责"); err != nil || lu.Duties != "全面负责" || lu.PhoneMasked != "139****1111" || lu.Role != RoleLeader {
		t.Errorf("leader contact = %+v, %v", lu, err)
	}

	// Revocation: the account is disabled, its sessions revoked.
	f.advance(time.Hour)
	_, err = f.admins.Revoke(ctx, admin, u.AccountID, "")
	wantFault(t, "admin revokes self", err, fault.PermissionDenied, "LEADER_ONLY")
	_, err = f.admins.Revoke(ctx, f.siblingLeader, u.AccountID, "")
	wantFault(t, "sibling revokes", err, fault.PermissionDenied, "LEADER_ONLY")
	if u, err = f.admins.Revoke(ctx, f.streetLead, u.AccountID, "岗位调整"); err != nil {
		t.Fatal(err)
	}
	if u.Status != UserRevoked || u.RevokedAt.IsZero() {
		t.Errorf("after revoke = %+v", u)
	}
	if got := f.sessions.got(); !slices.Equal(got, []uuid.UUID{u.AccountID}) {
		t.Errorf("sessions revoked for %v, want [%s]", got, u.AccountID)
	}
	var disabled bool
	if err := f.st.Pool.QueryRow(ctx, `SELECT disabled FROM identity.account WHERE id = $1`, u.AccountID).Scan(&disabled); err != nil || !disabled {
		t.Errorf("account disabled = %v (%v)", disabled, err)
	}
	_, err = f.admins.Revoke(ctx, f.streetLead, u.AccountID, "")
	wantFault(t, "revoke twice", err, fault.FailedPrecondition, "ADMIN_REVOKED")
	_, err = f.admins.ChangeValidity(ctx, f.streetLead, u.AccountID, Validity{Until: until})
	wantFault(t, "change a revoked one", err, fault.FailedPrecondition, "ADMIN_REVOKED")

	// Granted again: the same account comes back, without the old phone.
	f.advance(time.Hour)
	again, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: id, Name: "欧阳晓晓", ValidUntil: f.clock().Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if again.AccountID != u.AccountID || again.Status != UserActive || !again.RevokedAt.IsZero() || again.PhoneMasked != "" {
		t.Errorf("granted again = %+v, want account %s active", again, u.AccountID)
	}

	// It expires by the clock: the list says so, and the log gets the
	// expiry at the moment it happened, once.
	end := again.ValidUntil
	f.advance(3 * time.Hour)
	users, _, err := f.admins.Users(ctx, f.streetLead, UserFilter{OrgID: f.street, Role: RoleAdmin, Page: paging.Page{Limit: 50}})
	if err != nil || len(users) != 1 || users[0].Status != UserExpired {
		t.Fatalf("admins after expiry = %+v, %v", users, err)
	}
	var log []AuthEvent
	for range 2 {
		if log, _, err = f.admins.AuthLog(ctx, f.streetLead, f.street, "", paging.Page{Limit: 50}); err != nil {
			t.Fatal(err)
		}
	}
	var actions []AuthAction
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if want := []AuthAction{AuthExpire, AuthGrant, AuthRevoke, AuthChange, AuthGrant}; !slices.Equal(actions, want) {
		t.Fatalf("log actions = %v, want %v (newest first)", actions, want)
	}
	if e := log[0]; !e.At.Equal(end) || !e.ValidUntil.Equal(end) || e.ByNameMasked != "" || e.NameMasked != "欧阳**" {
		t.Errorf("expiry entry = %+v, want at %v", e, end)
	}
	if e := log[2]; e.Reason != "岗位调整" || e.ByNameMasked != "王**" || e.IDNumberMasked != idnumber.Mask(id) {
		t.Errorf("revoke entry = %+v", e)
	}
	if e := log[3]; !e.ValidUntil.Equal(shorter) {
		t.Errorf("change entry = %+v, want until %v", e, shorter)
	}
	expiries, _, err := f.admins.AuthLog(ctx, f.districtLeader, f.street, AuthExpire, paging.Page{Limit: 50})
	if err != nil || len(expiries) != 1 {
		t.Errorf("expiries seen by the district = %+v, %v", expiries, err)
	}

	// Granted after expiry: the expiry stays in the log before the grant.
	if _, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: id, Name: "欧阳晓晓", ValidUntil: f.clock().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM org.authorization_event WHERE account_id = $1 AND action = 'expire'`, u.AccountID); n != 1 {
		t.Errorf("%d expiry entries, want 1", n)
	}
	if _, err := f.st.Pool.Exec(ctx, `DELETE FROM org.authorization_event`); err == nil {
		t.Error("the authorization log accepted a DELETE")
	}
}

// TestExpiryBeforeChange checks that an expiry nobody listed yet is
// written before the grant, revocation or change that follows it.
func TestExpiryBeforeChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name  string
		after func(u User) error
		want  AuthAction
	}{
		{"再次授权", func(u User) error {
			_, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: u.Duties, Name: "到期者", ValidUntil: f.clock().Add(time.Hour)})
			return err
		}, AuthGrant},
		{"撤销", func(u User) error { _, err := f.admins.Revoke(ctx, f.streetLead, u.AccountID, ""); return err }, AuthRevoke},
		{"修改期限", func(u User) error {
			_, err := f.admins.ChangeValidity(ctx, f.streetLead, u.AccountID, Validity{Until: f.clock().Add(time.Hour)})
			return err
		}, AuthChange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := f.idNumber()
			// Duties carry the ID number to the grant above.
			u, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: id, Name: "到期者", Duties: id, ValidUntil: f.clock().Add(time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			f.advance(2 * time.Minute)
			if err := tc.after(u); err != nil {
				t.Fatal(err)
			}
			rows, err := f.st.Pool.Query(ctx, `SELECT action FROM org.authorization_event WHERE account_id = $1 ORDER BY at, id`, u.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			var got []AuthAction
			for rows.Next() {
				var a string
				if err := rows.Scan(&a); err != nil {
					t.Fatal(err)
				}
				got = append(got, AuthAction(a))
			}
			if want := []AuthAction{AuthGrant, AuthExpire, tc.want}; !slices.Equal(got, want) {
				t.Errorf("log = %v, want %v", got, want)
			}
		})
	}
}

func TestDelegationNotYetValid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	u, err := f.admins.Grant(ctx, f.streetLead, Grant{
		OrgID: f.street, IDNumber: f.idNumber(), Name: "赵六",
		ValidFrom: f.clock().Add(24 * time.Hour), ValidUntil: f.clock().Add(48 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != UserPending {
		t.Errorf("status = %s, want pending", u.Status)
	}
	f.advance(25 * time.Hour)
	users, _, err := f.admins.Users(ctx, f.streetLead, UserFilter{Status: UserActive, Role: RoleAdmin, Page: paging.Page{Limit: 50}})
	if err != nil || len(users) != 1 || users[0].AccountID != u.AccountID {
		t.Errorf("active admins = %+v, %v", users, err)
	}
}

func TestUsersScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	for _, g := range []struct {
		lead *access.Principal
		org  uuid.UUID
	}{{f.streetLead, f.street}, {f.siblingLeader, f.sibling}, {f.otherLeader, f.otherStreet}} {
		if _, err := f.admins.Grant(ctx, g.lead, Grant{OrgID: g.org, IDNumber: f.idNumber(), Name: "管理员", ValidUntil: f.clock().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	orgsOf := func(us []User) []uuid.UUID {
		var out []uuid.UUID
		for _, u := range us {
			if !slices.Contains(out, u.OrgID) {
				out = append(out, u.OrgID)
			}
		}
		return out
	}
	page := paging.Page{Limit: 50}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		f      UserFilter
		want   []uuid.UUID
		kind   fault.Kind
		reason string
	}{
		{"街道只看本组织", f.streetLead, UserFilter{Page: page}, []uuid.UUID{f.street}, 0, ""},
		{"区级看下级", f.districtLeader, UserFilter{Page: page}, []uuid.UUID{f.district, f.street, f.sibling}, 0, ""},
		{"区级按组织", f.districtLeader, UserFilter{OrgID: f.sibling, Page: page}, []uuid.UUID{f.sibling}, 0, ""},
		{"全市后台", f.staffAll, UserFilter{Role: RoleAdmin, Page: page}, []uuid.UUID{f.street, f.sibling, f.otherStreet}, 0, ""},
		{"下级看不到上级", f.streetLead, UserFilter{OrgID: f.district, Page: page}, nil, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"平级看不到", f.siblingLeader, UserFilter{OrgID: f.street, Page: page}, nil, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"无范围后台", f.staffNone, UserFilter{Page: page}, nil, 0, ""},
		{"组织不存在", f.staffAll, UserFilter{OrgID: uuid.New(), Page: page}, nil, fault.NotFound, "ORG_NOT_FOUND"},
		{"志愿者", &access.Principal{Kind: access.KindVolunteer}, UserFilter{Page: page}, nil, fault.PermissionDenied, "NO_ORG_SCOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			us, _, err := f.admins.Users(ctx, tc.as, tc.f)
			wantFault(t, "Users", err, tc.kind, tc.reason)
			got := orgsOf(us)
			sortIDs(got)
			sortIDs(tc.want)
			if err == nil && !slices.Equal(got, tc.want) {
				t.Errorf("orgs = %v, want %v", got, tc.want)
			}
		})
	}
	// Leaders come before admins, and pages cover everything once.
	all, _, err := f.admins.Users(ctx, f.staffAll, UserFilter{OrgID: f.street, Page: page})
	if err != nil || len(all) != 2 || all[0].Role != RoleLeader || all[1].Role != RoleAdmin {
		t.Fatalf("street users = %+v, %v", all, err)
	}
	var seen []uuid.UUID
	pg := paging.Page{Limit: 2}
	for {
		us, next, err := f.admins.Users(ctx, f.staffAll, UserFilter{Page: pg})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			seen = append(seen, u.AccountID)
		}
		if next == "" {
			break
		}
		if pg, err = paging.Parse(2, next); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM identity.account WHERE kind IN ('org_leader', 'org_admin')`); len(seen) != n {
		t.Errorf("paged %d users, want %d", len(seen), n)
	}
}

func TestAuthLogScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	u, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: f.idNumber(), Name: "管理员", ValidUntil: f.clock().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		kind   fault.Kind
		reason string
	}{
		{"本组织负责人", f.streetLead, 0, ""},
		{"本组织管理员", adminPrincipal(u, uuid.Nil), 0, ""},
		{"上级", f.districtLeader, 0, ""},
		{"后台", f.staffAll, 0, ""},
		{"平级", f.siblingLeader, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"其他区", f.otherLeader, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"无范围后台", f.staffNone, fault.PermissionDenied, "NOT_IN_SCOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log, _, err := f.admins.AuthLog(ctx, tc.as, f.street, "", paging.Page{Limit: 50})
			wantFault(t, "AuthLog", err, tc.kind, tc.reason)
			if err == nil && (len(log) != 1 || log[0].Action != AuthGrant || log[0].AccountID != u.AccountID) {
				t.Errorf("log = %+v", log)
			}
		})
	}
}

func TestRecordExpiries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	var ids []uuid.UUID
	for _, g := range []struct {
		lead *access.Principal
		org  uuid.UUID
		last time.Duration
	}{{f.streetLead, f.street, time.Minute}, {f.otherLeader, f.otherStreet, time.Minute}, {f.siblingLeader, f.sibling, time.Hour}} {
		u, err := f.admins.Grant(ctx, g.lead, Grant{OrgID: g.org, IDNumber: f.idNumber(), Name: "管理员", ValidUntil: f.clock().Add(g.last)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.AccountID)
	}
	f.advance(2 * time.Minute)
	for range 2 {
		if err := f.admins.RecordExpiries(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []int{1, 1, 0} {
		if n := f.count(t, `SELECT count(*) FROM org.authorization_event WHERE account_id = $1 AND action = 'expire'`, ids[i]); n != want {
			t.Errorf("account %d: %d expiries, want %d", i, n, want)
		}
	}
}
