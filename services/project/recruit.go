package project

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// Enroll hires a volunteer directly onto a position of an open project
// whose org p leads or administers, without a sign-up of their own; the
// recruitment window binds volunteers' own sign-ups, not the org, so an
// org may enroll before it opens and after it closes. As in
// ReviewSignUp, the position is locked and its hired volunteers counted in
// the same transaction, so concurrent hires never exceed the quota. Errors:
// not_found (PROJECT_NOT_FOUND, POSITION_NOT_FOUND, VOLUNTEER_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), failed_precondition
// (PROJECT_NOT_OPEN, POSITION_FULL), already_exists (ALREADY_SIGNED_UP).
func (s *Service) Enroll(ctx context.Context, p *access.Principal, projectID, positionID, volunteerID uuid.UUID) (SignUp, error) {
	pr, err := s.Manages(ctx, p, projectID)
	if err != nil {
		return SignUp{}, err
	}
	if _, ok := pr.Position(positionID); !ok {
		return SignUp{}, positionNotFound()
	}
	now := s.opt.Now()
	if !pr.Status.Open() || !now.Before(pr.EndTime) {
		return SignUp{}, notOpen()
	}
	ok, err := s.opt.Store.Q.VolunteerExists(ctx, volunteerID)
	if err != nil {
		return SignUp{}, fmt.Errorf("find volunteer: %w", err)
	}
	if !ok {
		return SignUp{}, fault.New(fault.NotFound, "VOLUNTEER_NOT_FOUND", "志愿者不存在")
	}
	var row db.ProjectSignUp
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		if err := hireable(ctx, q, positionID); err != nil {
			return err
		}
		row, err = q.CreateHiredSignUp(ctx, db.CreateHiredSignUpParams{
			ProjectID: projectID, PositionID: positionID, VolunteerID: volunteerID,
			At: now, ReviewedBy: store.NullUUID(p.PersonID),
		})
		if store.ConstraintViolated(err) == "sign_up_live" {
			return fault.New(fault.Conflict, "ALREADY_SIGNED_UP", "该志愿者已报名该项目")
		}
		if err != nil {
			return fmt.Errorf("enroll: %w", err)
		}
		return nil
	})
	if err != nil {
		return SignUp{}, err
	}
	s.notify(ctx, projectID)
	return signUpFromRow(row), nil
}

// Move moves a pending or hired sign-up to another position of the same
// project; p leads or administers the project's org. A hired one is moved
// under the new position's lock after counting its hired volunteers, as
// ReviewSignUp hires, so the quota holds under concurrency. Errors:
// not_found (SIGN_UP_NOT_FOUND, POSITION_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER), failed_precondition (SIGN_UP_NOT_LIVE, SAME_POSITION,
// PROJECT_NOT_OPEN, POSITION_FULL).
func (s *Service) Move(ctx context.Context, p *access.Principal, id, positionID uuid.UUID) (SignUp, error) {
	su, pr, err := s.managedSignUp(ctx, p, id)
	if err != nil {
		return SignUp{}, err
	}
	status := SignUpStatus(su.Status)
	if status != SignUpPending && status != SignUpHired {
		return SignUp{}, fault.New(fault.FailedPrecondition, "SIGN_UP_NOT_LIVE", "只有待审核或已录用的报名可以调岗")
	}
	if _, ok := pr.Position(positionID); !ok {
		return SignUp{}, positionNotFound()
	}
	if su.PositionID == positionID {
		return SignUp{}, fault.New(fault.FailedPrecondition, "SAME_POSITION", "已在该岗位")
	}
	if !pr.Status.Open() {
		return SignUp{}, notOpen()
	}
	var row db.ProjectSignUp
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		if status == SignUpHired {
			if err := hireable(ctx, q, positionID); err != nil {
				return err
			}
		}
		row, err = q.MoveLiveSignUp(ctx, db.MoveLiveSignUpParams{PositionID: positionID, ID: id, Status: string(status)})
		if store.IsNotFound(err) {
			return fault.New(fault.FailedPrecondition, "SIGN_UP_NOT_LIVE", "该报名状态已变化，请刷新后重试")
		}
		if err != nil {
			return fmt.Errorf("move sign-up: %w", err)
		}
		return nil
	})
	if err != nil {
		return SignUp{}, err
	}
	s.notify(ctx, su.ProjectID)
	return signUpFromRow(row), nil
}

// Unhire takes a hired volunteer off the roster, back to pending; p leads
// or administers the project's org. Errors: not_found (SIGN_UP_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), failed_precondition
// (SIGN_UP_NOT_HIRED).
func (s *Service) Unhire(ctx context.Context, p *access.Principal, id uuid.UUID) (SignUp, error) {
	su, _, err := s.managedSignUp(ctx, p, id)
	if err != nil {
		return SignUp{}, err
	}
	if SignUpStatus(su.Status) != SignUpHired {
		return SignUp{}, notHired()
	}
	row, err := s.opt.Store.Q.UnhireSignUp(ctx, db.UnhireSignUpParams{
		ID: id, At: pgtype.Timestamptz{Time: s.opt.Now(), Valid: true}, ReviewedBy: store.NullUUID(p.PersonID),
	})
	if store.IsNotFound(err) {
		return SignUp{}, notHired()
	}
	if err != nil {
		return SignUp{}, fmt.Errorf("unhire: %w", err)
	}
	s.notify(ctx, su.ProjectID)
	return signUpFromRow(row), nil
}

// managedSignUp loads a sign-up and its project, which p manages.
func (s *Service) managedSignUp(ctx context.Context, p *access.Principal, id uuid.UUID) (db.ProjectSignUp, Project, error) {
	su, err := s.opt.Store.Q.GetSignUp(ctx, id)
	if store.IsNotFound(err) {
		return su, Project{}, fault.New(fault.NotFound, "SIGN_UP_NOT_FOUND", "报名记录不存在")
	}
	if err != nil {
		return su, Project{}, fmt.Errorf("load sign-up: %w", err)
	}
	pr, err := s.Manages(ctx, p, su.ProjectID)
	return su, pr, err
}

// hireable locks a position and fails with POSITION_FULL when its roster
// is full; the caller hires onto it in the same transaction.
func hireable(ctx context.Context, q *db.Queries, positionID uuid.UUID) error {
	pos, err := q.LockPosition(ctx, positionID)
	if err != nil {
		return fmt.Errorf("lock position: %w", err)
	}
	hired, err := q.CountHired(ctx, positionID)
	if err != nil {
		return fmt.Errorf("count hired: %w", err)
	}
	if hired >= pos.Quota {
		return full()
	}
	return nil
}

func positionNotFound() error {
	return fault.New(fault.NotFound, "POSITION_NOT_FOUND", "该项目没有这个岗位")
}

func notHired() error {
	return fault.New(fault.FailedPrecondition, "SIGN_UP_NOT_HIRED", "该报名不在已录用状态")
}
