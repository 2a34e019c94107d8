package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/store/demo"
)

// TestRatings drives the closed-project pages' API on the demo's closed
// project of 徐家汇街道: the closed list, the roster with hours, ratings one
// by one and in bulk (all or nothing), the volunteers' averages, and who
// may do each.
func TestRatings(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	ids := newCitizens(4712)
	pool := s.pool(t)
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	chen := s.demoCitizen(t, demo.RoleLeader)
	district := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	sibling := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianpinglu)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	li := s.demoCitizen(t, demo.RoleVolunteer).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER, "")
	admin := s.staff(t, "admin")

	// The closed projects of 徐家汇 (O7): the demo has one, with hires.
	res, err := wang.project.ListOrgProjects(t.Context(), connect.NewRequest(&projectv1.ListOrgProjectsRequest{
		OrgId: xujiahui, Statuses: []projectv1.ProjectStatus{
			projectv1.ProjectStatus_PROJECT_STATUS_CLOSED, projectv1.ProjectStatus_PROJECT_STATUS_REJECTED, projectv1.ProjectStatus_PROJECT_STATUS_WITHDRAWN,
		},
	}))
	checkErr(t, "ListOrgProjects closed", err, 0, "")
	var closed *projectv1.Project
	for _, p := range res.Msg.Projects {
		if p.Status == projectv1.ProjectStatus_PROJECT_STATUS_CLOSED && p.Stage == projectv1.ProjectStage_PROJECT_STAGE_CLOSED && p.ClosedAt != nil {
			closed = p
		}
	}
	if closed == nil {
		t.Fatalf("no closed project of %s among %v", demo.OrgXujiahui, res.Msg.Projects)
	}
	// 李晓梅 served on it too, 2 h 30 min in two sessions.
	var liID string
	if err := pool.QueryRow(t.Context(), `SELECT v.id::text FROM volunteer.volunteer v JOIN identity.person p ON p.id = v.person_id WHERE p.name = '李晓梅'`).Scan(&liID); err != nil {
		t.Fatal(err)
	}
	pos := closed.Positions[1].Id
	if _, err := pool.Exec(t.Context(), `INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status, created_at) VALUES ($1, $2, $3, 'hired', now() - interval '10 days')`,
		closed.Id, pos, liID); err != nil {
		t.Fatal(err)
	}
	for i, secs := range []int{7200, 1800} {
		session := uuid.New()
		start := closed.StartTime.AsTime().Add(time.Duration(i) * time.Hour * 2)
		if _, err := pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'closed', 'scan')`, session, closed.Id, pos, liID, start, start.Add(time.Duration(secs)*time.Second), secs); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(t.Context(), `INSERT INTO record.service_record (volunteer_id, project_id, position_id, session_id, started_at, ended_at, duration_seconds)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, liID, closed.Id, pos, session, start, start.Add(time.Duration(secs)*time.Second), secs); err != nil {
			t.Fatal(err)
		}
	}

	roster := func(t *testing.T, g golden) ([]*projectv1.RosterEntry, error) {
		t.Helper()
		var out []*projectv1.RosterEntry
		token := ""
		for {
			res, err := g.project.ListProjectRoster(t.Context(), connect.NewRequest(&projectv1.ListProjectRosterRequest{ProjectId: closed.Id, PageSize: 3, PageToken: token}))
			if err != nil {
				return nil, err
			}
			out = append(out, res.Msg.Entries...)
			if token = res.Msg.NextPageToken; token == "" {
				return out, nil
			}
		}
	}
	entries, err := roster(t, wang)
	checkErr(t, "ListProjectRoster", err, 0, "")
	hired := 0
	for _, p := range closed.Positions {
		hired += int(p.Hired)
	}
	if len(entries) != hired+1 {
		t.Fatalf("roster has %d entries, want the %d hired and 李晓梅", len(entries), hired)
	}
	var vols []string
	for _, e := range entries {
		vols = append(vols, e.VolunteerId)
		if e.VolunteerId == liID && (e.ServiceSeconds != 9000 || e.Sessions != 2 || e.VolunteerNameMasked != "李**" || e.Rating != nil) {
			t.Errorf("李晓梅's entry = %v", e)
		}
	}

	t.Run("谁能看名单", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			caller     golden
			code       connect.Code
			wantReason string
		}{
			{"上级组织", district, 0, ""},
			{"后台", admin, 0, ""},
			{"同级组织管理员", sibling, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := roster(t, tc.caller)
				checkErr(t, "ListProjectRoster", err, tc.code, tc.wantReason)
			})
		}
	})

	outsider := s.citizen(t, ids.next(), "局外人")
	outsiderID := outsider.register(t).Id
	rate := func(g golden, vols []string, p, a, sk int32, comment string) ([]*projectv1.Rating, error) {
		res, err := g.project.RateVolunteers(t.Context(), connect.NewRequest(&projectv1.RateVolunteersRequest{
			ProjectId: closed.Id, VolunteerIds: vols, Punctuality: p, Attitude: a, Skill: sk, Comment: comment,
		}))
		if err != nil {
			return nil, err
		}
		return res.Msg.Ratings, nil
	}
	t.Run("评价", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			caller     golden
			vols       []string
			score      int32
			code       connect.Code
			wantReason string
		}{
			{"同级组织管理员不能评价", sibling, []string{liID}, 5, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"上级组织不能评价", district, []string{liID}, 5, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"后台不能代评", admin, []string{liID}, 5, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", li, []string{liID}, 5, connect.CodePermissionDenied, ""},
			{"评分越界", wang, []string{liID}, 6, connect.CodeInvalidArgument, "SCORE_INVALID"},
			{"编号无效", wang, []string{"x"}, 5, connect.CodeInvalidArgument, "ID_INVALID"},
			{"未选人", wang, nil, 5, connect.CodeInvalidArgument, "VOLUNTEERS_REQUIRED"},
			{"批量中有未录用者", wang, append(slices.Clone(vols), outsiderID), 2, connect.CodeInvalidArgument, "NOT_HIRED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := rate(tc.caller, tc.vols, tc.score, 4, 4, "")
				if tc.code == connect.CodePermissionDenied && tc.wantReason == "" {
					if connect.CodeOf(err) != connect.CodePermissionDenied {
						t.Fatalf("RateVolunteers = %v, want permission_denied", err)
					}
					return
				}
				checkErr(t, "RateVolunteers", err, tc.code, tc.wantReason)
			})
		}
		var n int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM project.rating WHERE project_id = $1`, closed.Id).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after refused calls: %d ratings, %v; want none", n, err)
		}

		got, err := rate(wang, []string{liID}, 5, 5, 4, "准时到岗，服务热情")
		checkErr(t, "rate one", err, 0, "")
		if len(got) != 1 || got[0].VolunteerId != liID || got[0].Skill != 4 || got[0].Comment != "准时到岗，服务热情" {
			t.Errorf("rating = %v", got)
		}
		got, err = rate(wang, vols, 4, 4, 4, "")
		checkErr(t, "rate in bulk", err, 0, "")
		if len(got) != len(vols) {
			t.Errorf("bulk gave %d ratings, want %d", len(got), len(vols))
		}
		entries, err := roster(t, wang)
		checkErr(t, "ListProjectRoster after rating", err, 0, "")
		for _, e := range entries {
			if e.Rating == nil || e.Rating.Punctuality != 4 || e.Rating.Comment != "" {
				t.Errorf("entry after the bulk rating = %v", e)
			}
		}
		// The audit log holds the ratings.
		var audited int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM audit.entry WHERE procedure = '/yima.project.v1.ProjectService/RateVolunteers' AND result = 'ok'`).Scan(&audited); err != nil || audited != 2 {
			t.Errorf("audited ratings = %d, %v; want 2", audited, err)
		}
	})

	t.Run("评价汇总", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			caller     golden
			volunteer  string
			code       connect.Code
			wantReason string
		}{
			{"本人", li, "", 0, ""},
			{"本人按编号", li, liID, 0, ""},
			{"服务过的组织", wang, liID, 0, ""},
			{"服务过的组织的上级", district, liID, 0, ""},
			{"后台", admin, liID, 0, ""},
			{"其他志愿者", outsider, liID, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"志愿者不存在", wang, uuid.NewString(), connect.CodeNotFound, "VOLUNTEER_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.caller.project.GetVolunteerRatings(t.Context(), connect.NewRequest(&projectv1.GetVolunteerRatingsRequest{VolunteerId: tc.volunteer}))
				checkErr(t, "GetVolunteerRatings", err, tc.code, tc.wantReason)
				if err != nil {
					return
				}
				sum := res.Msg.Summary
				if sum.VolunteerId != liID || sum.Count != 1 || sum.Punctuality != 4 || sum.Skill != 4 || len(res.Msg.Ratings) != 1 ||
					res.Msg.Ratings[0].ProjectTitle != closed.Title {
					t.Errorf("GetVolunteerRatings = %v", res.Msg)
				}
			})
		}
	})

	t.Run("审计", func(t *testing.T) {
		entries := s.api(admin.token).entries(t, &auditv1.ListEntriesRequest{})
		if !slices.ContainsFunc(entries, func(e *auditv1.Entry) bool {
			return strings.HasSuffix(e.Procedure, "/RateVolunteers")
		}) {
			t.Errorf("no RateVolunteers entry among %d audit entries", len(entries))
		}
	})
}
