package org

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// Bounds on GetOrgTree.
const (
	MaxTreeDepth = 3
	MaxTreeNodes = 500
)

// Limits on profile text, in characters.
const (
	maxIntro       = 2000
	maxContactName = 50
)

// Summary is an org in a list with its counts.
type Summary struct {
	Org
	MemberCount  int64
	ProjectCount int64
}

// ListFilter narrows List; zero fields match everything.
type ListFilter struct {
	ParentID     uuid.UUID
	Level        Level
	Status       Status
	NameContains string
	PageSize     int32
	PageToken    string
}

// Node is an org with its children in a tree.
type Node struct {
	Org      Org
	Children []*Node
}

// Profile is an org's editable profile.
type Profile struct {
	Name              string
	SupervisingUnit   string
	Address           string
	Location          *catalog.Location
	ServiceCategories []string
	Intro             string
	ContactName       string
}

// StatusChange is one entry of an org's status history.
type StatusChange struct {
	From     Status // "" for the first change
	To       Status
	Reason   string
	ByPerson uuid.UUID // uuid.Nil when unknown
	At       time.Time
}

// scope returns the orgs whose subtrees p sees: every org (all), or those
// under roots. Errors: permission_denied (NO_ORG_SCOPE).
func (s *Service) scope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, err error) {
	switch p.Kind {
	case access.KindOrgLeader, access.KindOrgAdmin:
		return false, []uuid.UUID{p.OrgID}, nil
	case access.KindStaff:
		if s.opt.Staff == nil {
			break
		}
		all, depts, err := s.opt.Staff.Visible(ctx, p)
		if err != nil || all {
			return all, nil, err
		}
		if len(depts) > 0 {
			orgs, err := s.opt.Store.Q.ListDepartmentOrgs(ctx, depts)
			if err != nil {
				return false, nil, fmt.Errorf("list department orgs: %w", err)
			}
			return false, orgs, nil
		}
		return false, nil, nil
	}
	return false, nil, fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "当前账号不能查看组织")
}

// inScope returns nil when the org at path is in p's scope. Errors:
// permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) inScope(ctx context.Context, p *access.Principal, path []uuid.UUID) error {
	all, roots, err := s.scope(ctx, p)
	if err != nil {
		return err
	}
	if all || slices.ContainsFunc(path, func(id uuid.UUID) bool { return slices.Contains(roots, id) }) {
		return nil
	}
	return fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "该组织不在您的管理范围内")
}

// List returns the orgs in p's scope that match f, with member and project
// counts, and the next page's token. Errors: invalid_argument
// (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID), permission_denied (NO_ORG_SCOPE).
func (s *Service) List(ctx context.Context, p *access.Principal, f ListFilter) ([]Summary, string, error) {
	pg, err := paging.Parse(f.PageSize, f.PageToken)
	if err != nil {
		return nil, "", err
	}
	all, roots, err := s.scope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListOrgsInScope(ctx, db.ListOrgsInScopeParams{
		AllOrgs: all, Roots: roots, ByParent: f.ParentID != uuid.Nil, ParentID: f.ParentID,
		Level: string(f.Level), Status: string(f.Status), NameContains: strings.TrimSpace(f.NameContains),
		Off: pg.Offset, Lim: pg.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list orgs: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = Summary{Org: fromRow(db.OrgOrg{
			ID: r.ID, ParentID: r.ParentID, Path: r.Path, Level: r.Level, Name: r.Name, Status: r.Status,
			SupervisingUnit: r.SupervisingUnit, Address: r.Address, Lat: r.Lat, Lng: r.Lng,
			ServiceCategories: r.ServiceCategories, Intro: r.Intro, ContactName: r.ContactName,
			ReviewReason: r.ReviewReason, CreatedAt: r.CreatedAt,
		}), MemberCount: r.MemberCount, ProjectCount: r.ProjectCount}
	}
	return out, next, nil
}

// Tree returns root, which must be in p's scope, with its descendants
// nested up to depth levels (1 to MaxTreeDepth; 0 means 1) and at most
// MaxTreeNodes orgs; truncated reports that the bound cut it short.
// Errors: invalid_argument (DEPTH_INVALID), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) Tree(ctx context.Context, p *access.Principal, root uuid.UUID, depth int32) (*Node, bool, error) {
	if depth == 0 {
		depth = 1
	}
	if depth < 0 || depth > MaxTreeDepth {
		return nil, false, fault.InvalidField("depth", "DEPTH_INVALID", fmt.Sprintf("层级须在1到%d之间", MaxTreeDepth))
	}
	o, err := s.Get(ctx, root)
	if err != nil {
		return nil, false, err
	}
	if err := s.inScope(ctx, p, o.Path); err != nil {
		return nil, false, err
	}
	rows, err := s.opt.Store.Q.ListOrgSubtree(ctx, db.ListOrgSubtreeParams{
		Root: root, MaxLen: int32(len(o.Path)) + depth, Lim: MaxTreeNodes + 1,
	})
	if err != nil {
		return nil, false, fmt.Errorf("list org subtree: %w", err)
	}
	truncated := len(rows) > MaxTreeNodes
	if truncated {
		rows = rows[:MaxTreeNodes]
	}
	nodes := make(map[uuid.UUID]*Node, len(rows))
	var top *Node
	for _, r := range rows { // shallowest first, so parents come before children
		n := &Node{Org: fromRow(r)}
		nodes[r.ID] = n
		if r.ID == root {
			top = n
		} else if parent, ok := nodes[r.ParentID.UUID]; ok {
			parent.Children = append(parent.Children, n)
		}
	}
	if top == nil {
		return nil, false, fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
	}
	return top, truncated, nil
}

