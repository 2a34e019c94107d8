package rpc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	"yima/fault"
	"yima/paging"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/rpc/gen/yima/project/v1/projectv1connect"
	"yima/services/project"
)

// ProjectCloser closes a project: it ends open sessions (flagged for
// review), turns the sessions into service records and marks the project
// closed, returning how many records it generated. It checks who may close
// (project.Service.Manages answers that). The check-in side implements it;
// until it is wired, CloseProject answers unimplemented.
type ProjectCloser interface {
	CloseProject(ctx context.Context, p *access.Principal, projectID uuid.UUID) (records int, err error)
}

// projectHandler serves ProjectService over the project use cases.
type projectHandler struct {
	svc    *project.Service
	closer ProjectCloser
}

var _ projectv1connect.ProjectServiceHandler = (*projectHandler)(nil)

func (h *projectHandler) CreateProject(ctx context.Context, req *connect.Request[projectv1.CreateProjectRequest]) (*connect.Response[projectv1.CreateProjectResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	orgID, err := parseID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	start, err := parseTime("start_time", m.StartTime)
	if err != nil {
		return nil, err
	}
	end, err := parseTime("end_time", m.EndTime)
	if err != nil {
		return nil, err
	}
	d := project.Draft{
		OrgID: orgID, Title: m.Title, Description: m.Description, StartTime: start, EndTime: end,
		Address: m.Address, Location: locationFromProto(m.Location), ServiceCategories: m.ServiceCategories,
		Tags: m.Tags,
	}
	if d.RecruitStart, d.RecruitEnd, err = parseWindow(m.RecruitStart, m.RecruitEnd); err != nil {
		return nil, err
	}
	d.Positions = positionDraftsFromProto(m.Positions)
	pr, err := h.svc.Create(ctx, p, d)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.CreateProjectResponse{Project: projectToProto(pr)}), nil
}

