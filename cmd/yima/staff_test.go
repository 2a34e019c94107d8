package main

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/services/checkin"
	"yima/store/demo"
)

// desk bundles the check-in clients of one caller.
type desk struct {
	golden
	checkin checkinv1connect.CheckinServiceClient
	staff   checkinv1connect.CheckinStaffServiceClient
}

func (s *testServer) desk(g golden) desk {
	hc := s.client(g.token)
	return desk{
		golden:  g,
		checkin: checkinv1connect.NewCheckinServiceClient(hc, s.URL),
		staff:   checkinv1connect.NewCheckinStaffServiceClient(hc, s.URL),
	}
}

// code fetches the caller's current volunteer code.
func (d desk) code(t *testing.T) string {
	t.Helper()
	res, err := d.checkin.GetVolunteerCode(t.Context(), connect.NewRequest(&checkinv1.GetVolunteerCodeRequest{}))
	checkErr(t, "GetVolunteerCode", err, 0, "")
	return res.Msg.Payload
}

// scan submits a scan and fails unless it is answered.
func (d desk) scan(t *testing.T, req *checkinv1.ScanRequest) *checkinv1.ScanResponse {
	t.Helper()
	res, err := d.checkin.Scan(t.Context(), connect.NewRequest(req))
	checkErr(t, "Scan "+req.ScanId, err, 0, "")
	return res.Msg
}

func (d desk) sessions(t *testing.T, req *checkinv1.ListSessionsRequest) []*checkinv1.AttendanceSession {
	t.Helper()
	res, err := d.staff.ListSessions(t.Context(), connect.NewRequest(req))
	checkErr(t, "ListSessions", err, 0, "")
	return res.Msg.Sessions
}

