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
	"yima/store"
	"yima/store/db"
)

// Status is where an org stands, as org.org.status stores it.
type Status string

// The org statuses.
const (
	StatusPending     Status = "pending"
	StatusActive      Status = "active"
	StatusRejected    Status = "rejected"
	StatusDeactivated Status = "deactivated"
)

// Level is an org's place in the tree, as org.org.level stores it.
type Level string

// The levels, from the root down.
const (
	LevelCity      Level = "city"
	LevelDistrict  Level = "district"
	LevelStreet    Level = "street"
	LevelCommunity Level = "community"
	LevelOther     Level = "other"
)

// childLevel is the level of an org registered under one of level l:
// city → district → street → community, and other below that.
func childLevel(l Level) Level {
	switch l {
	case LevelCity:
		return LevelDistrict
	case LevelDistrict:
		return LevelStreet
	case LevelStreet:
		return LevelCommunity
	}
	return LevelOther
}

// Limits on registration text, in characters.
const (
	maxName            = 50
	maxSupervisingUnit = 100
	maxAddress         = 200
	maxReason          = 500
)

// Org is a volunteer org.
type Org struct {
	ID       uuid.UUID
	ParentID uuid.UUID // uuid.Nil for the root
	// Path holds the ids from the root down to the org itself.
	Path              []uuid.UUID
	Level             Level
	Name              string
	Status            Status
	SupervisingUnit   string
	Address           string
	Location          *catalog.Location // nil when unknown
	ServiceCategories []string
	ReviewReason      string
	Intro             string
	ContactName       string
	CreatedAt         time.Time
	// LogoHash versions the org's logo, "" without one; filled in only by
	// the calls that say so (WithLogo, SetLogo, the public views).
	LogoHash string
}

// AccountCache forgets cached account states on this node;
// *identity.Service is the one the program passes.
type AccountCache interface {
	ForgetAccount(id uuid.UUID)
}

// StaffScope resolves the departments a staff principal's data scope
// covers: all of them, or those listed.
type StaffScope interface {
	Visible(ctx context.Context, p *access.Principal) (all bool, departments []uuid.UUID, err error)
}

// StaffScopeFunc adapts a function to StaffScope.
type StaffScopeFunc func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error)

// Visible calls f.
func (f StaffScopeFunc) Visible(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
	return f(ctx, p)
}

// Options configure a Service.
type Options struct {
	Store *store.Store
	Now   func() time.Time
	// Accounts is told of org accounts whose state a review changed, so the
	// change counts on this node at once; other nodes see it within
	// identity's cache time.
	Accounts AccountCache
	// Staff resolves back-office data scopes for reviews by staff.
	Staff StaffScope
	// Notices tells an org's leaders and admins of changes to their org
	// (deactivated, reactivated); nil sends none.
	Notices Notices
}

// Service is the org use cases.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service { return &Service{opt: opt} }

// Registration is an application for a new org.
type Registration struct {
	Name              string
	ParentID          uuid.UUID
	SupervisingUnit   string
	Address           string
	Location          *catalog.Location
	ServiceCategories []string
}

