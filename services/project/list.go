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
	"yima/store/db"
)

// statuses lists every status, in the order the enum declares them.
var statuses = []Status{
	StatusDraft, StatusPendingReview, StatusRecruiting, StatusRejected, StatusRunning, StatusClosed, StatusWithdrawn,
}

// ListFilter selects an org's projects.
type ListFilter struct {
	OrgID uuid.UUID
	// Statuses keeps projects whose effective status is one of them;
	// empty keeps all.
	Statuses []Status
	Page     paging.Page
}

// ListOrg returns a page of an org's projects with their positions, latest
// start first, and the token of the next page ("" on the last). Statuses
// are effective ones (EffectiveStatus): a recruiting project whose start
// has come is listed, and filtered, as running. The caller leads or
// administers the org (as Manages asks), or oversees it (Orgs.Oversees:
// an org above it, or staff in scope). Errors: invalid_argument
// (STATUS_INVALID), not_found (ORG_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER).
func (s *Service) ListOrg(ctx context.Context, p *access.Principal, f ListFilter) ([]Project, string, error) {
	want := make([]string, 0, len(f.Statuses))
	for _, st := range f.Statuses {
		if !slices.Contains(statuses, st) {
			return nil, "", fault.InvalidField("statuses", "STATUS_INVALID", "项目状态无效")
		}
		want = append(want, string(st))
	}
	if err := s.mayList(ctx, p, f.OrgID); err != nil {
		return nil, "", err
	}
	now := s.opt.Now()
	rows, err := s.opt.Store.Q.ListOrgProjects(ctx, db.ListOrgProjectsParams{
		OrgID: f.OrgID, Statuses: want, Now: now, Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list org projects: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out, err := s.withPositions(ctx, rows, now)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// mayList returns nil when p may list org's projects: p leads or
// administers it, or oversees it. Errors: permission_denied
// (NOT_ORG_MEMBER), not_found (ORG_NOT_FOUND).
func (s *Service) mayList(ctx context.Context, p *access.Principal, org uuid.UUID) error {
	if actsFor(p, org) {
		return nil
	}
	err := s.opt.Orgs.Oversees(ctx, p, org)
	if fault.KindOf(err) == fault.PermissionDenied {
		return fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有本组织或上级组织的负责人、管理员可以查看项目列表")
	}
	return err
}

// withPositions turns stored projects into Projects with their positions,
// their statuses the effective ones at now.
func (s *Service) withPositions(ctx context.Context, rows []db.ProjectProject, now time.Time) ([]Project, error) {
	out := make([]Project, len(rows))
	ids := make([]uuid.UUID, len(rows))
	at := make(map[uuid.UUID]int, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r, now)
		ids[i] = r.ID
		at[r.ID] = i
	}
	if len(ids) == 0 {
		return out, nil
	}
	positions, err := s.opt.Store.Q.ListPositionsOfProjects(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list positions: %w", err)
	}
	for _, r := range positions {
		pr := &out[at[r.ProjectID]]
		pr.Positions = append(pr.Positions, Position{
			ID: r.ID, Name: r.Name, Quota: r.Quota, SignInMethods: methods(r.SignInMethods), Skills: r.Skills, Hired: r.Hired,
		})
	}
	return out, nil
}
