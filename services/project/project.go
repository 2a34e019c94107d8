// Package project holds the project domain: an org drafts a project with
// positions, submits it, an org above reviews it; volunteers sign up for
// positions and the org hires them onto the roster, never beyond a
// position's quota. A project's status as shown follows the clock
// (EffectiveStatus); AdvanceStatuses persists what the clock decided.
package project

import (
	"context"
	"fmt"
	"log/slog"
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

// Status is where a project stands, as project.project.status stores it.
type Status string

// The project statuses.
const (
	StatusDraft         Status = "draft"
	StatusPendingReview Status = "pending_review"
	StatusRecruiting    Status = "recruiting"
	StatusRejected      Status = "rejected"
	StatusRunning       Status = "running"
	StatusClosed        Status = "closed"
	StatusWithdrawn     Status = "withdrawn"
)

// EffectiveStatus is the status of a project stored as stored, starting at
// start, at time now: a recruiting project whose start has come is
// running, whether or not AdvanceStatuses has written so yet. Every reader
// of a project's status goes through it.
func EffectiveStatus(stored Status, start, now time.Time) Status {
	if stored == StatusRecruiting && !now.Before(start) {
		return StatusRunning
	}
	return stored
}

// Open reports whether a project in status s takes sign-ups and scans:
// recruiting or running.
func (s Status) Open() bool { return s == StatusRecruiting || s == StatusRunning }

// SignInMethod is how a position's volunteers may check in, as
// project.position.sign_in_methods stores it.
type SignInMethod string

// The sign-in methods.
const (
	// StaffScan: org staff scan the volunteer's code.
	StaffScan SignInMethod = "staff_scan"
	// SelfScan: the volunteer scans the project's code.
	SelfScan SignInMethod = "self_scan"
)

var signInMethods = []SignInMethod{StaffScan, SelfScan}

// Allows reports whether a position with sign-in methods ms accepts m; an
// empty set allows every method.
func Allows(ms []SignInMethod, m SignInMethod) bool {
	return len(ms) == 0 || slices.Contains(ms, m)
}

// Limits on what a project holds.
const (
	maxTitle       = 100
	maxDescription = 5000
	maxAddress     = 200
	maxPositions   = 50
	maxPosName     = 50
	maxQuota       = 100_000
	maxReason      = 500
)

// Position is a role within a project.
type Position struct {
	ID   uuid.UUID
	Name string
	// Quota is how many volunteers it hires.
	Quota int32
	// SignInMethods allowed; empty allows every method.
	SignInMethods []SignInMethod
	// Skills the position asks for, which recruiters match volunteers by.
	Skills []string
	// Hired is how many volunteers are on its roster.
	Hired int32
}

// Project is a volunteer service project with its positions.
type Project struct {
	ID    uuid.UUID
	OrgID uuid.UUID
	Title string
	// Description of the service.
	Description string
	// Status is the effective status at the time the project was read.
	Status            Status
	StartTime         time.Time
	EndTime           time.Time
	Address           string
	Location          *catalog.Location // nil when unknown
	ServiceCategories []string
	Positions         []Position
	ReviewReason      string
	// ScanBefore is how long before StartTime scans are accepted.
	ScanBefore time.Duration
	// RecruitStart and RecruitEnd bound the recruitment window; zero when
	// unset (open from approval, until EndTime).
	RecruitStart, RecruitEnd time.Time
	// Tags set by the org or by those who oversee it.
	Tags []string
	// ClosedAt is when the project was closed; zero until then.
	ClosedAt time.Time
	// Stage is the project's stage when read (StageAt); "" for drafts and
	// projects pending review.
	Stage Stage
	// OrgName, ContactName and ContactPhoneMasked describe the organizing
	// org; only Detail and ListScope fill them (OrgName only, for the
	// latter).
	OrgName, ContactName, ContactPhoneMasked string
}

// Position returns the project's position id, if it has one.
func (p Project) Position(id uuid.UUID) (Position, bool) {
	for _, pos := range p.Positions {
		if pos.ID == id {
			return pos, true
		}
	}
	return Position{}, false
}

// Orgs answers who may review an org's projects; *org.Service is the one
// the program passes.
type Orgs interface {
	// Oversees returns nil when p may review what org does, else a
	// permission_denied fault.
	Oversees(ctx context.Context, p *access.Principal, org uuid.UUID) error
	// Scope returns the orgs whose subtrees p sees: all, or those under
	// roots. Errors: permission_denied (NO_ORG_SCOPE).
	Scope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, err error)
}

