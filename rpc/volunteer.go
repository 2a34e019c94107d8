package rpc

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
	"yima/services/volunteer"
)

// volunteerHandler serves VolunteerService over the volunteer use cases.
type volunteerHandler struct {
	svc *volunteer.Service
}

var _ volunteerv1connect.VolunteerServiceHandler = (*volunteerHandler)(nil)

func (h *volunteerHandler) Register(ctx context.Context, req *connect.Request[volunteerv1.RegisterRequest]) (*connect.Response[volunteerv1.RegisterResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	v, err := h.svc.Register(ctx, p, req.Msg.PoliticalStatus, req.Msg.ServiceCategories)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.RegisterResponse{Volunteer: volunteerToProto(v)}), nil
}

func (h *volunteerHandler) GetMyVolunteer(ctx context.Context, req *connect.Request[volunteerv1.GetMyVolunteerRequest]) (*connect.Response[volunteerv1.GetMyVolunteerResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	v, err := h.svc.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.GetMyVolunteerResponse{Volunteer: volunteerToProto(v)}), nil
}

func volunteerToProto(v volunteer.Volunteer) *volunteerv1.Volunteer {
	return &volunteerv1.Volunteer{
		Id: v.ID.String(), VolunteerNo: v.No, Name: v.Name, IdNumberMasked: v.IDNumberMasked,
		PoliticalStatus: v.PoliticalStatus, ServiceCategories: v.ServiceCategories,
		RegisteredAt: timestamppb.New(v.RegisteredAt),
	}
}
