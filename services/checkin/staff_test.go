package checkin

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/engine/codes"
	"yima/fault"
	"yima/keyring"
	"yima/services/org"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

// TestMain runs the package's tests against the shared PostgreSQL harness.
// It is the package's only TestMain (internal and external tests share one
// binary).
func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// staffFixture is a database with a district org, a street org below it, a
// sibling street, a project of the street in a given status with a hired
// volunteer, and a Staff over it with a clock the test moves.
type staffFixture struct {
	st                      *store.Store
	staff                   *Staff
	now                     atomic.Pointer[time.Time]
	root, district, street  uuid.UUID
	sibling                 uuid.UUID
	project, position       uuid.UUID
	volunteer, person       uuid.UUID
	start                   time.Time
	reloaded                *reloads
	leader, parent, outside *access.Principal
}

type reloads struct {
	mu  sync.Mutex
	ids []uuid.UUID
}

func (r *reloads) RosterChanged(_ context.Context, id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
}

func (r *reloads) got() []uuid.UUID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

func newStaffFixture(t *testing.T, projectStatus string) *staffFixture {
	t.Helper()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	root, err := org.EnsureRoot(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	f := &staffFixture{st: st, root: root.ID, district: uuid.New(), street: uuid.New(), sibling: uuid.New(), reloaded: &reloads{}}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.now.Store(&now)
	f.start = now.Add(-2 * time.Hour)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := st.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$2::uuid, $1::uuid], 'district', '测试区', 'active')`, f.district, f.root)
	for _, o := range []struct {
		id   uuid.UUID
		name string
	}{{f.street, "甲街道"}, {f.sibling, "乙街道"}} {
		exec(`INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$3::uuid, $2::uuid, $1::uuid], 'street', $4, 'active')`, o.id, f.district, f.root, o.name)
	}
	if err := st.Pool.QueryRow(ctx, `INSERT INTO project.project (org_id, title, status, start_time, end_time, address)
		VALUES ($1, '测试项目', $2, $3, $4, '测试路1号') RETURNING id`, f.street, projectStatus, f.start, f.start.Add(4*time.Hour)).Scan(&f.project); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool.QueryRow(ctx, `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '引导员', 5) RETURNING id`, f.project).Scan(&f.position); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool.QueryRow(ctx, `INSERT INTO identity.person (name) VALUES ('张小明') RETURNING id`).Scan(&f.person); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool.QueryRow(ctx, `INSERT INTO volunteer.volunteer (person_id, volunteer_no, registered_at, last_active_at)
		VALUES ($1, 'SH0000000001', $2, $2) RETURNING id`, f.person, now.Add(-400*24*time.Hour)).Scan(&f.volunteer); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status) VALUES ($1, $2, $3, 'hired')`, f.project, f.position, f.volunteer)

	k, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := codes.New(k.Code(), k.Sign())
	if err != nil {
		t.Fatal(err)
	}
	f.staff, err = NewStaff(StaffOptions{
		Store: st, Codes: c, Grains: f.reloaded, Now: func() time.Time { return *f.now.Load() },
		Log: slog.New(slog.DiscardHandler), TicketKey: []byte("0123456789abcdef0123456789abcdef"),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.leader = &access.Principal{PersonID: f.person, Kind: access.KindOrgLeader, OrgID: f.street}
	f.parent = &access.Principal{PersonID: f.person, Kind: access.KindOrgAdmin, OrgID: f.district}
	f.outside = &access.Principal{PersonID: f.person, Kind: access.KindOrgLeader, OrgID: f.sibling}
	return f
}

func (f *staffFixture) advance(d time.Duration) {
	n := f.now.Load().Add(d)
	f.now.Store(&n)
}

// session inserts a closed session of the fixture's volunteer.
func (f *staffFixture) session(t *testing.T, start, end time.Time, flag string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at,
		duration_seconds, status, closed_by, flagged, flag_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, 'closed', 'auto', $8 <> '', $8)`,
		id, f.project, f.position, f.volunteer, start, end, int(end.Sub(start)/time.Second), flag); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantFault(t *testing.T, what string, err error, kind fault.Kind, reason string) {
	t.Helper()
	if fault.KindOf(err) != kind || fault.ReasonOf(err) != reason {
		t.Errorf("%s: err = %v, want %v %s", what, err, kind, reason)
	}
}

func TestCheckTimes(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		start, end time.Time
		positive   bool
		reason     string
	}{
		{"正常", now.Add(-time.Hour), now.Add(-time.Minute), true, ""},
		{"缺开始", time.Time{}, now, false, "TIME_REQUIRED"},
		{"缺结束", now, time.Time{}, false, "TIME_REQUIRED"},
		{"结束早于开始", now.Add(-time.Minute), now.Add(-time.Hour), false, "END_BEFORE_START"},
		{"调整可为零时长", now.Add(-time.Minute), now.Add(-time.Minute), false, ""},
		{"补录不能为零时长", now.Add(-time.Minute), now.Add(-time.Minute), true, "END_BEFORE_START"},
		{"不足一秒按零计", now.Add(-time.Minute), now.Add(-time.Minute + 500*time.Millisecond), true, "END_BEFORE_START"},
		{"结束在将来", now.Add(-time.Minute), now.Add(time.Second), false, "TIME_IN_FUTURE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, e, err := checkTimes(tc.start, tc.end, now, tc.positive)
			if got := fault.ReasonOf(err); got != tc.reason {
				t.Fatalf("reason = %q (%v), want %q", got, err, tc.reason)
			}
			if err == nil && (s.Nanosecond() != 0 || e.Nanosecond() != 0) {
				t.Errorf("times not kept to the second: %v, %v", s, e)
			}
		})
	}
}

func TestReviewOnClosedProjectMakesRecord(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t, "closed")
	ctx := t.Context()
	flagged := f.session(t, f.start, f.start.Add(time.Hour), "PROJECT_CLOSED")
	records := func() int {
		var n int
		if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM record.service_record WHERE volunteer_id = $1`, f.volunteer).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	_, err := f.staff.ReviewSession(ctx, f.outside, Review{Session: flagged, Action: ActionApprove, Reason: "核实"})
	wantFault(t, "sibling street", err, fault.PermissionDenied, "NOT_ORG_MEMBER")
	got, err := f.staff.ReviewSession(ctx, f.parent, Review{Session: flagged, Action: ActionApprove, Reason: "结项时忘记签退，核实在岗"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ReviewAction != ReviewApproved || !got.Flagged || got.ReviewedAt.IsZero() || got.VolunteerNameMasked != "张**" || got.PositionName != "引导员" {
		t.Errorf("approved = %+v", got)
	}
	if n := records(); n != 1 {
		t.Fatalf("records after approving on a closed project = %d, want 1", n)
	}
	// Its record is made: the session is settled.
	_, err = f.staff.ReviewSession(ctx, f.leader, Review{Session: flagged, Action: ActionInvalidate, Reason: "撤销"})
	wantFault(t, "review after the record", err, fault.FailedPrecondition, "RECORD_ISSUED")

	// Manual hours on a closed project make their record at once too.
	m, err := f.staff.AddManualHours(ctx, f.leader, ManualHours{
		Project: f.project, Volunteer: f.volunteer, StartedAt: f.start.Add(time.Hour), EndedAt: f.start.Add(110 * time.Minute), Reason: "补录",
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ReviewAction != ReviewManual || m.ClosedBy != "staff" || m.DurationSeconds != 3000 || m.Flagged {
		t.Errorf("manual = %+v", m)
	}
	if n := records(); n != 2 {
		t.Errorf("records after manual hours = %d, want 2", n)
	}
	// A project under review takes no manual hours.
	if _, err := f.st.Pool.Exec(ctx, `UPDATE project.project SET status = 'pending_review' WHERE id = $1`, f.project); err != nil {
		t.Fatal(err)
	}
	_, err = f.staff.AddManualHours(ctx, f.leader, ManualHours{
		Project: f.project, Volunteer: f.volunteer, StartedAt: f.start.Add(110 * time.Minute), EndedAt: f.start.Add(2 * time.Hour), Reason: "补录",
	})
	wantFault(t, "manual hours on a project under review", err, fault.FailedPrecondition, "PROJECT_NOT_APPROVED")
}

func TestDeviceOK(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t, "running")
	ctx := t.Context()
	pathOf := func(o uuid.UUID) []uuid.UUID {
		var p []uuid.UUID
		if err := f.st.Pool.QueryRow(ctx, `SELECT path FROM org.org WHERE id = $1`, o).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	streetPath, siblingPath, districtPath := pathOf(f.street), pathOf(f.sibling), pathOf(f.district)
	mine, err := f.staff.RegisterDevice(ctx, f.leader, f.street, "1号扫码枪")
	if err != nil {
		t.Fatal(err)
	}
	districts, err := f.staff.RegisterDevice(ctx, f.parent, f.district, "区级扫码枪")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.staff.RegisterDevice(ctx, f.outside, f.street, "别人的枪")
	wantFault(t, "register for another street", err, fault.PermissionDenied, "NOT_ORG_MEMBER")

	for _, tc := range []struct {
		name   string
		device uuid.UUID
		path   []uuid.UUID
		want   string
	}{
		{"本街道设备扫本街道项目", mine.ID, streetPath, ""},
		{"区级设备扫下级街道项目", districts.ID, streetPath, ""},
		{"街道设备扫同级街道项目", mine.ID, siblingPath, ReasonDeviceOtherOrg},
		{"街道设备扫上级项目", mine.ID, districtPath, ReasonDeviceOtherOrg},
		{"未登记设备", uuid.New(), streetPath, ReasonDeviceUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.staff.DeviceRefusal(ctx, tc.device, tc.path)
			if err != nil || got != tc.want {
				t.Errorf("DeviceRefusal = %q, %v; want %q", got, err, tc.want)
			}
			if ok, _ := f.staff.DeviceOK(ctx, tc.device, tc.path); ok != (tc.want == "") {
				t.Errorf("DeviceOK = %v, want %v", ok, tc.want == "")
			}
		})
	}

	// A revocation on this node takes effect at once; one written by
	// another node once the cached answer is older than DeviceCacheTTL.
	if _, err := f.staff.RevokeDevice(ctx, f.leader, mine.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.staff.DeviceRefusal(ctx, mine.ID, streetPath); r != ReasonDeviceRevoked {
		t.Errorf("revoked device on the revoking node: refusal %q, want %s", r, ReasonDeviceRevoked)
	}
	if _, err := f.st.Pool.Exec(ctx, `UPDATE checkin.device SET revoked_at = now() WHERE id = $1`, districts.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.staff.DeviceOK(ctx, districts.ID, streetPath); !ok {
		t.Error("cached answer not used within the TTL")
	}
	f.advance(DeviceCacheTTL)
	if ok, _ := f.staff.DeviceOK(ctx, districts.ID, streetPath); ok {
		t.Error("device revoked elsewhere still accepted after the TTL")
	}
	_, err = f.staff.RevokeDevice(ctx, f.parent, mine.ID)
	wantFault(t, "revoke twice", err, fault.FailedPrecondition, "DEVICE_REVOKED")
}

func TestCodeTicket(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t, "running")
	ctx := t.Context()
	ticket, exp, err := f.staff.ProjectCodeTicket(ctx, f.leader, f.project)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(f.now.Load().Add(CodeTicketTTL)) {
		t.Errorf("expires %v, want now + %v", exp, CodeTicketTTL)
	}
	sheet, err := f.staff.CodeSheetByTicket(ctx, f.project, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Title != "测试项目" || sheet.OrgName != "甲街道" || sheet.Address != "测试路1号" || !strings.HasPrefix(sheet.Payload, codes.ProjectPrefix) {
		t.Errorf("sheet = %+v", sheet)
	}
	_, _, err = f.staff.ProjectCodeTicket(ctx, f.outside, f.project)
	wantFault(t, "ticket for another street", err, fault.PermissionDenied, "NOT_ORG_MEMBER")

	tampered := []byte(ticket)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		name, ticket string
		project      uuid.UUID
	}{
		{"篡改", string(tampered), f.project},
		{"别的项目", ticket, uuid.New()},
		{"空", "", f.project},
		{"非base64", "!!", f.project},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.staff.CodeSheetByTicket(ctx, tc.project, tc.ticket)
			wantFault(t, tc.name, err, fault.PermissionDenied, "TICKET_INVALID")
		})
	}
	f.advance(CodeTicketTTL)
	_, err = f.staff.CodeSheetByTicket(ctx, f.project, ticket)
	wantFault(t, "expired", err, fault.PermissionDenied, "TICKET_EXPIRED")
}

func TestDeactivateIdleCodes(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t, "running")
	ctx := t.Context()
	now := *f.now.Load()
	state := func() (active bool, epoch int, events map[string]int) {
		t.Helper()
		if err := f.st.Pool.QueryRow(ctx, `SELECT code_active, code_epoch FROM volunteer.volunteer WHERE id = $1`, f.volunteer).Scan(&active, &epoch); err != nil {
			t.Fatal(err)
		}
		rows, err := f.st.Pool.Query(ctx, `SELECT kind, count(*) FROM checkin.code_event WHERE volunteer_id = $1 GROUP BY kind`, f.volunteer)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		events = map[string]int{}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			events[k] = n
		}
		return active, epoch, events
	}

	// A code shown recently is activity.
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO checkin.code_event (at, kind, volunteer_id) VALUES ($1, 'shown', $2)`, now.Add(-time.Hour), f.volunteer); err != nil {
		t.Fatal(err)
	}
	if n, err := f.staff.DeactivateIdleCodes(ctx, 180*24*time.Hour, now); err != nil || n != 0 {
		t.Fatalf("with a code shown an hour ago: deactivated %d, %v", n, err)
	}
	// So is an open session, however old.
	open := uuid.New()
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at) VALUES ($1, $2, $3, $4, $5)`,
		open, f.project, f.position, f.volunteer, now.Add(-300*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	later := now.Add(200 * 24 * time.Hour)
	if n, err := f.staff.DeactivateIdleCodes(ctx, 180*24*time.Hour, later); err != nil || n != 0 {
		t.Fatalf("with an open session: deactivated %d, %v", n, err)
	}
	if _, err := f.st.Pool.Exec(ctx, `DELETE FROM checkin.session WHERE id = $1`, open); err != nil {
		t.Fatal(err)
	}
	n, err := f.staff.DeactivateIdleCodes(ctx, 180*24*time.Hour, later)
	if err != nil || n != 1 {
		t.Fatalf("idle: deactivated %d, %v; want 1", n, err)
	}
	if active, epoch, ev := state(); active || epoch != 1 || ev["deactivated"] != 1 {
		t.Errorf("after deactivation: active %v epoch %d events %v", active, epoch, ev)
	}
	if got := f.reloaded.got(); !slices.Equal(got, []uuid.UUID{f.project}) {
		t.Errorf("grains told to reload = %v, want the running project", got)
	}
	if n, _ := f.staff.DeactivateIdleCodes(ctx, 180*24*time.Hour, later); n != 0 {
		t.Errorf("second run deactivated %d", n)
	}
	_, err = f.staff.DeactivateIdleCodes(ctx, 0, later)
	if err == nil {
		t.Error("idle time 0 accepted")
	}

	f.staff.SignedIn(ctx, f.person)
	if active, epoch, ev := state(); !active || epoch != 1 || ev["activated"] != 1 {
		t.Errorf("after sign-in: active %v epoch %d events %v", active, epoch, ev)
	}
	if again, err := f.staff.ReactivateCode(ctx, f.volunteer); err != nil || again {
		t.Errorf("ReactivateCode of an active code = %v, %v", again, err)
	}
	_, err = f.staff.ReactivateCode(ctx, uuid.New())
	wantFault(t, "unknown volunteer", err, fault.NotFound, "NOT_A_VOLUNTEER")
	f.staff.SignedIn(ctx, uuid.New()) // not a volunteer: nothing to do, no panic
}