// Update replaces an org's profile. Callers: the org's own leader or admin,
// or an overseer. Errors: invalid_argument (NAME_REQUIRED, NAME_TOO_LONG,
// SUPERVISING_UNIT_TOO_LONG, ADDRESS_TOO_LONG, LOCATION_INVALID,
// SERVICE_CATEGORY_INVALID, INTRO_TOO_LONG, CONTACT_NAME_TOO_LONG),
// not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE),
// already_exists (ORG_NAME_TAKEN).
func (s *Service) Update(ctx context.Context, p *access.Principal, id uuid.UUID, in Profile) (Org, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.SupervisingUnit = strings.TrimSpace(in.SupervisingUnit)
	in.Address = strings.TrimSpace(in.Address)
	in.Intro = strings.TrimSpace(in.Intro)
	in.ContactName = strings.TrimSpace(in.ContactName)
	switch {
	case in.Name == "":
		return Org{}, fault.InvalidField("name", "NAME_REQUIRED", "请填写组织名称")
	case utf8.RuneCountInString(in.Name) > maxName:
		return Org{}, fault.InvalidField("name", "NAME_TOO_LONG", fmt.Sprintf("组织名称不能超过%d个字", maxName))
	case utf8.RuneCountInString(in.SupervisingUnit) > maxSupervisingUnit:
		return Org{}, fault.InvalidField("supervising_unit", "SUPERVISING_UNIT_TOO_LONG", fmt.Sprintf("业务主管单位不能超过%d个字", maxSupervisingUnit))
	case utf8.RuneCountInString(in.Address) > maxAddress:
		return Org{}, fault.InvalidField("address", "ADDRESS_TOO_LONG", fmt.Sprintf("地址不能超过%d个字", maxAddress))
	case utf8.RuneCountInString(in.Intro) > maxIntro:
		return Org{}, fault.InvalidField("intro", "INTRO_TOO_LONG", fmt.Sprintf("简介不能超过%d个字", maxIntro))
	case utf8.RuneCountInString(in.ContactName) > maxContactName:
		return Org{}, fault.InvalidField("contact_name", "CONTACT_NAME_TOO_LONG", fmt.Sprintf("联系人不能超过%d个字", maxContactName))
	case !in.Location.InServiceArea():
		return Org{}, fault.InvalidField("location", "LOCATION_INVALID", "请在地图上选择组织所在位置（须在上海市范围内）")
	}
	cats, bad, ok := catalog.NormalizeCategories(in.ServiceCategories)
	if !ok {
		return Org{}, fault.InvalidField("service_categories", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
	}
	o, err := s.Get(ctx, id)
	if err != nil {
		return Org{}, err
	}
	if err := s.mayEdit(ctx, p, o); err != nil {
		return Org{}, err
	}
	var row db.OrgOrg
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		if o.ParentID != uuid.Nil {
			// Locking the parent serializes renames with registrations under it.
			if _, err := q.LockOrg(ctx, o.ParentID); err != nil {
				return fmt.Errorf("lock parent org: %w", err)
			}
			n, err := q.CountLiveSiblingsNamed(ctx, db.CountLiveSiblingsNamedParams{ParentID: store.NullUUID(o.ParentID), Name: in.Name, ID: id})
			if err != nil {
				return fmt.Errorf("check org name: %w", err)
			}
			if n > 0 {
				return fault.New(fault.Conflict, "ORG_NAME_TAKEN", "该上级组织下已有同名组织")
			}
		}
		var err error
		row, err = q.UpdateOrgProfile(ctx, db.UpdateOrgProfileParams{
			ID: id, Name: in.Name, SupervisingUnit: in.SupervisingUnit, Address: in.Address,
			Lat: pgtype.Float8{Float64: in.Location.Lat, Valid: true}, Lng: pgtype.Float8{Float64: in.Location.Lng, Valid: true},
			ServiceCategories: cats, Intro: in.Intro, ContactName: in.ContactName, At: s.opt.Now(),
		})
		if err != nil {
			return fmt.Errorf("update org: %w", err)
		}
		return nil
	})
	if err != nil {
		return Org{}, err
	}
	return fromRow(row), nil
}

