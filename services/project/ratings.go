package project

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// Limits on ratings.
const (
	// MaxRateBatch bounds the volunteers of one RateVolunteers call.
	MaxRateBatch = 500
	maxComment   = 200
	minScore     = 1
	maxScore     = 5
)

// Rating is how an org rated a volunteer's service on a project.
type Rating struct {
	ProjectID   uuid.UUID
	VolunteerID uuid.UUID
	// Punctuality, Attitude and Skill (professional skill) score 1 to 5.
	Punctuality, Attitude, Skill int32
	Comment                      string
	// UpdatedAt is when the rating was last given.
	UpdatedAt time.Time
	// ProjectTitle is filled by VolunteerRatings only.
	ProjectTitle string
}

// Scores are what a rating gives.
type Scores struct {
	Punctuality, Attitude, Skill int32
	Comment                      string
}

// Rate gives the same scores to volunteers hired on a closed project of
// p's org (p leads or administers it), one or many at once; rating a
// volunteer again replaces the earlier rating (its first time is kept).
// All or nothing: one id not hired on the project rates no one and the
// error lists the ids (metadata "volunteer_ids"). Duplicate ids count
// once. Returns the ratings in the order asked. Errors: invalid_argument
// (VOLUNTEERS_REQUIRED, TOO_MANY_VOLUNTEERS, SCORE_INVALID,
// COMMENT_TOO_LONG, NOT_HIRED), not_found (PROJECT_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), failed_precondition
// (PROJECT_NOT_CLOSED).
func (s *Service) Rate(ctx context.Context, p *access.Principal, projectID uuid.UUID, volunteers []uuid.UUID, sc Scores) ([]Rating, error) {
	ids := uniqueIDs(volunteers)
	sc.Comment = strings.TrimSpace(sc.Comment)
	switch {
	case len(ids) == 0:
		return nil, fault.InvalidField("volunteer_ids", "VOLUNTEERS_REQUIRED", "请选择要评价的志愿者")
	case len(ids) > MaxRateBatch:
		return nil, fault.InvalidField("volunteer_ids", "TOO_MANY_VOLUNTEERS", fmt.Sprintf("一次最多评价%d名志愿者", MaxRateBatch))
	case utf8.RuneCountInString(sc.Comment) > maxComment:
		return nil, fault.InvalidField("comment", "COMMENT_TOO_LONG", fmt.Sprintf("评语不能超过%d个字", maxComment))
	}
	for _, f := range []struct {
		name  string
		label string
		v     int32
	}{{"punctuality", "守时", sc.Punctuality}, {"attitude", "服务态度", sc.Attitude}, {"skill", "专业技能", sc.Skill}} {
		if f.v < minScore || f.v > maxScore {
			return nil, fault.InvalidField(f.name, "SCORE_INVALID", fmt.Sprintf("“%s”评分须在%d到%d之间", f.label, minScore, maxScore))
		}
	}
	pr, err := s.Manages(ctx, p, projectID)
	if err != nil {
		return nil, err
	}
	if pr.Status != StatusClosed {
		return nil, fault.New(fault.FailedPrecondition, "PROJECT_NOT_CLOSED", "项目结项后才能评价志愿者")
	}
	var rows []db.ProjectRating
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		rows, err = q.RateHiredVolunteers(ctx, db.RateHiredVolunteersParams{
			ProjectID: projectID, VolunteerIds: ids,
			Punctuality: int16(sc.Punctuality), Attitude: int16(sc.Attitude), Skill: int16(sc.Skill),
			Comment: sc.Comment, RatedBy: store.NullUUID(p.PersonID), At: s.opt.Now(),
		})
		if err != nil {
			return fmt.Errorf("rate volunteers: %w", err)
		}
		if len(rows) == len(ids) {
			return nil
		}
		// Returning an error rolls back the ratings already written.
		return notHiredAmong(ids, rows)
	})
	if err != nil {
		return nil, err
	}
	at := make(map[uuid.UUID]db.ProjectRating, len(rows))
	for _, r := range rows {
		at[r.VolunteerID] = r
	}
	out := make([]Rating, len(ids))
	for i, id := range ids {
		out[i] = ratingFromRow(at[id])
	}
	return out, nil
}

// notHiredAmong is the NOT_HIRED error for the ids without a rating row.
func notHiredAmong(ids []uuid.UUID, rated []db.ProjectRating) error {
	var bad []string
	for _, id := range ids {
		if !slices.ContainsFunc(rated, func(r db.ProjectRating) bool { return r.VolunteerID == id }) {
			bad = append(bad, id.String())
		}
	}
	list := strings.Join(bad, ",")
	e := fault.InvalidField("volunteer_ids", "NOT_HIRED", fmt.Sprintf("以下志愿者未被该项目录用，未作任何评价：%s", list))
	e.Metadata["volunteer_ids"] = list
	return e
}

// RatingSummary averages a volunteer's ratings.
type RatingSummary struct {
	VolunteerID uuid.UUID
	Count       int32
	// Averages; 0 when not rated.
	Punctuality, Attitude, Skill float64
}

