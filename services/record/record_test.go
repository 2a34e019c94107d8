package record_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/engine/ledger/ledgertest"
	"yima/fault"
	"yima/paging"
	"yima/services/record"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// The fixture's project runs 08:00–12:00 (a four-hour shift).
var (
	start = time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	end   = start.Add(4 * time.Hour)
)

func setup(t *testing.T, volunteers int) (*pgxpool.Pool, *ledgertest.Fixture, *record.Service) {
	t.Helper()
	pool := storetest.Open(t, schema)
	fx, err := ledgertest.Seed(t.Context(), pool, ledgertest.SeedOptions{Volunteers: volunteers, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	svc := record.New(store.New(pool), func() time.Time { return end.Add(time.Hour) }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return pool, fx, svc
}

// sess is a session to put in the database.
type sess struct {
	m          ledgertest.Member
	started    time.Time
	length     time.Duration // 0 leaves it open
	status     string        // default closed, or open
	flag       string
	reviewedAt *time.Time
}

func insert(t *testing.T, pool *pgxpool.Pool, s sess) uuid.UUID {
	t.Helper()
	id := uuid.New()
	status, closedBy := "closed", "scan"
	var ended *time.Time
	var dur *int32
	if s.length == 0 || s.status == "open" {
		status, closedBy = "open", ""
	} else {
		e := s.started.Add(s.length)
		d := int32(s.length / time.Second)
		ended, dur = &e, &d
	}
	if s.status != "" {
		status = s.status
	}
	_, err := pool.Exec(t.Context(), `
INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status,
                             closed_by, flagged, flag_reason, reviewed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, ''), $10 <> '', $10, $11)`,
		id, s.m.ProjectID, s.m.PositionID, s.m.VolunteerID, s.started, ended, dur, status, closedBy, s.flag, s.reviewedAt)
	if err != nil {
		t.Fatalf("insert session: %v", err)
	}
	return id
}

func TestGenerateRecords(t *testing.T) {
	t.Parallel()
	pool, fx, svc := setup(t, 8)
	m := fx.Members
	p := fx.Projects[0].ID
	if _, err := pool.Exec(t.Context(), `UPDATE project.project SET min_share_percent = 25, round_seconds = 900, round_mode = 'down' WHERE id = $1`, p); err != nil {
		t.Fatal(err)
	}
	reviewed := end
	cases := []struct {
		name   string
		s      sess
		credit int32 // 0: no record
	}{
		{"正常签退", sess{m: m[0], started: start, length: 3*time.Hour + 59*time.Minute}, 3*3600 + 45*60},
		{"仍在服务中", sess{m: m[1], started: start}, 0},
		{"已作废", sess{m: m[2], started: start, length: 2 * time.Hour, status: "invalidated"}, 0},
		{"待审核的标记会话", sess{m: m[3], started: start, length: 2 * time.Hour, flag: "PROJECT_ENDED"}, 0},
		{"已审核的标记会话", sess{m: m[4], started: start, length: 2 * time.Hour, flag: "MAX_LENGTH", reviewedAt: &reviewed}, 2 * 3600},
		{"不足最低比例", sess{m: m[5], started: start, length: 59 * time.Minute}, 0},
		{"恰好最低比例", sess{m: m[6], started: start, length: time.Hour}, 3600},
	}
	ids := make([]uuid.UUID, len(cases))
	for i, c := range cases {
		ids[i] = insert(t, pool, c.s)
	}
	n, err := svc.GenerateRecords(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i, c := range cases {
		var got int32
		err := pool.QueryRow(t.Context(), `SELECT duration_seconds FROM record.service_record WHERE session_id = $1`, ids[i]).Scan(&got)
		if c.credit == 0 {
			if !store.IsNotFound(err) {
				t.Errorf("%s: a record was made (%d s, %v)", c.name, got, err)
			}
			continue
		}
		want++
		if err != nil || got != c.credit {
			t.Errorf("%s: record credits %d s (%v), want %d", c.name, got, err, c.credit)
		}
	}
	if n != want {
		t.Errorf("GenerateRecords = %d, want %d", n, want)
	}

	// Again: nothing new. After a review: the reviewed session only.
	if n, err := svc.GenerateRecords(t.Context(), p); err != nil || n != 0 {
		t.Errorf("second GenerateRecords = %d, %v; want 0", n, err)
	}
	if _, err := pool.Exec(t.Context(), `UPDATE checkin.session SET reviewed_at = $2, review_action = 'approved' WHERE id = $1`, ids[3], end); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.GenerateRecords(t.Context(), p); err != nil || n != 1 {
		t.Errorf("GenerateRecords after a review = %d, %v; want 1", n, err)
	}
}

func TestCloseOpenSessions(t *testing.T) {
	t.Parallel()
	pool, fx, svc := setup(t, 3)
	m := fx.Members
	open1 := insert(t, pool, sess{m: m[0], started: start})
	late := insert(t, pool, sess{m: m[1], started: end.Add(time.Minute)})
	done := insert(t, pool, sess{m: m[2], started: start, length: time.Hour})
	n, err := svc.CloseOpenSessions(t.Context(), fx.Projects[0].ID, end)
	if err != nil || n != 2 {
		t.Fatalf("CloseOpenSessions = %d, %v; want 2", n, err)
	}
	for _, c := range []struct {
		id     uuid.UUID
		dur    int32
		flag   string
		closed string
	}{
		{open1, 4 * 3600, "PROJECT_CLOSED", "close"},
		{late, 0, "PROJECT_CLOSED", "close"},
		{done, 3600, "", "scan"},
	} {
		var status, flag, by string
		var dur int32
		if err := pool.QueryRow(t.Context(), `SELECT status, duration_seconds, flag_reason, closed_by FROM checkin.session WHERE id = $1`, c.id).Scan(&status, &dur, &flag, &by); err != nil {
			t.Fatal(err)
		}
		if status != "closed" || dur != c.dur || flag != c.flag || by != c.closed {
			t.Errorf("session %s = %s, %d s, flag %q, by %s; want closed, %d s, flag %q, by %s", c.id, status, dur, flag, by, c.dur, c.flag, c.closed)
		}
	}
}

func TestSweepOverdue(t *testing.T) {
	t.Parallel()
	pool, fx, svc := setup(t, 4)
	m := fx.Members
	p := fx.Projects[0].ID
	// At most three hours a session; scans accepted until 30 min after the end.
	if _, err := pool.Exec(t.Context(), `UPDATE project.project SET max_session_seconds = 10800, scan_after_seconds = 1800 WHERE id = $1`, p); err != nil {
		t.Fatal(err)
	}
	long := insert(t, pool, sess{m: m[0], started: start})                      // 3 h cap at 11:00
	normal := insert(t, pool, sess{m: m[1], started: start.Add(2 * time.Hour)}) // open until the end
	insert(t, pool, sess{m: m[2], started: start, length: time.Hour})           // closed already

	tests := []struct {
		name string
		now  time.Time
		want map[uuid.UUID]record.Closed
	}{
		{"十点半：都未到期", start.Add(150 * time.Minute), nil},
		{"十一点：超过最长时长", start.Add(3 * time.Hour), map[uuid.UUID]record.Closed{
			long: {EndedAt: start.Add(3 * time.Hour), DurationSeconds: 10800, Reason: "MAX_LENGTH"},
		}},
		{"结束后二十分钟：仍可签退", end.Add(20 * time.Minute), nil},
		{"结束后半小时：按结束时间关闭", end.Add(30 * time.Minute), map[uuid.UUID]record.Closed{
			normal: {EndedAt: end, DurationSeconds: 7200, Reason: "PROJECT_ENDED"},
		}},
		{"再扫一次：无事可做", end.Add(time.Hour), nil},
	}
	for _, tc := range tests {
		got, err := svc.SweepOverdue(t.Context(), tc.now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: closed %+v, want %d", tc.name, got, len(tc.want))
		}
		for _, c := range got {
			w, ok := tc.want[c.SessionID]
			if !ok || !c.EndedAt.Equal(w.EndedAt) || c.DurationSeconds != w.DurationSeconds || c.Reason != w.Reason || c.ProjectID != p {
				t.Errorf("%s: closed %+v, want %+v", tc.name, c, w)
			}
		}
	}
	var flagged, auto int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE flagged), count(*) FILTER (WHERE closed_by = 'auto') FROM checkin.session`).Scan(&flagged, &auto); err != nil {
		t.Fatal(err)
	}
	if flagged != 2 || auto != 2 {
		t.Errorf("flagged %d, closed by the sweep %d; want 2 and 2", flagged, auto)
	}
}

func TestListForPerson(t *testing.T) {
	t.Parallel()
	pool, fx, svc := setup(t, 2)
	m := fx.Members[0]
	for i := 0; i < 3; i++ {
		insert(t, pool, sess{m: m, started: start.Add(time.Duration(i) * time.Hour), length: time.Hour})
	}
	if _, err := svc.GenerateRecords(t.Context(), m.ProjectID); err != nil {
		t.Fatal(err)
	}
	pg, _ := paging.Parse(2, "")
	rows, err := svc.ListForPerson(t.Context(), m.PersonID, pg)
	if err != nil {
		t.Fatal(err)
	}
	rows, next := paging.Next(pg, rows)
	if len(rows) != 2 || next == "" {
		t.Fatalf("first page = %d records, next %q; want 2 and a token", len(rows), next)
	}
	if !rows[0].StartedAt.Equal(start.Add(2*time.Hour)) || rows[0].ProjectTitle == "" || rows[0].PositionName == "" || rows[0].DurationSeconds != 3600 {
		t.Errorf("newest record = %+v", rows[0])
	}
	pg, _ = paging.Parse(2, next)
	rows, _ = svc.ListForPerson(t.Context(), m.PersonID, pg)
	if rows, next = paging.Next(pg, rows); len(rows) != 1 || next != "" || !rows[0].StartedAt.Equal(start) {
		t.Errorf("second page = %+v, next %q", rows, next)
	}
	if _, err := svc.ListForPerson(t.Context(), uuid.New(), pg); fault.ReasonOf(err) != "NOT_A_VOLUNTEER" || fault.KindOf(err) != fault.NotFound {
		t.Errorf("a person who is no volunteer: %v, want not_found NOT_A_VOLUNTEER", err)
	}
}
