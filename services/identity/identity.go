// Package identity signs people in and keeps their sessions: citizens
// through the city identity provider (or the dev login), staff by username
// in dev; a person's accounts and switching between them; verifying the
// token of every request; logout and revocation across nodes.
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/sensitive"
	"yima/services/identity/idnumber"
	"yima/services/identity/token"
	"yima/store"
	"yima/store/db"
)

// Sensitive field names, binding ciphertexts and indexes to their columns.
const (
	FieldIDNumber = "person.id_number"
	FieldPhone    = "person.phone"
)

// DevIssuer is the issuer recorded for people signed in by DevLogin.
const DevIssuer = "yima-dev"

// accountTTL bounds how long a cached account state is trusted. Changes made
// on this node invalidate at once; the TTL covers changes made elsewhere.
const accountTTL = 5 * time.Second

// Citizen is a person as the identity provider vouches for them.
type Citizen struct {
	Issuer, Subject string
	Name            string
	IDNumber        string
	Phone           string
}

// Client describes where a sign-in came from, for the session record.
type Client struct {
	Addr      string
	UserAgent string
}

// Issued is a new session token.
type Issued struct {
	Token     string
	ExpiresAt time.Time
}

// Account is one of a person's accounts as the switcher shows it.
type Account struct {
	ID        uuid.UUID
	Kind      access.Kind
	OrgID     uuid.UUID
	OrgName   string
	OrgStatus string
	Username  string
	// DepartmentID is a staff account's department.
	DepartmentID uuid.UUID
	ValidFrom    time.Time // zero when unbounded
	ValidUntil   time.Time // zero when unbounded
	Disabled     bool
}

// DisplayName names the account for people, e.g. "徐汇区志愿者协会 · 负责人".
func (a Account) DisplayName() string {
	switch a.Kind {
	case access.KindCitizen:
		return "市民"
	case access.KindVolunteer:
		return "志愿者"
	case access.KindOrgLeader:
		return a.OrgName + " · 负责人"
	case access.KindOrgAdmin:
		return a.OrgName + " · 管理员"
	case access.KindStaff:
		return "后台人员 · " + a.Username
	}
	return a.Kind.String()
}

// usableAt returns nil when the account may act at t, or the reason why not.
func (a Account) usableAt(t time.Time) error {
	switch {
	case a.Disabled:
		return fault.New(fault.FailedPrecondition, "ACCOUNT_DISABLED", "账号已停用")
	case !a.ValidFrom.IsZero() && t.Before(a.ValidFrom):
		return fault.New(fault.FailedPrecondition, "ACCOUNT_NOT_YET_VALID", "账号授权尚未生效")
	case !a.ValidUntil.IsZero() && !t.Before(a.ValidUntil):
		return fault.New(fault.FailedPrecondition, "ACCOUNT_EXPIRED", "账号授权已过期")
	case a.OrgID != uuid.Nil && a.Kind != access.KindStaff && a.OrgStatus != "active":
		return fault.New(fault.FailedPrecondition, "ACCOUNT_INACTIVE", "组织尚未通过审核或已停用，账号暂不可用")
	}
	return nil
}

// Person is a signed-in person with sensitive fields masked.
type Person struct {
	ID             uuid.UUID
	Name           string
	IDNumberMasked string
	PhoneMasked    string
}

// Options configure a Service.
type Options struct {
	Store  *store.Store
	Box    *sensitive.Box
	Tokens *token.Signer
	TTL    time.Duration
	Now    func() time.Time
	Log    *slog.Logger
	// Dev enables DevLogin.
	Dev bool
	// Broadcast tells the other nodes of a revoked session; nil on one node.
	Broadcast func(ctx context.Context, session uuid.UUID, until time.Time) error
	// SignedIn hears of every citizen sign-in once the person is known —
	// the check-in side records volunteer activity and brings back a
	// deactivated volunteer code (M1). It handles its own failures; nil
	// tells no one.
	SignedIn func(ctx context.Context, person uuid.UUID)
}

// Service is the identity use cases.
type Service struct {
	opt     Options
	revoked token.Revocations

	mu       sync.Mutex
	accounts map[uuid.UUID]cachedAccount
	// moved maps a citizen session to the account it acts as since it
	// registered as a volunteer; a move is never undone, so the answer
	// never goes stale.
	moved map[uuid.UUID]uuid.UUID
}

