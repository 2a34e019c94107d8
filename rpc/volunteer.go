package rpc

import (
	"context"
	"time"

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

func (h *volunteerHandler) GetMyProfile(ctx context.Context, req *connect.Request[volunteerv1.GetMyProfileRequest]) (*connect.Response[volunteerv1.GetMyProfileResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.MyProfile(ctx, p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.GetMyProfileResponse{
		Profile: profileToProto(c.Profile), Stats: statsToProto(c.Stats),
		Orgs: membershipsToProto(c.Orgs), SignUps: progressToProto(c.SignUps),
	}), nil
}

func (h *volunteerHandler) UpdateMyProfile(ctx context.Context, req *connect.Request[volunteerv1.UpdateMyProfileRequest]) (*connect.Response[volunteerv1.UpdateMyProfileResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	pr, err := h.svc.UpdateMyProfile(ctx, p, volunteer.ProfileUpdate{
		PoliticalStatus: m.PoliticalStatus, ServiceCategories: m.ServiceCategories, Tags: m.Tags,
		AvailableSlots: m.AvailableSlots, AvailableNote: m.AvailableNote,
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.UpdateMyProfileResponse{Profile: profileToProto(pr)}), nil
}

func (h *volunteerHandler) ListVolunteers(ctx context.Context, req *connect.Request[volunteerv1.ListVolunteersRequest]) (*connect.Response[volunteerv1.ListVolunteersResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	rows, next, err := h.svc.List(ctx, p, volunteer.ListFilter{
		NameContains: m.NameContains, IDNumber: m.IdNumber, DistrictCode: m.DistrictCode,
		Category: m.ServiceCategory, Tag: m.Tag, PageSize: m.PageSize, PageToken: m.PageToken,
	})
	if err != nil {
		return nil, err
	}
	out := make([]*volunteerv1.VolunteerSummary, len(rows))
	for i, r := range rows {
		out[i] = &volunteerv1.VolunteerSummary{Profile: profileToProto(r.Profile), ServiceSeconds: r.ServiceSeconds}
	}
	return connect.NewResponse(&volunteerv1.ListVolunteersResponse{Volunteers: out, NextPageToken: next}), nil
}

func (h *volunteerHandler) GetVolunteerDetail(ctx context.Context, req *connect.Request[volunteerv1.GetVolunteerDetailRequest]) (*connect.Response[volunteerv1.GetVolunteerDetailResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("volunteer_id", req.Msg.VolunteerId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.Detail(ctx, p, id, req.Msg.RecordPageSize, req.Msg.RecordPageToken)
	if err != nil {
		return nil, err
	}
	res := &volunteerv1.GetVolunteerDetailResponse{
		Profile: profileToProto(d.Profile), Stats: statsToProto(d.Stats), Orgs: membershipsToProto(d.Orgs),
		NextRecordPageToken: d.NextRecordToken,
		CertificatesPending: d.CertificatesPending, CertificatesRejected: d.CertificatesRejected,
	}
	for _, s := range d.SignUpList {
		res.SignUps = append(res.SignUps, &volunteerv1.ProjectSignUp{
			SignUpId: s.ID.String(), ProjectId: s.ProjectID.String(), ProjectTitle: s.ProjectTitle,
			ProjectStatus: string(s.ProjectStatus), Status: s.Status, PositionName: s.PositionName, OrgName: s.OrgName,
			StartTime: timestamppb.New(s.Start), EndTime: timestamppb.New(s.End), CreatedAt: timestamppb.New(s.CreatedAt),
		})
	}
	for _, r := range d.Ratings {
		res.Ratings = append(res.Ratings, &volunteerv1.RatingRow{
			ProjectId: r.ProjectID.String(), ProjectTitle: r.ProjectTitle,
			Punctuality: r.Punctuality, Attitude: r.Attitude, Skill: r.Skill, Comment: r.Comment,
			UpdatedAt: timestamppb.New(r.UpdatedAt),
		})
	}
	for _, r := range d.Records {
		res.Records = append(res.Records, recordRowToProto(r))
	}
	for _, c := range d.Certificates {
		res.Certificates = append(res.Certificates, &volunteerv1.CertificateRow{
			Id: c.ID.String(), Number: c.Number, ProjectId: c.ProjectID.String(), ProjectTitle: c.ProjectTitle,
			IssuerName: c.IssuerName, ServiceSeconds: c.ServiceSeconds, IssuedOn: c.IssuedOn.Format(time.DateOnly),
		})
	}
	return connect.NewResponse(res), nil
}

func profileToProto(p volunteer.Profile) *volunteerv1.Profile {
	return &volunteerv1.Profile{
		Volunteer: volunteerToProto(p.Volunteer), PhoneMasked: p.PhoneMasked, DistrictCode: p.DistrictCode,
		Tags: p.Tags, AvailableSlots: p.AvailableSlots, AvailableNote: p.AvailableNote,
	}
}

func statsToProto(s volunteer.Stats) *volunteerv1.ServiceStats {
	return &volunteerv1.ServiceStats{
		ServiceSeconds: s.ServiceSeconds, RecordCount: s.Records, ProjectsServed: s.Projects,
		RatingCount: s.Ratings.Count, AvgPunctuality: s.Ratings.Punctuality,
		AvgAttitude: s.Ratings.Attitude, AvgSkill: s.Ratings.Skill,
	}
}

func membershipsToProto(ms []volunteer.Membership) []*volunteerv1.OrgMembership {
	out := make([]*volunteerv1.OrgMembership, len(ms))
	for i, m := range ms {
		out[i] = &volunteerv1.OrgMembership{
			OrgId: m.OrgID.String(), OrgName: m.OrgName, Status: m.Status,
			JoinedAt: optionalTime(m.JoinedAt), AppliedAt: optionalTime(m.AppliedAt),
		}
	}
	return out
}

func progressToProto(p volunteer.Progress) *volunteerv1.SignUpProgress {
	return &volunteerv1.SignUpProgress{
		Pending: p.Pending, Hired: p.Hired,
		HiredUpcoming: p.HiredUpcoming, HiredRunning: p.HiredRunning, HiredClosed: p.HiredClosed,
	}
}

func (h *volunteerHandler) GetServiceRecordDetail(ctx context.Context, req *connect.Request[volunteerv1.GetServiceRecordDetailRequest]) (*connect.Response[volunteerv1.GetServiceRecordDetailResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("record_id", req.Msg.RecordId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.RecordDetail(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.GetServiceRecordDetailResponse{
		Record: recordRowToProto(d.Record), OrgName: d.OrgName,
		Session: &volunteerv1.RecordSession{
			StartedAt: timestamppb.New(d.SessionStart), EndedAt: timestamppb.New(d.SessionEnd), DurationSeconds: d.SessionSeconds,
			ClosedBy: d.ClosedBy, FlagReason: d.FlagReason, ReviewAction: d.ReviewAction, ReviewReason: d.ReviewReason,
			ReviewedAt: optionalTime(d.ReviewedAt), ReviewerNameMasked: d.ReviewerNameMasked,
			SignIn: recordScanToProto(d.SignIn), SignOut: recordScanToProto(d.SignOut),
		},
	}), nil
}

func recordRowToProto(r volunteer.Record) *volunteerv1.ServiceRecordRow {
	return &volunteerv1.ServiceRecordRow{
		Id: r.ID.String(), ProjectId: r.ProjectID.String(), ProjectTitle: r.ProjectTitle, PositionName: r.PositionName,
		StartedAt: timestamppb.New(r.StartedAt), EndedAt: timestamppb.New(r.EndedAt), DurationSeconds: r.DurationSeconds,
	}
}

func recordScanToProto(s *volunteer.RecordScan) *volunteerv1.RecordScan {
	if s == nil {
		return nil
	}
	return &volunteerv1.RecordScan{
		ScannedAt: timestamppb.New(s.ScannedAt), ReceivedAt: timestamppb.New(s.ReceivedAt), Method: s.Method,
		DeviceName: s.DeviceName, Gate: s.Gate, ByNameMasked: s.ByNameMasked,
	}
}
