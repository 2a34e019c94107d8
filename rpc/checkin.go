package rpc

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/engine/actors"
	"yima/engine/actors/grainpb"
	"yima/fault"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	"yima/services/checkin"
)

// checkinHandler serves CheckinService.
type checkinHandler struct {
	checkinv1connect.UnimplementedCheckinServiceHandler
	svc *checkin.Service
}

var _ checkinv1connect.CheckinServiceHandler = (*checkinHandler)(nil)

func (h *checkinHandler) GetVolunteerCode(ctx context.Context, req *connect.Request[checkinv1.GetVolunteerCodeRequest]) (*connect.Response[checkinv1.GetVolunteerCodeResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	payload, exp, err := h.svc.VolunteerCode(ctx, p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&checkinv1.GetVolunteerCodeResponse{Payload: payload, ExpiresAt: timestamppb.New(exp)}), nil
}

func (h *checkinHandler) GetProjectCode(ctx context.Context, req *connect.Request[checkinv1.GetProjectCodeRequest]) (*connect.Response[checkinv1.GetProjectCodeResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	payload, err := h.svc.ProjectCode(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&checkinv1.GetProjectCodeResponse{Payload: payload}), nil
}

func (h *checkinHandler) Scan(ctx context.Context, req *connect.Request[checkinv1.ScanRequest]) (*connect.Response[checkinv1.ScanResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	in := checkin.ScanRequest{ScanID: m.ScanId, Payload: m.Payload, Gate: m.Gate}
	if m.ProjectId != "" {
		if in.Project, err = parseID("project_id", m.ProjectId); err != nil {
			return nil, err
		}
	}
	if m.DeviceId != "" {
		if in.Device, err = parseID("device_id", m.DeviceId); err != nil {
			return nil, err
		}
	}
	if m.ScannedAt != nil {
		if err := m.ScannedAt.CheckValid(); err != nil {
			return nil, fault.InvalidField("scanned_at", "SCANNED_AT_INVALID", "扫码时间无效")
		}
		in.ScannedAt = m.ScannedAt.AsTime()
	}
	if l := m.Location; l != nil {
		if l.Lat < -90 || l.Lat > 90 || l.Lng < -180 || l.Lng > 180 {
			return nil, fault.InvalidField("location", "LOCATION_INVALID", "位置坐标无效")
		}
		in.Location = &struct{ Lat, Lng float64 }{l.Lat, l.Lng}
	}
	res, err := h.svc.Scan(ctx, p, in)
	if errors.Is(err, actors.ErrUnavailable) {
		return nil, connect.NewError(connect.CodeUnavailable, errors.New("暂时无法记录扫码，请用同一扫码编号重试"))
	}
	if err != nil {
		return nil, err
	}
	out := scanResponse(res)
	if se := out.Session; se != nil {
		// Names for the gate, duplicates included, from the cache.
		l := h.svc.Label(ctx, uuid.UUID(res.VolunteerId), uuid.UUID(res.PositionId))
		se.VolunteerNameMasked, se.PositionName = l.VolunteerName, l.PositionName
	}
	return connect.NewResponse(out), nil
}

func scanResponse(r *grainpb.ScanResult) *checkinv1.ScanResponse {
	out := &checkinv1.ScanResponse{Outcome: checkinv1.ScanOutcome(r.Outcome), Reason: r.Reason, Duplicate: r.Duplicate}
	if len(r.SessionId) == 16 && len(r.VolunteerId) == 16 {
		out.Session = &checkinv1.Session{
			Id: uuid.UUID(r.SessionId).String(), VolunteerId: uuid.UUID(r.VolunteerId).String(),
			PositionId: uuid.UUID(r.PositionId).String(),
			StartedAt:  micros(r.StartedAt), EndedAt: micros(r.EndedAt), DurationSeconds: r.DurationSeconds,
		}
	}
	return out
}

func (h *checkinHandler) GetMyCheckinStatus(ctx context.Context, req *connect.Request[checkinv1.GetMyCheckinStatusRequest]) (*connect.Response[checkinv1.GetMyCheckinStatusResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	st, err := h.svc.MyStatus(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &checkinv1.GetMyCheckinStatusResponse{}
	if st.Open {
		out.ProjectId, out.ProjectTitle, out.PositionName = st.ProjectID.String(), st.ProjectTitle, st.PositionName
		out.Session = &checkinv1.Session{
			Id: st.SessionID.String(), VolunteerId: st.VolunteerID.String(), PositionId: st.PositionID.String(),
			StartedAt: timestamppb.New(st.StartedAt), VolunteerNameMasked: st.VolunteerName, PositionName: st.PositionName,
		}
	}
	return connect.NewResponse(out), nil
}

func micros(us int64) *timestamppb.Timestamp {
	if us == 0 {
		return nil
	}
	return timestamppb.New(time.UnixMicro(us))
}

func (h *checkinHandler) Ping(ctx context.Context, req *connect.Request[checkinv1.PingRequest]) (*connect.Response[checkinv1.PingResponse], error) {
	return connect.NewResponse(&checkinv1.PingResponse{}), nil
}