// TestStaffAttendanceDesk drives CheckinStaffService (O6) on the demo data:
// 王建国 scans 李晓梅 on 徐家汇街道's running project, then lists scans and
// sessions, reviews them, enters hours by hand, registers and revokes a
// scanner device and prints the project's code; the leader of the district
// above may look too, a sibling street's admin may not. Then idle codes
// are deactivated (M1) and come back on sign-in.
func TestStaffAttendanceDesk(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	s := startServerAloneWith(t, func(m *Main) { m.Now = clk.Now }, "--demo")
	pool := s.pool(t)
	ctx := t.Context()

	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	wang := s.desk(s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui))
	li := s.desk(s.demoCitizen(t, demo.RoleVolunteer))
	chen := s.demoCitizen(t, demo.RoleLeader)
	chenXuhui := s.desk(chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, s.orgByName(t, demo.OrgXuhui)))
	chenTianping := s.desk(chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, s.orgByName(t, demo.OrgTianpinglu)))

	// The running project both fixed volunteers are hired on.
	var project, liVol, chenVol uuid.UUID
	var projectTitle string
	if err := pool.QueryRow(ctx, `SELECT p.id, p.title, v.id FROM project.sign_up s
		JOIN project.project p ON p.id = s.project_id JOIN volunteer.volunteer v ON v.id = s.volunteer_id
		JOIN identity.person pe ON pe.id = v.person_id
		WHERE pe.name = '李晓梅' AND s.status = 'hired' AND p.status = 'running' AND p.org_id = $1`, xujiahui).Scan(&project, &projectTitle, &liVol); err != nil {
		t.Fatalf("李晓梅's running project: %v", err)
	}
	if err := pool.QueryRow(ctx, `SELECT v.id FROM volunteer.volunteer v JOIN identity.person pe ON pe.id = v.person_id
		JOIN project.sign_up s ON s.volunteer_id = v.id AND s.project_id = $1 AND s.status = 'hired'
		WHERE pe.name = '陈思远'`, project).Scan(&chenVol); err != nil {
		t.Fatalf("陈思远 on the roster: %v", err)
	}
	pid := project.String()

	// Scans: a sign-in, a forged code, a sign-out two minutes later.
	t0 := clk.Now()
	if r := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-1", ProjectId: pid, Payload: li.code(t)}); r.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN {
		t.Fatalf("sign-in = %v", r)
	}
	clk.Advance(time.Minute)
	if r := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-bad", ProjectId: pid, Payload: "YV1.NOTACODE"}); r.Reason != "CODE_INVALID" {
		t.Fatalf("forged code = %v", r)
	}
	clk.Advance(time.Minute)
	out := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-2", ProjectId: pid, Payload: li.code(t)})
	if out.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT || out.Session.DurationSeconds < 119 {
		t.Fatalf("sign-out = %v", out)
	}
	sessionA := out.Session.Id

	t.Run("扫码记录", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			req  *checkinv1.ListScansRequest
			want []string
		}{
			{"全部，新的在前", &checkinv1.ListScansRequest{ProjectId: pid}, []string{"desk-2", "desk-bad", "desk-1"}},
			{"只看拒绝", &checkinv1.ListScansRequest{ProjectId: pid, Outcome: checkinv1.ScanOutcome_SCAN_OUTCOME_REJECTED}, []string{"desk-bad"}},
			{"只看签到", &checkinv1.ListScansRequest{ProjectId: pid, Outcome: checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN}, []string{"desk-1"}},
			{"按志愿者", &checkinv1.ListScansRequest{ProjectId: pid, VolunteerId: liVol.String()}, []string{"desk-2", "desk-1"}},
			{"别的志愿者", &checkinv1.ListScansRequest{ProjectId: pid, VolunteerId: chenVol.String()}, nil},
			{"时间范围", &checkinv1.ListScansRequest{ProjectId: pid, Since: timestamppb.New(t0.Add(30 * time.Second)), Until: timestamppb.New(t0.Add(90 * time.Second))}, []string{"desk-bad"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := wang.staff.ListScans(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, 0, "")
				var got []string
				for _, sc := range res.Msg.Scans {
					got = append(got, sc.ScanId)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("scans = %v, want %v", got, tc.want)
				}
			})
		}
		res, err := chenXuhui.staff.ListScans(t.Context(), connect.NewRequest(&checkinv1.ListScansRequest{ProjectId: pid, PageSize: 2}))
		checkErr(t, "ListScans by the district above", err, 0, "")
		if len(res.Msg.Scans) != 2 || res.Msg.NextPageToken == "" {
			t.Fatalf("first page = %v", res.Msg)
		}
		in := res.Msg.Scans[0]
		if in.VolunteerNameMasked != "李**" || in.PositionName == "" || in.Method != checkinv1.ScanMethod_SCAN_METHOD_STAFF ||
			in.SessionId != sessionA || in.DurationSeconds < 119 || in.ByAccountId == "" || in.VolunteerId != liVol.String() {
			t.Errorf("sign-out entry = %v", in)
		}
		next, err := chenXuhui.staff.ListScans(t.Context(), connect.NewRequest(&checkinv1.ListScansRequest{ProjectId: pid, PageSize: 2, PageToken: res.Msg.NextPageToken}))
		checkErr(t, "second page", err, 0, "")
		if len(next.Msg.Scans) != 1 || next.Msg.Scans[0].ScanId != "desk-1" || next.Msg.NextPageToken != "" {
			t.Errorf("second page = %v", next.Msg)
		}

		for _, tc := range []struct {
			name       string
			who        desk
			req        *checkinv1.ListScansRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"项目ID无效", wang, &checkinv1.ListScansRequest{ProjectId: "x"}, connect.CodeInvalidArgument, "ID_INVALID"},
			{"项目不存在", wang, &checkinv1.ListScansRequest{ProjectId: uuid.NewString()}, connect.CodeNotFound, "PROJECT_NOT_FOUND"},
			{"结果筛选无效", wang, &checkinv1.ListScansRequest{ProjectId: pid, Outcome: 9}, connect.CodeInvalidArgument, "OUTCOME_INVALID"},
			{"时间范围颠倒", wang, &checkinv1.ListScansRequest{ProjectId: pid, Since: timestamppb.New(t0), Until: timestamppb.New(t0)}, connect.CodeInvalidArgument, "TIME_RANGE_INVALID"},
			{"分页标记无效", wang, &checkinv1.ListScansRequest{ProjectId: pid, PageToken: "!!"}, connect.CodeInvalidArgument, "PAGE_TOKEN_INVALID"},
			{"同级街道管理员", chenTianping, &checkinv1.ListScansRequest{ProjectId: pid}, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", li, &checkinv1.ListScansRequest{ProjectId: pid}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.staff.ListScans(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
	})

	t.Run("考勤列表", func(t *testing.T) {
		all := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid})
		if len(all) != 1 {
			t.Fatalf("sessions = %v, want the one scanned", all)
		}
		a := all[0]
		if a.Id != sessionA || a.Status != checkinv1.SessionStatus_SESSION_STATUS_CLOSED || a.ClosedBy != checkinv1.SessionClosedBy_SESSION_CLOSED_BY_SCAN ||
			a.VolunteerNameMasked != "李**" || a.PositionName == "" || a.Flagged || a.ReviewState != checkinv1.ReviewState_REVIEW_STATE_UNSPECIFIED ||
			a.EndedAt == nil || a.DurationSeconds < 119 {
			t.Errorf("session = %v", a)
		}
		if got := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, Status: checkinv1.SessionStatus_SESSION_STATUS_OPEN}); len(got) != 0 {
			t.Errorf("open sessions = %v", got)
		}
		if got := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, FlaggedOnly: true}); len(got) != 0 {
			t.Errorf("flagged sessions = %v", got)
		}
		_, err := wang.staff.ListSessions(t.Context(), connect.NewRequest(&checkinv1.ListSessionsRequest{ProjectId: pid, Status: 7}))
		checkErr(t, "bad status", err, connect.CodeInvalidArgument, "STATUS_INVALID")
		_, err = chenTianping.staff.ListSessions(t.Context(), connect.NewRequest(&checkinv1.ListSessionsRequest{ProjectId: pid}))
		checkErr(t, "sibling street", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
	})

	review := func(who desk, req *checkinv1.ReviewSessionRequest) (*checkinv1.AttendanceSession, error) {
		res, err := who.staff.ReviewSession(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		return res.Msg.Session, nil
	}
	approve, adjust, invalidate := checkinv1.ReviewAction_REVIEW_ACTION_APPROVE, checkinv1.ReviewAction_REVIEW_ACTION_ADJUST, checkinv1.ReviewAction_REVIEW_ACTION_INVALIDATE
	ts := timestamppb.New

	t.Run("审核考勤", func(t *testing.T) {
		now := clk.Now()
		for _, tc := range []struct {
			name       string
			who        desk
			req        *checkinv1.ReviewSessionRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"不填原因", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: approve, Reason: "  "}, connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"原因过长", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: approve, Reason: strings.Repeat("因", 501)}, connect.CodeInvalidArgument, "REASON_TOO_LONG"},
			{"未选操作", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Reason: "核实"}, connect.CodeInvalidArgument, "ACTION_INVALID"},
			{"ID无效", wang, &checkinv1.ReviewSessionRequest{SessionId: "s", Action: approve, Reason: "核实"}, connect.CodeInvalidArgument, "ID_INVALID"},
			{"记录不存在", wang, &checkinv1.ReviewSessionRequest{SessionId: uuid.NewString(), Action: approve, Reason: "核实"}, connect.CodeNotFound, "SESSION_NOT_FOUND"},
			{"同级街道管理员", chenTianping, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: approve, Reason: "核实"}, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", li, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: approve, Reason: "核实"}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"通过时不能改时间", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: approve, Reason: "核实", StartedAt: ts(now)}, connect.CodeInvalidArgument, "TIMES_NOT_ALLOWED"},
			{"调整缺时间", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: adjust, Reason: "补记"}, connect.CodeInvalidArgument, "TIME_REQUIRED"},
			{"结束早于开始", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: adjust, Reason: "补记", StartedAt: ts(now.Add(-time.Minute)), EndedAt: ts(now.Add(-2 * time.Minute))}, connect.CodeInvalidArgument, "END_BEFORE_START"},
			{"结束在将来", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: adjust, Reason: "补记", StartedAt: ts(now.Add(-time.Minute)), EndedAt: ts(now.Add(time.Hour))}, connect.CodeInvalidArgument, "TIME_IN_FUTURE"},
			{"超出项目时间", wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: adjust, Reason: "补记", StartedAt: ts(now.Add(-5 * time.Hour)), EndedAt: ts(now.Add(-time.Minute))}, connect.CodeInvalidArgument, "TIME_OUTSIDE_PROJECT"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := review(tc.who, tc.req)
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}

		got, err := review(wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: approve, Reason: "现场核实无误"})
		checkErr(t, "approve", err, 0, "")
		if got.ReviewState != checkinv1.ReviewState_REVIEW_STATE_APPROVED || got.ReviewReason != "现场核实无误" || got.ReviewedAt == nil ||
			got.ReviewedByNameMasked != "王**" || got.Status != checkinv1.SessionStatus_SESSION_STATUS_CLOSED {
			t.Errorf("approved = %v", got)
		}
		// Ten minutes earlier than scanned: the volunteer arrived before the
		// scanner was set up.
		start := got.StartedAt.AsTime().Add(-10 * time.Minute)
		got, err = review(chenXuhui, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: adjust, Reason: "扫码设备晚到，提前到岗", StartedAt: ts(start), EndedAt: got.EndedAt})
		checkErr(t, "adjust by the district above", err, 0, "")
		if got.ReviewState != checkinv1.ReviewState_REVIEW_STATE_ADJUSTED || !got.StartedAt.AsTime().Equal(start.Truncate(time.Second)) ||
			got.DurationSeconds != int64(got.EndedAt.AsTime().Sub(got.StartedAt.AsTime())/time.Second) || got.DurationSeconds < 719 {
			t.Errorf("adjusted = %v", got)
		}
	})

	// A second session, open: it cannot be reviewed, and A cannot be
	// stretched over it.
	clk.Advance(2 * time.Minute)
	in := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-3", ProjectId: pid, Payload: li.code(t)})
	if in.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN {
		t.Fatalf("second sign-in = %v", in)
	}
	sessionB := in.Session.Id

	t.Run("进行中与重叠", func(t *testing.T) {
		_, err := review(wang, &checkinv1.ReviewSessionRequest{SessionId: sessionB, Action: approve, Reason: "核实"})
		checkErr(t, "review an open session", err, connect.CodeFailedPrecondition, "SESSION_OPEN")
		a := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, Status: checkinv1.SessionStatus_SESSION_STATUS_CLOSED})[0]
		clk.Advance(5 * time.Second) // times are kept to the second: end well past B's start
		_, err = review(wang, &checkinv1.ReviewSessionRequest{SessionId: sessionA, Action: adjust, Reason: "延长", StartedAt: a.StartedAt, EndedAt: ts(clk.Now())})
		checkErr(t, "adjust over the open session", err, connect.CodeFailedPrecondition, "SESSION_OVERLAP")
		if open := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, Status: checkinv1.SessionStatus_SESSION_STATUS_OPEN}); len(open) != 1 || open[0].Id != sessionB {
			t.Errorf("open sessions = %v", open)
		}
	})

	// B ends, and is taken as closed by the deadline sweep: flagged.
	clk.Advance(2 * time.Minute)
	if r := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-4", ProjectId: pid, Payload: li.code(t)}); r.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT {
		t.Fatalf("second sign-out = %v", r)
	}
	if _, err := pool.Exec(ctx, `UPDATE checkin.session SET closed_by = 'auto', flagged = true, flag_reason = 'MAX_LENGTH' WHERE id = $1`, sessionB); err != nil {
		t.Fatal(err)
	}

	t.Run("作废", func(t *testing.T) {
		queue := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, FlaggedOnly: true, UnreviewedOnly: true})
		if len(queue) != 1 || queue[0].Id != sessionB || queue[0].FlagReason != "MAX_LENGTH" || queue[0].ClosedBy != checkinv1.SessionClosedBy_SESSION_CLOSED_BY_AUTO {
			t.Fatalf("review queue = %v", queue)
		}
		_, err := review(wang, &checkinv1.ReviewSessionRequest{SessionId: sessionB, Action: invalidate})
		checkErr(t, "invalidate without a reason", err, connect.CodeInvalidArgument, "REASON_REQUIRED")
		got, err := review(wang, &checkinv1.ReviewSessionRequest{SessionId: sessionB, Action: invalidate, Reason: "重复扫码，实际未到岗"})
		checkErr(t, "invalidate", err, 0, "")
		if got.Status != checkinv1.SessionStatus_SESSION_STATUS_INVALIDATED || got.ReviewState != checkinv1.ReviewState_REVIEW_STATE_INVALIDATED {
			t.Errorf("invalidated = %v", got)
		}
		_, err = review(wang, &checkinv1.ReviewSessionRequest{SessionId: sessionB, Action: approve, Reason: "改主意"})
		checkErr(t, "review an invalidated session", err, connect.CodeFailedPrecondition, "SESSION_INVALIDATED")
		if q := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, FlaggedOnly: true, UnreviewedOnly: true}); len(q) != 0 {
			t.Errorf("review queue after the review = %v", q)
		}
		if inv := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, Status: checkinv1.SessionStatus_SESSION_STATUS_INVALIDATED}); len(inv) != 1 {
			t.Errorf("invalidated sessions = %v", inv)
		}
	})

	t.Run("补录时长", func(t *testing.T) {
		now := clk.Now()
		var foreign uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT id FROM project.position WHERE project_id <> $1 LIMIT 1`, project).Scan(&foreign); err != nil {
			t.Fatal(err)
		}
		a := wang.sessions(t, &checkinv1.ListSessionsRequest{ProjectId: pid, Status: checkinv1.SessionStatus_SESSION_STATUS_CLOSED})[0]
		ok := func(f func(r *checkinv1.AddManualHoursRequest)) *checkinv1.AddManualHoursRequest {
			r := &checkinv1.AddManualHoursRequest{
				ProjectId: pid, VolunteerId: chenVol.String(), StartedAt: ts(now.Add(-50 * time.Minute)), EndedAt: ts(now.Add(-20 * time.Minute)),
				Reason: "手机没电，无法亮码，现场负责人确认在岗",
			}
			if f != nil {
				f(r)
			}
			return r
		}
		for _, tc := range []struct {
			name       string
			who        desk
			req        *checkinv1.AddManualHoursRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"不填原因", wang, ok(func(r *checkinv1.AddManualHoursRequest) { r.Reason = "" }), connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"没有时间", wang, ok(func(r *checkinv1.AddManualHoursRequest) { r.StartedAt = nil }), connect.CodeInvalidArgument, "TIME_REQUIRED"},
			{"时长为零", wang, ok(func(r *checkinv1.AddManualHoursRequest) { r.EndedAt = r.StartedAt }), connect.CodeInvalidArgument, "END_BEFORE_START"},
			{"志愿者ID无效", wang, ok(func(r *checkinv1.AddManualHoursRequest) { r.VolunteerId = "v" }), connect.CodeInvalidArgument, "ID_INVALID"},
			{"未录用", wang, ok(func(r *checkinv1.AddManualHoursRequest) { r.VolunteerId = uuid.NewString() }), connect.CodeFailedPrecondition, "NOT_ON_ROSTER"},
			{"别的项目的岗位", wang, ok(func(r *checkinv1.AddManualHoursRequest) { r.PositionId = foreign.String() }), connect.CodeNotFound, "POSITION_NOT_FOUND"},
			{"与已有时段重叠", wang, ok(func(r *checkinv1.AddManualHoursRequest) {
				r.VolunteerId, r.StartedAt, r.EndedAt = liVol.String(), a.StartedAt, a.EndedAt
			}), connect.CodeFailedPrecondition, "SESSION_OVERLAP"},
			{"同级街道管理员", chenTianping, ok(nil), connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", li, ok(nil), connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.staff.AddManualHours(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
		res, err := wang.staff.AddManualHours(t.Context(), connect.NewRequest(ok(nil)))
		checkErr(t, "AddManualHours", err, 0, "")
		m := res.Msg.Session
		if m.Status != checkinv1.SessionStatus_SESSION_STATUS_CLOSED || m.ClosedBy != checkinv1.SessionClosedBy_SESSION_CLOSED_BY_STAFF ||
			m.ReviewState != checkinv1.ReviewState_REVIEW_STATE_MANUAL || m.Flagged || m.DurationSeconds != 1800 ||
			m.VolunteerNameMasked != "陈**" || m.PositionName == "" || m.ReviewReason == "" {
			t.Errorf("manual session = %v", m)
		}
		_, err = wang.staff.AddManualHours(t.Context(), connect.NewRequest(ok(nil)))
		checkErr(t, "the same hours again", err, connect.CodeFailedPrecondition, "SESSION_OVERLAP")
	})

	t.Run("审计", func(t *testing.T) {
		admin := s.api(s.api("").login(t, &identityv1.DevLoginRequest{Username: "admin"}))
		for proc, min := range map[string]int{
			"/yima.checkin.v1.CheckinStaffService/ReviewSession":  12,
			"/yima.checkin.v1.CheckinStaffService/AddManualHours": 10,
		} {
			entries := admin.entries(t, &auditv1.ListEntriesRequest{Procedure: proc, PageSize: 100})
			results := map[string]int{}
			for _, e := range entries {
				results[e.Result]++
			}
			if len(entries) < min || results["ok"] == 0 || results["invalid_argument"] == 0 {
				t.Errorf("%s: %d audit entries %v, want at least %d, ok and refused alike", proc, len(entries), results, min)
			}
		}
	})

	var device *checkinv1.Device
	t.Run("扫码设备", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        desk
			req        *checkinv1.RegisterDeviceRequest
			wantCode   connect.Code
			wantReason string
		}{
			{"没有名称", wang, &checkinv1.RegisterDeviceRequest{OrgId: xujiahui, Name: " "}, connect.CodeInvalidArgument, "NAME_REQUIRED"},
			{"名称过长", wang, &checkinv1.RegisterDeviceRequest{OrgId: xujiahui, Name: strings.Repeat("枪", 51)}, connect.CodeInvalidArgument, "NAME_TOO_LONG"},
			{"组织不存在", wang, &checkinv1.RegisterDeviceRequest{OrgId: uuid.NewString(), Name: "扫码枪"}, connect.CodeNotFound, "ORG_NOT_FOUND"},
			{"别的组织", chenTianping, &checkinv1.RegisterDeviceRequest{OrgId: xujiahui, Name: "扫码枪"}, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", li, &checkinv1.RegisterDeviceRequest{OrgId: xujiahui, Name: "扫码枪"}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.staff.RegisterDevice(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, tc.wantCode, tc.wantReason)
			})
		}
		res, err := wang.staff.RegisterDevice(t.Context(), connect.NewRequest(&checkinv1.RegisterDeviceRequest{OrgId: xujiahui, Name: " 1号口扫码枪 "}))
		checkErr(t, "RegisterDevice", err, 0, "")
		device = res.Msg.Device
		if device.Name != "1号口扫码枪" || device.OrgId != xujiahui || device.Revoked || device.Id == "" {
			t.Fatalf("device = %v", device)
		}
		list, err := wang.staff.ListDevices(t.Context(), connect.NewRequest(&checkinv1.ListDevicesRequest{OrgId: xujiahui}))
		checkErr(t, "ListDevices", err, 0, "")
		if len(list.Msg.Devices) != 1 || list.Msg.Devices[0].Id != device.Id {
			t.Errorf("devices = %v", list.Msg.Devices)
		}
		_, err = chenTianping.staff.ListDevices(t.Context(), connect.NewRequest(&checkinv1.ListDevicesRequest{OrgId: xujiahui}))
		checkErr(t, "ListDevices by another street", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")

		// A scan names its device and gate; the scan log shows both.
		clk.Advance(2 * time.Minute)
		wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-5", ProjectId: pid, Payload: li.code(t), DeviceId: device.Id, Gate: "东门"})
		scans, err := wang.staff.ListScans(t.Context(), connect.NewRequest(&checkinv1.ListScansRequest{ProjectId: pid, PageSize: 1}))
		checkErr(t, "ListScans", err, 0, "")
		if sc := scans.Msg.Scans[0]; sc.ScanId != "desk-5" || sc.DeviceId != device.Id || sc.DeviceName != "1号口扫码枪" || sc.Gate != "东门" {
			t.Errorf("scan with a device = %v", sc)
		}

		_, err = chenTianping.staff.RevokeDevice(t.Context(), connect.NewRequest(&checkinv1.RevokeDeviceRequest{DeviceId: device.Id}))
		checkErr(t, "RevokeDevice by another street", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		_, err = wang.staff.RevokeDevice(t.Context(), connect.NewRequest(&checkinv1.RevokeDeviceRequest{DeviceId: uuid.NewString()}))
		checkErr(t, "RevokeDevice unknown", err, connect.CodeNotFound, "DEVICE_NOT_FOUND")
		rev, err := chenXuhui.staff.RevokeDevice(t.Context(), connect.NewRequest(&checkinv1.RevokeDeviceRequest{DeviceId: device.Id}))
		checkErr(t, "RevokeDevice by the district above", err, 0, "")
		if !rev.Msg.Device.Revoked || rev.Msg.Device.RevokedAt == nil {
			t.Errorf("revoked device = %v", rev.Msg.Device)
		}
		_, err = wang.staff.RevokeDevice(t.Context(), connect.NewRequest(&checkinv1.RevokeDeviceRequest{DeviceId: device.Id}))
		checkErr(t, "RevokeDevice again", err, connect.CodeFailedPrecondition, "DEVICE_REVOKED")
		// DeviceOK is what the scan path asks.
		var path []uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT path FROM org.org WHERE id = $1`, xujiahui).Scan(&path); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.checkinStaff.DeviceOK(ctx, uuid.MustParse(device.Id), path); ok || err != nil {
			t.Errorf("DeviceOK(revoked) = %v, %v", ok, err)
		}
	})

	t.Run("项目码下载与打印", func(t *testing.T) {
		code, err := wang.checkin.GetProjectCode(t.Context(), connect.NewRequest(&checkinv1.GetProjectCodeRequest{ProjectId: pid}))
		checkErr(t, "GetProjectCode", err, 0, "")
		links, err := wang.staff.GetProjectCodeLinks(t.Context(), connect.NewRequest(&checkinv1.GetProjectCodeLinksRequest{ProjectId: pid}))
		checkErr(t, "GetProjectCodeLinks", err, 0, "")
		l := links.Msg
		if !strings.HasPrefix(l.PrintUrl, "/codes/project/"+pid+"/print?ticket=") || l.ExpiresAt.AsTime().Before(clk.Now().Add(5*time.Minute)) {
			t.Fatalf("links = %v", l)
		}
		_, err = li.staff.GetProjectCodeLinks(t.Context(), connect.NewRequest(&checkinv1.GetProjectCodeLinksRequest{ProjectId: pid}))
		checkErr(t, "GetProjectCodeLinks by a volunteer", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = chenTianping.staff.GetProjectCodeLinks(t.Context(), connect.NewRequest(&checkinv1.GetProjectCodeLinksRequest{ProjectId: pid}))
		checkErr(t, "GetProjectCodeLinks by another street", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		var pending uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT id FROM project.project WHERE org_id = $1 AND status = 'pending_review' LIMIT 1`, xujiahui).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		_, err = wang.staff.GetProjectCodeLinks(t.Context(), connect.NewRequest(&checkinv1.GetProjectCodeLinksRequest{ProjectId: pending.String()}))
		checkErr(t, "GetProjectCodeLinks of a project under review", err, connect.CodeFailedPrecondition, "PROJECT_NOT_APPROVED")

		get := func(path, token string) (*http.Response, []byte) {
			t.Helper()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res, b
		}

		res, page := get(l.PrintUrl, "")
		html := string(page)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("print page: %s %s", res.Status, page)
		}
		for _, want := range []string{projectTitle, demo.OrgXujiahui, "扫码签到", "签退", "<svg", code.Msg.Payload} {
			if !strings.Contains(html, want) {
				t.Errorf("print page lacks %q", want)
			}
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("print page headers = %v", res.Header)
		}

		res, img := get(l.PngUrl, "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("png: %s %s", res.Status, img)
		}
		decoded, err := png.Decode(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("decode png: %v", err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(decoded)
		if err != nil {
			t.Fatal(err)
		}
		text, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil || text.GetText() != code.Msg.Payload {
			t.Errorf("the PNG reads %v (%v), want the project code %q", text, err, code.Msg.Payload)
		}
		res, svg := get(l.SvgUrl, "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(svg, []byte("<svg")) {
			t.Errorf("svg: %s %.80s", res.Status, svg)
		}
		if res, _ := get("/codes/project/"+pid+".png?size=640", wang.token); res.StatusCode != http.StatusOK {
			t.Errorf("png with a bearer token: %s", res.Status)
		}

		ticket := l.PrintUrl[strings.Index(l.PrintUrl, "?"):]
		for _, tc := range []struct {
			name, path, token string
			want              int
			reason            string
		}{
			{"没有凭证", "/codes/project/" + pid + "/print", "", http.StatusUnauthorized, "TICKET_MISSING"},
			{"伪造凭证", "/codes/project/" + pid + "/print?ticket=AAAA", "", http.StatusForbidden, "TICKET_INVALID"},
			{"别的项目", "/codes/project/" + pending.String() + "/print" + ticket, "", http.StatusForbidden, "TICKET_INVALID"},
			{"会话令牌不能放进链接", "/codes/project/" + pid + "/print?token=" + wang.token, "", http.StatusUnauthorized, "TICKET_MISSING"},
			{"志愿者令牌", "/codes/project/" + pid + ".svg", li.token, http.StatusForbidden, "PERMISSION_DENIED"},
			{"别的组织令牌", "/codes/project/" + pid + ".svg", chenTianping.token, http.StatusForbidden, "NOT_ORG_MEMBER"},
			{"项目ID无效", "/codes/project/nope.svg" + ticket, "", http.StatusBadRequest, "ID_INVALID"},
			{"未知格式", "/codes/project/" + pid + ".gif" + ticket, "", http.StatusNotFound, "NOT_FOUND"},
			{"尺寸过大", "/codes/project/" + pid + ".png" + ticket + "&size=99999", "", http.StatusBadRequest, "SIZE_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := get(tc.path, tc.token)
				if res.StatusCode != tc.want || res.Header.Get("X-Yima-Reason") != tc.reason {
					t.Errorf("GET %s: %s %s (reason %q), want %d %s", tc.path, res.Status, body, res.Header.Get("X-Yima-Reason"), tc.want, tc.reason)
				}
			})
		}
		clk.Advance(checkin.CodeTicketTTL + time.Second)
		if res, body := get(l.PrintUrl, ""); res.StatusCode != http.StatusForbidden || res.Header.Get("X-Yima-Reason") != "TICKET_EXPIRED" {
			t.Errorf("expired ticket: %s %s", res.Status, body)
		}
	})

	t.Run("闲置停用志愿者码", func(t *testing.T) {
		// 李晓梅 signs out: an open session keeps a code active.
		clk.Advance(2 * time.Minute)
		if r := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-6", ProjectId: pid, Payload: li.code(t)}); r.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT {
			t.Fatalf("sign-out = %v", r)
		}
		old := li.code(t)
		var epoch int
		if err := pool.QueryRow(ctx, `SELECT code_epoch FROM volunteer.volunteer WHERE id = $1`, liVol).Scan(&epoch); err != nil {
			t.Fatal(err)
		}
		// 400 days on, with 180 days allowed, only 李晓梅 is idle: everyone
		// else is made active then.
		later := clk.Now().Add(400 * 24 * time.Hour)
		if _, err := pool.Exec(ctx, `UPDATE volunteer.volunteer SET last_active_at = $2 WHERE id <> $1`, liVol, later); err != nil {
			t.Fatal(err)
		}
		n, err := s.checkinStaff.DeactivateIdleCodes(ctx, 180*24*time.Hour, later)
		if err != nil || n != 1 {
			t.Fatalf("DeactivateIdleCodes = %d, %v; want 1", n, err)
		}
		var active bool
		var epochAfter, events int
		if err := pool.QueryRow(ctx, `SELECT code_active, code_epoch, (SELECT count(*) FROM checkin.code_event WHERE volunteer_id = $1 AND kind = 'deactivated')
			FROM volunteer.volunteer WHERE id = $1`, liVol).Scan(&active, &epochAfter, &events); err != nil {
			t.Fatal(err)
		}
		if active || epochAfter != epoch+1 || events != 1 {
			t.Fatalf("after deactivation: active %v, epoch %d (was %d), trail entries %d", active, epochAfter, epoch, events)
		}
		// The code shown before, still fresh, is revoked at once: the
		// project's grain reloaded the epoch.
		if r := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-7", ProjectId: pid, Payload: old}); r.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_REJECTED || r.Reason != "CODE_REVOKED" {
			t.Errorf("scan of a code issued before deactivation = %v, want REJECTED CODE_REVOKED", r)
		}
		// The next sign-in brings the code back, without another bump.
		s.demoCitizen(t, demo.RoleVolunteer)
		if err := pool.QueryRow(ctx, `SELECT code_active, code_epoch, (SELECT count(*) FROM checkin.code_event WHERE volunteer_id = $1 AND kind = 'activated')
			FROM volunteer.volunteer WHERE id = $1`, liVol).Scan(&active, &epochAfter, &events); err != nil {
			t.Fatal(err)
		}
		if !active || epochAfter != epoch+1 || events != 1 {
			t.Errorf("after sign-in: active %v, epoch %d, activations %d", active, epochAfter, events)
		}
		clk.Advance(2 * time.Minute)
		if r := wang.scan(t, &checkinv1.ScanRequest{ScanId: "desk-8", ProjectId: pid, Payload: li.code(t)}); r.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN {
			t.Errorf("scan of a fresh code after reactivation = %v, want SIGNED_IN", r)
		}
		if again, err := s.checkinStaff.ReactivateCode(ctx, liVol); err != nil || again {
			t.Errorf("ReactivateCode of an active code = %v, %v; want false", again, err)
		}
	})
}
