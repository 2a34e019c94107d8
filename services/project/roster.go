package project

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/paging"
	"yima/sensitive"
	"yima/store/db"
)

// RosterLine is a hired volunteer of a project with the service credited
// to them there and the rating the org gave them.
type RosterLine struct {
	SignUpID            uuid.UUID
	VolunteerID         uuid.UUID
	VolunteerNameMasked string
	VolunteerNo         string
	PositionID          uuid.UUID
	PositionName        string
	// Service is the total credited duration of their service records on
	// the project; Sessions counts those records.
	Service  time.Duration
	Sessions int32
	// Rating is nil when not rated yet.
	Rating *Rating
}

// RosterWithHours returns a page of a project's hired volunteers, by
// position and then sign-up time, with their service records' totals and
// ratings, and the next page's token. Service records exist once the
// project is closed; before that the totals are zero. Callers as
// ListSignUps. Errors: not_found (PROJECT_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER).
func (s *Service) RosterWithHours(ctx context.Context, p *access.Principal, projectID uuid.UUID, page paging.Page) ([]RosterLine, string, error) {
	pr, err := s.Get(ctx, projectID)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayList(ctx, p, pr.OrgID); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListRosterWithHours(ctx, db.ListRosterWithHoursParams{
		ProjectID: projectID, Off: page.Offset, Lim: page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list roster with hours: %w", err)
	}
	rows, next := paging.Next(page, rows)
	out := make([]RosterLine, len(rows))
	for i, r := range rows {
		out[i] = RosterLine{
			SignUpID: r.ID, VolunteerID: r.VolunteerID, VolunteerNameMasked: sensitive.MaskName(r.VolunteerName),
			VolunteerNo: r.VolunteerNo, PositionID: r.PositionID, PositionName: r.PositionName,
			Service: time.Duration(r.ServiceSeconds) * time.Second, Sessions: r.Sessions,
		}
		if r.RatedAt.Valid {
			out[i].Rating = &Rating{
				ProjectID: projectID, VolunteerID: r.VolunteerID,
				Punctuality: int32(r.Punctuality.Int16), Attitude: int32(r.Attitude.Int16), Skill: int32(r.Skill.Int16),
				Comment: r.Comment.String, UpdatedAt: r.RatedAt.Time,
			}
		}
	}
	return out, next, nil
}
