package rpc

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/paging"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/services/project"
)

// The ProjectService procedures about people and bookkeeping around a
// project: sign-up lists, rosters with hours, ratings, the scope-wide
// project list and tags.

// parseWindow reads a recruitment window; absent bounds are zero.
func parseWindow(start, end *timestamppb.Timestamp) (time.Time, time.Time, error) {
	s, err := parseTime("recruit_start", start)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	e, err := parseTime("recruit_end", end)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return s, e, nil
}

// projectStageToProto maps a domain stage to the enum; "" is unspecified.
func projectStageToProto(st project.Stage) projectv1.ProjectStage {
	for v, s := range projectStages {
		if s == st {
			return v
		}
	}
	return projectv1.ProjectStage_PROJECT_STAGE_UNSPECIFIED
}

// projectSignUpStatusFromProto maps an enum value to the domain's; unspecified
// and unknown values become a status the service rejects.
func projectSignUpStatusFromProto(st projectv1.SignUpStatus) project.SignUpStatus {
	for s, v := range signUpStatuses {
		if v == st {
			return s
		}
	}
	return project.SignUpStatus(fmt.Sprintf("invalid(%d)", st))
}

func signUpStatusesFromProto(in []projectv1.SignUpStatus) []project.SignUpStatus {
	out := make([]project.SignUpStatus, len(in))
	for i, st := range in {
		out[i] = projectSignUpStatusFromProto(st)
	}
	return out
}

