package rpc

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/fault"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/services/recordcheck"
	"yima/services/recordcheck/dept"
)

// recordCheckHandler serves RecordCheckService; dev is the dev department
// when it is the active one, else nil.
type recordCheckHandler struct {
	svc *recordcheck.Service
	dev *dept.Dev
}

func (h *recordCheckHandler) ApplyRecordCheck(ctx context.Context, req *connect.Request[volunteerv1.ApplyRecordCheckRequest]) (*connect.Response[volunteerv1.ApplyRecordCheckResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Apply(ctx, p, req.Msg.Purpose, req.Msg.Consent)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.ApplyRecordCheckResponse{RecordCheck: recordCheckToProto(c)}), nil
}

func (h *recordCheckHandler) ListMyRecordChecks(ctx context.Context, req *connect.Request[volunteerv1.ListMyRecordChecksRequest]) (*connect.Response[volunteerv1.ListMyRecordChecksResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := h.svc.ListMine(ctx, p, req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	out := &volunteerv1.ListMyRecordChecksResponse{NextPageToken: next, RecordChecks: make([]*volunteerv1.RecordCheck, 0, len(rows))}
	for _, c := range rows {
		out.RecordChecks = append(out.RecordChecks, recordCheckToProto(c))
	}
	return connect.NewResponse(out), nil
}

// errDevDepartmentInactive answers the dev department's RPCs when yima
// talks to the real department.
func errDevDepartmentInactive() error {
	return fault.New(fault.FailedPrecondition, "DEV_DEPARTMENT_INACTIVE", "当前未使用开发审查部门")
}

func (h *recordCheckHandler) ListDevRecordCheckSubmissions(ctx context.Context, req *connect.Request[volunteerv1.ListDevRecordCheckSubmissionsRequest]) (*connect.Response[volunteerv1.ListDevRecordCheckSubmissionsResponse], error) {
	if h.dev == nil {
		return nil, errDevDepartmentInactive()
	}
	rows, next, err := h.dev.Pending(ctx, req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	out := &volunteerv1.ListDevRecordCheckSubmissionsResponse{NextPageToken: next, Submissions: make([]*volunteerv1.DevRecordCheckSubmission, 0, len(rows))}
	for _, r := range rows {
		out.Submissions = append(out.Submissions, &volunteerv1.DevRecordCheckSubmission{
			Reference: r.Reference, CaseId: r.CaseID, Name: r.NameMasked, IdNumberMasked: r.IDNumberMasked,
			Purpose: r.Purpose, ReceivedAt: timestamppb.New(r.ReceivedAt),
		})
	}
	return connect.NewResponse(out), nil
}

var devOutcomes = map[volunteerv1.DevRecordCheckOutcome]dept.Outcome{
	volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_CLEAR:        dept.Clear,
	volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_RECORD_FOUND: dept.RecordFound,
	volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_REJECTED:     dept.Rejected,
}

func (h *recordCheckHandler) DecideDevRecordCheck(ctx context.Context, req *connect.Request[volunteerv1.DecideDevRecordCheckRequest]) (*connect.Response[volunteerv1.DecideDevRecordCheckResponse], error) {
	if h.dev == nil {
		return nil, errDevDepartmentInactive()
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	if err := h.dev.Decide(ctx, m.Reference, devOutcomes[m.Outcome], m.Reason, p.AccountID); err != nil {
		return nil, err
	}
	// The real department is polled on a schedule; the dev one says at
	// once that it decided, so the volunteer sees the result right away.
	if err := h.svc.Nudge(ctx, m.Reference); err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.DecideDevRecordCheckResponse{}), nil
}

var recordCheckStatuses = map[recordcheck.Status]volunteerv1.RecordCheckStatus{
	recordcheck.Submitted:   volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_SUBMITTED,
	recordcheck.Sent:        volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_SENT,
	recordcheck.Clear:       volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_CLEAR,
	recordcheck.RecordFound: volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_RECORD_FOUND,
	recordcheck.Rejected:    volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_REJECTED,
}

func recordCheckToProto(c recordcheck.Check) *volunteerv1.RecordCheck {
	return &volunteerv1.RecordCheck{
		Id: c.ID.String(), Purpose: c.Purpose, Status: recordCheckStatuses[c.Status], Reason: c.Reason,
		SubmittedAt: timestamppb.New(c.SubmittedAt), SentAt: optionalTime(c.SentAt), DecidedAt: optionalTime(c.DecidedAt),
	}
}
