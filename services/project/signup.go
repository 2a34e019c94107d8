package project

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// SignUpStatus is where a sign-up stands, as project.sign_up.status stores
// it.
type SignUpStatus string

// The sign-up statuses; hired ones form the roster.
const (
	SignUpPending   SignUpStatus = "pending"
	SignUpHired     SignUpStatus = "hired"
	SignUpRejected  SignUpStatus = "rejected"
	SignUpCancelled SignUpStatus = "cancelled"
)

// SignUp is a volunteer's application for a position.
type SignUp struct {
	ID          uuid.UUID
	ProjectID   uuid.UUID
	PositionID  uuid.UUID
	VolunteerID uuid.UUID
	Status      SignUpStatus
	CreatedAt   time.Time
}

// SignUp applies p's volunteer for a position of an open (recruiting or
// running, not yet ended) project within its recruitment window (see
// recruitCheck); rejected, withdrawn, closed projects and those not yet
// approved take none. A volunteer holds at most one live sign-up per
// project. Errors: permission_denied (NOT_A_VOLUNTEER), not_found
// (PROJECT_NOT_FOUND, POSITION_NOT_FOUND), failed_precondition
// (PROJECT_NOT_OPEN, RECRUIT_NOT_STARTED, RECRUIT_ENDED, POSITION_FULL),
// already_exists (ALREADY_SIGNED_UP).
func (s *Service) SignUp(ctx context.Context, p *access.Principal, projectID, positionID uuid.UUID) (SignUp, error) {
	if p.Kind != access.KindVolunteer {
		return SignUp{}, notVolunteer()
	}
	volunteer, err := s.opt.Store.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return SignUp{}, notVolunteer()
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("find volunteer: %w", err)
	}
	pr, err := s.Get(ctx, projectID)
	if err != nil {
		return SignUp{}, err
	}
	now := s.opt.Now()
	if !pr.Status.Open() || !now.Before(pr.EndTime) {
		return SignUp{}, notOpen()
	}
	if err := recruitCheck(pr, now); err != nil {
		return SignUp{}, err
	}
	pos, ok := pr.Position(positionID)
	if !ok {
		return SignUp{}, fault.New(fault.NotFound, "POSITION_NOT_FOUND", "该项目没有这个岗位")
	}
	if pos.Hired >= pos.Quota {
		return SignUp{}, full()
	}
	row, err := s.opt.Store.Q.CreateSignUp(ctx, db.CreateSignUpParams{
		ProjectID: projectID, PositionID: positionID, VolunteerID: volunteer, At: now,
	})
	if store.ConstraintViolated(err) == "sign_up_live" {
		return SignUp{}, fault.New(fault.Conflict, "ALREADY_SIGNED_UP", "已报名该项目")
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("create sign-up: %w", err)
	}
	return signUpFromRow(row), nil
}

// CancelSignUp withdraws p's volunteer from their own pending or hired
// sign-up before the project starts; a hire frees its place and the roster
// notifier hears of it at once. Errors: permission_denied
// (NOT_A_VOLUNTEER), not_found (SIGN_UP_NOT_FOUND), failed_precondition
// (SIGN_UP_NOT_LIVE, PROJECT_STARTED).
func (s *Service) CancelSignUp(ctx context.Context, p *access.Principal, id uuid.UUID) (SignUp, error) {
	if p.Kind != access.KindVolunteer {
		return SignUp{}, notVolunteer()
	}
	volunteer, err := s.opt.Store.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return SignUp{}, notVolunteer()
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("find volunteer: %w", err)
	}
	su, err := s.opt.Store.Q.GetSignUp(ctx, id)
	if store.IsNotFound(err) || (err == nil && su.VolunteerID != volunteer) {
		return SignUp{}, fault.New(fault.NotFound, "SIGN_UP_NOT_FOUND", "报名记录不存在")
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("load sign-up: %w", err)
	}
	pr, err := s.Get(ctx, su.ProjectID)
	if err != nil {
		return SignUp{}, err
	}
	if !s.opt.Now().Before(pr.StartTime) {
		return SignUp{}, fault.New(fault.FailedPrecondition, "PROJECT_STARTED", "项目已开始，不能取消报名，请联系组织")
	}
	row, err := s.opt.Store.Q.CancelLiveSignUp(ctx, db.CancelLiveSignUpParams{ID: id, VolunteerID: volunteer})
	if store.IsNotFound(err) {
		return SignUp{}, fault.New(fault.FailedPrecondition, "SIGN_UP_NOT_LIVE", "该报名已处理，不能取消")
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("cancel sign-up: %w", err)
	}
	if SignUpStatus(su.Status) == SignUpHired {
		s.notify(ctx, su.ProjectID)
	}
	return signUpFromRow(row), nil
}

