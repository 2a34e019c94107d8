package main

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "yima/rpc/gen/yima/common/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/rpc/gen/yima/project/v1/projectv1connect"
	"yima/rpc/gen/yima/rbac/v1/rbacv1connect"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
)

// golden bundles the clients of the golden path (ARCHITECTURE §10) for one
// caller.
type golden struct {
	s         *testServer
	token     string
	identity  identityv1connect.IdentityServiceClient
	rbac      rbacv1connect.RbacServiceClient
	volunteer volunteerv1connect.VolunteerServiceClient
	org       orgv1connect.OrgServiceClient
	project   projectv1connect.ProjectServiceClient
}

// as returns the golden-path clients sending token.
func (s *testServer) as(token string) golden {
	hc := s.client(token)
	return golden{
		s: s, token: token,
		identity:  identityv1connect.NewIdentityServiceClient(hc, s.URL),
		rbac:      rbacv1connect.NewRbacServiceClient(hc, s.URL),
		volunteer: volunteerv1connect.NewVolunteerServiceClient(hc, s.URL),
		org:       orgv1connect.NewOrgServiceClient(hc, s.URL),
		project:   projectv1connect.NewProjectServiceClient(hc, s.URL),
	}
}

// citizen signs in a citizen of the mock identity provider.
func (s *testServer) citizen(t testing.TB, idNumber, name string) golden {
	t.Helper()
	res, err := s.as("").identity.DevLogin(t.Context(), connect.NewRequest(&identityv1.DevLoginRequest{IdNumber: idNumber, Name: name}))
	checkErr(t, "DevLogin "+name, err, 0, "")
	return s.as(res.Msg.Token)
}

// staff signs in a back-office user.
func (s *testServer) staff(t testing.TB, username string) golden {
	t.Helper()
	res, err := s.as("").identity.DevLogin(t.Context(), connect.NewRequest(&identityv1.DevLoginRequest{Username: username}))
	checkErr(t, "DevLogin "+username, err, 0, "")
	return s.as(res.Msg.Token)
}

// accounts lists the caller's accounts.
func (g golden) accounts(t testing.TB) []*identityv1.Account {
	t.Helper()
	res, err := g.identity.ListAccounts(t.Context(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
	checkErr(t, "ListAccounts", err, 0, "")
	return res.Msg.Accounts
}

// account finds the caller's account of kind (for org), failing when there
// is none.
func (g golden) account(t testing.TB, kind identityv1.AccountKind, org string) *identityv1.Account {
	t.Helper()
	for _, a := range g.accounts(t) {
		if a.Kind == kind && a.OrgId == org {
			return a
		}
	}
	t.Fatalf("no %v account for org %q among %v", kind, org, g.accounts(t))
	return nil
}

// switchTo switches to the caller's account of kind for org.
func (g golden) switchTo(t testing.TB, kind identityv1.AccountKind, org string) golden {
	t.Helper()
	a := g.account(t, kind, org)
	res, err := g.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: a.Id}))
	checkErr(t, "SwitchAccount", err, 0, "")
	return g.s.as(res.Msg.Token)
}

// register makes the caller a volunteer.
func (g golden) register(t testing.TB) *volunteerv1.Volunteer {
	t.Helper()
	res, err := g.volunteer.Register(t.Context(), connect.NewRequest(&volunteerv1.RegisterRequest{
		PoliticalStatus: "群众", ServiceCategories: []string{"社区服务"},
	}))
	checkErr(t, "Register", err, 0, "")
	return res.Msg.Volunteer
}

// registerOrg applies for an org under parent.
func (g golden) registerOrg(t testing.TB, name, parent string) *orgv1.Org {
	t.Helper()
	res, err := g.org.RegisterOrg(t.Context(), connect.NewRequest(orgRequest(name, parent)))
	checkErr(t, "RegisterOrg "+name, err, 0, "")
	return res.Msg.Org
}

