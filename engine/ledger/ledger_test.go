package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/engine/ledger"
	"yima/engine/ledger/ledgertest"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// setup returns a fresh database with a seeded fixture.
func setup(t *testing.T, opt ledgertest.SeedOptions) (*pgxpool.Pool, *ledgertest.Fixture) {
	t.Helper()
	pool := storetest.Open(t, schema)
	fx, err := ledgertest.Seed(t.Context(), pool, opt)
	if err != nil {
		t.Fatal(err)
	}
	return pool, fx
}

// open starts a ledger closed at the end of the test.
func open(t *testing.T, pool *pgxpool.Pool, opt ledger.Options) *ledger.Ledger {
	t.Helper()
	l := ledger.New(pool, quiet(opt))
	t.Cleanup(func() {
		if err := l.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return l
}

// quiet discards the ledger's log: the failures tests provoke on purpose
// would clutter the output.
func quiet(opt ledger.Options) ledger.Options {
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return opt
}

// call appends d and waits for its result.
func call(t *testing.T, l *ledger.Ledger, d ledger.Decision) ledger.Result {
	t.Helper()
	ch := make(chan ledger.Result, 1)
	if err := l.Append(d, func(r ledger.Result) { ch <- r }); err != nil {
		t.Fatalf("append %s: %v", d.ScanID, err)
	}
	select {
	case r := <-ch:
		return r
	case <-time.After(30 * time.Second):
		t.Fatalf("append %s: no answer", d.ScanID)
		return ledger.Result{}
	}
}

// appendAll appends ds and waits for all results, in order.
func appendAll(t *testing.T, l *ledger.Ledger, ds ...ledger.Decision) []ledger.Result {
	t.Helper()
	out := make([]ledger.Result, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		if err := l.Append(d, func(r ledger.Result) { out[i] = r; wg.Done() }); err != nil {
			t.Fatalf("append %s: %v", d.ScanID, err)
		}
	}
	wg.Wait()
	return out
}

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

func signIn(scan string, m ledgertest.Member, at time.Time) ledger.Decision {
	return ledger.Decision{
		ScanID: scan, ReceivedAt: at, ProjectID: m.ProjectID, VolunteerID: m.VolunteerID, PositionID: m.PositionID,
		Method: ledger.MethodStaff, Outcome: ledger.SignedIn, Session: ledger.Session{ID: ledger.NewSessionID()},
	}
}

func signOut(scan string, m ledgertest.Member, session uuid.UUID, at time.Time) ledger.Decision {
	return ledger.Decision{
		ScanID: scan, ReceivedAt: at, ProjectID: m.ProjectID, VolunteerID: m.VolunteerID, PositionID: m.PositionID,
		Method: ledger.MethodStaff, Outcome: ledger.SignedOut, Session: ledger.Session{ID: session},
	}
}

// elsewhere is m hired onto another project too, for cross-project cases.
func elsewhere(t *testing.T, pool *pgxpool.Pool, fx *ledgertest.Fixture, m ledgertest.Member) ledgertest.Member {
	t.Helper()
	for _, p := range fx.Projects {
		if p.ID != m.ProjectID {
			o := m
			o.ProjectID, o.PositionID = p.ID, p.Positions[0]
			if _, err := pool.Exec(t.Context(), `INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status) VALUES ($1, $2, $3, 'hired')`,
				o.ProjectID, o.PositionID, o.VolunteerID); err != nil {
				t.Fatal(err)
			}
			return o
		}
	}
	t.Fatal("fixture has one project")
	return m
}

type sessionRow struct {
	Status     string
	Ended      *time.Time
	Duration   *int32
	Flagged    bool
	FlagReason string
	ClosedBy   *string
}

func session(t *testing.T, pool *pgxpool.Pool, id uuid.UUID) (sessionRow, bool) {
	t.Helper()
	var s sessionRow
	err := pool.QueryRow(t.Context(), `SELECT status, ended_at, duration_seconds, flagged, flag_reason, closed_by FROM checkin.session WHERE id = $1`, id).
		Scan(&s.Status, &s.Ended, &s.Duration, &s.Flagged, &s.FlagReason, &s.ClosedBy)
	if err != nil {
		return s, false
	}
	return s, true
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestSignInThenOut(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 2})
	l := open(t, pool, ledger.Options{})
	m := fx.Members[0]
	lat, lng := 31.23, 121.47

	in := signIn("in-1", m, t0)
	in.Gate, in.Lat, in.Lng, in.DeviceID = "东门", &lat, &lng, uuid.New()
	r := call(t, l, in)
	if r.Err != nil || r.Stale || r.Duplicate {
		t.Fatalf("sign-in = %+v", r)
	}
	if got := r.Decision.Session; got.ID != in.Session.ID || !got.StartedAt.Equal(t0) {
		t.Errorf("sign-in session = %+v, want id %s started %s", got, in.Session.ID, t0)
	}
	s, ok := session(t, pool, in.Session.ID)
	if !ok || s.Status != "open" || s.Ended != nil {
		t.Fatalf("after sign-in, session = %+v (found %v); want open", s, ok)
	}

	out := signOut("out-1", m, in.Session.ID, t0.Add(2*time.Hour+30*time.Second+500*time.Millisecond))
	r = call(t, l, out)
	if r.Err != nil || r.Stale || r.Duplicate {
		t.Fatalf("sign-out = %+v", r)
	}
	want := ledger.Session{ID: in.Session.ID, StartedAt: t0, EndedAt: out.ReceivedAt, DurationSeconds: 7230}
	if got := r.Decision.Session; got != want {
		t.Errorf("sign-out session = %+v, want %+v", got, want)
	}
	s, _ = session(t, pool, in.Session.ID)
	if s.Status != "closed" || s.Duration == nil || *s.Duration != 7230 || s.ClosedBy == nil || *s.ClosedBy != "scan" || s.Flagged {
		t.Errorf("after sign-out, session = %+v; want closed by scan, 7230 s, not flagged", s)
	}
	if n := count(t, pool, `SELECT count(*) FROM checkin.scan WHERE volunteer_id = $1`, m.VolunteerID); n != 2 {
		t.Errorf("scan rows = %d, want 2", n)
	}
	// The scan log holds the whole answer, so a lookup repeats it.
	got, found, err := l.Lookup(t.Context(), "in-1")
	if err != nil || !found || !got.Duplicate {
		t.Fatalf("Lookup(in-1) = %+v, %v, %v", got, found, err)
	}
	if got.Decision.Gate != "东门" || *got.Decision.Lat != lat || got.Decision.DeviceID != in.DeviceID || got.Decision.Session.ID != in.Session.ID {
		t.Errorf("Lookup(in-1).Decision = %+v", got.Decision)
	}
	if got.Decision.Method != ledger.MethodStaff || got.Decision.Outcome != ledger.SignedIn || !got.Decision.ReceivedAt.Equal(t0) {
		t.Errorf("Lookup(in-1).Decision = %+v", got.Decision)
	}
	if _, found, _ := l.Lookup(t.Context(), "never"); found {
		t.Error("Lookup(never) found a scan")
	}
	if st := l.Stats(); st.Written != 2 || st.Commits != 2 {
		t.Errorf("stats = %+v, want 2 written in 2 commits", st)
	}
}

func TestDuplicates(t *testing.T) {
	t.Parallel()
	monthEnd := time.Date(2025, 1, 31, 23, 59, 59, 0, time.UTC)
	tests := []struct {
		name string
		// first and retry are the receive times of the first scan and its
		// retry; restart closes the ledger in between; together sends both
		// before either is answered.
		first, retry time.Time
		restart      bool
		together     bool
	}{
		{name: "同一批次", first: t0, retry: t0.Add(time.Millisecond), together: true},
		{name: "后一批次", first: t0, retry: t0.Add(time.Second)},
		{name: "账本重启后", first: t0, retry: t0.Add(time.Minute), restart: true},
		{name: "跨月分区", first: monthEnd, retry: monthEnd.Add(2 * time.Second), restart: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 2})
			l := ledger.New(pool, quiet(ledger.Options{}))
			defer func() { _ = l.Close(context.Background()) }()
			m := fx.Members[0]
			first := signIn("dup-1", m, tc.first)
			retry := signIn("dup-1", m, tc.retry) // a grain that forgot decides anew
			var r1, r2 ledger.Result
			if tc.together {
				rs := appendAll(t, l, first, retry)
				r1, r2 = rs[0], rs[1]
			} else {
				r1 = call(t, l, first)
				if tc.restart {
					if err := l.Close(t.Context()); err != nil {
						t.Fatal(err)
					}
					l = ledger.New(pool, quiet(ledger.Options{}))
				}
				r2 = call(t, l, retry)
			}
			if r1.Err != nil || r1.Duplicate || r1.Stale {
				t.Fatalf("first = %+v", r1)
			}
			if !r2.Duplicate || r2.Err != nil || r2.Stale {
				t.Fatalf("retry = %+v, want a duplicate", r2)
			}
			if r2.Decision.Session.ID != first.Session.ID || !r2.Decision.ReceivedAt.Equal(tc.first) || r2.Decision.Outcome != ledger.SignedIn {
				t.Errorf("retry answered %+v, want the first answer (session %s at %s)", r2.Decision, first.Session.ID, tc.first)
			}
			if n := count(t, pool, `SELECT count(*) FROM checkin.session WHERE volunteer_id = $1`, m.VolunteerID); n != 1 {
				t.Errorf("sessions = %d, want 1", n)
			}
			if n := count(t, pool, `SELECT count(*) FROM checkin.scan WHERE scan_id = 'dup-1'`); n != 1 {
				t.Errorf("scan rows = %d, want 1", n)
			}
			part := "scan_" + tc.first.Format("200601")
			if n := count(t, pool, `SELECT count(*) FROM checkin.`+part+` WHERE scan_id = 'dup-1'`); n != 1 {
				t.Errorf("scan row not in partition %s", part)
			}
		})
	}
}

