package main

import (
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/store/demo"
)

// listProjects lists an org's projects in statuses, every page.
func (g golden) listProjects(t *testing.T, org string, statuses ...projectv1.ProjectStatus) ([]*projectv1.Project, error) {
	t.Helper()
	var out []*projectv1.Project
	req := &projectv1.ListOrgProjectsRequest{OrgId: org, Statuses: statuses, PageSize: 7}
	for {
		res, err := g.project.ListOrgProjects(t.Context(), connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		out = append(out, res.Msg.Projects...)
		if res.Msg.NextPageToken == "" {
			return out, nil
		}
		req.PageToken = res.Msg.NextPageToken
	}
}

func projectIDs(prs []*projectv1.Project) []string {
	out := make([]string, len(prs))
	for i, p := range prs {
		out[i] = p.Id
	}
	return out
}

// myStatus asks GetMyCheckinStatus for the caller.
func (d desk) myStatus(t *testing.T) *checkinv1.GetMyCheckinStatusResponse {
	t.Helper()
	res, err := d.checkin.GetMyCheckinStatus(t.Context(), connect.NewRequest(&checkinv1.GetMyCheckinStatusRequest{}))
	checkErr(t, "GetMyCheckinStatus", err, 0, "")
	return res.Msg
}

// TestScanUX covers what the scanner and the volunteer's code page need
// beyond the golden path, on the demo data: ListOrgProjects (who may list
// an org's projects, and the status filter with RUNNING following the
// clock), names on Scan answers (duplicates too), and
// GetMyCheckinStatus before, during and after a session.
func TestScanUX(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	s := startServerAloneWith(t, func(m *Main) { m.Now = clk.Now }, "--demo")
	pool := s.pool(t)

	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	xuhui := s.orgByName(t, demo.OrgXuhui)
	wang := s.desk(s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui))
	chen := s.demoCitizen(t, demo.RoleLeader)
	chenXuhui := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	chenTianping := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, s.orgByName(t, demo.OrgTianpinglu))
	li := s.desk(s.demoCitizen(t, demo.RoleVolunteer))

	// 李晓梅's running project of 徐家汇街道 and her position on it.
	var running, position, positionName, title string
	if err := pool.QueryRow(t.Context(), `SELECT p.id::text, pos.id::text, pos.name, p.title FROM project.sign_up s
		JOIN project.project p ON p.id = s.project_id JOIN project.position pos ON pos.id = s.position_id
		JOIN volunteer.volunteer v ON v.id = s.volunteer_id JOIN identity.person pe ON pe.id = v.person_id
		WHERE pe.name = '李晓梅' AND s.status = 'hired' AND p.status = 'running' AND p.org_id = $1`, xujiahui).Scan(&running, &position, &positionName, &title); err != nil {
		t.Fatalf("李晓梅's running project: %v", err)
	}
	// A project of 徐家汇街道 starting in ten minutes, approved by the
	// district: RECRUITING now, RUNNING by the clock later.
	soon := wang.createProject(t, projectRequest(xujiahui, clk.Now().Add(10*time.Minute), 3)).Id
	wang.submit(t, soon)
	chenXuhui.reviewProject(t, soon, true, "")

	t.Run("项目列表权限", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			g          golden
			org        string
			wantCode   connect.Code
			wantReason string
		}{
			{"本组织负责人", wang.golden, xujiahui, 0, ""},
			{"上级组织负责人", chenXuhui, xujiahui, 0, ""},
			{"管理员（超级）", s.staff(t, "admin"), xujiahui, 0, ""},
			{"下级不能看上级", wang.golden, xuhui, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"兄弟街道管理员", chenTianping, xujiahui, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者账号无此权限", li.golden, xujiahui, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"组织不存在", chenXuhui, uuid.NewString(), connect.CodeNotFound, "ORG_NOT_FOUND"},
			{"组织编号无效", wang.golden, "xujiahui", connect.CodeInvalidArgument, "ID_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				prs, err := tc.g.listProjects(t, tc.org)
				checkErr(t, "ListOrgProjects", err, tc.wantCode, tc.wantReason)
				if tc.wantCode == 0 && !slices.Contains(projectIDs(prs), running) {
					t.Errorf("the running project %s is not among %d listed", running, len(prs))
				}
			})
		}
		_, err := wang.listProjects(t, xujiahui, projectv1.ProjectStatus_PROJECT_STATUS_UNSPECIFIED)
		checkErr(t, "ListOrgProjects(UNSPECIFIED)", err, connect.CodeInvalidArgument, "STATUS_INVALID")
	})

	recruitingOrRunning := []projectv1.ProjectStatus{projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING, projectv1.ProjectStatus_PROJECT_STATUS_RUNNING}
	statusOf := func(t *testing.T, sts ...projectv1.ProjectStatus) map[string]projectv1.ProjectStatus {
		t.Helper()
		prs, err := wang.listProjects(t, xujiahui, sts...)
		checkErr(t, "ListOrgProjects", err, 0, "")
		out := map[string]projectv1.ProjectStatus{}
		for _, p := range prs {
			if p.OrgId != xujiahui {
				t.Errorf("project %s of org %s listed for %s", p.Id, p.OrgId, xujiahui)
			}
			if len(sts) > 0 && !slices.Contains(sts, p.Status) {
				t.Errorf("project %s is %v, asked for %v", p.Title, p.Status, sts)
			}
			out[p.Id] = p.Status
		}
		return out
	}
	t.Run("状态筛选", func(t *testing.T) {
		all := statusOf(t)
		open := statusOf(t, recruitingOrRunning...)
		if open[running] != projectv1.ProjectStatus_PROJECT_STATUS_RUNNING || open[soon] != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING {
			t.Errorf("RECRUITING|RUNNING: running project %v, new project %v", open[running], open[soon])
		}
		if len(open) >= len(all) {
			t.Errorf("filter kept %d of %d projects; the demo org has others (drafts, closed…)", len(open), len(all))
		}
		if _, ok := statusOf(t, projectv1.ProjectStatus_PROJECT_STATUS_RUNNING)[soon]; ok {
			t.Error("the project starting in ten minutes is listed as RUNNING")
		}
	})

	code := li.code(t)
	t.Run("扫码答复带姓名与岗位", func(t *testing.T) {
		if st := li.myStatus(t); st.Session != nil || st.ProjectId != "" {
			t.Fatalf("status before any scan = %v, want none", st)
		}
		in := wang.scan(t, &checkinv1.ScanRequest{ScanId: "ux-1", ProjectId: running, Payload: code})
		if in.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN || in.Duplicate {
			t.Fatalf("sign-in = %v", in)
		}
		if se := in.Session; se.VolunteerNameMasked != "李**" || se.PositionName != positionName || se.PositionId != position {
			t.Errorf("sign-in session = %v, want 李** at %s", se, positionName)
		}
		for _, id := range []string{"ux-1", "ux-2"} { // a retry, then a repeat within 60 s
			dup := wang.scan(t, &checkinv1.ScanRequest{ScanId: id, ProjectId: running, Payload: code})
			if !dup.Duplicate || dup.Session.VolunteerNameMasked != "李**" || dup.Session.PositionName != positionName {
				t.Errorf("duplicate %s = %v, want the names too", id, dup)
			}
		}
		bad := wang.scan(t, &checkinv1.ScanRequest{ScanId: "ux-bad", ProjectId: running, Payload: "YV1.NOTACODE"})
		if bad.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_REJECTED || bad.Session != nil {
			t.Errorf("forged code = %v, want a rejection without a session", bad)
		}
		// Plain Connect JSON names the fields as the pages read them.
		api := jsonClient{t: t, url: s.URL, token: wang.token}
		j := api.call("yima.checkin.v1.CheckinService/Scan", map[string]string{"scan_id": "ux-1", "project_id": running, "payload": code})
		if str(t, j, "session", "volunteerNameMasked") != "李**" || str(t, j, "session", "positionName") != positionName {
			t.Errorf("JSON answer = %v", j)
		}

		st := li.myStatus(t)
		if st.Session == nil || st.Session.Id != in.Session.Id || st.ProjectId != running || st.ProjectTitle != title ||
			st.PositionName != positionName || st.Session.PositionName != positionName || st.Session.VolunteerNameMasked != "李**" ||
			!st.Session.StartedAt.AsTime().Equal(in.Session.StartedAt.AsTime()) || st.Session.EndedAt != nil {
			t.Errorf("status after sign-in = %v, want session %s on %s · %s", st, in.Session.Id, title, positionName)
		}
		_, err := wang.checkin.GetMyCheckinStatus(t.Context(), connect.NewRequest(&checkinv1.GetMyCheckinStatusRequest{}))
		checkErr(t, "GetMyCheckinStatus as an org leader", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
	})

	// Eleven minutes on: the new project runs by the clock alone, and the
	// next scan of 李晓梅 signs her out.
	clk.Advance(11 * time.Minute)
	t.Run("到点自动进行中", func(t *testing.T) {
		if got := statusOf(t, projectv1.ProjectStatus_PROJECT_STATUS_RUNNING)[soon]; got != projectv1.ProjectStatus_PROJECT_STATUS_RUNNING {
			t.Errorf("new project after its start: %v, want RUNNING", got)
		}
		if _, ok := statusOf(t, projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING)[soon]; ok {
			t.Error("new project still listed as RECRUITING after its start")
		}
	})
	t.Run("签退后无状态", func(t *testing.T) {
		out := wang.scan(t, &checkinv1.ScanRequest{ScanId: "ux-3", ProjectId: running, Payload: li.code(t)})
		if out.Outcome != checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT || out.Session.VolunteerNameMasked != "李**" || out.Session.PositionName != positionName {
			t.Fatalf("sign-out = %v", out)
		}
		if st := li.myStatus(t); st.Session != nil || st.ProjectId != "" || st.ProjectTitle != "" {
			t.Errorf("status after sign-out = %v, want none", st)
		}
		api := jsonClient{t: t, url: s.URL, token: li.token}
		if j := api.call("yima.checkin.v1.CheckinService/GetMyCheckinStatus", map[string]any{}); j["session"] != nil || j["projectId"] != "" {
			t.Errorf("JSON status after sign-out = %v, want session null and projectId \"\"", j)
		}
	})
}
