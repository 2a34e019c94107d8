package rpc

import (
	"context"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/catalog"
	"yima/paging"
	commonv1 "yima/rpc/gen/yima/common/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	"yima/services/org"
)

// orgHandler serves OrgService over the org use cases.
type orgHandler struct {
	svc *org.Service
}

var _ orgv1connect.OrgServiceHandler = (*orgHandler)(nil)

func (h *orgHandler) RegisterOrg(ctx context.Context, req *connect.Request[orgv1.RegisterOrgRequest]) (*connect.Response[orgv1.RegisterOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	parent, err := parseID("parent_org_id", m.ParentOrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.Register(ctx, p, org.Registration{
		Name: m.Name, ParentID: parent, SupervisingUnit: m.SupervisingUnit, Address: m.Address,
		Location: locationFromProto(m.Location), ServiceCategories: m.ServiceCategories,
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.RegisterOrgResponse{Org: orgToProto(o)}), nil
}

func (h *orgHandler) ReviewOrg(ctx context.Context, req *connect.Request[orgv1.ReviewOrgRequest]) (*connect.Response[orgv1.ReviewOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.Review(ctx, p, id, req.Msg.Approve, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.ReviewOrgResponse{Org: orgToProto(o)}), nil
}

func (h *orgHandler) GetOrg(ctx context.Context, req *connect.Request[orgv1.GetOrgRequest]) (*connect.Response[orgv1.GetOrgResponse], error) {
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if o, err = h.svc.WithLogo(ctx, o); err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.GetOrgResponse{Org: orgToProto(o)}), nil
}

func (h *orgHandler) ListOrgs(ctx context.Context, req *connect.Request[orgv1.ListOrgsRequest]) (*connect.Response[orgv1.ListOrgsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	var parent uuid.UUID
	if m.ParentOrgId != "" {
		if parent, err = parseID("parent_org_id", m.ParentOrgId); err != nil {
			return nil, err
		}
	}
	rows, next, err := h.svc.List(ctx, p, org.ListFilter{
		ParentID: parent, Level: levelFromProto(m.Level), Status: statusFromProto(m.Status),
		NameContains: m.NameContains, PageSize: m.PageSize, PageToken: m.PageToken,
	})
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListOrgsResponse{NextPageToken: next}
	for _, r := range rows {
		out.Orgs = append(out.Orgs, &orgv1.OrgSummary{Org: orgToProto(r.Org), MemberCount: r.MemberCount, ProjectCount: r.ProjectCount})
	}
	return connect.NewResponse(out), nil
}

func (h *orgHandler) GetOrgTree(ctx context.Context, req *connect.Request[orgv1.GetOrgTreeRequest]) (*connect.Response[orgv1.GetOrgTreeResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("root_org_id", req.Msg.RootOrgId)
	if err != nil {
		return nil, err
	}
	root, truncated, err := h.svc.Tree(ctx, p, id, req.Msg.Depth)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.GetOrgTreeResponse{Root: nodeToProto(root), Truncated: truncated}), nil
}

func (h *orgHandler) UpdateOrg(ctx context.Context, req *connect.Request[orgv1.UpdateOrgRequest]) (*connect.Response[orgv1.UpdateOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.Update(ctx, p, id, org.Profile{
		Name: m.Name, SupervisingUnit: m.SupervisingUnit, Address: m.Address, Location: locationFromProto(m.Location),
		ServiceCategories: m.ServiceCategories, Intro: m.Intro, ContactName: m.ContactName,
	})
	if err != nil {
		return nil, err
	}
	if o, err = h.svc.WithLogo(ctx, o); err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UpdateOrgResponse{Org: orgToProto(o)}), nil
}

func (h *orgHandler) DeactivateOrg(ctx context.Context, req *connect.Request[orgv1.DeactivateOrgRequest]) (*connect.Response[orgv1.DeactivateOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.Deactivate(ctx, p, id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.DeactivateOrgResponse{Org: orgToProto(o)}), nil
}

func (h *orgHandler) ReactivateOrg(ctx context.Context, req *connect.Request[orgv1.ReactivateOrgRequest]) (*connect.Response[orgv1.ReactivateOrgResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.Reactivate(ctx, p, id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.ReactivateOrgResponse{Org: orgToProto(o)}), nil
}

func (h *orgHandler) ListOrgStatusHistory(ctx context.Context, req *connect.Request[orgv1.ListOrgStatusHistoryRequest]) (*connect.Response[orgv1.ListOrgStatusHistoryResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	changes, err := h.svc.StatusHistory(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListOrgStatusHistoryResponse{}
	for _, c := range changes {
		pc := &orgv1.OrgStatusChange{
			FromStatus: orgStatuses[c.From], ToStatus: orgStatuses[c.To], Reason: c.Reason, At: timestamppb.New(c.At),
		}
		if c.ByPerson != uuid.Nil {
			pc.ByPersonId = c.ByPerson.String()
		}
		out.Changes = append(out.Changes, pc)
	}
	return connect.NewResponse(out), nil
}

func (h *orgHandler) ListOrgChoices(ctx context.Context, req *connect.Request[orgv1.ListOrgChoicesRequest]) (*connect.Response[orgv1.ListOrgChoicesResponse], error) {
	m := req.Msg
	f := org.ChoiceFilter{NameContains: m.NameContains}
	var err error
	if m.ParentOrgId != "" {
		if f.ParentID, err = parseID("parent_org_id", m.ParentOrgId); err != nil {
			return nil, err
		}
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	rows, next, err := h.svc.Choices(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListOrgChoicesResponse{NextPageToken: next}
	for _, c := range rows {
		oc := &orgv1.OrgChoice{
			Id: c.ID.String(), Name: c.Name, Level: orgLevels[c.Level], ParentName: c.ParentName, HasChildren: c.HasChildren,
		}
		if c.ParentID != uuid.Nil {
			oc.ParentOrgId = c.ParentID.String()
		}
		out.Orgs = append(out.Orgs, oc)
	}
	return connect.NewResponse(out), nil
}

func nodeToProto(n *org.Node) *orgv1.OrgNode {
	out := &orgv1.OrgNode{Org: orgToProto(n.Org)}
	for _, c := range n.Children {
		out.Children = append(out.Children, nodeToProto(c))
	}
	return out
}

// levelFromProto returns "" (any level) for an unspecified or unknown one.
func levelFromProto(l orgv1.OrgLevel) org.Level {
	for k, v := range orgLevels {
		if v == l {
			return k
		}
	}
	return ""
}

// statusFromProto returns "" (any status) for an unspecified or unknown one.
func statusFromProto(st orgv1.OrgStatus) org.Status {
	for k, v := range orgStatuses {
		if v == st {
			return k
		}
	}
	return ""
}

var orgLevels = map[org.Level]orgv1.OrgLevel{
	org.LevelCity: orgv1.OrgLevel_ORG_LEVEL_CITY, org.LevelDistrict: orgv1.OrgLevel_ORG_LEVEL_DISTRICT,
	org.LevelStreet: orgv1.OrgLevel_ORG_LEVEL_STREET, org.LevelCommunity: orgv1.OrgLevel_ORG_LEVEL_COMMUNITY,
	org.LevelOther: orgv1.OrgLevel_ORG_LEVEL_OTHER,
}

var orgStatuses = map[org.Status]orgv1.OrgStatus{
	org.StatusPending: orgv1.OrgStatus_ORG_STATUS_PENDING, org.StatusActive: orgv1.OrgStatus_ORG_STATUS_ACTIVE,
	org.StatusRejected: orgv1.OrgStatus_ORG_STATUS_REJECTED, org.StatusDeactivated: orgv1.OrgStatus_ORG_STATUS_DEACTIVATED,
}

func orgToProto(o org.Org) *orgv1.Org {
	out := &orgv1.Org{
		Id: o.ID.String(), Name: o.Name, Level: orgLevels[o.Level], Status: orgStatuses[o.Status],
		SupervisingUnit: o.SupervisingUnit, Address: o.Address, Location: locationToProto(o.Location),
		ServiceCategories: o.ServiceCategories, ReviewReason: o.ReviewReason,
		CreatedAt: timestamppb.New(o.CreatedAt), Intro: o.Intro, ContactName: o.ContactName,
		LogoUrl: orgLogoURL(o.ID, o.LogoHash),
	}
	if o.ParentID != uuid.Nil {
		out.ParentOrgId = o.ParentID.String()
	}
	return out
}

// locationFromProto returns nil for a missing location.
func locationFromProto(l *commonv1.Location) *catalog.Location {
	if l == nil {
		return nil
	}
	return &catalog.Location{Lat: l.Lat, Lng: l.Lng}
}

func locationToProto(l *catalog.Location) *commonv1.Location {
	if l == nil {
		return nil
	}
	return &commonv1.Location{Lat: l.Lat, Lng: l.Lng}
}