// RosterNotifier hears of a project whose roster or status changed, after
// the change is committed, so that an active check-in grain reloads at
// once. The check-in engine implements it. It must not block for long; a
// failure is its own to log, since PostgreSQL already holds the change.
type RosterNotifier interface {
	RosterChanged(ctx context.Context, projectID uuid.UUID)
}

// Options configure a Service.
type Options struct {
	Store *store.Store
	Now   func() time.Time
	Log   *slog.Logger
	// Orgs decides project reviews.
	Orgs Orgs
	// Roster is told of roster and status changes; nil tells no one.
	Roster RosterNotifier
	// Notices tells volunteers how their sign-ups were decided; nil tells
	// no one.
	Notices Notices
}

// Notices sends notices to volunteers by SMS and in their inbox;
// *notify.Service is the one the program passes. The decision a notice
// reports is committed already, so it answers nothing: failures are the
// sender's to log.
type Notices interface {
	NotifyVolunteer(ctx context.Context, volunteer uuid.UUID, title, body string)
}

// Service is the project use cases.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service { return &Service{opt: opt} }

// Draft describes a new project.
type Draft struct {
	OrgID             uuid.UUID
	Title             string
	Description       string
	StartTime         time.Time
	EndTime           time.Time
	Address           string
	Location          *catalog.Location
	ServiceCategories []string
	Positions         []PositionDraft
	// RecruitStart and RecruitEnd bound the recruitment window; zero for
	// none.
	RecruitStart, RecruitEnd time.Time
	// Tags of the project (see normalizeTags).
	Tags []string
}

// PositionDraft describes a new position.
type PositionDraft struct {
	Name          string
	Quota         int32
	SignInMethods []SignInMethod
	Skills        []string
}

// Create drafts a project of org d.OrgID, which p leads or administers and
// which is active. Errors: invalid_argument (TITLE_REQUIRED,
// TITLE_TOO_LONG, DESCRIPTION_TOO_LONG, ADDRESS_TOO_LONG, TIME_REQUIRED,
// START_IN_PAST, END_BEFORE_START, LOCATION_INVALID,
// SERVICE_CATEGORY_INVALID, POSITIONS_REQUIRED, TOO_MANY_POSITIONS,
// POSITION_NAME_REQUIRED, POSITION_NAME_TOO_LONG, QUOTA_INVALID,
// SIGN_IN_METHOD_INVALID), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (ORG_INACTIVE).
func (s *Service) Create(ctx context.Context, p *access.Principal, d Draft) (Project, error) {
	if !actsFor(p, d.OrgID) {
		return Project{}, notOrgMember()
	}
	now := s.opt.Now()
	cats, err := validateDraft(&d, now)
	if err != nil {
		return Project{}, err
	}
	o, err := s.opt.Store.Q.GetOrg(ctx, d.OrgID)
	if store.IsNotFound(err) {
		return Project{}, fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
	}
	if err != nil {
		return Project{}, fmt.Errorf("load org: %w", err)
	}
	if o.Status != "active" {
		return Project{}, fault.New(fault.FailedPrecondition, "ORG_INACTIVE", "组织尚未通过审核或已停用，不能发布项目")
	}
	var id uuid.UUID
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		row, err := q.CreateProject(ctx, db.CreateProjectParams{
			OrgID: d.OrgID, Title: d.Title, Description: d.Description,
			StartTime: d.StartTime, EndTime: d.EndTime, Address: d.Address,
			Lat: pgtype.Float8{Float64: d.Location.Lat, Valid: true}, Lng: pgtype.Float8{Float64: d.Location.Lng, Valid: true},
			DistrictCode: o.DistrictCode, ServiceCategories: cats, CreatedBy: store.NullUUID(p.PersonID), At: now,
		})
		if err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		id = row.ID
		if err := setExtras(ctx, q, id, d); err != nil {
			return err
		}
		return createPositions(ctx, q, id, d.Positions)
	})
	if err != nil {
		return Project{}, err
	}
	return s.Get(ctx, id)
}

