package rpc

import (
	"context"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	"yima/services/member"
)

// memberHandler serves MemberService over the member use cases.
type memberHandler struct {
	svc *member.Service
}

var _ orgv1connect.MemberServiceHandler = (*memberHandler)(nil)

func (h *memberHandler) ListMembers(ctx context.Context, req *connect.Request[orgv1.ListMembersRequest]) (*connect.Response[orgv1.ListMembersResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	org, err := parseID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	group, err := optionalID("group_id", m.GroupId)
	if err != nil {
		return nil, err
	}
	rows, next, err := h.svc.List(ctx, p, member.ListFilter{
		OrgID: org, Status: memberStatusFromProto(m.Status), NameContains: m.NameContains, GroupID: group,
		Tag: m.Tag, PoliticalStatus: m.PoliticalStatus, ServiceCategory: m.ServiceCategory,
		PageSize: m.PageSize, PageToken: m.PageToken,
	})
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListMembersResponse{NextPageToken: next}
	for _, r := range rows {
		out.Members = append(out.Members, memberToProto(r))
	}
	return connect.NewResponse(out), nil
}

func (h *memberHandler) AddMember(ctx context.Context, req *connect.Request[orgv1.AddMemberRequest]) (*connect.Response[orgv1.AddMemberResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Add(ctx, p, org, req.Msg.IdNumber)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.AddMemberResponse{Member: memberToProto(m)}), nil
}

func (h *memberHandler) RemoveMember(ctx context.Context, req *connect.Request[orgv1.RemoveMemberRequest]) (*connect.Response[orgv1.RemoveMemberResponse], error) {
	p, org, vol, err := memberTarget(ctx, req.Msg.OrgId, req.Msg.VolunteerId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Remove(ctx, p, org, vol, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.RemoveMemberResponse{Member: memberToProto(m)}), nil
}

func (h *memberHandler) ReviewJoinApplication(ctx context.Context, req *connect.Request[orgv1.ReviewJoinApplicationRequest]) (*connect.Response[orgv1.ReviewJoinApplicationResponse], error) {
	p, org, vol, err := memberTarget(ctx, req.Msg.OrgId, req.Msg.VolunteerId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Review(ctx, p, org, vol, req.Msg.Approve, req.Msg.Feedback)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.ReviewJoinApplicationResponse{Member: memberToProto(m)}), nil
}

func (h *memberHandler) SetMemberTags(ctx context.Context, req *connect.Request[orgv1.SetMemberTagsRequest]) (*connect.Response[orgv1.SetMemberTagsResponse], error) {
	p, org, vol, err := memberTarget(ctx, req.Msg.OrgId, req.Msg.VolunteerId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.SetTags(ctx, p, org, vol, req.Msg.Tags)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.SetMemberTagsResponse{Member: memberToProto(m)}), nil
}

func (h *memberHandler) ListMemberTags(ctx context.Context, req *connect.Request[orgv1.ListMemberTagsRequest]) (*connect.Response[orgv1.ListMemberTagsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	tags, err := h.svc.Tags(ctx, p, org)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListMemberTagsResponse{}
	for _, t := range tags {
		out.Tags = append(out.Tags, &orgv1.MemberTag{Tag: t.Tag, MemberCount: t.Members})
	}
	return connect.NewResponse(out), nil
}

func (h *memberHandler) CreateMemberGroup(ctx context.Context, req *connect.Request[orgv1.CreateMemberGroupRequest]) (*connect.Response[orgv1.CreateMemberGroupResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	g, err := h.svc.CreateGroup(ctx, p, org, req.Msg.Name, req.Msg.Description)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.CreateMemberGroupResponse{Group: memberGroupToProto(g)}), nil
}

func (h *memberHandler) UpdateMemberGroup(ctx context.Context, req *connect.Request[orgv1.UpdateMemberGroupRequest]) (*connect.Response[orgv1.UpdateMemberGroupResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("group_id", req.Msg.GroupId)
	if err != nil {
		return nil, err
	}
	g, err := h.svc.UpdateGroup(ctx, p, id, req.Msg.Name, req.Msg.Description)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UpdateMemberGroupResponse{Group: memberGroupToProto(g)}), nil
}

func (h *memberHandler) DeleteMemberGroup(ctx context.Context, req *connect.Request[orgv1.DeleteMemberGroupRequest]) (*connect.Response[orgv1.DeleteMemberGroupResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("group_id", req.Msg.GroupId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteGroup(ctx, p, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.DeleteMemberGroupResponse{}), nil
}

func (h *memberHandler) AssignGroupMembers(ctx context.Context, req *connect.Request[orgv1.AssignGroupMembersRequest]) (*connect.Response[orgv1.AssignGroupMembersResponse], error) {
	g, n, err := changeGroup(ctx, req.Msg.GroupId, req.Msg.VolunteerIds, h.svc.Assign)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.AssignGroupMembersResponse{Group: g, Added: n}), nil
}

func (h *memberHandler) UnassignGroupMembers(ctx context.Context, req *connect.Request[orgv1.UnassignGroupMembersRequest]) (*connect.Response[orgv1.UnassignGroupMembersResponse], error) {
	g, n, err := changeGroup(ctx, req.Msg.GroupId, req.Msg.VolunteerIds, h.svc.Unassign)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UnassignGroupMembersResponse{Group: g, Removed: n}), nil
}

// changeGroup parses a group and volunteers and applies change — assigning
// or unassigning them — returning the group and how many changed.
func changeGroup(ctx context.Context, groupID string, volunteerIDs []string,
	change func(context.Context, *access.Principal, uuid.UUID, []uuid.UUID) (member.Group, int64, error),
) (*orgv1.MemberGroup, int64, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, 0, err
	}
	id, err := parseID("group_id", groupID)
	if err != nil {
		return nil, 0, err
	}
	vols, err := parseIDs("volunteer_ids", volunteerIDs)
	if err != nil {
		return nil, 0, err
	}
	g, n, err := change(ctx, p, id, vols)
	if err != nil {
		return nil, 0, err
	}
	return memberGroupToProto(g), n, nil
}

func (h *memberHandler) ListMemberGroups(ctx context.Context, req *connect.Request[orgv1.ListMemberGroupsRequest]) (*connect.Response[orgv1.ListMemberGroupsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	groups, next, err := h.svc.Groups(ctx, p, org, req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListMemberGroupsResponse{NextPageToken: next}
	for _, g := range groups {
		out.Groups = append(out.Groups, memberGroupToProto(g))
	}
	return connect.NewResponse(out), nil
}

func (h *memberHandler) JoinOrg(ctx context.Context, req *connect.Request[orgv1.JoinOrgRequest]) (*connect.Response[orgv1.JoinOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Join(ctx, p, org)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.JoinOrgResponse{Membership: membershipToProto(m)}), nil
}

func (h *memberHandler) QuitOrg(ctx context.Context, req *connect.Request[orgv1.QuitOrgRequest]) (*connect.Response[orgv1.QuitOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Quit(ctx, p, org, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.QuitOrgResponse{Membership: membershipToProto(m)}), nil
}

func (h *memberHandler) ListMyMemberships(ctx context.Context, req *connect.Request[orgv1.ListMyMembershipsRequest]) (*connect.Response[orgv1.ListMyMembershipsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	var status member.Status
	if req.Msg.Status != orgv1.MemberStatus_MEMBER_STATUS_UNSPECIFIED {
		status = memberStatusFromProto(req.Msg.Status)
	}
	rows, next, err := h.svc.Mine(ctx, p, status, req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListMyMembershipsResponse{NextPageToken: next}
	for _, m := range rows {
		out.Memberships = append(out.Memberships, membershipToProto(m))
	}
	return connect.NewResponse(out), nil
}

// memberTarget is the caller and the membership a request names.
func memberTarget(ctx context.Context, orgID, volunteerID string) (p *access.Principal, org, vol uuid.UUID, err error) {
	if p, err = principal(ctx); err != nil {
		return
	}
	if org, err = parseID("org_id", orgID); err != nil {
		return
	}
	vol, err = parseID("volunteer_id", volunteerID)
	return
}

var memberStatuses = map[orgv1.MemberStatus]member.Status{
	orgv1.MemberStatus_MEMBER_STATUS_PENDING:  member.StatusPending,
	orgv1.MemberStatus_MEMBER_STATUS_MEMBER:   member.StatusMember,
	orgv1.MemberStatus_MEMBER_STATUS_REJECTED: member.StatusRejected,
	orgv1.MemberStatus_MEMBER_STATUS_LEFT:     member.StatusLeft,
}

// memberStatusFromProto maps a status filter; unspecified and unknown
// values map to "" (the service's default).
func memberStatusFromProto(s orgv1.MemberStatus) member.Status { return memberStatuses[s] }

func memberStatusToProto(s member.Status) orgv1.MemberStatus {
	for k, v := range memberStatuses {
		if v == s {
			return k
		}
	}
	return orgv1.MemberStatus_MEMBER_STATUS_UNSPECIFIED
}

func memberSourceToProto(s member.Source) orgv1.MemberSource {
	switch s {
	case member.SourceApplied:
		return orgv1.MemberSource_MEMBER_SOURCE_APPLIED
	case member.SourceAddedByOrg:
		return orgv1.MemberSource_MEMBER_SOURCE_ADDED_BY_ORG
	}
	return orgv1.MemberSource_MEMBER_SOURCE_UNSPECIFIED
}

func memberToProto(m member.Member) *orgv1.Member {
	out := &orgv1.Member{
		VolunteerId: m.VolunteerID.String(), OrgId: m.OrgID.String(), VolunteerNo: m.VolunteerNo,
		NameMasked: m.NameMasked, IdNumberMasked: m.IDNumberMasked, PhoneMasked: m.PhoneMasked,
		PoliticalStatus: m.PoliticalStatus, ServiceCategories: m.ServiceCategories,
		Status: memberStatusToProto(m.Status), Source: memberSourceToProto(m.Source),
		JoinedAt: timestamp(m.JoinedAt), AppliedAt: timestamp(m.AppliedAt), DecidedAt: timestamp(m.DecidedAt),
		Feedback: m.Feedback, LeftAt: timestamp(m.LeftAt), LeftReason: m.LeftReason, Tags: m.Tags,
		ServiceSeconds: m.ServiceSeconds, OrgServiceSeconds: m.OrgServiceSeconds, ServiceRecordCount: m.RecordCount,
	}
	for _, g := range m.Groups {
		out.Groups = append(out.Groups, &orgv1.MemberGroupRef{Id: g.ID.String(), Name: g.Name})
	}
	return out
}

func memberGroupToProto(g member.Group) *orgv1.MemberGroup {
	return &orgv1.MemberGroup{
		Id: g.ID.String(), OrgId: g.OrgID.String(), Name: g.Name, Description: g.Description,
		CreatedAt: timestamppb.New(g.CreatedAt), MemberCount: g.Members, ServiceSeconds: g.ServiceSeconds,
		ServiceRecordCount: g.Records, ProjectCount: g.Projects,
	}
}

func membershipToProto(m member.Membership) *orgv1.Membership {
	return &orgv1.Membership{
		OrgId: m.OrgID.String(), OrgName: m.OrgName, Status: memberStatusToProto(m.Status),
		Source: memberSourceToProto(m.Source), JoinedAt: timestamp(m.JoinedAt), AppliedAt: timestamp(m.AppliedAt),
		DecidedAt: timestamp(m.DecidedAt), Feedback: m.Feedback, LeftAt: timestamp(m.LeftAt), LeftReason: m.LeftReason,
	}
}
