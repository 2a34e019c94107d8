package rpc

import (
	"context"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/catalog"
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
	return connect.NewResponse(&orgv1.GetOrgResponse{Org: orgToProto(o)}), nil
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
		CreatedAt: timestamppb.New(o.CreatedAt),
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
