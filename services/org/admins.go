package org

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/services/identity/idnumber"
	"yima/store"
	"yima/store/db"
)

// This file is the delegation of org admins (O1, O11) and the org users
// the back office sees (S4). An admin is an identity.account of kind
// org_admin with a validity period; identity refuses it outside that
// period on every request, so an expired delegation stops at once. A
// revoked one is disabled and its sessions revoked on every node.

// Sensitive field names. fieldIDNumber must be identity's
// (identity.FieldIDNumber): a person recorded here is found by the blind
// index when they first sign in.
const (
	fieldIDNumber     = "person.id_number"
	fieldAccountPhone = "org.account_phone"
)

// Limits of a delegation.
const (
	// MaxDelegationYears is how far ahead a delegation may end, in
	// calendar years.
	MaxDelegationYears = 3
	maxDuties          = 200
	maxPersonName      = 50
)

// UserRole is what an org user is to the org.
type UserRole string

// The roles, as identity.account.kind stores them.
const (
	RoleLeader UserRole = "org_leader"
	RoleAdmin  UserRole = "org_admin"
)

// UserStatus is whether an org user's account may act now.
type UserStatus string

// The statuses.
const (
	UserActive  UserStatus = "active"
	UserPending UserStatus = "pending" // valid_from in the future
	UserExpired UserStatus = "expired"
	UserRevoked UserStatus = "revoked"
)

// AuthAction is what an authorization log entry records.
type AuthAction string

// The actions.
const (
	AuthGrant  AuthAction = "grant"
	AuthRevoke AuthAction = "revoke"
	AuthChange AuthAction = "change"
	AuthExpire AuthAction = "expire"
)

// User is a leader or admin account of an org, masked for display.
type User struct {
	AccountID      uuid.UUID
	OrgID          uuid.UUID
	OrgName        string
	Role           UserRole
	NameMasked     string
	IDNumberMasked string
	PhoneMasked    string
	Duties         string
	ValidFrom      time.Time // zero when unbounded
	ValidUntil     time.Time // zero when unbounded (leaders)
	Status         UserStatus
	GrantedAt      time.Time // zero for leaders
	RevokedAt      time.Time // zero unless revoked
}

// AuthEvent is an entry of the authorization log, masked for display.
type AuthEvent struct {
	ID             int64
	OrgID          uuid.UUID
	AccountID      uuid.UUID
	Action         AuthAction
	NameMasked     string
	IDNumberMasked string
	ValidFrom      time.Time
	ValidUntil     time.Time
	ByNameMasked   string // "" for an expiry
	Reason         string
	At             time.Time
}

// SessionRevoker revokes every session of an account on every node;
// *identity.Service is the one the program passes.
type SessionRevoker interface {
	RevokeAccountSessions(ctx context.Context, person, account uuid.UUID) error
}

// AdminOptions configure Admins.
type AdminOptions struct {
	// Box seals ID numbers of people recorded here and contact phones.
	Box *sensitive.Box
	// Sessions ends the sessions of a revoked admin; nil leaves them to
	// the disabled account, which identity refuses within its cache time.
	Sessions SessionRevoker
}

// Admins is the delegation of org admins and the org users views.
type Admins struct {
	orgs *Service
	opt  AdminOptions
}

// NewAdmins returns Admins over the org use cases.
func NewAdmins(orgs *Service, opt AdminOptions) *Admins { return &Admins{orgs: orgs, opt: opt} }

// Grant is a new delegation.
type Grant struct {
	OrgID      uuid.UUID
	IDNumber   string
	Name       string
	Phone      string    // optional
	Duties     string    // optional
	ValidFrom  time.Time // zero means now
	ValidUntil time.Time
}

// Validity is a delegation's period.
type Validity struct {
	From  time.Time // zero means now
	Until time.Time
}

