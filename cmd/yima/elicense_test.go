package main

import (
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
)

// TestElicense runs the push of volunteer cards to the city e-license
// library (V1) through the API of `yima dev`: registering a volunteer ends
// with the card in the dev library and the outbox row synced; told to
// refuse for good, the dev library fails the next push, and a staff
// member's retry brings it through; volunteers may not see the outbox.
func TestElicense(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	ids := newCitizens(5201)
	admin := volunteerv1connect.NewElicenseServiceClient(s.client(s.staff(t, "admin").token), s.URL)

	// pushed waits for the volunteer's push to reach state, and returns it;
	// the listing filtered by the volunteer number holds that push only.
	pushed := func(t *testing.T, volunteerNo string, state volunteerv1.ElicenseState) *volunteerv1.ElicenseSubmission {
		t.Helper()
		var got *volunteerv1.ElicenseSubmission
		eventually(t, 40*time.Second, func() error {
			res, err := admin.ListElicenseSubmissions(t.Context(), connect.NewRequest(&volunteerv1.ListElicenseSubmissionsRequest{
				State: state, VolunteerNo: volunteerNo, PageSize: 200,
			}))
			if err != nil {
				return err
			}
			switch subs := res.Msg.Submissions; {
			case len(subs) == 0:
				return fmt.Errorf("no %v push of %s yet", state, volunteerNo)
			case len(subs) > 1 || subs[0].VolunteerNo != volunteerNo:
				t.Fatalf("the pushes of %s are %v", volunteerNo, subs)
			default:
				got = subs[0]
			}
			return nil
		})
		return got
	}

	t.Run("注册后证照推送到开发证照库", func(t *testing.T) {
		vol := s.citizen(t, ids.next(), "钟晓岚").register(t)
		sub := pushed(t, vol.VolunteerNo, volunteerv1.ElicenseState_ELICENSE_STATE_SYNCED)
		if sub.LicenseId == "" || sub.Name != "钟**" || sub.SyncedAt == nil {
			t.Errorf("synced push = %v, want a license id, the name masked, the time", sub)
		}
		res, err := admin.ListDevLicenses(t.Context(), connect.NewRequest(&volunteerv1.ListDevLicensesRequest{VolunteerNo: vol.VolunteerNo}))
		checkErr(t, "ListDevLicenses", err, 0, "")
		if n := len(res.Msg.Licenses); n != 1 {
			t.Fatalf("the dev library holds %d cards of %s, want 1", n, vol.VolunteerNo)
		}
		if held := res.Msg.Licenses[0]; held.Reference != sub.Reference || held.LicenseId != sub.LicenseId || held.VolunteerNo != vol.VolunteerNo || held.Name != "钟**" || held.PayloadSha256 == "" {
			t.Errorf("dev library holds %v, want the card of %s under %s", held, vol.VolunteerNo, sub.LicenseId)
		}
	})

	t.Run("永久拒收后人工重试", func(t *testing.T) {
		_, err := admin.SetDevLibraryFault(t.Context(), connect.NewRequest(&volunteerv1.SetDevLibraryFaultRequest{Failures: 1, Permanent: true}))
		checkErr(t, "SetDevLibraryFault", err, 0, "")
		vol := s.citizen(t, ids.next(), "韩子墨").register(t)
		failed := pushed(t, vol.VolunteerNo, volunteerv1.ElicenseState_ELICENSE_STATE_FAILED)
		if failed.LastError == "" || failed.NextAt != nil {
			t.Errorf("refused push = %v, want an error and nothing due", failed)
		}
		res, err := admin.RetryElicenseSubmission(t.Context(), connect.NewRequest(&volunteerv1.RetryElicenseSubmissionRequest{VolunteerId: failed.VolunteerId}))
		checkErr(t, "RetryElicenseSubmission", err, 0, "")
		if res.Msg.Submission.State != volunteerv1.ElicenseState_ELICENSE_STATE_PENDING {
			t.Errorf("retried push = %v, want pending", res.Msg.Submission)
		}
		pushed(t, vol.VolunteerNo, volunteerv1.ElicenseState_ELICENSE_STATE_SYNCED)
		_, err = admin.RetryElicenseSubmission(t.Context(), connect.NewRequest(&volunteerv1.RetryElicenseSubmissionRequest{VolunteerId: failed.VolunteerId}))
		checkErr(t, "RetryElicenseSubmission synced", err, connect.CodeFailedPrecondition, "SUBMISSION_NOT_FAILED")
		_, err = admin.SetDevLibraryFault(t.Context(), connect.NewRequest(&volunteerv1.SetDevLibraryFaultRequest{Failures: 101}))
		checkErr(t, "SetDevLibraryFault 101", err, connect.CodeInvalidArgument, "FAILURES_INVALID")
	})

	t.Run("志愿者无权查看", func(t *testing.T) {
		vol := s.citizen(t, ids.next(), "邓一帆")
		vol.register(t)
		c := volunteerv1connect.NewElicenseServiceClient(s.client(vol.token), s.URL)
		_, err := c.ListElicenseSubmissions(t.Context(), connect.NewRequest(&volunteerv1.ListElicenseSubmissionsRequest{}))
		checkErr(t, "ListElicenseSubmissions as a volunteer", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
	})
}
