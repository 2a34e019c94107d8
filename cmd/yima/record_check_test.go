package main

import (
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/store/demo"
)

// TestRecordCheck runs a no-criminal-record application (V6) through the
// API in dev mode: 李晓梅 applies, the sweeper submits it to the dev
// department, the admin decides it on the console's RPC, and she sees the
// result; bad input, permissions and one open application at a time.
func TestRecordCheck(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	li := s.api(s.demoCitizen(t, demo.RoleVolunteer).token).recordCheck
	chen := s.api(s.demoCitizen(t, demo.RoleLeader).token).recordCheck
	zhao := s.api(s.demoCitizen(t, demo.RoleCitizen).token).recordCheck
	wang := s.api(s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui).token).recordCheck
	admin := s.api(s.staff(t, "admin").token).recordCheck

	t.Run("申请的错误输入", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			req    *volunteerv1.ApplyRecordCheckRequest
			code   connect.Code
			reason string
		}{
			{"缺用途", &volunteerv1.ApplyRecordCheckRequest{Purpose: " ", Consent: true}, connect.CodeInvalidArgument, "PURPOSE_REQUIRED"},
			{"未同意", &volunteerv1.ApplyRecordCheckRequest{Purpose: "参加助老服务"}, connect.CodeInvalidArgument, "CONSENT_REQUIRED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := li.ApplyRecordCheck(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "ApplyRecordCheck", err, tc.code, tc.reason)
			})
		}
		res, err := li.ListMyRecordChecks(t.Context(), connect.NewRequest(&volunteerv1.ListMyRecordChecksRequest{}))
		checkErr(t, "ListMyRecordChecks", err, 0, "")
		if len(res.Msg.RecordChecks) != 0 {
			t.Errorf("bad input left %v", res.Msg.RecordChecks)
		}
	})

	t.Run("不是志愿者", func(t *testing.T) {
		req := &volunteerv1.ApplyRecordCheckRequest{Purpose: "参加助老服务", Consent: true}
		_, err := zhao.ApplyRecordCheck(t.Context(), connect.NewRequest(req))
		checkErr(t, "ApplyRecordCheck by a citizen", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = admin.ApplyRecordCheck(t.Context(), connect.NewRequest(req))
		checkErr(t, "ApplyRecordCheck by staff", err, connect.CodePermissionDenied, "NOT_A_VOLUNTEER")
		_, err = admin.ListMyRecordChecks(t.Context(), connect.NewRequest(&volunteerv1.ListMyRecordChecksRequest{}))
		checkErr(t, "ListMyRecordChecks by staff", err, connect.CodePermissionDenied, "NOT_A_VOLUNTEER")
	})

	purpose := fmt.Sprintf("参加社区助老志愿服务%d", time.Now().UnixNano()%1000)
	res, err := li.ApplyRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.ApplyRecordCheckRequest{Purpose: purpose, Consent: true}))
	checkErr(t, "ApplyRecordCheck", err, 0, "")
	mine := res.Msg.RecordCheck
	if mine.Status != volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_SUBMITTED || mine.SubmittedAt == nil || mine.Purpose != purpose {
		t.Fatalf("ApplyRecordCheck = %v", mine)
	}
	_, err = li.ApplyRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.ApplyRecordCheckRequest{Purpose: "再来一份", Consent: true}))
	checkErr(t, "second ApplyRecordCheck", err, connect.CodeAlreadyExists, "APPLICATION_OPEN")

	// The sweeper submits at once after the commit.
	latest := func(t testing.TB) *volunteerv1.RecordCheck {
		t.Helper()
		res, err := li.ListMyRecordChecks(t.Context(), connect.NewRequest(&volunteerv1.ListMyRecordChecksRequest{}))
		checkErr(t, "ListMyRecordChecks", err, 0, "")
		if len(res.Msg.RecordChecks) == 0 {
			t.Fatal("no record check listed")
		}
		return res.Msg.RecordChecks[0]
	}
	eventually(t, 20*time.Second, func() error {
		if c := latest(t); c.Status != volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_SENT || c.SentAt == nil {
			return fmt.Errorf("status %v, want sent", c.Status)
		}
		return nil
	})
	pending, err := admin.ListDevRecordCheckSubmissions(t.Context(), connect.NewRequest(&volunteerv1.ListDevRecordCheckSubmissionsRequest{}))
	checkErr(t, "ListDevRecordCheckSubmissions", err, 0, "")
	var found *volunteerv1.DevRecordCheckSubmission
	for _, p := range pending.Msg.Submissions {
		if p.Reference == mine.Id {
			found = p
		}
	}
	if found == nil || found.Name != "李**" || found.IdNumberMasked == "310104199509231421" || found.Purpose != purpose {
		t.Fatalf("dev department holds %v, want 李晓梅's masked case", pending.Msg.Submissions)
	}

	t.Run("权限", func(t *testing.T) {
		_, err := li.ListDevRecordCheckSubmissions(t.Context(), connect.NewRequest(&volunteerv1.ListDevRecordCheckSubmissionsRequest{}))
		checkErr(t, "ListDevRecordCheckSubmissions by a volunteer", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = wang.DecideDevRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.DecideDevRecordCheckRequest{
			Reference: mine.Id, Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_CLEAR,
		}))
		checkErr(t, "DecideDevRecordCheck by an org leader", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = li.DecideDevRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.DecideDevRecordCheckRequest{
			Reference: mine.Id, Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_CLEAR,
		}))
		checkErr(t, "DecideDevRecordCheck by the applicant", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		// Another volunteer sees none of 李晓梅's applications.
		res, err := chen.ListMyRecordChecks(t.Context(), connect.NewRequest(&volunteerv1.ListMyRecordChecksRequest{}))
		checkErr(t, "ListMyRecordChecks by 陈思远", err, 0, "")
		if len(res.Msg.RecordChecks) != 0 {
			t.Errorf("陈思远 sees %v", res.Msg.RecordChecks)
		}
	})

	t.Run("决定的错误输入", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			req    *volunteerv1.DecideDevRecordCheckRequest
			code   connect.Code
			reason string
		}{
			{"缺结论", &volunteerv1.DecideDevRecordCheckRequest{Reference: mine.Id}, connect.CodeInvalidArgument, "OUTCOME_INVALID"},
			{"拒绝缺理由", &volunteerv1.DecideDevRecordCheckRequest{Reference: mine.Id, Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_REJECTED}, connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"缺申请", &volunteerv1.DecideDevRecordCheckRequest{Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_CLEAR}, connect.CodeInvalidArgument, "REFERENCE_REQUIRED"},
			{"没有这份申请", &volunteerv1.DecideDevRecordCheckRequest{Reference: "no-such-case", Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_CLEAR}, connect.CodeNotFound, "SUBMISSION_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := admin.DecideDevRecordCheck(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "DecideDevRecordCheck", err, tc.code, tc.reason)
			})
		}
		if c := latest(t); c.Status != volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_SENT {
			t.Errorf("bad decisions changed the application: %v", c)
		}
	})

	_, err = admin.DecideDevRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.DecideDevRecordCheckRequest{
		Reference: mine.Id, Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_CLEAR,
	}))
	checkErr(t, "DecideDevRecordCheck", err, 0, "")
	_, err = admin.DecideDevRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.DecideDevRecordCheckRequest{
		Reference: mine.Id, Outcome: volunteerv1.DevRecordCheckOutcome_DEV_RECORD_CHECK_OUTCOME_RECORD_FOUND,
	}))
	checkErr(t, "second DecideDevRecordCheck", err, connect.CodeAlreadyExists, "ALREADY_DECIDED")
	eventually(t, 20*time.Second, func() error {
		if c := latest(t); c.Status != volunteerv1.RecordCheckStatus_RECORD_CHECK_STATUS_CLEAR || c.DecidedAt == nil {
			return fmt.Errorf("status %v, want clear", c.Status)
		}
		return nil
	})
	// With the result in, 李晓梅 may apply again.
	_, err = li.ApplyRecordCheck(t.Context(), connect.NewRequest(&volunteerv1.ApplyRecordCheckRequest{Purpose: "参加大型赛会服务", Consent: true}))
	checkErr(t, "ApplyRecordCheck after the result", err, 0, "")
}