// Grant makes a person an admin of the leader's org for a validity period,
// records it and returns the admin. The person is matched by the blind
// index of their ID number; one who never signed in is recorded now with
// the name given, so that their first sign-in finds the account. A person
// already known must be named as they are known. A revoked or expired
// delegation of the same person is granted again. Only the org's own
// leader may. Errors: invalid_argument (ID_NUMBER_*, NAME_REQUIRED,
// NAME_TOO_LONG, NAME_MISMATCH, PHONE_INVALID, DUTIES_TOO_LONG,
// VALID_UNTIL_REQUIRED, VALID_UNTIL_PAST, VALID_UNTIL_TOO_LATE,
// VALID_FROM_AFTER_UNTIL), not_found (ORG_NOT_FOUND), permission_denied
// (LEADER_ONLY), failed_precondition (IS_LEADER), already_exists
// (ADMIN_EXISTS).
func (a *Admins) Grant(ctx context.Context, p *access.Principal, in Grant) (User, error) {
	n, err := idnumber.Parse(sensitive.NormalizeIDNumber(in.IDNumber))
	if err != nil {
		return User{}, idNumberFault(err)
	}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		return User{}, fault.InvalidField("name", "NAME_REQUIRED", "请填写姓名")
	case utf8.RuneCountInString(name) > maxPersonName:
		return User{}, fault.InvalidField("name", "NAME_TOO_LONG", fmt.Sprintf("姓名不能超过%d个字", maxPersonName))
	}
	c, err := a.contact(in.Phone, in.Duties)
	if err != nil {
		return User{}, err
	}
	now := a.orgs.opt.Now()
	v, err := checkValidity(Validity{From: in.ValidFrom, Until: in.ValidUntil}, now)
	if err != nil {
		return User{}, err
	}
	o, err := a.orgs.Get(ctx, in.OrgID)
	if err != nil {
		return User{}, err
	}
	if err := leads(p, o.ID); err != nil {
		return User{}, err
	}
	var account uuid.UUID
	err = a.orgs.opt.Store.InTx(ctx, func(q *db.Queries) error {
		person, err := a.person(ctx, q, n, name)
		if err != nil {
			return err
		}
		if _, err := q.LockPersonOrgAccount(ctx, db.LockPersonOrgAccountParams{PersonID: person, Kind: string(RoleLeader), OrgID: store.NullUUID(o.ID)}); err == nil {
			return fault.New(fault.FailedPrecondition, "IS_LEADER", "该人员是本组织负责人，无需授权为管理员")
		} else if !store.IsNotFound(err) {
			return fmt.Errorf("find leader account: %w", err)
		}
		acct, err := q.LockPersonOrgAccount(ctx, db.LockPersonOrgAccountParams{PersonID: person, Kind: string(RoleAdmin), OrgID: store.NullUUID(o.ID)})
		switch {
		case store.IsNotFound(err):
			if account, err = q.CreateOrgAdminAccount(ctx, db.CreateOrgAdminAccountParams{
				PersonID: person, OrgID: store.NullUUID(o.ID), ValidFrom: timestamptz(v.From), ValidUntil: timestamptz(v.Until),
			}); err != nil {
				return fmt.Errorf("create admin account: %w", err)
			}
		case err != nil:
			return fmt.Errorf("find admin account: %w", err)
		default:
			if !acct.Disabled && (!acct.ValidUntil.Valid || acct.ValidUntil.Time.After(now)) {
				return fault.New(fault.Conflict, "ADMIN_EXISTS", "该人员已是本组织管理员，如需调整请修改授权期限")
			}
			account = acct.ID
			if err := q.RecordAdminExpiries(ctx, db.RecordAdminExpiriesParams{Now: now, AllOrgs: true, ByAccount: true, AccountID: account}); err != nil {
				return fmt.Errorf("record expiry: %w", err)
			}
			if err := q.SetOrgAdminValidity(ctx, db.SetOrgAdminValidityParams{ID: account, ValidFrom: timestamptz(v.From), ValidUntil: timestamptz(v.Until)}); err != nil {
				return fmt.Errorf("enable admin account: %w", err)
			}
		}
		if err := q.UpsertAccountGrant(ctx, db.UpsertAccountGrantParams{
			AccountID: account, Duties: c.duties, PhoneEnc: c.phoneEnc, PhoneMasked: c.phoneMasked,
			GrantedBy: store.NullUUID(p.PersonID), At: now,
		}); err != nil {
			return fmt.Errorf("record grant: %w", err)
		}
		return recordAuth(ctx, q, o.ID, account, person, AuthGrant, v, p.PersonID, "", now)
	})
	if err != nil {
		return User{}, err
	}
	a.forget(account)
	return a.user(ctx, account)
}