func (h *projectHandler) SubmitProject(ctx context.Context, req *connect.Request[projectv1.SubmitProjectRequest]) (*connect.Response[projectv1.SubmitProjectResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.Submit(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.SubmitProjectResponse{Project: projectToProto(pr)}), nil
}

func (h *projectHandler) ReviewProject(ctx context.Context, req *connect.Request[projectv1.ReviewProjectRequest]) (*connect.Response[projectv1.ReviewProjectResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.Review(ctx, p, id, req.Msg.Approve, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.ReviewProjectResponse{Project: projectToProto(pr)}), nil
}

func (h *projectHandler) GetProject(ctx context.Context, req *connect.Request[projectv1.GetProjectRequest]) (*connect.Response[projectv1.GetProjectResponse], error) {
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.Detail(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.GetProjectResponse{Project: projectToProto(pr)}), nil
}

func (h *projectHandler) ListOrgProjects(ctx context.Context, req *connect.Request[projectv1.ListOrgProjectsRequest]) (*connect.Response[projectv1.ListOrgProjectsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := project.ListFilter{}
	if f.OrgID, err = parseID("org_id", m.OrgId); err != nil {
		return nil, err
	}
	for _, st := range m.Statuses {
		f.Statuses = append(f.Statuses, projectStatusFromProto(st))
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	prs, next, err := h.svc.ListOrg(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &projectv1.ListOrgProjectsResponse{Projects: make([]*projectv1.Project, len(prs)), NextPageToken: next}
	for i, pr := range prs {
		out.Projects[i] = projectToProto(pr)
	}
	return connect.NewResponse(out), nil
}

// projectStatusFromProto maps an enum value to the domain's; unspecified
// and unknown values become a status the service rejects.
func projectStatusFromProto(st projectv1.ProjectStatus) project.Status {
	for s, v := range projectStatuses {
		if v == st {
			return s
		}
	}
	return project.Status(fmt.Sprintf("invalid(%d)", st))
}

func (h *projectHandler) SignUp(ctx context.Context, req *connect.Request[projectv1.SignUpRequest]) (*connect.Response[projectv1.SignUpResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	projectID, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	positionID, err := parseID("position_id", req.Msg.PositionId)
	if err != nil {
		return nil, err
	}
	su, err := h.svc.SignUp(ctx, p, projectID, positionID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.SignUpResponse{SignUp: signUpToProto(su)}), nil
}

func (h *projectHandler) CancelSignUp(ctx context.Context, req *connect.Request[projectv1.CancelSignUpRequest]) (*connect.Response[projectv1.CancelSignUpResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("sign_up_id", req.Msg.SignUpId)
	if err != nil {
		return nil, err
	}
	su, err := h.svc.CancelSignUp(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.CancelSignUpResponse{SignUp: signUpToProto(su)}), nil
}

func (h *projectHandler) ReviewSignUp(ctx context.Context, req *connect.Request[projectv1.ReviewSignUpRequest]) (*connect.Response[projectv1.ReviewSignUpResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("sign_up_id", req.Msg.SignUpId)
	if err != nil {
		return nil, err
	}
	su, err := h.svc.ReviewSignUp(ctx, p, id, req.Msg.Approve)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.ReviewSignUpResponse{SignUp: signUpToProto(su)}), nil
}

func (h *projectHandler) CloseProject(ctx context.Context, req *connect.Request[projectv1.CloseProjectRequest]) (*connect.Response[projectv1.CloseProjectResponse], error) {
	if h.closer == nil {
		return nil, connect.NewError(connect.CodeUnimplemented, errors.New("closing projects is not served yet"))
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	n, err := h.closer.CloseProject(ctx, p, id)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.CloseProjectResponse{Project: projectToProto(pr), Records: int32(n)}), nil
}

// parseTime reads a request's timestamp field; a missing one is the zero
// time, which the services treat as absent.
func parseTime(field string, ts *timestamppb.Timestamp) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, fault.InvalidField(field, "TIME_INVALID", field+" 不是有效的时间")
	}
	return ts.AsTime(), nil
}

var projectStatuses = map[project.Status]projectv1.ProjectStatus{
	project.StatusDraft:         projectv1.ProjectStatus_PROJECT_STATUS_DRAFT,
	project.StatusPendingReview: projectv1.ProjectStatus_PROJECT_STATUS_PENDING_REVIEW,
	project.StatusRecruiting:    projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING,
	project.StatusRejected:      projectv1.ProjectStatus_PROJECT_STATUS_REJECTED,
	project.StatusRunning:       projectv1.ProjectStatus_PROJECT_STATUS_RUNNING,
	project.StatusClosed:        projectv1.ProjectStatus_PROJECT_STATUS_CLOSED,
	project.StatusWithdrawn:     projectv1.ProjectStatus_PROJECT_STATUS_WITHDRAWN,
}

var signUpStatuses = map[project.SignUpStatus]projectv1.SignUpStatus{
	project.SignUpPending:   projectv1.SignUpStatus_SIGN_UP_STATUS_PENDING,
	project.SignUpHired:     projectv1.SignUpStatus_SIGN_UP_STATUS_HIRED,
	project.SignUpRejected:  projectv1.SignUpStatus_SIGN_UP_STATUS_REJECTED,
	project.SignUpCancelled: projectv1.SignUpStatus_SIGN_UP_STATUS_CANCELLED,
}

// signInMethodFromProto maps an enum value to the domain's; unknown values
// become a method the service rejects.
func signInMethodFromProto(m projectv1.SignInMethod) project.SignInMethod {
	switch m {
	case projectv1.SignInMethod_SIGN_IN_METHOD_STAFF_SCAN:
		return project.StaffScan
	case projectv1.SignInMethod_SIGN_IN_METHOD_SELF_SCAN:
		return project.SelfScan
	}
	return project.SignInMethod(fmt.Sprintf("invalid(%d)", m))
}

func signInMethodToProto(m project.SignInMethod) projectv1.SignInMethod {
	switch m {
	case project.StaffScan:
		return projectv1.SignInMethod_SIGN_IN_METHOD_STAFF_SCAN
	case project.SelfScan:
		return projectv1.SignInMethod_SIGN_IN_METHOD_SELF_SCAN
	}
	return projectv1.SignInMethod_SIGN_IN_METHOD_UNSPECIFIED
}

func projectToProto(pr project.Project) *projectv1.Project {
	out := &projectv1.Project{
		Id: pr.ID.String(), OrgId: pr.OrgID.String(), Title: pr.Title, Description: pr.Description,
		Status: projectStatuses[pr.Status], StartTime: timestamppb.New(pr.StartTime), EndTime: timestamppb.New(pr.EndTime),
		Address: pr.Address, Location: locationToProto(pr.Location), ServiceCategories: pr.ServiceCategories,
		ReviewReason: pr.ReviewReason, RecruitStart: optionalTime(pr.RecruitStart), RecruitEnd: optionalTime(pr.RecruitEnd),
		Tags: pr.Tags, OrgName: pr.OrgName, ContactName: pr.ContactName, ContactPhoneMasked: pr.ContactPhoneMasked,
		ClosedAt: optionalTime(pr.ClosedAt), Stage: projectStageToProto(pr.Stage),
	}
	for _, pos := range pr.Positions {
		pp := &projectv1.Position{Id: pos.ID.String(), Name: pos.Name, Quota: pos.Quota, Hired: pos.Hired, Skills: pos.Skills}
		for _, m := range pos.SignInMethods {
			pp.SignInMethods = append(pp.SignInMethods, signInMethodToProto(m))
		}
		out.Positions = append(out.Positions, pp)
	}
	return out
}

func signUpToProto(su project.SignUp) *projectv1.SignUp {
	return &projectv1.SignUp{
		Id: su.ID.String(), ProjectId: su.ProjectID.String(), PositionId: su.PositionID.String(),
		VolunteerId: su.VolunteerID.String(), Status: signUpStatuses[su.Status],
		CreatedAt: timestamppb.New(su.CreatedAt),
	}
}

func (h *projectHandler) WithdrawProject(ctx context.Context, req *connect.Request[projectv1.WithdrawProjectRequest]) (*connect.Response[projectv1.WithdrawProjectResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.Withdraw(ctx, p, id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.WithdrawProjectResponse{Project: projectToProto(pr)}), nil
}

func (h *projectHandler) CopyProject(ctx context.Context, req *connect.Request[projectv1.CopyProjectRequest]) (*connect.Response[projectv1.CopyProjectResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("project_id", m.ProjectId)
	if err != nil {
		return nil, err
	}
	start, err := parseTime("start_time", m.StartTime)
	if err != nil {
		return nil, err
	}
	end, err := parseTime("end_time", m.EndTime)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.Copy(ctx, p, id, start, end)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.CopyProjectResponse{Project: projectToProto(pr)}), nil
}

func (h *projectHandler) EnrollVolunteer(ctx context.Context, req *connect.Request[projectv1.EnrollVolunteerRequest]) (*connect.Response[projectv1.EnrollVolunteerResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	projectID, err := parseID("project_id", m.ProjectId)
	if err != nil {
		return nil, err
	}
	positionID, err := parseID("position_id", m.PositionId)
	if err != nil {
		return nil, err
	}
	volunteerID, err := parseID("volunteer_id", m.VolunteerId)
	if err != nil {
		return nil, err
	}
	su, err := h.svc.Enroll(ctx, p, projectID, positionID, volunteerID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.EnrollVolunteerResponse{SignUp: signUpToProto(su)}), nil
}

func (h *projectHandler) MoveSignUp(ctx context.Context, req *connect.Request[projectv1.MoveSignUpRequest]) (*connect.Response[projectv1.MoveSignUpResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("sign_up_id", req.Msg.SignUpId)
	if err != nil {
		return nil, err
	}
	positionID, err := parseID("position_id", req.Msg.PositionId)
	if err != nil {
		return nil, err
	}
	su, err := h.svc.Move(ctx, p, id, positionID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.MoveSignUpResponse{SignUp: signUpToProto(su)}), nil
}

func (h *projectHandler) UnhireSignUp(ctx context.Context, req *connect.Request[projectv1.UnhireSignUpRequest]) (*connect.Response[projectv1.UnhireSignUpResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("sign_up_id", req.Msg.SignUpId)
	if err != nil {
		return nil, err
	}
	su, err := h.svc.Unhire(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.UnhireSignUpResponse{SignUp: signUpToProto(su)}), nil
}

func (h *projectHandler) UpdateProject(ctx context.Context, req *connect.Request[projectv1.UpdateProjectRequest]) (*connect.Response[projectv1.UpdateProjectResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("project_id", m.ProjectId)
	if err != nil {
		return nil, err
	}
	start, err := parseTime("start_time", m.StartTime)
	if err != nil {
		return nil, err
	}
	end, err := parseTime("end_time", m.EndTime)
	if err != nil {
		return nil, err
	}
	d := project.Draft{
		Title: m.Title, Description: m.Description, StartTime: start, EndTime: end,
		Address: m.Address, Location: locationFromProto(m.Location), ServiceCategories: m.ServiceCategories,
		Positions: positionDraftsFromProto(m.Positions), Tags: m.Tags,
	}
	if d.RecruitStart, d.RecruitEnd, err = parseWindow(m.RecruitStart, m.RecruitEnd); err != nil {
		return nil, err
	}
	pr, err := h.svc.Update(ctx, p, id, d)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.UpdateProjectResponse{Project: projectToProto(pr)}), nil
}

// positionDraftsFromProto maps position inputs to the domain's.
func positionDraftsFromProto(in []*projectv1.PositionInput) []project.PositionDraft {
	out := make([]project.PositionDraft, 0, len(in))
	for _, pi := range in {
		pd := project.PositionDraft{Name: pi.Name, Quota: pi.Quota, Skills: pi.Skills}
		for _, sm := range pi.SignInMethods {
			pd.SignInMethods = append(pd.SignInMethods, signInMethodFromProto(sm))
		}
		out = append(out, pd)
	}
	return out
}

// projectStages maps the domain's stages to the enum.
var projectStages = map[projectv1.ProjectStage]project.Stage{
	projectv1.ProjectStage_PROJECT_STAGE_TO_RECRUIT: project.StageToRecruit,
	projectv1.ProjectStage_PROJECT_STAGE_RECRUITING: project.StageRecruiting,
	projectv1.ProjectStage_PROJECT_STAGE_RUNNING:    project.StageRunning,
	projectv1.ProjectStage_PROJECT_STAGE_CLOSED:     project.StageClosed,
	projectv1.ProjectStage_PROJECT_STAGE_REJECTED:   project.StageRejected,
	projectv1.ProjectStage_PROJECT_STAGE_WITHDRAWN:  project.StageWithdrawn,
}

func (h *projectHandler) ListProjectsByStage(ctx context.Context, req *connect.Request[projectv1.ListProjectsByStageRequest]) (*connect.Response[projectv1.ListProjectsByStageResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	org, err := parseID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	page, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	// An unspecified or unknown stage maps to "", which the service
	// rejects as STAGE_INVALID.
	prs, next, err := h.svc.ListStage(ctx, p, org, projectStages[m.Stage], page)
	if err != nil {
		return nil, err
	}
	out := &projectv1.ListProjectsByStageResponse{Projects: make([]*projectv1.Project, len(prs)), NextPageToken: next}
	for i, pr := range prs {
		out.Projects[i] = projectToProto(pr)
	}
	return connect.NewResponse(out), nil
}
