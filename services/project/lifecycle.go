package project

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// Withdrawable reports whether a project in effective status s may be
// withdrawn by its org: a draft, one waiting for review, or one recruiting
// whose start has not come (a started one is running, and is closed
// instead).
func (s Status) Withdrawable() bool {
	return s == StatusDraft || s == StatusPendingReview || s == StatusRecruiting
}

// Withdraw withdraws a project of p's org that has not started; it then
// takes no sign-ups and no scans (Status.Open), and the roster notifier is
// told so that an active check-in grain reloads. Errors: invalid_argument
// (REASON_REQUIRED, REASON_TOO_LONG), not_found (PROJECT_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), failed_precondition
// (PROJECT_NOT_WITHDRAWABLE).
func (s *Service) Withdraw(ctx context.Context, p *access.Principal, id uuid.UUID, reason string) (Project, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Project{}, fault.InvalidField("reason", "REASON_REQUIRED", "撤回时请填写原因")
	case utf8.RuneCountInString(reason) > maxReason:
		return Project{}, fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReason))
	}
	pr, err := s.Manages(ctx, p, id)
	if err != nil {
		return Project{}, err
	}
	if !pr.Status.Withdrawable() {
		return Project{}, notWithdrawable()
	}
	// The query re-checks status and start at the same instant, so a
	// project that started or was reviewed meanwhile is refused.
	_, err = s.opt.Store.Q.WithdrawProject(ctx, db.WithdrawProjectParams{ID: id, Reason: reason, At: s.opt.Now()})
	if store.IsNotFound(err) {
		return Project{}, notWithdrawable()
	}
	if err != nil {
		return Project{}, fmt.Errorf("withdraw project: %w", err)
	}
	s.notify(ctx, id)
	return s.Get(ctx, id)
}

// Copy drafts a new project of the org of project id, which p leads or
// administers, with its fields and positions (names, quotas, sign-in
// methods) and the given times. The copy is validated as Create validates
// a draft. Errors: those of Create, and not_found (PROJECT_NOT_FOUND).
func (s *Service) Copy(ctx context.Context, p *access.Principal, id uuid.UUID, start, end time.Time) (Project, error) {
	src, err := s.Manages(ctx, p, id)
	if err != nil {
		return Project{}, err
	}
	d := Draft{
		OrgID: src.OrgID, Title: src.Title, Description: src.Description,
		StartTime: start, EndTime: end, Address: src.Address, Location: src.Location,
		ServiceCategories: src.ServiceCategories, Tags: src.Tags,
	}
	for _, pos := range src.Positions {
		d.Positions = append(d.Positions, PositionDraft{Name: pos.Name, Quota: pos.Quota, SignInMethods: pos.SignInMethods, Skills: pos.Skills})
	}
	return s.Create(ctx, p, d)
}

// Update replaces the editable fields (title, description, times,
// address, location, service categories) and the positions of a project.
// Its own org edits a draft or a rejected project (a rejected one goes
// back to draft, to be submitted again); a reviewer — who oversees the
// org and is not of it, as Review asks — edits one pending review, which
// stays pending. d is validated as Create validates it; d.OrgID is
// ignored. Such projects never took sign-ups, so the positions are
// replaced outright. Errors: those of validateDraft, not_found
// (PROJECT_NOT_FOUND), permission_denied (NOT_ORG_MEMBER, NOT_PARENT),
// failed_precondition (PROJECT_NOT_EDITABLE).
func (s *Service) Update(ctx context.Context, p *access.Principal, id uuid.UUID, d Draft) (Project, error) {
	pr, err := s.Get(ctx, id)
	if err != nil {
		return Project{}, err
	}
	from := pr.Status
	if actsFor(p, pr.OrgID) {
		if from != StatusDraft && from != StatusRejected {
			return Project{}, notEditable()
		}
	} else {
		if err := s.opt.Orgs.Oversees(ctx, p, pr.OrgID); err != nil {
			return Project{}, err
		}
		if from != StatusPendingReview {
			return Project{}, notEditable()
		}
	}
	to := from
	if from == StatusRejected {
		to = StatusDraft
	}
	d.OrgID = pr.OrgID
	now := s.opt.Now()
	cats, err := validateDraft(&d, now)
	if err != nil {
		return Project{}, err
	}
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		_, err := q.UpdateProjectFields(ctx, db.UpdateProjectFieldsParams{
			ID: id, FromStatus: string(from), ToStatus: string(to),
			Title: d.Title, Description: d.Description, StartTime: d.StartTime, EndTime: d.EndTime, Address: d.Address,
			Lat: pgtype.Float8{Float64: d.Location.Lat, Valid: true}, Lng: pgtype.Float8{Float64: d.Location.Lng, Valid: true},
			ServiceCategories: cats, At: now,
		})
		if store.IsNotFound(err) {
			return notEditable()
		}
		if err != nil {
			return fmt.Errorf("update project: %w", err)
		}
		if err := setExtras(ctx, q, id, d); err != nil {
			return err
		}
		if err := q.DeleteProjectPositions(ctx, id); err != nil {
			return fmt.Errorf("delete positions: %w", err)
		}
		return createPositions(ctx, q, id, d.Positions)
	})
	if err != nil {
		return Project{}, err
	}
	return s.Get(ctx, id)
}

func notEditable() error {
	return fault.New(fault.FailedPrecondition, "PROJECT_NOT_EDITABLE", "项目当前状态不能修改：本组织可修改草稿或被驳回的项目，审核方可修改待审核的项目")
}

func notWithdrawable() error {
	return fault.New(fault.FailedPrecondition, "PROJECT_NOT_WITHDRAWABLE", "只有草稿、待审核或尚未开始招募中的项目可以撤回")
}