// Revoke ends an admin's delegation at once: the account is disabled, the
// change recorded and every session of the account revoked. Only the
// org's leader may. Errors: not_found (ADMIN_NOT_FOUND), permission_denied
// (LEADER_ONLY), failed_precondition (ADMIN_REVOKED), invalid_argument
// (REASON_TOO_LONG).
func (a *Admins) Revoke(ctx context.Context, p *access.Principal, account uuid.UUID, reason string) (User, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return User{}, fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReason))
	}
	acct, err := a.admin(ctx, p, account)
	if err != nil {
		return User{}, err
	}
	now := a.orgs.opt.Now()
	err = a.orgs.opt.Store.InTx(ctx, func(q *db.Queries) error {
		row, err := q.LockOrgAccount(ctx, account)
		if err != nil {
			return fmt.Errorf("lock admin account: %w", err)
		}
		if row.Disabled {
			return fault.New(fault.FailedPrecondition, "ADMIN_REVOKED", "该授权已撤销")
		}
		// An expiry that came first stays in the log before the revocation.
		if err := q.RecordAdminExpiries(ctx, db.RecordAdminExpiriesParams{Now: now, AllOrgs: true, ByAccount: true, AccountID: account}); err != nil {
			return fmt.Errorf("record expiry: %w", err)
		}
		if err := q.DisableOrgAdmin(ctx, account); err != nil {
			return fmt.Errorf("disable admin account: %w", err)
		}
		if err := q.MarkAccountRevoked(ctx, db.MarkAccountRevokedParams{AccountID: account, RevokedBy: store.NullUUID(p.PersonID), At: now}); err != nil {
			return fmt.Errorf("record revocation: %w", err)
		}
		v := Validity{From: row.ValidFrom.Time, Until: row.ValidUntil.Time}
		return recordAuth(ctx, q, acct.OrgID, account, acct.PersonID, AuthRevoke, v, p.PersonID, reason, now)
	})
	if err != nil {
		return User{}, err
	}
	a.forget(account)
	if a.opt.Sessions != nil {
		if err := a.opt.Sessions.RevokeAccountSessions(ctx, acct.PersonID, account); err != nil {
			// The account is disabled already, which every node refuses
			// within identity's cache time; the caller may revoke again
			// to retry the sessions.
			return User{}, fmt.Errorf("revoke sessions: %w", err)
		}
	}
	return a.user(ctx, account)
}

// ChangeValidity sets a new validity period for an admin's delegation,
// under the rules of Grant, and records it. A shorter period counts on
// the next request (identity checks the period on every one). Only the
// org's leader may. Errors: as Grant's validity, not_found
// (ADMIN_NOT_FOUND), permission_denied (LEADER_ONLY), failed_precondition
// (ADMIN_REVOKED).
func (a *Admins) ChangeValidity(ctx context.Context, p *access.Principal, account uuid.UUID, in Validity) (User, error) {
	now := a.orgs.opt.Now()
	v, err := checkValidity(in, now)
	if err != nil {
		return User{}, err
	}
	acct, err := a.admin(ctx, p, account)
	if err != nil {
		return User{}, err
	}
	err = a.orgs.opt.Store.InTx(ctx, func(q *db.Queries) error {
		row, err := q.LockOrgAccount(ctx, account)
		if err != nil {
			return fmt.Errorf("lock admin account: %w", err)
		}
		if row.Disabled {
			return fault.New(fault.FailedPrecondition, "ADMIN_REVOKED", "该授权已撤销，请重新授权")
		}
		if err := q.RecordAdminExpiries(ctx, db.RecordAdminExpiriesParams{Now: now, AllOrgs: true, ByAccount: true, AccountID: account}); err != nil {
			return fmt.Errorf("record expiry: %w", err)
		}
		if err := q.SetOrgAdminValidity(ctx, db.SetOrgAdminValidityParams{ID: account, ValidFrom: timestamptz(v.From), ValidUntil: timestamptz(v.Until)}); err != nil {
			return fmt.Errorf("set validity: %w", err)
		}
		return recordAuth(ctx, q, acct.OrgID, account, acct.PersonID, AuthChange, v, p.PersonID, "", now)
	})
	if err != nil {
		return User{}, err
	}
	a.forget(account)
	return a.user(ctx, account)
}

