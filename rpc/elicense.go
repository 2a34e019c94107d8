package rpc

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/fault"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/services/elicense"
	"yima/services/elicense/library"
)

// elicenseHandler serves ElicenseService; dev is the dev e-license library
// when it is the active one, else nil.
type elicenseHandler struct {
	svc *elicense.Service
	dev *library.Dev
}

func (h *elicenseHandler) ListElicenseSubmissions(ctx context.Context, req *connect.Request[volunteerv1.ListElicenseSubmissionsRequest]) (*connect.Response[volunteerv1.ListElicenseSubmissionsResponse], error) {
	m := req.Msg
	state, ok := elicenseStatesFromProto[m.State]
	if !ok {
		return nil, fault.InvalidField("state", "STATE_INVALID", "状态无效")
	}
	rows, next, err := h.svc.List(ctx, state, m.VolunteerNo, m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	out := &volunteerv1.ListElicenseSubmissionsResponse{NextPageToken: next, Submissions: make([]*volunteerv1.ElicenseSubmission, 0, len(rows))}
	for _, e := range rows {
		out.Submissions = append(out.Submissions, elicenseToProto(e))
	}
	return connect.NewResponse(out), nil
}

func (h *elicenseHandler) RetryElicenseSubmission(ctx context.Context, req *connect.Request[volunteerv1.RetryElicenseSubmissionRequest]) (*connect.Response[volunteerv1.RetryElicenseSubmissionResponse], error) {
	id, err := parseID("volunteer_id", req.Msg.VolunteerId)
	if err != nil {
		return nil, err
	}
	e, err := h.svc.Retry(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.RetryElicenseSubmissionResponse{Submission: elicenseToProto(e)}), nil
}

// errDevLibraryInactive answers the dev library's RPCs when yima talks to
// the real library.
func errDevLibraryInactive() error {
	return fault.New(fault.FailedPrecondition, "DEV_LIBRARY_INACTIVE", "当前未使用开发电子证照库")
}

func (h *elicenseHandler) ListDevLicenses(ctx context.Context, req *connect.Request[volunteerv1.ListDevLicensesRequest]) (*connect.Response[volunteerv1.ListDevLicensesResponse], error) {
	if h.dev == nil {
		return nil, errDevLibraryInactive()
	}
	rows, next, err := h.dev.List(ctx, req.Msg.VolunteerNo, req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	left, permanent, err := h.dev.Fault(ctx)
	if err != nil {
		return nil, err
	}
	out := &volunteerv1.ListDevLicensesResponse{
		NextPageToken: next, FailuresLeft: int32(left), Permanent: permanent,
		Licenses: make([]*volunteerv1.DevLicense, 0, len(rows)),
	}
	for _, r := range rows {
		out.Licenses = append(out.Licenses, &volunteerv1.DevLicense{
			Reference: r.Reference.String(), LicenseId: r.LicenseID, VolunteerNo: r.VolunteerNo, Name: r.NameMasked,
			IdNumberMasked: r.IDNumberMasked, Issuer: r.Issuer, IssuedAt: timestamppb.New(r.IssuedAt), KeyId: r.KeyID,
			PayloadSha256: r.PayloadSha256, ReceivedAt: timestamppb.New(r.ReceivedAt),
		})
	}
	return connect.NewResponse(out), nil
}

func (h *elicenseHandler) SetDevLibraryFault(ctx context.Context, req *connect.Request[volunteerv1.SetDevLibraryFaultRequest]) (*connect.Response[volunteerv1.SetDevLibraryFaultResponse], error) {
	if h.dev == nil {
		return nil, errDevLibraryInactive()
	}
	if err := h.dev.SetFault(ctx, int(req.Msg.Failures), req.Msg.Permanent); err != nil {
		return nil, err
	}
	return connect.NewResponse(&volunteerv1.SetDevLibraryFaultResponse{}), nil
}

var elicenseStatesToProto = map[string]volunteerv1.ElicenseState{
	"":               volunteerv1.ElicenseState_ELICENSE_STATE_UNSPECIFIED,
	elicense.Pending: volunteerv1.ElicenseState_ELICENSE_STATE_PENDING,
	elicense.Synced:  volunteerv1.ElicenseState_ELICENSE_STATE_SYNCED,
	elicense.Failed:  volunteerv1.ElicenseState_ELICENSE_STATE_FAILED,
}

var elicenseStatesFromProto = invertNotify(elicenseStatesToProto)

func elicenseToProto(e elicense.Entry) *volunteerv1.ElicenseSubmission {
	return &volunteerv1.ElicenseSubmission{
		VolunteerId: e.VolunteerID.String(), VolunteerNo: e.VolunteerNo, Name: e.Name, Reference: e.Reference.String(),
		State: elicenseStatesToProto[e.State], LicenseId: e.LicenseID, Attempts: int32(e.Attempts), LastError: e.LastError,
		NextAt: optionalTime(e.NextAt), SyncedAt: optionalTime(e.SyncedAt), UpdatedAt: timestamppb.New(e.UpdatedAt),
	}
}
