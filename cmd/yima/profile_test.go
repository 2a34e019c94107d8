package main

import (
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/store/demo"
)

// TestVolunteerProfile drives the volunteer user center (V9) and the back
// office's volunteer archive (S1) on the demo data: 李晓梅's own profile
// and its update (audited; bad input changes nothing), the archive of a
// volunteer with service records and a record's detail, and the data scope
// of a 徐汇 district clerk both ways.
func TestVolunteerProfile(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	pool := s.pool(t)
	ctx := t.Context()
	li := s.demoCitizen(t, demo.RoleVolunteer).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER, "")
	admin := s.staff(t, "admin")
	xuhui := s.orgByName(t, demo.OrgXuhui)

	t.Run("个人中心", func(t *testing.T) {
		res, err := li.volunteer.GetMyProfile(ctx, connect.NewRequest(&volunteerv1.GetMyProfileRequest{}))
		checkErr(t, "GetMyProfile", err, 0, "")
		p := res.Msg.Profile
		if v := p.Volunteer; v.Name != "李晓梅" || !strings.Contains(v.IdNumberMasked, "*") || strings.Contains(v.IdNumberMasked, "19950923") || v.VolunteerNo == "" {
			t.Errorf("volunteer = %+v, want 李晓梅 masked with a number", v)
		}
		if p.PhoneMasked != "" && !strings.Contains(p.PhoneMasked, "*") {
			t.Errorf("phone = %q, want masked", p.PhoneMasked)
		}
		// She is hired on a running project of 徐家汇街道.
		if su := res.Msg.SignUps; su.Hired < 1 || su.HiredRunning < 1 {
			t.Errorf("sign-ups = %+v, want a hire on a running project", su)
		}
		var seconds int64
		if err := pool.QueryRow(ctx, `SELECT coalesce(sum(r.duration_seconds), 0) FROM record.service_record r
			JOIN volunteer.volunteer v ON v.id = r.volunteer_id JOIN identity.person p ON p.id = v.person_id WHERE p.name = '李晓梅'`).Scan(&seconds); err != nil {
			t.Fatal(err)
		}
		if res.Msg.Stats.ServiceSeconds != seconds {
			t.Errorf("service seconds = %d, want %d", res.Msg.Stats.ServiceSeconds, seconds)
		}
	})

	t.Run("修改资料", func(t *testing.T) {
		good := &volunteerv1.UpdateMyProfileRequest{
			PoliticalStatus: "共青团员", ServiceCategories: []string{"社区服务", "助老助残"},
			Tags: []string{"手语", "摄影"}, AvailableSlots: []string{"sat_morning", "sun_afternoon"}, AvailableNote: "周末全天",
		}
		for _, tc := range []struct {
			name   string
			edit   func(r *volunteerv1.UpdateMyProfileRequest)
			reason string
		}{
			{"类别无效", func(r *volunteerv1.UpdateMyProfileRequest) { r.ServiceCategories = []string{"跑腿"} }, "SERVICE_CATEGORY_INVALID"},
			{"标签过长", func(r *volunteerv1.UpdateMyProfileRequest) { r.Tags = []string{strings.Repeat("长", 13)} }, "TAG_INVALID"},
			{"时段无效", func(r *volunteerv1.UpdateMyProfileRequest) { r.AvailableSlots = []string{"周六上午"} }, "AVAILABLE_SLOT_INVALID"},
		} {
			req := proto.CloneOf(good)
			tc.edit(req)
			_, err := li.volunteer.UpdateMyProfile(ctx, connect.NewRequest(req))
			checkErr(t, tc.name, err, connect.CodeInvalidArgument, tc.reason)
		}
		res, err := li.volunteer.GetMyProfile(ctx, connect.NewRequest(&volunteerv1.GetMyProfileRequest{}))
		checkErr(t, "GetMyProfile", err, 0, "")
		if len(res.Msg.Profile.Tags) != 0 {
			t.Errorf("tags after bad updates = %v, want none", res.Msg.Profile.Tags)
		}
		up, err := li.volunteer.UpdateMyProfile(ctx, connect.NewRequest(good))
		checkErr(t, "UpdateMyProfile", err, 0, "")
		if p := up.Msg.Profile; !slices.Equal(p.Tags, good.Tags) || !slices.Equal(p.AvailableSlots, good.AvailableSlots) || p.Volunteer.PoliticalStatus != "共青团员" {
			t.Errorf("updated profile = %+v", p)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit.entry WHERE procedure = '/yima.volunteer.v1.VolunteerService/UpdateMyProfile' AND result = 'ok'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("audit entries of UpdateMyProfile = %d, want 1", n)
		}
		// The back office finds her by her own tag.
		lr, err := admin.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{Tag: "手语"}))
		checkErr(t, "ListVolunteers by tag", err, 0, "")
		if len(lr.Msg.Volunteers) != 1 || lr.Msg.Volunteers[0].Profile.Volunteer.Name != "李晓梅" {
			t.Errorf("by tag = %v, want 李晓梅", lr.Msg.Volunteers)
		}
	})

	t.Run("志愿者档案", func(t *testing.T) {
		// A volunteer with the most service records in the demo.
		var id string
		var seconds int64
		var records int
		if err := pool.QueryRow(ctx, `SELECT volunteer_id::text, sum(duration_seconds), count(*) FROM record.service_record
			GROUP BY volunteer_id ORDER BY count(*) DESC, volunteer_id LIMIT 1`).Scan(&id, &seconds, &records); err != nil {
			t.Fatal(err)
		}
		res, err := admin.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: id, RecordPageSize: 1}))
		checkErr(t, "GetVolunteerDetail", err, 0, "")
		m := res.Msg
		if m.Stats.ServiceSeconds != seconds || int(m.Stats.RecordCount) != records || m.Stats.ProjectsServed < 1 {
			t.Errorf("stats = %+v, want %d s in %d records", m.Stats, seconds, records)
		}
		if len(m.Records) != 1 || (records > 1) != (m.NextRecordPageToken != "") {
			t.Errorf("records page = %d rows, token %q; want 1 of %d", len(m.Records), m.NextRecordPageToken, records)
		}
		if !slices.ContainsFunc(m.SignUps, func(s *volunteerv1.ProjectSignUp) bool { return s.Status == "hired" && s.ProjectStatus == "closed" }) {
			t.Errorf("sign-ups = %v, want a hire on a closed project", m.SignUps)
		}
		if !strings.Contains(m.Profile.Volunteer.IdNumberMasked, "*") {
			t.Errorf("id number = %q, want masked", m.Profile.Volunteer.IdNumberMasked)
		}
		// The demo writes sessions without a scan log: the record shows
		// its session, closed by a scan, and no scans.
		rd, err := admin.volunteer.GetServiceRecordDetail(ctx, connect.NewRequest(&volunteerv1.GetServiceRecordDetailRequest{RecordId: m.Records[0].Id}))
		checkErr(t, "GetServiceRecordDetail", err, 0, "")
		if r, ss := rd.Msg.Record, rd.Msg.Session; r.Id != m.Records[0].Id || rd.Msg.OrgName == "" || ss.ClosedBy != "scan" ||
			!ss.StartedAt.AsTime().Equal(r.StartedAt.AsTime()) || ss.DurationSeconds < int64(r.DurationSeconds) || ss.SignIn != nil {
			t.Errorf("record detail = %v", rd.Msg)
		}
		_, err = admin.volunteer.GetServiceRecordDetail(ctx, connect.NewRequest(&volunteerv1.GetServiceRecordDetailRequest{RecordId: uuid.NewString()}))
		checkErr(t, "unknown record", err, connect.CodeNotFound, "RECORD_NOT_FOUND")
		_, err = li.volunteer.GetServiceRecordDetail(ctx, connect.NewRequest(&volunteerv1.GetServiceRecordDetailRequest{RecordId: m.Records[0].Id}))
		checkErr(t, "volunteer opens a record", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = admin.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: "x"}))
		checkErr(t, "bad id", err, connect.CodeInvalidArgument, "ID_INVALID")
		_, err = admin.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: uuid.NewString()}))
		checkErr(t, "unknown id", err, connect.CodeNotFound, "VOLUNTEER_NOT_FOUND")
		_, err = li.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: id}))
		checkErr(t, "volunteer", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = li.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{}))
		checkErr(t, "volunteer lists", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
		_, err = admin.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{IdNumber: "31010419950923142"}))
		checkErr(t, "short id number", err, connect.CodeInvalidArgument, "ID_NUMBER_FORMAT")
	})

	t.Run("数据范围", func(t *testing.T) {
		deps, err := admin.rbac.ListDepartments(ctx, connect.NewRequest(&rbacv1.ListDepartmentsRequest{}))
		checkErr(t, "ListDepartments", err, 0, "")
		dept, err := admin.rbac.CreateDepartment(ctx, connect.NewRequest(&rbacv1.CreateDepartmentRequest{
			ParentId: deps.Msg.Departments[0].Id, Name: "徐汇区志愿者档案组", OrgId: xuhui,
		}))
		checkErr(t, "CreateDepartment", err, 0, "")
		s.api(admin.token).createStaff(t, "xuhui_archive", dept.Msg.Department.Id, s.api(admin.token).roleByKey(t, "district_admin").Id)
		clerk := s.staff(t, "xuhui_archive")

		// In scope: 李晓梅, hired on a project of 徐家汇街道 under 徐汇.
		res, err := clerk.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{IdNumber: "310104199509231421"}))
		checkErr(t, "ListVolunteers by ID", err, 0, "")
		if len(res.Msg.Volunteers) != 1 || res.Msg.Volunteers[0].Profile.Volunteer.Name != "李晓梅" {
			t.Fatalf("by ID = %v, want 李晓梅", res.Msg.Volunteers)
		}
		_, err = clerk.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: res.Msg.Volunteers[0].Profile.Volunteer.Id}))
		checkErr(t, "detail in scope", err, 0, "")

		// Out of scope: a volunteer living outside 徐汇 with no membership or
		// hire under it.
		var outID, outName, outDistrict string
		if err := pool.QueryRow(ctx, `SELECT v.id::text, p.name, v.district_code FROM volunteer.volunteer v JOIN identity.person p ON p.id = v.person_id
			WHERE v.district_code NOT IN ('', (SELECT district_code FROM org.org WHERE id = $1))
			  AND NOT EXISTS (SELECT 1 FROM volunteer.membership m JOIN org.org o ON o.id = m.org_id WHERE m.volunteer_id = v.id AND $1 = ANY (o.path))
			  AND NOT EXISTS (SELECT 1 FROM project.sign_up s JOIN project.project pr ON pr.id = s.project_id JOIN org.org o ON o.id = pr.org_id
			                  WHERE s.volunteer_id = v.id AND s.status = 'hired' AND $1 = ANY (o.path))
			ORDER BY v.id LIMIT 1`, xuhui).Scan(&outID, &outName, &outDistrict); err != nil {
			t.Fatal(err)
		}
		_, err = clerk.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: outID}))
		checkErr(t, "detail out of scope", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
		// A record of such a volunteer is out of scope as well.
		var outRecord string
		if err := pool.QueryRow(ctx, `SELECT r.id::text FROM record.service_record r JOIN volunteer.volunteer v ON v.id = r.volunteer_id
			WHERE v.district_code NOT IN ('', (SELECT district_code FROM org.org WHERE id = $1))
			  AND NOT EXISTS (SELECT 1 FROM volunteer.membership m JOIN org.org o ON o.id = m.org_id WHERE m.volunteer_id = v.id AND $1 = ANY (o.path))
			  AND NOT EXISTS (SELECT 1 FROM project.sign_up s JOIN project.project pr ON pr.id = s.project_id JOIN org.org o ON o.id = pr.org_id
			                  WHERE s.volunteer_id = v.id AND s.status = 'hired' AND $1 = ANY (o.path))
			ORDER BY r.id LIMIT 1`, xuhui).Scan(&outRecord); err != nil {
			t.Fatal(err)
		}
		_, err = clerk.volunteer.GetServiceRecordDetail(ctx, connect.NewRequest(&volunteerv1.GetServiceRecordDetailRequest{RecordId: outRecord}))
		checkErr(t, "record out of scope", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
		res, err = clerk.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{NameContains: outName, DistrictCode: outDistrict}))
		checkErr(t, "ListVolunteers out of scope", err, 0, "")
		if len(res.Msg.Volunteers) != 0 {
			t.Errorf("clerk sees %v in district %s, want none", res.Msg.Volunteers, outDistrict)
		}
		res, err = admin.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{NameContains: outName, DistrictCode: outDistrict}))
		checkErr(t, "admin ListVolunteers", err, 0, "")
		if !slices.ContainsFunc(res.Msg.Volunteers, func(v *volunteerv1.VolunteerSummary) bool { return v.Profile.Volunteer.Id == outID }) {
			t.Errorf("admin does not see %s (%s)", outName, outID)
		}
		// Every volunteer the clerk lists is one the clerk may open.
		res, err = clerk.volunteer.ListVolunteers(ctx, connect.NewRequest(&volunteerv1.ListVolunteersRequest{PageSize: 5}))
		checkErr(t, "clerk ListVolunteers", err, 0, "")
		if len(res.Msg.Volunteers) == 0 || res.Msg.NextPageToken == "" {
			t.Errorf("clerk's first page = %d rows, token %q; want a full page", len(res.Msg.Volunteers), res.Msg.NextPageToken)
		}
		for _, v := range res.Msg.Volunteers {
			_, err := clerk.volunteer.GetVolunteerDetail(ctx, connect.NewRequest(&volunteerv1.GetVolunteerDetailRequest{VolunteerId: v.Profile.Volunteer.Id}))
			checkErr(t, "detail of listed "+v.Profile.Volunteer.Name, err, 0, "")
		}
	})
}