// ReviewSignUp hires (approve) or rejects a pending sign-up; p leads or
// administers the project's org. Hiring locks the position and counts its
// hired volunteers in the same transaction, so concurrent approvals never
// exceed the quota. A hire is announced to the roster notifier. Errors:
// not_found (SIGN_UP_NOT_FOUND), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (SIGN_UP_NOT_PENDING, PROJECT_NOT_OPEN,
// POSITION_FULL).
func (s *Service) ReviewSignUp(ctx context.Context, p *access.Principal, id uuid.UUID, approve bool) (SignUp, error) {
	su, err := s.opt.Store.Q.GetSignUp(ctx, id)
	if store.IsNotFound(err) {
		return SignUp{}, fault.New(fault.NotFound, "SIGN_UP_NOT_FOUND", "报名记录不存在")
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("load sign-up: %w", err)
	}
	pr, err := s.Manages(ctx, p, su.ProjectID)
	if err != nil {
		return SignUp{}, err
	}
	if SignUpStatus(su.Status) != SignUpPending {
		return SignUp{}, notPending()
	}
	decide := db.DecidePendingSignUpParams{
		ID: id, Status: string(SignUpRejected),
		At: pgtype.Timestamptz{Time: s.opt.Now(), Valid: true}, ReviewedBy: store.NullUUID(p.PersonID),
	}
	if !approve {
		row, err := s.opt.Store.Q.DecidePendingSignUp(ctx, decide)
		if store.IsNotFound(err) {
			return SignUp{}, notPending()
		}
		if err != nil {
			return SignUp{}, fmt.Errorf("reject sign-up: %w", err)
		}
		s.tellDecision(ctx, pr, row)
		return signUpFromRow(row), nil
	}
	if !pr.Status.Open() {
		return SignUp{}, notOpen()
	}
	decide.Status = string(SignUpHired)
	var row db.ProjectSignUp
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		pos, err := q.LockPosition(ctx, su.PositionID)
		if err != nil {
			return fmt.Errorf("lock position: %w", err)
		}
		hired, err := q.CountHired(ctx, su.PositionID)
		if err != nil {
			return fmt.Errorf("count hired: %w", err)
		}
		if hired >= pos.Quota {
			return full()
		}
		row, err = q.DecidePendingSignUp(ctx, decide)
		if store.IsNotFound(err) {
			return notPending()
		}
		if err != nil {
			return fmt.Errorf("hire: %w", err)
		}
		return nil
	})
	if err != nil {
		return SignUp{}, err
	}
	s.notify(ctx, su.ProjectID)
	s.tellDecision(ctx, pr, row)
	return signUpFromRow(row), nil
}

// tellDecision tells the volunteer how their sign-up was decided.
func (s *Service) tellDecision(ctx context.Context, pr Project, su db.ProjectSignUp) {
	n := s.opt.Notices
	if n == nil {
		return
	}
	title, body := "报名已录用", fmt.Sprintf("您报名的志愿服务项目「%s」已被录用，请按时到岗并亮码签到。", pr.Title)
	if SignUpStatus(su.Status) == SignUpRejected {
		title, body = "报名未通过", fmt.Sprintf("很遗憾，您报名的志愿服务项目「%s」未被录用，欢迎报名其他项目。", pr.Title)
	}
	n.NotifyVolunteer(ctx, su.VolunteerID, title, body)
}

func signUpFromRow(r db.ProjectSignUp) SignUp {
	return SignUp{
		ID: r.ID, ProjectID: r.ProjectID, PositionID: r.PositionID, VolunteerID: r.VolunteerID,
		Status: SignUpStatus(r.Status), CreatedAt: r.CreatedAt,
	}
}

func notVolunteer() error {
	return fault.New(fault.PermissionDenied, "NOT_A_VOLUNTEER", "请先注册成为志愿者")
}

func notOpen() error {
	return fault.New(fault.FailedPrecondition, "PROJECT_NOT_OPEN", "项目不在招募或进行中，不能报名或录用")
}

func notPending() error {
	return fault.New(fault.FailedPrecondition, "SIGN_UP_NOT_PENDING", "该报名已处理")
}

func full() error {
	return fault.New(fault.FailedPrecondition, "POSITION_FULL", "该岗位已招满")
}