// createPositions creates a project's positions, in order.
func createPositions(ctx context.Context, q *db.Queries, id uuid.UUID, ps []PositionDraft) error {
	for i, pd := range ps {
		ms := make([]string, len(pd.SignInMethods))
		for k, m := range pd.SignInMethods {
			ms[k] = string(m)
		}
		if _, err := q.CreatePosition(ctx, db.CreatePositionParams{
			ProjectID: id, Name: pd.Name, Quota: pd.Quota, SignInMethods: ms, Skills: pd.Skills, Sort: int32(i),
		}); err != nil {
			return fmt.Errorf("create position: %w", err)
		}
	}
	return nil
}

// setExtras stores what the create and update queries leave alone: the
// recruitment window and the tags.
func setExtras(ctx context.Context, q *db.Queries, id uuid.UUID, d Draft) error {
	_, err := q.SetProjectExtras(ctx, db.SetProjectExtrasParams{
		ID: id, RecruitStart: nullTime(d.RecruitStart), RecruitEnd: nullTime(d.RecruitEnd), Tags: d.Tags,
	})
	if err != nil {
		return fmt.Errorf("set recruitment window and tags: %w", err)
	}
	return nil
}

// validateDraft checks and tidies d in place, returning its service
// categories in display order.
func validateDraft(d *Draft, now time.Time) ([]string, error) {
	d.Title = strings.TrimSpace(d.Title)
	d.Description = strings.TrimSpace(d.Description)
	d.Address = strings.TrimSpace(d.Address)
	switch {
	case d.Title == "":
		return nil, fault.InvalidField("title", "TITLE_REQUIRED", "请填写项目名称")
	case utf8.RuneCountInString(d.Title) > maxTitle:
		return nil, fault.InvalidField("title", "TITLE_TOO_LONG", fmt.Sprintf("项目名称不能超过%d个字", maxTitle))
	case utf8.RuneCountInString(d.Description) > maxDescription:
		return nil, fault.InvalidField("description", "DESCRIPTION_TOO_LONG", fmt.Sprintf("项目简介不能超过%d个字", maxDescription))
	case utf8.RuneCountInString(d.Address) > maxAddress:
		return nil, fault.InvalidField("address", "ADDRESS_TOO_LONG", fmt.Sprintf("地址不能超过%d个字", maxAddress))
	case d.StartTime.IsZero() || d.EndTime.IsZero():
		return nil, fault.InvalidField("start_time", "TIME_REQUIRED", "请填写开始和结束时间")
	case !d.StartTime.After(now):
		return nil, fault.InvalidField("start_time", "START_IN_PAST", "开始时间必须晚于当前时间")
	case !d.EndTime.After(d.StartTime):
		return nil, fault.InvalidField("end_time", "END_BEFORE_START", "结束时间必须晚于开始时间")
	case !d.Location.InServiceArea():
		return nil, fault.InvalidField("location", "LOCATION_INVALID", "请在地图上选择项目地点（须在上海市范围内）")
	case !d.RecruitStart.IsZero() && !d.RecruitStart.Before(d.EndTime):
		return nil, fault.InvalidField("recruit_start", "RECRUIT_START_AFTER_END", "招募开始时间须早于项目结束时间")
	case !d.RecruitEnd.IsZero() && !d.RecruitStart.IsZero() && !d.RecruitEnd.After(d.RecruitStart):
		return nil, fault.InvalidField("recruit_end", "RECRUIT_END_BEFORE_START", "招募截止时间须晚于招募开始时间")
	case !d.RecruitEnd.IsZero() && d.RecruitEnd.After(d.EndTime):
		return nil, fault.InvalidField("recruit_end", "RECRUIT_END_AFTER_END", "招募截止时间不能晚于项目结束时间")
	case len(d.Positions) == 0:
		return nil, fault.InvalidField("positions", "POSITIONS_REQUIRED", "请至少设置一个岗位")
	case len(d.Positions) > maxPositions:
		return nil, fault.InvalidField("positions", "TOO_MANY_POSITIONS", fmt.Sprintf("岗位不能超过%d个", maxPositions))
	}
	cats, bad, ok := catalog.NormalizeCategories(d.ServiceCategories)
	if !ok {
		return nil, fault.InvalidField("service_categories", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
	}
	tags, err := normalizeTags(d.Tags)
	if err != nil {
		return nil, err
	}
	d.Tags = tags
	for i := range d.Positions {
		pd := &d.Positions[i]
		field := fmt.Sprintf("positions[%d]", i)
		pd.Name = strings.TrimSpace(pd.Name)
		switch {
		case pd.Name == "":
			return nil, fault.InvalidField(field+".name", "POSITION_NAME_REQUIRED", fmt.Sprintf("请填写第%d个岗位的名称", i+1))
		case utf8.RuneCountInString(pd.Name) > maxPosName:
			return nil, fault.InvalidField(field+".name", "POSITION_NAME_TOO_LONG", fmt.Sprintf("岗位名称不能超过%d个字", maxPosName))
		case pd.Quota < 1 || pd.Quota > maxQuota:
			return nil, fault.InvalidField(field+".quota", "QUOTA_INVALID", fmt.Sprintf("岗位“%s”的招募人数须在1到%d之间", pd.Name, maxQuota))
		}
		var ms []SignInMethod
		for _, m := range signInMethods {
			if slices.Contains(pd.SignInMethods, m) {
				ms = append(ms, m)
			}
		}
		for _, m := range pd.SignInMethods {
			if !slices.Contains(signInMethods, m) {
				return nil, fault.InvalidField(field+".sign_in_methods", "SIGN_IN_METHOD_INVALID", fmt.Sprintf("岗位“%s”的签到方式无效", pd.Name))
			}
		}
		pd.SignInMethods = ms
		if pd.Skills, err = normalizeLabels(skillLabels, field+".", pd.Skills); err != nil {
			return nil, err
		}
	}
	return cats, nil
}

// Submit sends a draft of p's org to review. Errors: not_found
// (PROJECT_NOT_FOUND), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (PROJECT_NOT_DRAFT, START_IN_PAST).
func (s *Service) Submit(ctx context.Context, p *access.Principal, id uuid.UUID) (Project, error) {
	pr, err := s.Manages(ctx, p, id)
	if err != nil {
		return Project{}, err
	}
	now := s.opt.Now()
	if pr.Status != StatusDraft {
		return Project{}, notDraft()
	}
	if !pr.StartTime.After(now) {
		return Project{}, fault.New(fault.FailedPrecondition, "START_IN_PAST", "项目开始时间已过，请修改后再提交")
	}
	if _, err := s.move(ctx, id, StatusDraft, StatusPendingReview, "", now); err != nil {
		if store.IsNotFound(err) {
			return Project{}, notDraft()
		}
		return Project{}, err
	}
	return s.Get(ctx, id)
}

// Review approves (recruiting) or rejects a project waiting for review. The
// reviewer oversees the project's org (an org above it, or staff in scope)
// and never belongs to that org itself. Errors: invalid_argument
// (REASON_REQUIRED, REASON_TOO_LONG), not_found (PROJECT_NOT_FOUND),
// permission_denied (OWN_PROJECT, NOT_PARENT), failed_precondition
// (PROJECT_NOT_PENDING).
func (s *Service) Review(ctx context.Context, p *access.Principal, id uuid.UUID, approve bool, reason string) (Project, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case !approve && reason == "":
		return Project{}, fault.InvalidField("reason", "REASON_REQUIRED", "驳回时请填写原因")
	case utf8.RuneCountInString(reason) > maxReason:
		return Project{}, fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReason))
	}
	pr, err := s.Get(ctx, id)
	if err != nil {
		return Project{}, err
	}
	if actsFor(p, pr.OrgID) {
		return Project{}, fault.New(fault.PermissionDenied, "OWN_PROJECT", "不能审核本组织的项目，须由上级组织审核")
	}
	if err := s.opt.Orgs.Oversees(ctx, p, pr.OrgID); err != nil {
		return Project{}, err
	}
	to := StatusRejected
	if approve {
		to = StatusRecruiting
	}
	if _, err := s.move(ctx, id, StatusPendingReview, to, reason, s.opt.Now()); err != nil {
		if store.IsNotFound(err) {
			return Project{}, fault.New(fault.FailedPrecondition, "PROJECT_NOT_PENDING", "该项目不在待审核状态")
		}
		return Project{}, err
	}
	s.notify(ctx, id)
	return s.Get(ctx, id)
}