// VolunteerRatings returns volunteer's averages and a page of their
// ratings, latest first, with the next page's token. volunteer uuid.Nil
// means p's own volunteer. Callers: the volunteer themselves; a leader or
// admin of an org that hired them on a project or has them as a member
// (or of an org above one); staff whose scope covers such an org. Errors:
// not_found (VOLUNTEER_NOT_FOUND), permission_denied (NOT_A_VOLUNTEER,
// NOT_IN_SCOPE).
func (s *Service) VolunteerRatings(ctx context.Context, p *access.Principal, volunteer uuid.UUID, page paging.Page) (RatingSummary, []Rating, string, error) {
	if volunteer == uuid.Nil {
		id, err := s.volunteerOf(ctx, p)
		if err != nil {
			return RatingSummary{}, nil, "", err
		}
		volunteer = id
	}
	if err := s.mayReadVolunteer(ctx, p, volunteer); err != nil {
		return RatingSummary{}, nil, "", err
	}
	sum, err := s.opt.Store.Q.VolunteerRatingSummary(ctx, volunteer)
	if err != nil {
		return RatingSummary{}, nil, "", fmt.Errorf("rating summary: %w", err)
	}
	rows, err := s.opt.Store.Q.ListVolunteerRatings(ctx, db.ListVolunteerRatingsParams{
		VolunteerID: volunteer, Off: page.Offset, Lim: page.Fetch(),
	})
	if err != nil {
		return RatingSummary{}, nil, "", fmt.Errorf("list ratings: %w", err)
	}
	rows, next := paging.Next(page, rows)
	out := make([]Rating, len(rows))
	for i, r := range rows {
		out[i] = Rating{
			ProjectID: r.ProjectID, VolunteerID: r.VolunteerID,
			Punctuality: int32(r.Punctuality), Attitude: int32(r.Attitude), Skill: int32(r.Skill),
			Comment: r.Comment, UpdatedAt: r.UpdatedAt, ProjectTitle: r.ProjectTitle,
		}
	}
	return RatingSummary{
		VolunteerID: volunteer, Count: sum.Count,
		Punctuality: sum.Punctuality, Attitude: sum.Attitude, Skill: sum.Skill,
	}, out, next, nil
}

// mayReadVolunteer returns nil when p may read what orgs recorded about
// volunteer (see VolunteerRatings). Errors: not_found
// (VOLUNTEER_NOT_FOUND), permission_denied (NOT_IN_SCOPE).
func (s *Service) mayReadVolunteer(ctx context.Context, p *access.Principal, volunteer uuid.UUID) error {
	ok, err := s.opt.Store.Q.VolunteerExists(ctx, volunteer)
	if err != nil {
		return fmt.Errorf("find volunteer: %w", err)
	}
	if !ok {
		return fault.New(fault.NotFound, "VOLUNTEER_NOT_FOUND", "志愿者不存在")
	}
	var roots []uuid.UUID
	switch p.Kind {
	case access.KindVolunteer:
		own, err := s.volunteerOf(ctx, p)
		if err != nil {
			return err
		}
		if own == volunteer {
			return nil
		}
	case access.KindOrgLeader, access.KindOrgAdmin, access.KindStaff:
		all, r, err := s.opt.Orgs.Scope(ctx, p)
		if err != nil {
			return err
		}
		if all {
			return nil
		}
		roots = r
	}
	if len(roots) > 0 {
		ok, err := s.opt.Store.Q.VolunteerServedUnder(ctx, db.VolunteerServedUnderParams{VolunteerID: volunteer, Roots: roots})
		if err != nil {
			return fmt.Errorf("check volunteer scope: %w", err)
		}
		if ok {
			return nil
		}
	}
	return fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "该志愿者未在您管理的组织服务过，不能查看其评价")
}

func ratingFromRow(r db.ProjectRating) Rating {
	return Rating{
		ProjectID: r.ProjectID, VolunteerID: r.VolunteerID,
		Punctuality: int32(r.Punctuality), Attitude: int32(r.Attitude), Skill: int32(r.Skill),
		Comment: r.Comment, UpdatedAt: r.UpdatedAt,
	}
}

// uniqueIDs returns ids without repeats, in first-seen order.
func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// RatingOn returns how the volunteer was rated on the project, and false
// when they were not rated. It checks no caller: callers have already
// decided the principal may see the volunteer's service there.
func (s *Service) RatingOn(ctx context.Context, volunteer, project uuid.UUID) (Rating, bool, error) {
	r, err := s.opt.Store.Q.GetRating(ctx, db.GetRatingParams{ProjectID: project, VolunteerID: volunteer})
	if store.IsNotFound(err) {
		return Rating{}, false, nil
	}
	if err != nil {
		return Rating{}, false, fmt.Errorf("get rating: %w", err)
	}
	return Rating{
		ProjectID: r.ProjectID, VolunteerID: r.VolunteerID, Punctuality: int32(r.Punctuality),
		Attitude: int32(r.Attitude), Skill: int32(r.Skill), Comment: r.Comment, UpdatedAt: r.UpdatedAt,
	}, true, nil
}