type cachedAccount struct {
	acct Account
	at   time.Time
}

// New returns a Service. Call LoadRevocations before serving.
func New(opt Options) *Service {
	return &Service{opt: opt, accounts: make(map[uuid.UUID]cachedAccount), moved: make(map[uuid.UUID]uuid.UUID)}
}

// Dev reports whether DevLogin is served.
func (s *Service) Dev() bool { return s.opt.Dev }

// LoadRevocations fills the in-memory revocation set from PostgreSQL, so a
// restarted node still refuses revoked tokens.
func (s *Service) LoadRevocations(ctx context.Context) error {
	rows, err := s.opt.Store.Q.ListRevokedSessions(ctx, s.opt.Now())
	if err != nil {
		return fmt.Errorf("load revoked sessions: %w", err)
	}
	for _, r := range rows {
		s.revoked.Revoke(r.ID, r.ExpiresAt)
	}
	return nil
}

// Revoked records a revocation announced by another node.
func (s *Service) Revoked(session uuid.UUID, until time.Time) {
	s.revoked.Revoke(session, until)
}

// PruneRevocations forgets revocations of tokens that have expired anyway.
func (s *Service) PruneRevocations() int { return s.revoked.Prune(s.opt.Now()) }

// SignInCitizen signs in a person the identity provider vouched for,
// creating the person and their citizen account on first sight, and issues
// a token for the citizen account — or the volunteer account, once the
// person has one, since that is who they are on the volunteer pages.
func (s *Service) SignInCitizen(ctx context.Context, c Citizen, cl Client) (Issued, error) {
	n, err := idnumber.Parse(c.IDNumber)
	if err != nil {
		return Issued{}, idNumberFault(err)
	}
	if c.Name == "" {
		return Issued{}, fault.InvalidField("name", "NAME_REQUIRED", "姓名不能为空")
	}
	person, err := s.upsertCitizen(ctx, c, n)
	if err != nil {
		return Issued{}, err
	}
	if s.opt.SignedIn != nil {
		s.opt.SignedIn(ctx, person)
	}
	accts, err := s.listAccounts(ctx, person)
	if err != nil {
		return Issued{}, err
	}
	acct := accts[0] // citizen, ordered first
	for _, a := range accts {
		if a.Kind == access.KindVolunteer {
			acct = a
		}
	}
	return s.issue(ctx, person, acct, cl)
}

func (s *Service) upsertCitizen(ctx context.Context, c Citizen, n idnumber.Number) (uuid.UUID, error) {
	box := s.opt.Box
	idx := box.Index(FieldIDNumber, n.String())
	var phoneEnc, phoneIdx []byte
	var phoneMasked string
	if p := sensitive.NormalizePhone(c.Phone); p != "" {
		var err error
		if phoneEnc, err = box.Seal(FieldPhone, p); err != nil {
			return uuid.Nil, fmt.Errorf("seal phone: %w", err)
		}
		phoneIdx, phoneMasked = box.Index(FieldPhone, p), sensitive.MaskPhone(p)
	}
	var id uuid.UUID
	err := s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		p, err := q.GetPersonByIDNumber(ctx, idx)
		switch {
		case store.IsNotFound(err):
			enc, err := box.Seal(FieldIDNumber, n.String())
			if err != nil {
				return fmt.Errorf("seal id number: %w", err)
			}
			p, err = q.CreatePerson(ctx, db.CreatePersonParams{
				Name: c.Name, IDNumberEnc: enc, IDNumberIdx: idx, IDNumberMasked: n.Masked(),
				PhoneEnc: phoneEnc, PhoneIdx: phoneIdx, PhoneMasked: phoneMasked,
				BirthDate:  pgtype.Date{Time: n.BirthDate(), Valid: true},
				OidcIssuer: store.Text(c.Issuer), OidcSubject: store.Text(c.Subject),
			})
			if err != nil {
				return fmt.Errorf("create person: %w", err)
			}
		case err != nil:
			return fmt.Errorf("find person: %w", err)
		default:
			// The provider is the source of truth for name and phone.
			if phoneEnc == nil {
				phoneEnc, phoneIdx, phoneMasked = p.PhoneEnc, p.PhoneIdx, p.PhoneMasked
			}
			p, err = q.UpdatePersonIdentity(ctx, db.UpdatePersonIdentityParams{
				ID: p.ID, Name: c.Name, PhoneEnc: phoneEnc, PhoneIdx: phoneIdx, PhoneMasked: phoneMasked,
				OidcIssuer: store.Text(c.Issuer), OidcSubject: store.Text(c.Subject),
			})
			if err != nil {
				return fmt.Errorf("update person: %w", err)
			}
		}
		id = p.ID
		if err := q.EnsureCitizenAccount(ctx, p.ID); err != nil {
			return fmt.Errorf("ensure citizen account: %w", err)
		}
		return nil
	})
	if err != nil {
		if store.ConstraintViolated(err) == "person_oidc_issuer_oidc_subject_key" {
			return uuid.Nil, fault.New(fault.Conflict, "IDENTITY_MISMATCH", "该身份已绑定其他证件号码")
		}
		return uuid.Nil, err
	}
	return id, nil
}