// move changes a project's stored status from one to another; a
// not-found error means it was not in from.
func (s *Service) move(ctx context.Context, id uuid.UUID, from, to Status, reason string, now time.Time) (db.ProjectProject, error) {
	row, err := s.opt.Store.Q.MoveProjectStatus(ctx, db.MoveProjectStatusParams{
		ID: id, FromStatus: string(from), ToStatus: string(to), Reason: reason, At: now,
	})
	if err != nil && !store.IsNotFound(err) {
		return row, fmt.Errorf("move project from %s to %s: %w", from, to, err)
	}
	return row, err
}

// Get returns a project with its positions and their hired counts; its
// status is the effective one now. Errors: not_found (PROJECT_NOT_FOUND).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Project, error) {
	row, err := s.opt.Store.Q.GetProject(ctx, id)
	if store.IsNotFound(err) {
		return Project{}, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return Project{}, fmt.Errorf("load project: %w", err)
	}
	positions, err := s.opt.Store.Q.ListPositionsWithHired(ctx, id)
	if err != nil {
		return Project{}, fmt.Errorf("load positions: %w", err)
	}
	pr := fromRow(row, s.opt.Now())
	for _, r := range positions {
		pr.Positions = append(pr.Positions, Position{
			ID: r.ID, Name: r.Name, Quota: r.Quota, SignInMethods: methods(r.SignInMethods), Skills: r.Skills, Hired: r.Hired,
		})
	}
	return pr, nil
}