// UpdateContact sets the duties and contact phone the org records for one
// of its leaders or admins. Only the org's leader may. Errors: not_found
// (ORG_USER_NOT_FOUND), permission_denied (LEADER_ONLY), invalid_argument
// (PHONE_INVALID, DUTIES_TOO_LONG).
func (a *Admins) UpdateContact(ctx context.Context, p *access.Principal, account uuid.UUID, phone, duties string) (User, error) {
	c, err := a.contact(phone, duties)
	if err != nil {
		return User{}, err
	}
	row, err := a.orgs.opt.Store.Q.GetOrgAccount(ctx, account)
	if store.IsNotFound(err) {
		return User{}, fault.New(fault.NotFound, "ORG_USER_NOT_FOUND", "组织用户不存在")
	}
	if err != nil {
		return User{}, fmt.Errorf("load org account: %w", err)
	}
	if err := leads(p, row.OrgID); err != nil {
		return User{}, err
	}
	if err := a.orgs.opt.Store.Q.UpsertAccountContact(ctx, db.UpsertAccountContactParams{
		AccountID: account, Duties: c.duties, PhoneEnc: c.phoneEnc, PhoneMasked: c.phoneMasked, At: a.orgs.opt.Now(),
	}); err != nil {
		return User{}, fmt.Errorf("update contact: %w", err)
	}
	return a.user(ctx, account)
}

// UserFilter narrows Users; zero fields match everything.
type UserFilter struct {
	OrgID  uuid.UUID
	Role   UserRole
	Status UserStatus
	Page   paging.Page
}