// DevLoginCitizen signs in a citizen of the mock identity provider by ID
// number and name. Dev and tests only.
func (s *Service) DevLoginCitizen(ctx context.Context, idNumber, name string, cl Client) (Issued, error) {
	if !s.opt.Dev {
		return Issued{}, fault.New(fault.PermissionDenied, "DEV_ONLY", "仅开发环境可用")
	}
	n, err := idnumber.Parse(idNumber)
	if err != nil {
		return Issued{}, idNumberFault(err)
	}
	return s.SignInCitizen(ctx, Citizen{Issuer: DevIssuer, Subject: n.String(), Name: name, IDNumber: n.String()}, cl)
}

// DevLoginStaff signs in a back-office user by username. Dev and tests only.
func (s *Service) DevLoginStaff(ctx context.Context, username string, cl Client) (Issued, error) {
	if !s.opt.Dev {
		return Issued{}, fault.New(fault.PermissionDenied, "DEV_ONLY", "仅开发环境可用")
	}
	a, err := s.opt.Store.Q.GetStaffAccountByUsername(ctx, store.Text(username))
	if store.IsNotFound(err) {
		return Issued{}, fault.InvalidField("username", "USERNAME_UNKNOWN", "没有这个后台用户")
	}
	if err != nil {
		return Issued{}, fmt.Errorf("find staff %q: %w", username, err)
	}
	acct, err := s.account(ctx, a.ID)
	if err != nil {
		return Issued{}, err
	}
	return s.issue(ctx, a.PersonID, acct, cl)
}

// issue records a session for acct and signs its token.
func (s *Service) issue(ctx context.Context, person uuid.UUID, acct Account, cl Client) (Issued, error) {
	at := s.opt.Now()
	if err := acct.usableAt(at); err != nil {
		return Issued{}, err
	}
	// Tokens carry whole seconds.
	now := at.UTC().Truncate(time.Second)
	exp := now.Add(s.opt.TTL)
	if !acct.ValidUntil.IsZero() && acct.ValidUntil.Before(exp) {
		// The token ends no later than the delegation; under a second of
		// it left is no time to act in.
		exp = acct.ValidUntil.UTC().Truncate(time.Second)
		if !exp.After(now) {
			return Issued{}, fault.New(fault.FailedPrecondition, "ACCOUNT_EXPIRED", "账号授权已过期")
		}
	}
	sid := uuid.New()
	if err := s.opt.Store.Q.CreateSession(ctx, db.CreateSessionParams{
		ID: sid, PersonID: person, AccountID: acct.ID, IssuedAt: now, ExpiresAt: exp,
		ClientAddr: cl.Addr, UserAgent: truncate(cl.UserAgent, 256),
	}); err != nil {
		return Issued{}, fmt.Errorf("create session: %w", err)
	}
	tok, err := s.opt.Tokens.Sign(token.Claims{
		SessionID: sid, PersonID: person, AccountID: acct.ID,
		AccountKind: uint8(acct.Kind), IssuedAt: now, ExpiresAt: exp,
	})
	if err != nil {
		return Issued{}, fmt.Errorf("sign token: %w", err)
	}
	return Issued{Token: tok, ExpiresAt: exp}, nil
}

