package project

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/store/db"
)

// Stage groups an org's projects for its project list, decided at the
// time of listing (now):
//
//   - StageToRecruit: approved (stored recruiting), start_time after now,
//     and recruit_start set and after now — the recruitment window has not
//     opened yet. (Sign-ups themselves follow Status.Open only.)
//   - StageRecruiting: approved, start_time after now, and recruit_start
//     unset or at or before now.
//   - StageRunning: effective status running (EffectiveStatus).
//   - StageClosed, StageRejected, StageWithdrawn: that stored status.
//
// Drafts and projects pending review belong to no stage.
type Stage string

// The stages.
const (
	StageToRecruit  Stage = "to_recruit"
	StageRecruiting Stage = "recruiting"
	StageRunning    Stage = "running"
	StageClosed     Stage = "closed"
	StageRejected   Stage = "rejected"
	StageWithdrawn  Stage = "withdrawn"
)

var stages = []Stage{StageToRecruit, StageRecruiting, StageRunning, StageClosed, StageRejected, StageWithdrawn}

// ListStage returns a page of org's projects in stage with their
// positions, latest start first, and the next page's token ("" on the
// last). Callers as ListOrg. Errors: invalid_argument (STAGE_INVALID),
// not_found (ORG_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Service) ListStage(ctx context.Context, p *access.Principal, org uuid.UUID, stage Stage, page paging.Page) ([]Project, string, error) {
	if !slices.Contains(stages, stage) {
		return nil, "", fault.InvalidField("stage", "STAGE_INVALID", "项目阶段无效")
	}
	if err := s.mayList(ctx, p, org); err != nil {
		return nil, "", err
	}
	now := s.opt.Now()
	rows, err := s.opt.Store.Q.ListOrgProjectsByStage(ctx, db.ListOrgProjectsByStageParams{
		OrgID: org, Stage: string(stage), Now: now, Off: page.Offset, Lim: page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list org projects by stage: %w", err)
	}
	rows, next := paging.Next(page, rows)
	out, err := s.withPositions(ctx, rows, now)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}