func (h *projectHandler) ListSignUps(ctx context.Context, req *connect.Request[projectv1.ListSignUpsRequest]) (*connect.Response[projectv1.ListSignUpsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := project.SignUpFilter{Statuses: signUpStatusesFromProto(m.Statuses)}
	if f.ProjectID, err = parseID("project_id", m.ProjectId); err != nil {
		return nil, err
	}
	if f.PositionID, err = optionalID("position_id", m.PositionId); err != nil {
		return nil, err
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	entries, next, err := h.svc.ListSignUps(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &projectv1.ListSignUpsResponse{SignUps: make([]*projectv1.SignUpEntry, len(entries)), NextPageToken: next}
	for i, e := range entries {
		out.SignUps[i] = &projectv1.SignUpEntry{
			SignUp: signUpToProto(e.SignUp), VolunteerNameMasked: e.VolunteerNameMasked, VolunteerNo: e.VolunteerNo,
			ServiceCategories: e.ServiceCategories, PositionName: e.PositionName,
		}
	}
	return connect.NewResponse(out), nil
}

func (h *projectHandler) ListMySignUps(ctx context.Context, req *connect.Request[projectv1.ListMySignUpsRequest]) (*connect.Response[projectv1.ListMySignUpsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	page, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	mine, next, err := h.svc.ListMySignUps(ctx, p, signUpStatusesFromProto(m.Statuses), page)
	if err != nil {
		return nil, err
	}
	out := &projectv1.ListMySignUpsResponse{SignUps: make([]*projectv1.MySignUp, len(mine)), NextPageToken: next}
	for i, s := range mine {
		out.SignUps[i] = &projectv1.MySignUp{
			SignUp: signUpToProto(s.SignUp), ProjectTitle: s.ProjectTitle, ProjectStatus: projectStatuses[s.ProjectStatus],
			StartTime: timestamppb.New(s.StartTime), EndTime: timestamppb.New(s.EndTime), PositionName: s.PositionName,
			OrgId: s.OrgID.String(), OrgName: s.OrgName, Address: s.Address,
		}
	}
	return connect.NewResponse(out), nil
}

func (h *projectHandler) ListProjectRoster(ctx context.Context, req *connect.Request[projectv1.ListProjectRosterRequest]) (*connect.Response[projectv1.ListProjectRosterResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("project_id", m.ProjectId)
	if err != nil {
		return nil, err
	}
	page, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	lines, next, err := h.svc.RosterWithHours(ctx, p, id, page)
	if err != nil {
		return nil, err
	}
	out := &projectv1.ListProjectRosterResponse{Entries: make([]*projectv1.RosterEntry, len(lines)), NextPageToken: next}
	for i, l := range lines {
		e := &projectv1.RosterEntry{
			SignUpId: l.SignUpID.String(), VolunteerId: l.VolunteerID.String(), VolunteerNameMasked: l.VolunteerNameMasked,
			VolunteerNo: l.VolunteerNo, PositionId: l.PositionID.String(), PositionName: l.PositionName,
			ServiceSeconds: int64(l.Service / time.Second), Sessions: l.Sessions,
		}
		if l.Rating != nil {
			e.Rating = ratingToProto(*l.Rating)
		}
		out.Entries[i] = e
	}
	return connect.NewResponse(out), nil
}

func (h *projectHandler) RateVolunteers(ctx context.Context, req *connect.Request[projectv1.RateVolunteersRequest]) (*connect.Response[projectv1.RateVolunteersResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("project_id", m.ProjectId)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(m.VolunteerIds))
	for i, s := range m.VolunteerIds {
		if ids[i], err = parseID("volunteer_ids", s); err != nil {
			return nil, err
		}
	}
	ratings, err := h.svc.Rate(ctx, p, id, ids, project.Scores{
		Punctuality: m.Punctuality, Attitude: m.Attitude, Skill: m.Skill, Comment: m.Comment,
	})
	if err != nil {
		return nil, err
	}
	out := &projectv1.RateVolunteersResponse{Ratings: make([]*projectv1.Rating, len(ratings))}
	for i, r := range ratings {
		out.Ratings[i] = ratingToProto(r)
	}
	return connect.NewResponse(out), nil
}

func (h *projectHandler) GetVolunteerRatings(ctx context.Context, req *connect.Request[projectv1.GetVolunteerRatingsRequest]) (*connect.Response[projectv1.GetVolunteerRatingsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := optionalID("volunteer_id", m.VolunteerId)
	if err != nil {
		return nil, err
	}
	page, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	sum, ratings, next, err := h.svc.VolunteerRatings(ctx, p, id, page)
	if err != nil {
		return nil, err
	}
	out := &projectv1.GetVolunteerRatingsResponse{
		Summary: &projectv1.RatingSummary{
			VolunteerId: sum.VolunteerID.String(), Count: sum.Count,
			Punctuality: sum.Punctuality, Attitude: sum.Attitude, Skill: sum.Skill,
		},
		Ratings: make([]*projectv1.Rating, len(ratings)), NextPageToken: next,
	}
	for i, r := range ratings {
		out.Ratings[i] = ratingToProto(r)
	}
	return connect.NewResponse(out), nil
}

func (h *projectHandler) ListProjects(ctx context.Context, req *connect.Request[projectv1.ListProjectsRequest]) (*connect.Response[projectv1.ListProjectsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := project.ScopeFilter{TitleContains: m.TitleContains, Tag: m.Tag, Below: m.Below}
	for _, st := range m.Statuses {
		f.Statuses = append(f.Statuses, projectStatusFromProto(st))
	}
	if f.OrgID, err = optionalID("org_id", m.OrgId); err != nil {
		return nil, err
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	prs, next, err := h.svc.ListScope(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &projectv1.ListProjectsResponse{Projects: make([]*projectv1.Project, len(prs)), NextPageToken: next}
	for i, pr := range prs {
		out.Projects[i] = projectToProto(pr)
	}
	return connect.NewResponse(out), nil
}

func (h *projectHandler) SetProjectTags(ctx context.Context, req *connect.Request[projectv1.SetProjectTagsRequest]) (*connect.Response[projectv1.SetProjectTagsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("project_id", m.ProjectId)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.SetTags(ctx, p, id, project.TagChange{
		Tags: m.Tags, SetServiceCategories: m.SetServiceCategories, ServiceCategories: m.ServiceCategories,
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.SetProjectTagsResponse{Project: projectToProto(pr)}), nil
}

func ratingToProto(r project.Rating) *projectv1.Rating {
	return &projectv1.Rating{
		ProjectId: r.ProjectID.String(), VolunteerId: r.VolunteerID.String(),
		Punctuality: r.Punctuality, Attitude: r.Attitude, Skill: r.Skill, Comment: r.Comment,
		UpdatedAt: timestamppb.New(r.UpdatedAt), ProjectTitle: r.ProjectTitle,
	}
}