// Register applies for a new org under a parent: the org is pending, its
// path extends the parent's, its level is the one below the parent's, the
// change is recorded, and the applicant gets an org_leader account for it,
// usable once the org is active. Errors: invalid_argument (NAME_REQUIRED,
// NAME_TOO_LONG, SUPERVISING_UNIT_TOO_LONG, ADDRESS_TOO_LONG,
// LOCATION_INVALID, SERVICE_CATEGORY_INVALID), permission_denied
// (STAFF_NOT_ALLOWED), not_found (PARENT_NOT_FOUND), failed_precondition
// (PARENT_INACTIVE), already_exists (ORG_NAME_TAKEN).
func (s *Service) Register(ctx context.Context, p *access.Principal, in Registration) (Org, error) {
	if p.Kind == access.KindStaff {
		return Org{}, fault.New(fault.PermissionDenied, "STAFF_NOT_ALLOWED", "后台账号不能申请成立组织，请以个人身份申请")
	}
	in.Name = strings.TrimSpace(in.Name)
	in.SupervisingUnit = strings.TrimSpace(in.SupervisingUnit)
	in.Address = strings.TrimSpace(in.Address)
	switch {
	case in.Name == "":
		return Org{}, fault.InvalidField("name", "NAME_REQUIRED", "请填写组织名称")
	case utf8.RuneCountInString(in.Name) > maxName:
		return Org{}, fault.InvalidField("name", "NAME_TOO_LONG", fmt.Sprintf("组织名称不能超过%d个字", maxName))
	case utf8.RuneCountInString(in.SupervisingUnit) > maxSupervisingUnit:
		return Org{}, fault.InvalidField("supervising_unit", "SUPERVISING_UNIT_TOO_LONG", fmt.Sprintf("业务主管单位不能超过%d个字", maxSupervisingUnit))
	case utf8.RuneCountInString(in.Address) > maxAddress:
		return Org{}, fault.InvalidField("address", "ADDRESS_TOO_LONG", fmt.Sprintf("地址不能超过%d个字", maxAddress))
	case !in.Location.InServiceArea():
		return Org{}, fault.InvalidField("location", "LOCATION_INVALID", "请在地图上选择组织所在位置（须在上海市范围内）")
	}
	cats, bad, ok := catalog.NormalizeCategories(in.ServiceCategories)
	if !ok {
		return Org{}, fault.InvalidField("service_categories", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
	}
	now := s.opt.Now()
	var created db.OrgOrg
	err := s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		// Locking the parent serializes registrations under it (the name
		// check) and keeps it active until the child is in.
		parent, err := q.LockOrg(ctx, in.ParentID)
		if store.IsNotFound(err) {
			return fault.New(fault.NotFound, "PARENT_NOT_FOUND", "上级组织不存在")
		}
		if err != nil {
			return fmt.Errorf("lock parent org: %w", err)
		}
		if Status(parent.Status) != StatusActive {
			return fault.New(fault.FailedPrecondition, "PARENT_INACTIVE", "上级组织尚未通过审核或已停用")
		}
		n, err := q.CountLiveChildrenNamed(ctx, db.CountLiveChildrenNamedParams{ParentID: store.NullUUID(parent.ID), Name: in.Name})
		if err != nil {
			return fmt.Errorf("check org name: %w", err)
		}
		if n > 0 {
			return fault.New(fault.Conflict, "ORG_NAME_TAKEN", "该上级组织下已有同名组织")
		}
		district := parent.DistrictCode
		if Level(parent.Level) == LevelCity {
			district = "" // a district org's code is not its parent's
		}
		id := uuid.New()
		created, err = q.CreateOrg(ctx, db.CreateOrgParams{
			ID: id, ParentID: store.NullUUID(parent.ID), Path: append(slices.Clip(parent.Path), id),
			Level: string(childLevel(Level(parent.Level))), Name: in.Name,
			SupervisingUnit: in.SupervisingUnit, Address: in.Address,
			Lat: pgtype.Float8{Float64: in.Location.Lat, Valid: true}, Lng: pgtype.Float8{Float64: in.Location.Lng, Valid: true},
			DistrictCode: district, ServiceCategories: cats, CreatedBy: store.NullUUID(p.PersonID), At: now,
		})
		if err != nil {
			return fmt.Errorf("create org: %w", err)
		}
		if err := q.RecordOrgStatusAt(ctx, db.RecordOrgStatusAtParams{
			OrgID: id, ToStatus: string(StatusPending), Reason: "申请成立", ByPerson: store.NullUUID(p.PersonID), At: now,
		}); err != nil {
			return fmt.Errorf("record org status: %w", err)
		}
		if _, err := q.CreateOrgAccount(ctx, db.CreateOrgAccountParams{
			PersonID: p.PersonID, Kind: access.KindOrgLeader.String(), OrgID: store.NullUUID(id),
		}); err != nil {
			return fmt.Errorf("create leader account: %w", err)
		}
		return nil
	})
	if err != nil {
		return Org{}, err
	}
	return fromRow(created), nil
}