func orgRequest(name, parent string) *orgv1.RegisterOrgRequest {
	return &orgv1.RegisterOrgRequest{
		Name: name, ParentOrgId: parent, SupervisingUnit: "徐汇区民政局", Address: "上海市徐汇区漕溪北路336号",
		Location: &commonv1.Location{Lat: 31.1880, Lng: 121.4365}, ServiceCategories: []string{"社区服务", "助老助残"},
	}
}

// reviewOrg decides on an org, failing unless it succeeds.
func (g golden) reviewOrg(t testing.TB, org string, approve bool, reason string) *orgv1.Org {
	t.Helper()
	res, err := g.org.ReviewOrg(t.Context(), connect.NewRequest(&orgv1.ReviewOrgRequest{OrgId: org, Approve: approve, Reason: reason}))
	checkErr(t, "ReviewOrg", err, 0, "")
	return res.Msg.Org
}

// projectRequest is a valid project of org starting at start, with
// positions of the given quotas.
func projectRequest(org string, start time.Time, quotas ...int32) *projectv1.CreateProjectRequest {
	req := &projectv1.CreateProjectRequest{
		OrgId: org, Title: "社区垃圾分类指导", Description: "指导居民正确分类投放。",
		StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.Add(3 * time.Hour)),
		Address: "上海市徐汇区天平路街道", Location: &commonv1.Location{Lat: 31.2010, Lng: 121.4420},
		ServiceCategories: []string{"环境保护"},
	}
	for i, q := range quotas {
		req.Positions = append(req.Positions, &projectv1.PositionInput{Name: "岗位" + string(rune('A'+i)), Quota: q})
	}
	return req
}

// createProject drafts a project, failing unless it succeeds.
func (g golden) createProject(t testing.TB, req *projectv1.CreateProjectRequest) *projectv1.Project {
	t.Helper()
	res, err := g.project.CreateProject(t.Context(), connect.NewRequest(req))
	checkErr(t, "CreateProject", err, 0, "")
	return res.Msg.Project
}

// submit sends a draft to review.
func (g golden) submit(t testing.TB, project string) *projectv1.Project {
	t.Helper()
	res, err := g.project.SubmitProject(t.Context(), connect.NewRequest(&projectv1.SubmitProjectRequest{ProjectId: project}))
	checkErr(t, "SubmitProject", err, 0, "")
	return res.Msg.Project
}

// reviewProject decides on a project, failing unless it succeeds.
func (g golden) reviewProject(t testing.TB, project string, approve bool, reason string) *projectv1.Project {
	t.Helper()
	res, err := g.project.ReviewProject(t.Context(), connect.NewRequest(&projectv1.ReviewProjectRequest{ProjectId: project, Approve: approve, Reason: reason}))
	checkErr(t, "ReviewProject", err, 0, "")
	return res.Msg.Project
}

// getProject fetches a project.
func (g golden) getProject(t testing.TB, project string) *projectv1.Project {
	t.Helper()
	res, err := g.project.GetProject(t.Context(), connect.NewRequest(&projectv1.GetProjectRequest{ProjectId: project}))
	checkErr(t, "GetProject", err, 0, "")
	return res.Msg.Project
}

// signUp applies the caller for a position.
func (g golden) signUp(ctx context.Context, project, position string) (*projectv1.SignUp, error) {
	res, err := g.project.SignUp(ctx, connect.NewRequest(&projectv1.SignUpRequest{ProjectId: project, PositionId: position}))
	if err != nil {
		return nil, err
	}
	return res.Msg.SignUp, nil
}

// reviewSignUp decides on a sign-up.
func (g golden) reviewSignUp(ctx context.Context, id string, approve bool) (*projectv1.SignUp, error) {
	res, err := g.project.ReviewSignUp(ctx, connect.NewRequest(&projectv1.ReviewSignUpRequest{SignUpId: id, Approve: approve}))
	if err != nil {
		return nil, err
	}
	return res.Msg.SignUp, nil
}

// orgByName returns the id of the org named name.
func (s *testServer) orgByName(t testing.TB, name string) string {
	t.Helper()
	var id uuid.UUID
	if err := s.pool(t).QueryRow(t.Context(), `SELECT id FROM org.org WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatalf("org %s: %v", name, err)
	}
	return id.String()
}
