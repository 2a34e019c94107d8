package rpc

import (
	"testing"

	"connectrpc.com/connect"

	"yima/fault"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
)

// TestDevDepartmentInactive: with the production department configured,
// the dev department's RPCs refuse.
func TestDevDepartmentInactive(t *testing.T) {
	h := &recordCheckHandler{}
	_, err := h.ListDevRecordCheckSubmissions(t.Context(), connect.NewRequest(&volunteerv1.ListDevRecordCheckSubmissionsRequest{}))
	if fault.ReasonOf(err) != "DEV_DEPARTMENT_INACTIVE" || fault.KindOf(err) != fault.FailedPrecondition {
		t.Errorf("ListDevRecordCheckSubmissions = %v, want DEV_DEPARTMENT_INACTIVE", err)
	}
	_, err = h.DecideDevRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.DecideDevRecordCheckRequest{Reference: "x"}))
	if fault.ReasonOf(err) != "DEV_DEPARTMENT_INACTIVE" {
		t.Errorf("DecideDevRecordCheck = %v, want DEV_DEPARTMENT_INACTIVE", err)
	}
}
