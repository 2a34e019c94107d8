package rpc

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/paging"
	recordv1 "yima/rpc/gen/yima/record/v1"
	"yima/rpc/gen/yima/record/v1/recordv1connect"
	"yima/services/record"
)

// recordHandler serves RecordService over the service records.
type recordHandler struct {
	svc *record.Service
}

var _ recordv1connect.RecordServiceHandler = (*recordHandler)(nil)

// ListServiceRecords lists the calling volunteer's records, newest first.
// The caller is whoever the token names: a citizen who registered as a
// volunteer acts as the volunteer without switching accounts.
func (h *recordHandler) ListServiceRecords(ctx context.Context, req *connect.Request[recordv1.ListServiceRecordsRequest]) (*connect.Response[recordv1.ListServiceRecordsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	rows, err := h.svc.ListForPerson(ctx, p.PersonID, pg)
	if err != nil {
		return nil, err
	}
	rows, next := paging.Next(pg, rows)
	res := &recordv1.ListServiceRecordsResponse{NextPageToken: next, Records: make([]*recordv1.ServiceRecord, 0, len(rows))}
	for _, r := range rows {
		res.Records = append(res.Records, &recordv1.ServiceRecord{
			Id: r.ID.String(), ProjectId: r.ProjectID.String(), PositionId: r.PositionID.String(),
			StartedAt: timestamppb.New(r.StartedAt), EndedAt: timestamppb.New(r.EndedAt),
			DurationSeconds: r.DurationSeconds, ProjectTitle: r.ProjectTitle, PositionName: r.PositionName,
		})
	}
	return connect.NewResponse(res), nil
}