// fromRow is a stored project without its positions, its status the
// effective one at now.
func fromRow(row db.ProjectProject, now time.Time) Project {
	pr := Project{
		ID: row.ID, OrgID: row.OrgID, Title: row.Title, Description: row.Description,
		Status:    EffectiveStatus(Status(row.Status), row.StartTime, now),
		StartTime: row.StartTime, EndTime: row.EndTime, Address: row.Address,
		ServiceCategories: row.ServiceCategories, ReviewReason: row.ReviewReason,
		ScanBefore:   time.Duration(row.ScanBeforeSeconds) * time.Second,
		RecruitStart: row.RecruitStart.Time, RecruitEnd: row.RecruitEnd.Time,
		Tags: row.Tags, ClosedAt: row.ClosedAt.Time,
	}
	if row.Lat.Valid && row.Lng.Valid {
		pr.Location = &catalog.Location{Lat: row.Lat.Float64, Lng: row.Lng.Float64}
	}
	pr.Stage = StageAt(pr, now)
	return pr
}

// Manages returns the project when p leads or administers its org — who
// may submit, hire for, close it and fetch its code. Errors: not_found
// (PROJECT_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Service) Manages(ctx context.Context, p *access.Principal, id uuid.UUID) (Project, error) {
	pr, err := s.Get(ctx, id)
	if err != nil {
		return Project{}, err
	}
	if !actsFor(p, pr.OrgID) {
		return Project{}, notOrgMember()
	}
	return pr, nil
}

// AdvanceStatuses writes running for every recruiting project whose start
// has come by now, returning how many changed. What readers see does not
// wait for it (EffectiveStatus); it keeps the stored status honest for
// queries and reports. The program calls it periodically.
func (s *Service) AdvanceStatuses(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.opt.Store.Q.AdvanceRunningProjects(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("advance running projects: %w", err)
	}
	return n, nil
}

// RosterEntry is a hired volunteer of a project.
type RosterEntry struct {
	VolunteerID uuid.UUID
	PositionID  uuid.UUID
	// SignInMethods of the position; empty allows every method.
	SignInMethods []SignInMethod
}

// Roster returns the hired volunteers of a project.
func (s *Service) Roster(ctx context.Context, projectID uuid.UUID) ([]RosterEntry, error) {
	rows, err := s.opt.Store.Q.ListRoster(ctx, projectID)
	if err != nil {
		return nil, fmt.Errorf("load roster: %w", err)
	}
	out := make([]RosterEntry, len(rows))
	for i, r := range rows {
		out[i] = RosterEntry{VolunteerID: r.VolunteerID, PositionID: r.PositionID, SignInMethods: methods(r.SignInMethods)}
	}
	return out, nil
}

// notify tells the roster notifier, if any, that a project changed.
func (s *Service) notify(ctx context.Context, id uuid.UUID) {
	if n := s.opt.Roster; n != nil {
		n.RosterChanged(context.WithoutCancel(ctx), id)
	}
}

// actsFor reports whether p is a leader or admin account of org.
func actsFor(p *access.Principal, org uuid.UUID) bool {
	return (p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin) && p.OrgID == org
}

func methods(ss []string) []SignInMethod {
	out := make([]SignInMethod, len(ss))
	for i, m := range ss {
		out[i] = SignInMethod(m)
	}
	return out
}

func notOrgMember() error {
	return fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有本组织的负责人或管理员可以操作")
}

func notDraft() error {
	return fault.New(fault.FailedPrecondition, "PROJECT_NOT_DRAFT", "只有草稿状态的项目可以提交审核")
}