// Authenticate verifies a bearer token and returns its principal without
// grants. Cheap on the hot path: a MAC check, a map lookup for revocation
// and a cached account state. A citizen token whose session registered as
// a volunteer acts as the volunteer account from then on, so registering
// needs no new token (ARCHITECTURE §10 row 3).
func (s *Service) Authenticate(ctx context.Context, tok string) (*access.Principal, error) {
	now := s.opt.Now()
	c, err := s.opt.Tokens.Verify(tok, now)
	if err != nil {
		if errors.Is(err, token.ErrExpired) {
			return nil, fault.New(fault.Unauthenticated, "TOKEN_EXPIRED", "登录已过期，请重新登录")
		}
		return nil, fault.New(fault.Unauthenticated, "TOKEN_INVALID", "登录凭证无效，请重新登录")
	}
	if s.revoked.Revoked(c.SessionID) {
		return nil, fault.New(fault.Unauthenticated, "TOKEN_REVOKED", "已退出登录，请重新登录")
	}
	acct, err := s.account(ctx, c.AccountID)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return nil, fault.New(fault.Unauthenticated, "TOKEN_INVALID", "登录凭证无效，请重新登录")
		}
		return nil, err
	}
	if acct.Kind == access.KindCitizen {
		if acct, err = s.actingAccount(ctx, c.SessionID, acct, now); err != nil {
			return nil, err
		}
	}
	if err := acct.usableAt(now); err != nil {
		e, _ := fault.As(err)
		return nil, fault.New(fault.Unauthenticated, e.Reason, e.Message)
	}
	return &access.Principal{
		SessionID: c.SessionID, PersonID: c.PersonID, AccountID: acct.ID,
		Kind: acct.Kind, OrgID: acct.OrgID, ExpiresAt: c.ExpiresAt,
		DepartmentID: acct.DepartmentID,
	}, nil
}

// account returns the account's state, cached for accountTTL.
func (s *Service) account(ctx context.Context, id uuid.UUID) (Account, error) {
	now := s.opt.Now()
	s.mu.Lock()
	c, ok := s.accounts[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < accountTTL {
		return c.acct, nil
	}
	row, err := s.opt.Store.Q.GetAccountDetail(ctx, id)
	if store.IsNotFound(err) {
		return Account{}, fault.New(fault.NotFound, "ACCOUNT_NOT_FOUND", "账号不存在")
	}
	if err != nil {
		return Account{}, fmt.Errorf("load account: %w", err)
	}
	a := accountFromRow(db.ListPersonAccountsRow(row))
	s.mu.Lock()
	s.accounts[id] = cachedAccount{acct: a, at: now}
	s.mu.Unlock()
	return a, nil
}

// actingAccount returns the account a citizen token's session acts as:
// the volunteer account it moved to when it registered (while that account
// is usable), else the citizen account itself. A move is remembered; its
// absence is asked for on every call, so a registration made through any
// node counts at once. Other sessions of the person, and sessions opened
// later by switching back to the citizen account, stay citizens.
func (s *Service) actingAccount(ctx context.Context, session uuid.UUID, citizen Account, now time.Time) (Account, error) {
	s.mu.Lock()
	id, ok := s.moved[session]
	s.mu.Unlock()
	if !ok {
		var err error
		id, err = s.opt.Store.Q.GetSessionAccount(ctx, session)
		if store.IsNotFound(err) || (err == nil && id == citizen.ID) {
			return citizen, nil
		}
		if err != nil {
			return Account{}, fmt.Errorf("load session account: %w", err)
		}
		s.mu.Lock()
		s.moved[session] = id
		s.mu.Unlock()
	}
	v, err := s.account(ctx, id)
	if err != nil {
		return Account{}, err
	}
	if v.Kind != access.KindVolunteer || v.usableAt(now) != nil {
		return citizen, nil
	}
	return v, nil
}

// ForgetAccount drops an account's cached state after it changed.
func (s *Service) ForgetAccount(id uuid.UUID) {
	s.mu.Lock()
	delete(s.accounts, id)
	s.mu.Unlock()
}

// Me returns the person behind p.
func (s *Service) Me(ctx context.Context, p *access.Principal) (Person, Account, error) {
	row, err := s.opt.Store.Q.GetPerson(ctx, p.PersonID)
	if err != nil {
		return Person{}, Account{}, fmt.Errorf("load person: %w", err)
	}
	acct, err := s.account(ctx, p.AccountID)
	if err != nil {
		return Person{}, Account{}, err
	}
	return Person{ID: row.ID, Name: row.Name, IDNumberMasked: row.IDNumberMasked, PhoneMasked: row.PhoneMasked}, acct, nil
}

// ListAccounts lists the accounts of p's person, usable ones and those
// waiting for their org's approval.
func (s *Service) ListAccounts(ctx context.Context, p *access.Principal) ([]Account, error) {
	return s.listAccounts(ctx, p.PersonID)
}

func (s *Service) listAccounts(ctx context.Context, person uuid.UUID) ([]Account, error) {
	rows, err := s.opt.Store.Q.ListPersonAccounts(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]Account, 0, len(rows))
	for _, r := range rows {
		out = append(out, accountFromRow(r))
	}
	return out, nil
}

