package project

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

var signUpStatuses = []SignUpStatus{SignUpPending, SignUpHired, SignUpRejected, SignUpCancelled}

// SignUpFilter selects a project's sign-ups.
type SignUpFilter struct {
	ProjectID uuid.UUID
	// Statuses keeps sign-ups in one of them; empty keeps all.
	Statuses []SignUpStatus
	// PositionID keeps one position's; uuid.Nil keeps all.
	PositionID uuid.UUID
	Page       paging.Page
}

// SignUpEntry is a sign-up with who applied and for what.
type SignUpEntry struct {
	SignUp
	// VolunteerNameMasked is the volunteer's name as screens show it.
	VolunteerNameMasked string
	VolunteerNo         string
	// ServiceCategories the volunteer chose at registration.
	ServiceCategories []string
	PositionName      string
}

// ListSignUps returns a page of a project's sign-ups, oldest first, and
// the next page's token ("" on the last). p leads or administers the
// project's org, or oversees it (an org above it, or staff in scope).
// Errors: invalid_argument (STATUS_INVALID), not_found (PROJECT_NOT_FOUND,
// POSITION_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Service) ListSignUps(ctx context.Context, p *access.Principal, f SignUpFilter) ([]SignUpEntry, string, error) {
	want, err := signUpStatusStrings(f.Statuses)
	if err != nil {
		return nil, "", err
	}
	pr, err := s.Get(ctx, f.ProjectID)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayList(ctx, p, pr.OrgID); err != nil {
		return nil, "", err
	}
	if _, ok := pr.Position(f.PositionID); f.PositionID != uuid.Nil && !ok {
		return nil, "", positionNotFound()
	}
	rows, err := s.opt.Store.Q.ListProjectSignUps(ctx, db.ListProjectSignUpsParams{
		ProjectID: f.ProjectID, Statuses: want, ByPosition: f.PositionID != uuid.Nil, PositionID: f.PositionID,
		Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list sign-ups: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]SignUpEntry, len(rows))
	for i, r := range rows {
		out[i] = SignUpEntry{
			SignUp: SignUp{
				ID: r.ID, ProjectID: r.ProjectID, PositionID: r.PositionID, VolunteerID: r.VolunteerID,
				Status: SignUpStatus(r.Status), CreatedAt: r.CreatedAt,
			},
			VolunteerNameMasked: sensitive.MaskName(r.VolunteerName), VolunteerNo: r.VolunteerNo,
			ServiceCategories: r.ServiceCategories, PositionName: r.PositionName,
		}
	}
	return out, next, nil
}

// MySignUp is one of a volunteer's sign-ups with its project.
type MySignUp struct {
	SignUp
	ProjectTitle string
	// ProjectStatus is the project's effective status now.
	ProjectStatus      Status
	StartTime, EndTime time.Time
	Address            string
	PositionName       string
	OrgID              uuid.UUID
	OrgName            string
}

// ListMySignUps returns a page of p's volunteer's own sign-ups, latest
// first, and the next page's token. Errors: invalid_argument
// (STATUS_INVALID), permission_denied (NOT_A_VOLUNTEER).
func (s *Service) ListMySignUps(ctx context.Context, p *access.Principal, statuses []SignUpStatus, page paging.Page) ([]MySignUp, string, error) {
	want, err := signUpStatusStrings(statuses)
	if err != nil {
		return nil, "", err
	}
	volunteer, err := s.volunteerOf(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListVolunteerSignUps(ctx, db.ListVolunteerSignUpsParams{
		VolunteerID: volunteer, Statuses: want, Off: page.Offset, Lim: page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list volunteer sign-ups: %w", err)
	}
	rows, next := paging.Next(page, rows)
	now := s.opt.Now()
	out := make([]MySignUp, len(rows))
	for i, r := range rows {
		out[i] = MySignUp{
			SignUp: SignUp{
				ID: r.ID, ProjectID: r.ProjectID, PositionID: r.PositionID, VolunteerID: r.VolunteerID,
				Status: SignUpStatus(r.Status), CreatedAt: r.CreatedAt,
			},
			ProjectTitle: r.ProjectTitle, ProjectStatus: EffectiveStatus(Status(r.ProjectStatus), r.StartTime, now),
			StartTime: r.StartTime, EndTime: r.EndTime, Address: r.Address,
			PositionName: r.PositionName, OrgID: r.OrgID, OrgName: r.OrgName,
		}
	}
	return out, next, nil
}

// volunteerOf returns the volunteer p acts as. Errors: permission_denied
// (NOT_A_VOLUNTEER).
func (s *Service) volunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	if p.Kind != access.KindVolunteer {
		return uuid.Nil, notVolunteer()
	}
	id, err := s.opt.Store.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return uuid.Nil, notVolunteer()
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find volunteer: %w", err)
	}
	return id, nil
}

// signUpStatusStrings validates statuses and returns them as stored.
func signUpStatusStrings(statuses []SignUpStatus) ([]string, error) {
	out := make([]string, 0, len(statuses))
	for _, st := range statuses {
		if !slices.Contains(signUpStatuses, st) {
			return nil, fault.InvalidField("statuses", "STATUS_INVALID", "报名状态无效")
		}
		out = append(out, string(st))
	}
	return out, nil
}