// Users returns a page of the leaders and admins of f.OrgID, which must
// be in p's scope, or of every org in p's scope, by org (shallowest
// first), leaders before admins; and the next page's token. Errors:
// not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE,
// NO_ORG_SCOPE).
func (a *Admins) Users(ctx context.Context, p *access.Principal, f UserFilter) ([]User, string, error) {
	all, roots, err := a.orgs.scope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	if f.OrgID != uuid.Nil {
		o, err := a.orgs.Get(ctx, f.OrgID)
		if err != nil {
			return nil, "", err
		}
		if err := a.orgs.inScope(ctx, p, o.Path); err != nil {
			return nil, "", err
		}
	}
	rows, err := a.orgs.opt.Store.Q.ListOrgUsers(ctx, db.ListOrgUsersParams{
		Now: a.orgs.opt.Now(), AllOrgs: all, Roots: roots, ByOrg: f.OrgID != uuid.Nil, OrgID: f.OrgID,
		Kind: string(f.Role), Status: string(f.Status), Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list org users: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, next, nil
}

// AuthLog returns a page of an org's authorization log, newest first, and
// the next page's token; action "" means every action. Expiries that
// passed unnoticed are written first, at the moment they happened.
// Callers: the org, those above it, staff in scope. Errors: not_found
// (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (a *Admins) AuthLog(ctx context.Context, p *access.Principal, org uuid.UUID, action AuthAction, pg paging.Page) ([]AuthEvent, string, error) {
	o, err := a.orgs.Get(ctx, org)
	if err != nil {
		return nil, "", err
	}
	if err := a.orgs.inScope(ctx, p, o.Path); err != nil {
		return nil, "", err
	}
	q := a.orgs.opt.Store.Q
	if err := q.RecordAdminExpiries(ctx, db.RecordAdminExpiriesParams{Now: a.orgs.opt.Now(), OrgIds: []uuid.UUID{org}}); err != nil {
		return nil, "", fmt.Errorf("record expiries: %w", err)
	}
	rows, err := q.ListAuthorizationEvents(ctx, db.ListAuthorizationEventsParams{OrgID: org, Action: string(action), Off: pg.Offset, Lim: pg.Fetch()})
	if err != nil {
		return nil, "", fmt.Errorf("list authorization log: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]AuthEvent, len(rows))
	for i, r := range rows {
		e := AuthEvent{
			ID: r.ID, OrgID: r.OrgID, AccountID: r.AccountID, Action: AuthAction(r.Action),
			NameMasked: sensitive.MaskName(r.PersonName), IDNumberMasked: r.IDNumberMasked,
			ValidFrom: r.ValidFrom.Time, ValidUntil: r.ValidUntil.Time, Reason: r.Reason, At: r.At,
		}
		if r.ByName != "" {
			e.ByNameMasked = sensitive.MaskName(r.ByName)
		}
		out[i] = e
	}
	return out, next, nil
}

// RecordExpiries writes the expiry of every delegation that has ended and
// is not in the log yet, each at the moment it happened. AuthLog does it
// for the org it lists; this is for a periodic sweep.
func (a *Admins) RecordExpiries(ctx context.Context) error {
	if err := a.orgs.opt.Store.Q.RecordAdminExpiries(ctx, db.RecordAdminExpiriesParams{Now: a.orgs.opt.Now(), AllOrgs: true}); err != nil {
		return fmt.Errorf("record expiries: %w", err)
	}
	return nil
}

// admin loads an admin account for its org's leader. Errors: not_found
// (ADMIN_NOT_FOUND), permission_denied (LEADER_ONLY).
func (a *Admins) admin(ctx context.Context, p *access.Principal, account uuid.UUID) (db.GetOrgAccountRow, error) {
	row, err := a.orgs.opt.Store.Q.GetOrgAccount(ctx, account)
	if store.IsNotFound(err) || (err == nil && UserRole(row.Kind) != RoleAdmin) {
		return row, fault.New(fault.NotFound, "ADMIN_NOT_FOUND", "管理员授权不存在")
	}
	if err != nil {
		return row, fmt.Errorf("load admin account: %w", err)
	}
	return row, leads(p, row.OrgID)
}

// user returns one org user as Users shows it.
func (a *Admins) user(ctx context.Context, account uuid.UUID) (User, error) {
	rows, err := a.orgs.opt.Store.Q.ListOrgUsers(ctx, db.ListOrgUsersParams{
		Now: a.orgs.opt.Now(), AllOrgs: true, ByAccount: true, AccountID: account, Lim: 1,
	})
	if err != nil {
		return User{}, fmt.Errorf("load org user: %w", err)
	}
	if len(rows) == 0 {
		return User{}, fault.New(fault.NotFound, "ORG_USER_NOT_FOUND", "组织用户不存在")
	}
	return userFromRow(rows[0]), nil
}

// person finds the person with ID number n, or records one named name who
// has not signed in yet, and returns their id. Errors: invalid_argument
// (NAME_MISMATCH).
func (a *Admins) person(ctx context.Context, q *db.Queries, n idnumber.Number, name string) (uuid.UUID, error) {
	idx := a.opt.Box.Index(fieldIDNumber, n.String())
	pe, err := q.GetPersonByIDNumber(ctx, idx)
	switch {
	case err == nil:
		if pe.Name != name {
			return uuid.Nil, fault.InvalidField("name", "NAME_MISMATCH", "姓名与身份证号码不符")
		}
		return pe.ID, nil
	case !store.IsNotFound(err):
		return uuid.Nil, fmt.Errorf("find person: %w", err)
	}
	enc, err := a.opt.Box.Seal(fieldIDNumber, n.String())
	if err != nil {
		return uuid.Nil, fmt.Errorf("seal id number: %w", err)
	}
	// No provider subject yet: the first sign-in finds the person by the
	// blind index and takes name and phone from the provider.
	pe, err = q.CreatePerson(ctx, db.CreatePersonParams{
		Name: name, IDNumberEnc: enc, IDNumberIdx: idx, IDNumberMasked: n.Masked(),
		BirthDate: pgtype.Date{Time: n.BirthDate(), Valid: true},
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("create person: %w", err)
	}
	return pe.ID, nil
}

type contact struct {
	duties      string
	phoneEnc    []byte
	phoneMasked string
}

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// contact validates and seals a contact phone and duties. Errors:
// invalid_argument (PHONE_INVALID, DUTIES_TOO_LONG).
func (a *Admins) contact(phone, duties string) (contact, error) {
	c := contact{duties: strings.TrimSpace(duties)}
	if utf8.RuneCountInString(c.duties) > maxDuties {
		return contact{}, fault.InvalidField("duties", "DUTIES_TOO_LONG", fmt.Sprintf("职责不能超过%d个字", maxDuties))
	}
	if phone = sensitive.NormalizePhone(phone); phone != "" {
		if !mobile.MatchString(phone) {
			return contact{}, fault.InvalidField("phone", "PHONE_INVALID", "请填写11位手机号码")
		}
		enc, err := a.opt.Box.Seal(fieldAccountPhone, phone)
		if err != nil {
			return contact{}, fmt.Errorf("seal phone: %w", err)
		}
		c.phoneEnc, c.phoneMasked = enc, sensitive.MaskPhone(phone)
	}
	return c, nil
}

// forget makes this node reload the account's state at once.
func (a *Admins) forget(account uuid.UUID) {
	if a.orgs.opt.Accounts != nil {
		a.orgs.opt.Accounts.ForgetAccount(account)
	}
}

// leads returns nil when p is the leader of org. Errors: permission_denied
// (LEADER_ONLY).
func leads(p *access.Principal, org uuid.UUID) error {
	if p.Kind == access.KindOrgLeader && p.OrgID == org {
		return nil
	}
	return fault.New(fault.PermissionDenied, "LEADER_ONLY", "只有本组织负责人可以授权或撤销管理员")
}

// checkValidity trims a validity period to whole seconds and checks it:
// until is required, in the future and at most MaxDelegationYears ahead; from
// (now when zero) comes before until. Errors: invalid_argument
// (VALID_UNTIL_REQUIRED, VALID_UNTIL_PAST, VALID_UNTIL_TOO_LATE,
// VALID_FROM_AFTER_UNTIL).
func checkValidity(v Validity, now time.Time) (Validity, error) {
	if v.From.IsZero() {
		v.From = now
	}
	v.From, v.Until = v.From.Truncate(time.Second), v.Until.Truncate(time.Second)
	switch {
	case v.Until.IsZero():
		return v, fault.InvalidField("valid_until", "VALID_UNTIL_REQUIRED", "请填写授权截止时间")
	case !v.Until.After(now):
		return v, fault.InvalidField("valid_until", "VALID_UNTIL_PAST", "授权截止时间须晚于当前时间")
	case v.Until.After(now.AddDate(MaxDelegationYears, 0, 0)):
		return v, fault.InvalidField("valid_until", "VALID_UNTIL_TOO_LATE", "授权期限最长三年")
	case !v.From.Before(v.Until):
		return v, fault.InvalidField("valid_from", "VALID_FROM_AFTER_UNTIL", "授权开始时间须早于截止时间")
	}
	return v, nil
}

func recordAuth(ctx context.Context, q *db.Queries, org, account, person uuid.UUID, action AuthAction, v Validity, by uuid.UUID, reason string, at time.Time) error {
	if err := q.RecordAuthorizationEvent(ctx, db.RecordAuthorizationEventParams{
		OrgID: org, AccountID: account, PersonID: person, Action: string(action),
		ValidFrom: timestamptz(v.From), ValidUntil: timestamptz(v.Until), ByPerson: store.NullUUID(by), Reason: reason, At: at,
	}); err != nil {
		return fmt.Errorf("record authorization: %w", err)
	}
	return nil
}

func userFromRow(r db.ListOrgUsersRow) User {
	u := User{
		AccountID: r.ID, OrgID: r.OrgID, OrgName: r.OrgName, Role: UserRole(r.Kind),
		NameMasked: sensitive.MaskName(r.PersonName), IDNumberMasked: r.IDNumberMasked,
		PhoneMasked: r.ContactPhoneMasked, Duties: r.Duties, Status: UserStatus(r.Status),
		ValidFrom: r.ValidFrom.Time, ValidUntil: r.ValidUntil.Time, GrantedAt: r.GrantedAt.Time, RevokedAt: r.RevokedAt.Time,
	}
	if u.PhoneMasked == "" {
		u.PhoneMasked = r.PersonPhoneMasked
	}
	return u
}

// timestamptz returns NULL for the zero time.
func timestamptz(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

func idNumberFault(err error) error {
	var e *idnumber.Error
	if errors.As(err, &e) {
		return fault.InvalidField("id_number", e.Reason, e.Message)
	}
	return fault.InvalidField("id_number", idnumber.ReasonFormat, "身份证号码格式错误")
}