// mayEdit returns nil when p may edit o's profile and logo: o's own
// leader or admin, or an overseer. Errors: permission_denied
// (NOT_IN_SCOPE).
func (s *Service) mayEdit(ctx context.Context, p *access.Principal, o Org) error {
	if (p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin) && p.OrgID == o.ID {
		return nil
	}
	err := s.oversees(ctx, p, o.Path)
	if fault.ReasonOf(err) == "NOT_PARENT" {
		err = fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "只有本组织或上级组织可以修改")
	}
	return err
}

// Notices sends notices to an org's leaders and admins, by SMS and in
// their inbox; *notify.Service is the one the program passes. The change a
// notice reports is committed already, so it answers nothing: failures are
// the sender's to log.
type Notices interface {
	NotifyOrgUsers(ctx context.Context, org uuid.UUID, title, body string)
}

// Deactivate switches an active org off, recording the change and telling
// its leaders and admins; their accounts stop working at once on this
// node. Callers: an overseer only, never the org itself. Errors: invalid_argument
// (REASON_REQUIRED, REASON_TOO_LONG), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_PARENT), failed_precondition (ORG_NOT_ACTIVE).
func (s *Service) Deactivate(ctx context.Context, p *access.Principal, id uuid.UUID, reason string) (Org, error) {
	return s.move(ctx, p, id, reason, StatusActive, StatusDeactivated,
		fault.New(fault.FailedPrecondition, "ORG_NOT_ACTIVE", "只能停用正常运行的组织"))
}

// Reactivate switches a deactivated org back on, recording the change and
// telling its leaders and admins. Callers: an overseer only. Errors: invalid_argument (REASON_REQUIRED,
// REASON_TOO_LONG), not_found (ORG_NOT_FOUND), permission_denied
// (NOT_PARENT), failed_precondition (ORG_NOT_DEACTIVATED).
func (s *Service) Reactivate(ctx context.Context, p *access.Principal, id uuid.UUID, reason string) (Org, error) {
	return s.move(ctx, p, id, reason, StatusDeactivated, StatusActive,
		fault.New(fault.FailedPrecondition, "ORG_NOT_DEACTIVATED", "该组织未停用"))
}

func (s *Service) move(ctx context.Context, p *access.Principal, id uuid.UUID, reason string, from, to Status, wrong error) (Org, error) {
	reason, err := reviewReason(false, reason)
	if err != nil {
		return Org{}, err
	}
	o, err := s.Get(ctx, id)
	if err != nil {
		return Org{}, err
	}
	if err := s.oversees(ctx, p, o.Path); err != nil {
		return Org{}, err
	}
	now := s.opt.Now()
	var row db.OrgOrg
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		var err error
		row, err = q.SetOrgStatusFrom(ctx, db.SetOrgStatusFromParams{ID: id, FromStatus: string(from), ToStatus: string(to), At: now})
		if store.IsNotFound(err) {
			return wrong
		}
		if err != nil {
			return fmt.Errorf("set org status: %w", err)
		}
		return q.RecordOrgStatusAt(ctx, db.RecordOrgStatusAtParams{
			OrgID: id, FromStatus: pgtype.Text{String: string(from), Valid: true}, ToStatus: string(to),
			Reason: reason, ByPerson: store.NullUUID(p.PersonID), At: now,
		})
	})
	if err != nil {
		return Org{}, err
	}
	if err := s.forgetAccounts(ctx, id); err != nil {
		return Org{}, err
	}
	if n := s.opt.Notices; n != nil {
		title, body := "组织已恢复", fmt.Sprintf("您所在的组织「%s」已恢复正常，组织账号可继续使用。说明：%s", row.Name, reason)
		if to == StatusDeactivated {
			title, body = "组织已停用", fmt.Sprintf("您所在的组织「%s」已被上级停用，组织账号暂停使用。原因：%s", row.Name, reason)
		}
		n.NotifyOrgUsers(ctx, id, title, body)
	}
	return fromRow(row), nil
}

// forgetAccounts makes this node reload the org's leader and admin
// accounts, so a status change counts at once.
func (s *Service) forgetAccounts(ctx context.Context, id uuid.UUID) error {
	if s.opt.Accounts == nil {
		return nil
	}
	ids, err := s.opt.Store.Q.ListOrgAccountIDs(ctx, store.NullUUID(id))
	if err != nil {
		return fmt.Errorf("list org accounts: %w", err)
	}
	for _, a := range ids {
		s.opt.Accounts.ForgetAccount(a)
	}
	return nil
}

// StatusHistory returns every status change of an org in p's scope,
// oldest first. Errors: not_found (ORG_NOT_FOUND), permission_denied
// (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) StatusHistory(ctx context.Context, p *access.Principal, id uuid.UUID) ([]StatusChange, error) {
	o, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.inScope(ctx, p, o.Path); err != nil {
		return nil, err
	}
	rows, err := s.opt.Store.Q.ListOrgStatusChanges(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("list org status changes: %w", err)
	}
	out := make([]StatusChange, len(rows))
	for i, r := range rows {
		out[i] = StatusChange{From: Status(r.FromStatus.String), To: Status(r.ToStatus), Reason: r.Reason, ByPerson: r.ByPerson.UUID, At: r.At}
	}
	return out, nil
}
