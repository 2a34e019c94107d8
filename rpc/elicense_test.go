package rpc

import (
	"testing"

	"connectrpc.com/connect"

	"yima/fault"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
)

// TestDevLibraryInactive: with the production e-license library
// configured, the dev library's RPCs refuse.
func TestDevLibraryInactive(t *testing.T) {
	h := &elicenseHandler{}
	_, err := h.ListDevLicenses(t.Context(), connect.NewRequest(&volunteerv1.ListDevLicensesRequest{}))
	if fault.ReasonOf(err) != "DEV_LIBRARY_INACTIVE" || fault.KindOf(err) != fault.FailedPrecondition {
		t.Errorf("ListDevLicenses = %v, want DEV_LIBRARY_INACTIVE", err)
	}
	_, err = h.SetDevLibraryFault(t.Context(), connect.NewRequest(&volunteerv1.SetDevLibraryFaultRequest{Failures: 1}))
	if fault.ReasonOf(err) != "DEV_LIBRARY_INACTIVE" {
		t.Errorf("SetDevLibraryFault = %v, want DEV_LIBRARY_INACTIVE", err)
	}
}