func TestStaleDecisions(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Projects: 3, Volunteers: 6})
	// One batch: the writer waits for all decisions of a case.
	l := open(t, pool, ledger.Options{Writers: 1, MaxWait: time.Second, MaxBatch: 3})

	t.Run("两个项目同时签到，未关闭另一个", func(t *testing.T) {
		v, w := fx.Members[0], fx.Members[1]
		v2 := elsewhere(t, pool, fx, v)
		rs := appendAll(t, l, signIn("a1", v, t0), signIn("a2", v2, t0.Add(time.Minute)), signIn("a3", w, t0))
		if rs[0].Err != nil || rs[0].Stale {
			t.Errorf("first sign-in = %+v", rs[0])
		}
		if !rs[1].Stale {
			t.Errorf("second sign-in = %+v, want stale", rs[1])
		}
		if rs[2].Err != nil || rs[2].Stale {
			t.Errorf("batch-mate = %+v", rs[2])
		}
		if n := count(t, pool, `SELECT count(*) FROM checkin.session WHERE volunteer_id = $1`, v.VolunteerID); n != 1 {
			t.Errorf("sessions of v = %d, want 1", n)
		}
		// A stale decision writes nothing, not even its scan_id: the
		// re-decided scan can use it.
		if _, found, _ := l.Lookup(t.Context(), "a2"); found {
			t.Error("stale scan a2 was stored")
		}
		retry := signIn("a2", v2, t0.Add(time.Minute))
		retry.CloseOther = &ledger.OtherClose{}
		rs = appendAll(t, l, retry)
		if rs[0].Stale || rs[0].Err != nil || rs[0].Duplicate || rs[0].Decision.CloseOther == nil || rs[0].Decision.CloseOther.ProjectID != v.ProjectID {
			t.Fatalf("re-decided sign-in = %+v, want it to close the session in %s", rs[0], v.ProjectID)
		}
		s, _ := session(t, pool, rs[0].Decision.CloseOther.SessionID)
		if s.Status != "closed" || !s.Flagged || s.FlagReason != "OTHER_PROJECT_SIGN_IN" || *s.Duration != 60 {
			t.Errorf("other session = %+v, want closed after 60 s and flagged", s)
		}
	})

	t.Run("签退已关闭的会话", func(t *testing.T) {
		m := fx.Members[2]
		in := signIn("b1", m, t0)
		call(t, l, in)
		if _, err := pool.Exec(t.Context(), `UPDATE checkin.session SET status = 'closed', ended_at = started_at, duration_seconds = 0, closed_by = 'auto', flagged = true, flag_reason = 'MAX_LENGTH' WHERE id = $1`, in.Session.ID); err != nil {
			t.Fatal(err)
		}
		// The stale sign-out, and a sign-in the same grain decided after it.
		rs := appendAll(t, l, signOut("b2", m, in.Session.ID, t0.Add(time.Hour)), signIn("b3", m, t0.Add(2*time.Hour)), signIn("b4", fx.Members[3], t0))
		if !rs[0].Stale || !rs[1].Stale {
			t.Errorf("stale grain's decisions = %+v, %+v; want both stale", rs[0], rs[1])
		}
		if rs[2].Stale || rs[2].Err != nil {
			t.Errorf("batch-mate = %+v", rs[2])
		}
	})

	t.Run("时段重叠", func(t *testing.T) {
		m := fx.Members[4]
		in := signIn("c1", m, t0)
		call(t, l, in)
		call(t, l, signOut("c2", m, in.Session.ID, t0.Add(time.Hour)))
		// An offline upload signs in inside the closed session's hours.
		late := signIn("c3", m, t0.Add(2*time.Hour))
		late.ScannedAt = t0.Add(30 * time.Minute)
		late.Session.StartedAt = late.ScannedAt
		rs := appendAll(t, l, late)
		if !rs[0].Stale {
			t.Errorf("overlapping sign-in = %+v, want stale", rs[0])
		}
	})

	t.Run("关闭另一个但新会话更早", func(t *testing.T) {
		// v is open in project A since t0. An offline upload signs v in at
		// B at t0-45m, asking to close A: A started later, so nothing is
		// closed, and the new session would overlap A.
		v := fx.Members[5]
		vb := elsewhere(t, pool, fx, v)
		in := signIn("d1", v, t0)
		call(t, l, in)
		early := signIn("d2", vb, t0)
		early.ScannedAt, early.Session.StartedAt = t0.Add(-45*time.Minute), t0.Add(-45*time.Minute)
		early.CloseOther = &ledger.OtherClose{SessionID: in.Session.ID}
		mate := signIn("d3", fx.Members[0], t0.Add(3*time.Hour))
		mate.CloseOther = &ledger.OtherClose{}
		rs := appendAll(t, l, early, mate)
		if !rs[0].Stale {
			t.Errorf("overlapping sign-in = %+v, want stale", rs[0])
		}
		if s, _ := session(t, pool, in.Session.ID); s.Status != "open" {
			t.Errorf("session in A = %+v, want still open", s)
		}
		if rs[1].Stale || rs[1].Err != nil {
			t.Errorf("batch-mate = %+v", rs[1])
		}
	})
}