// SwitchAccount issues a token for another account of p's person.
func (s *Service) SwitchAccount(ctx context.Context, p *access.Principal, id uuid.UUID, cl Client) (Issued, Account, error) {
	acct, err := s.account(ctx, id)
	if err != nil {
		return Issued{}, Account{}, err
	}
	row, err := s.opt.Store.Q.GetAccountDetail(ctx, id)
	if err != nil || row.PersonID != p.PersonID {
		// Someone else's account looks exactly like a missing one.
		return Issued{}, Account{}, fault.New(fault.NotFound, "ACCOUNT_NOT_FOUND", "账号不存在")
	}
	iss, err := s.issue(ctx, p.PersonID, acct, cl)
	return iss, acct, err
}

// Logout revokes p's session on every node.
func (s *Service) Logout(ctx context.Context, p *access.Principal) error {
	exp, err := s.opt.Store.Q.RevokeSession(ctx, db.RevokeSessionParams{ID: p.SessionID, RevokedAt: pgtype.Timestamptz{Time: s.opt.Now(), Valid: true}})
	if err != nil && !store.IsNotFound(err) {
		return fmt.Errorf("revoke session: %w", err)
	}
	if err == nil {
		s.revoked.Revoke(p.SessionID, exp)
		if s.opt.Broadcast != nil {
			if err := s.opt.Broadcast(ctx, p.SessionID, exp); err != nil {
				// The row is revoked; other nodes learn it on restart at the
				// latest. Say so loudly rather than fail the logout.
				s.opt.Log.Error("broadcast revocation", "err", err)
			}
		}
	}
	return nil
}

// RevokeAccountSessions revokes every live session of a person's account
// on every node and drops the account's cached state here — for an org
// admin whose delegation was revoked, so that no token of it comes back if
// it is granted again.
func (s *Service) RevokeAccountSessions(ctx context.Context, person, account uuid.UUID) error {
	s.ForgetAccount(account)
	rows, err := s.opt.Store.Q.RevokeAccountSessions(ctx, db.RevokeAccountSessionsParams{
		PersonID: person, AccountID: account, At: s.opt.Now(),
	})
	if err != nil {
		return fmt.Errorf("revoke account sessions: %w", err)
	}
	for _, r := range rows {
		s.revoked.Revoke(r.ID, r.ExpiresAt)
		if s.opt.Broadcast != nil {
			if err := s.opt.Broadcast(ctx, r.ID, r.ExpiresAt); err != nil {
				// As for Logout: the rows are revoked, other nodes learn it
				// on restart at the latest.
				s.opt.Log.Error("broadcast revocation", "err", err)
			}
		}
	}
	return nil
}

func accountFromRow(r db.ListPersonAccountsRow) Account {
	a := Account{
		ID: r.ID, Kind: access.ParseKind(r.Kind), OrgID: r.OrgID.UUID,
		OrgName: r.OrgName, OrgStatus: r.OrgStatus, Username: r.Username.String,
		Disabled: r.Disabled, DepartmentID: r.DepartmentID.UUID,
	}
	if r.ValidFrom.Valid {
		a.ValidFrom = r.ValidFrom.Time
	}
	if r.ValidUntil.Valid {
		a.ValidUntil = r.ValidUntil.Time
	}
	return a
}

func idNumberFault(err error) error {
	var e *idnumber.Error
	if errors.As(err, &e) {
		return fault.InvalidField("id_number", e.Reason, e.Message)
	}
	return fault.InvalidField("id_number", idnumber.ReasonFormat, "身份证号码格式错误")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