// Review admits (approve) or rejects a pending org, recording the change.
// The reviewer is a leader or admin of an org above it, or staff whose data
// scope covers an org above it. After the review the org's accounts count
// their new state at once on this node. Errors: invalid_argument
// (REASON_REQUIRED, REASON_TOO_LONG), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_PARENT), failed_precondition (ORG_NOT_PENDING).
func (s *Service) Review(ctx context.Context, p *access.Principal, id uuid.UUID, approve bool, reason string) (Org, error) {
	reason, err := reviewReason(approve, reason)
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
	to := StatusRejected
	if approve {
		to = StatusActive
	}
	now := s.opt.Now()
	var row db.OrgOrg
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		var err error
		row, err = q.DecidePendingOrg(ctx, db.DecidePendingOrgParams{ID: id, Status: string(to), Reason: reason, At: now})
		if store.IsNotFound(err) {
			return fault.New(fault.FailedPrecondition, "ORG_NOT_PENDING", "该组织不在待审核状态")
		}
		if err != nil {
			return fmt.Errorf("decide org: %w", err)
		}
		return q.RecordOrgStatusAt(ctx, db.RecordOrgStatusAtParams{
			OrgID: id, FromStatus: pgtype.Text{String: string(StatusPending), Valid: true}, ToStatus: string(to),
			Reason: reason, ByPerson: store.NullUUID(p.PersonID), At: now,
		})
	})
	if err != nil {
		return Org{}, err
	}
	if err := s.forgetAccounts(ctx, id); err != nil {
		return Org{}, err
	}
	return fromRow(row), nil
}

// Get returns an org. Errors: not_found (ORG_NOT_FOUND).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Org, error) {
	row, err := s.opt.Store.Q.GetOrg(ctx, id)
	if store.IsNotFound(err) {
		return Org{}, fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
	}
	if err != nil {
		return Org{}, fmt.Errorf("load org: %w", err)
	}
	return fromRow(row), nil
}

// Oversees returns nil when p may review what the org does — its admission
// and its projects: p is a leader or admin of an org above it (its parent
// or higher), or staff whose data scope covers an org above it (the super
// administrator's covers all). An org never oversees itself. Errors:
// not_found (ORG_NOT_FOUND), permission_denied (NOT_PARENT).
func (s *Service) Oversees(ctx context.Context, p *access.Principal, org uuid.UUID) error {
	o, err := s.Get(ctx, org)
	if err != nil {
		return err
	}
	return s.oversees(ctx, p, o.Path)
}

func (s *Service) oversees(ctx context.Context, p *access.Principal, path []uuid.UUID) error {
	above := path[:len(path)-1]
	switch p.Kind {
	case access.KindOrgLeader, access.KindOrgAdmin:
		if slices.Contains(above, p.OrgID) {
			return nil
		}
	case access.KindStaff:
		if s.opt.Staff == nil {
			break
		}
		all, depts, err := s.opt.Staff.Visible(ctx, p)
		if err != nil {
			return err
		}
		if all {
			return nil
		}
		if len(depts) > 0 {
			orgs, err := s.opt.Store.Q.ListDepartmentOrgs(ctx, depts)
			if err != nil {
				return fmt.Errorf("list department orgs: %w", err)
			}
			for _, o := range orgs {
				if slices.Contains(above, o) {
					return nil
				}
			}
		}
	}
	return fault.New(fault.PermissionDenied, "NOT_PARENT", "只有上级组织或主管部门可以审核")
}

// reviewReason trims a review's reason, which a rejection requires.
func reviewReason(approve bool, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return "", fault.InvalidField("reason", "REASON_REQUIRED", "驳回时请填写原因")
	}
	if utf8.RuneCountInString(reason) > maxReason {
		return "", fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReason))
	}
	return reason, nil
}

func fromRow(r db.OrgOrg) Org {
	o := Org{
		ID: r.ID, ParentID: r.ParentID.UUID, Path: r.Path, Level: Level(r.Level), Name: r.Name,
		Status: Status(r.Status), SupervisingUnit: r.SupervisingUnit, Address: r.Address,
		ServiceCategories: r.ServiceCategories, ReviewReason: r.ReviewReason, CreatedAt: r.CreatedAt,
		Intro: r.Intro, ContactName: r.ContactName,
	}
	if r.Lat.Valid && r.Lng.Valid {
		o.Location = &catalog.Location{Lat: r.Lat.Float64, Lng: r.Lng.Float64}
	}
	return o
}