// A sign-in that closed the other session and then hit another constraint
// must be undone whole: the batch is written again decision by decision.
func TestCloseOtherUndone(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Projects: 3, Volunteers: 3})
	l := open(t, pool, ledger.Options{Writers: 1, MaxWait: time.Second, MaxBatch: 2})
	v := fx.Members[0]
	vb := elsewhere(t, pool, fx, v)
	in := signIn("e1", v, t0)
	call(t, l, in)
	// A session in project B for the same volunteer with the same id as the
	// one the sign-in brings: the insert meets the primary key after the
	// close of the session in A succeeded.
	clash := signIn("e2", vb, t0.Add(time.Hour))
	clash.CloseOther = &ledger.OtherClose{}
	if _, err := pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
		VALUES ($1, $2, $3, $4, $5, $5, 0, 'invalidated', 'staff')`, clash.Session.ID, vb.ProjectID, vb.PositionID, fx.Members[1].VolunteerID, t0.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rs := appendAll(t, l, clash, signIn("e3", fx.Members[2], t0))
	if !rs[0].Stale {
		t.Errorf("clashing sign-in = %+v, want stale", rs[0])
	}
	if rs[1].Stale || rs[1].Err != nil {
		t.Errorf("batch-mate = %+v", rs[1])
	}
	if s, _ := session(t, pool, in.Session.ID); s.Status != "open" || s.Flagged {
		t.Errorf("session in A = %+v, want open and unflagged", s)
	}
	if st := l.Stats(); st.Isolations != 1 {
		t.Errorf("isolations = %d, want 1", st.Isolations)
	}
}

func TestRefusedDecisionFailsAlone(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 2})
	l := open(t, pool, ledger.Options{Writers: 1, MaxWait: time.Second, MaxBatch: 2})
	// A session begun in 1900 lasts too many seconds for its column: the
	// database refuses the sign-out.
	m := fx.Members[0]
	ancient := uuid.New()
	if _, err := pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at) VALUES ($1, $2, $3, $4, '1900-01-01')`,
		ancient, m.ProjectID, m.PositionID, m.VolunteerID); err != nil {
		t.Fatal(err)
	}
	rs := appendAll(t, l, signOut("f1", m, ancient, t0), signIn("f2", fx.Members[1], t0))
	if rs[0].Err == nil || rs[0].Stale {
		t.Errorf("refused sign-out = %+v, want an error", rs[0])
	}
	if rs[1].Err != nil || rs[1].Stale {
		t.Errorf("batch-mate = %+v", rs[1])
	}
	if n := count(t, pool, `SELECT count(*) FROM checkin.scan_key`); n != 1 {
		t.Errorf("scan keys = %d, want 1", n)
	}
	if st := l.Stats(); st.Isolations != 1 || st.Failed != 1 {
		t.Errorf("stats = %+v, want 1 isolation and 1 failure", st)
	}
}

