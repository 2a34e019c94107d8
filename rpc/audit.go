package rpc

import (
	"context"
	"strconv"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/fault"
	"yima/paging"
	auditv1 "yima/rpc/gen/yima/audit/v1"
	"yima/rpc/gen/yima/audit/v1/auditv1connect"
	"yima/services/audit"
)

// auditHandler serves AuditService.
type auditHandler struct {
	auditv1connect.UnimplementedAuditServiceHandler
	log *audit.Log
}

var _ auditv1connect.AuditServiceHandler = (*auditHandler)(nil)

// ListEntries pages by sequence number: the token is the last seq shown, so
// pages stay stable while new entries arrive.
func (h *auditHandler) ListEntries(ctx context.Context, req *connect.Request[auditv1.ListEntriesRequest]) (*connect.Response[auditv1.ListEntriesResponse], error) {
	m := req.Msg
	pg, err := paging.Parse(m.PageSize, "")
	if err != nil {
		return nil, err
	}
	var before int64
	if m.PageToken != "" {
		if before, err = strconv.ParseInt(m.PageToken, 10, 64); err != nil || before <= 0 {
			return nil, fault.InvalidField("page_token", "PAGE_TOKEN_INVALID", "分页标记无效")
		}
	}
	var person uuid.UUID
	if m.PersonId != "" {
		if person, err = parseID("person_id", m.PersonId); err != nil {
			return nil, err
		}
	}
	rows, err := h.log.Page(ctx, m.Procedure, person, before, pg.Fetch())
	if err != nil {
		return nil, err
	}
	res := &auditv1.ListEntriesResponse{}
	if int32(len(rows)) > pg.Limit {
		rows = rows[:pg.Limit]
		res.NextPageToken = strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	for _, e := range rows {
		res.Entries = append(res.Entries, &auditv1.Entry{
			Seq: e.Seq, At: timestamppb.New(e.At), PersonId: idString(e.PersonID), AccountId: idString(e.AccountID),
			Procedure: e.Procedure, Target: e.Target, Result: e.Result, RequestId: e.RequestID, ClientAddr: e.ClientAddr,
		})
	}
	return connect.NewResponse(res), nil
}

func idString(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}