func TestInvalidDecisions(t *testing.T) {
	t.Parallel()
	l := ledger.New(nil, ledger.Options{Writers: 1})
	defer func() { _ = l.Close(context.Background()) }()
	m := ledgertest.Member{VolunteerID: uuid.New(), ProjectID: uuid.New(), PositionID: uuid.New()}
	tests := []struct {
		name string
		d    ledger.Decision
	}{
		{"无扫码ID", signIn("", m, t0)},
		{"扫码ID过长", signIn(string(make([]byte, 200)), m, t0)},
		{"签到无会话", func() ledger.Decision { d := signIn("x", m, t0); d.Session.ID = uuid.Nil; return d }()},
		{"签退无会话", signOut("x", m, uuid.Nil, t0)},
		{"签退关闭他处", func() ledger.Decision {
			d := signOut("x", m, uuid.New(), t0)
			d.CloseOther = &ledger.OtherClose{}
			return d
		}()},
		{"未知结果", ledger.Decision{ScanID: "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := l.Append(tc.d, func(ledger.Result) { t.Error("done called") }); !errors.Is(err, ledger.ErrInvalid) {
				t.Errorf("Append = %v, want ErrInvalid", err)
			}
		})
	}
}

// Every done is called exactly once, and every acknowledged scan is
// committed.
func TestConcurrentAppends(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Projects: 4, Volunteers: 400})
	l := open(t, pool, ledger.Options{})
	res := ledgertest.Storm(t.Context(), l, fx, ledgertest.StormOptions{Scans: 6000, Clients: 64})
	if res.Errors+res.Stale+res.Refused > 0 {
		t.Fatalf("storm: %d errors, %d stale, %d refused; first error: %v", res.Errors, res.Stale, res.Refused, res.FirstError)
	}
	if res.Duplicates == 0 || res.Rejected == 0 {
		t.Errorf("storm had no duplicates or rejections: %+v", res)
	}
	if got := res.Acked + res.Duplicates + res.Rejected; got != 6000 {
		t.Errorf("answers = %d, want 6000", got)
	}
	committed, double, err := ledgertest.Check(t.Context(), pool, res.AckedScanIDs)
	if err != nil {
		t.Fatal(err)
	}
	if committed != res.Acked || double != 0 {
		t.Errorf("committed %d of %d acked, %d double sessions", committed, res.Acked, double)
	}
	st := l.Stats()
	if st.Commits >= uint64(res.Sent) {
		t.Errorf("%d commits for %d scans: no batching", st.Commits, res.Sent)
	}
	t.Logf("%d scans in %d commits, p50 %v, p99 %v", res.Sent, st.Commits, res.P50, res.P99)

	// Many goroutines, each appending without waiting: every done is called
	// exactly once.
	calledFor := make([]atomic.Int32, 2000)
	var all sync.WaitGroup
	for g := 0; g < 20; g++ {
		all.Add(1)
		go func() {
			defer all.Done()
			for k := 0; k < 100; k++ {
				i := g*100 + k
				d := ledger.Decision{ScanID: fmt.Sprintf("once-%d", i), Outcome: ledger.Rejected, Reason: "NOT_ON_ROSTER",
					ProjectID: fx.Members[i%len(fx.Members)].ProjectID, VolunteerID: fx.Members[i%len(fx.Members)].VolunteerID}
				if err := l.Append(d, func(ledger.Result) { calledFor[i].Add(1) }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	all.Wait()
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := range calledFor {
		if n := calledFor[i].Load(); n != 1 {
			t.Errorf("done of once-%d called %d times", i, n)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM checkin.scan WHERE scan_id LIKE 'once-%'`); n != 2000 {
		t.Errorf("scan rows = %d, want 2000", n)
	}
	l = open(t, pool, ledger.Options{})

	// Many appends of one scan_id at once: one write, one answer each.
	var calls atomic.Int32
	var wg sync.WaitGroup
	d := signIn("same", fx.Members[0], time.Now())
	d.Outcome, d.Reason = ledger.Rejected, "CODE_EXPIRED"
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			if err := l.Append(d, func(ledger.Result) { calls.Add(1); wg.Done() }); err != nil {
				t.Error(err)
				wg.Done()
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 50 {
		t.Errorf("done called %d times, want 50", calls.Load())
	}
	if n := count(t, pool, `SELECT count(*) FROM checkin.scan WHERE scan_id = 'same'`); n != 1 {
		t.Errorf("scan rows = %d, want 1", n)
	}
}

// Close writes what is queued before it returns; later appends fail.
func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 500})
	l := ledger.New(pool, quiet(ledger.Options{MaxBatch: 50}))
	var answered atomic.Int32
	for i, m := range fx.Members {
		if err := l.Append(signIn(fmt.Sprintf("g%d", i), m, t0), func(r ledger.Result) {
			if r.Err == nil && !r.Stale {
				answered.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if answered.Load() != 500 {
		t.Errorf("answered %d, want 500", answered.Load())
	}
	if n := count(t, pool, `SELECT count(*) FROM checkin.session`); n != 500 {
		t.Errorf("sessions = %d, want 500", n)
	}
	if err := l.Append(signIn("late", fx.Members[0], t0), nil); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
}

// A lost connection costs a retry, not an answer.
func TestConnectionLost(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 3})
	l := open(t, pool, ledger.Options{Writers: 1})
	call(t, l, signIn("h1", fx.Members[0], t0))
	if _, err := pool.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'yima-ledger'`); err != nil {
		t.Fatal(err)
	}
	r := call(t, l, signIn("h2", fx.Members[1], t0))
	if r.Err != nil || r.Stale || r.Duplicate {
		t.Fatalf("after the connection was lost = %+v", r)
	}
	if st := l.Stats(); st.Retries == 0 {
		t.Errorf("stats = %+v, want a retry", st)
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 3})
	l := open(t, pool, ledger.Options{Writers: 1, MaxQueue: 1})
	// i1's done holds the writer; i2 waits in the queue; i3 finds it full.
	hold, held := make(chan struct{}), make(chan struct{})
	if err := l.Append(signIn("i1", fx.Members[0], t0), func(ledger.Result) { close(held); <-hold }); err != nil {
		t.Fatal(err)
	}
	<-held
	var wg sync.WaitGroup
	wg.Add(1)
	if err := l.Append(signIn("i2", fx.Members[1], t0), func(ledger.Result) { wg.Done() }); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(signIn("i3", fx.Members[2], t0), nil); !errors.Is(err, ledger.ErrBusy) {
		t.Errorf("Append to a full queue = %v, want ErrBusy", err)
	}
	close(hold)
	wg.Wait()
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	pool, fx := setup(t, ledgertest.SeedOptions{Volunteers: 2})
	// A row of a month without its partition lands in the default one and
	// moves when the partition is made.
	if _, err := pool.Exec(t.Context(), `INSERT INTO checkin.scan (scan_id, received_at, scanned_at, outcome) VALUES ('old', '2024-07-15', '2024-07-15', 'rejected')`); err != nil {
		t.Fatal(err)
	}
	l := open(t, pool, ledger.Options{Now: func() time.Time { return time.Date(2024, 7, 20, 0, 0, 0, 0, time.UTC) }})
	if err := l.EnsurePartitions(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"scan_202407", "scan_202408", "code_event_202407", "code_event_202408"} {
		if n := count(t, pool, `SELECT count(*) FROM pg_class WHERE relname = $1`, tbl); n != 1 {
			t.Errorf("partition %s missing", tbl)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM checkin.scan_202407 WHERE scan_id = 'old'`); n != 1 {
		t.Error("row not moved from the default partition")
	}
	call(t, l, signIn("p1", fx.Members[0], time.Date(2031, 2, 3, 0, 0, 0, 0, time.UTC)))
	if n := count(t, pool, `SELECT count(*) FROM checkin.scan_203102`); n != 1 {
		t.Error("the ledger did not make the partition of its decision's month")
	}
}
