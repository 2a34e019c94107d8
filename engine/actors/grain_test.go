package actors

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/config"
	"yima/engine/actors/grainpb"
	"yima/engine/ledger"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture is a project with two positions and a roster, in a fresh
// database, served by a one-node cluster with a real ledger.
type fixture struct {
	pool     *pgxpool.Pool
	engine   *Engine
	project  uuid.UUID
	other    uuid.UUID // a second running project with the same volunteers
	staffPos uuid.UUID
	selfPos  uuid.UUID
	onRoster []uuid.UUID // hired on posBoth-like position (both methods)
	selfOnly uuid.UUID   // hired on the self-scan-only position
	stranger uuid.UUID   // a volunteer not on the roster
	ledger   *ledger.Ledger
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := storetest.Open(t, storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up})
	ctx := context.Background()
	f := &fixture{pool: pool, project: uuid.New(), other: uuid.New(), staffPos: uuid.New(), selfPos: uuid.New(), stranger: uuid.New(), selfOnly: uuid.New()}
	org := uuid.New()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO org.org (id, path, level, name, status) VALUES ($1, ARRAY[$1::uuid], 'city', '测试市', 'active')`, org)
	now := time.Now()
	for _, p := range []uuid.UUID{f.project, f.other} {
		exec(`INSERT INTO project.project (id, org_id, title, status, start_time, end_time) VALUES ($1, $2, '测试项目', 'running', $3, $4)`,
			p, org, now.Add(-time.Hour), now.Add(3*time.Hour))
	}
	exec(`INSERT INTO project.position (id, project_id, name, quota, sign_in_methods) VALUES ($1, $2, '引导', 50, '{}'), ($3, $2, '自助', 50, '{self_scan}')`,
		f.staffPos, f.project, f.selfPos)
	otherPos := uuid.New()
	exec(`INSERT INTO project.position (id, project_id, name, quota) VALUES ($1, $2, '其他', 50)`, otherPos, f.other)
	addVolunteer := func(v uuid.UUID, i int) {
		person := uuid.New()
		exec(`INSERT INTO identity.person (id, name) VALUES ($1, $2)`, person, fmt.Sprintf("志愿者%d", i))
		exec(`INSERT INTO volunteer.volunteer (id, person_id, volunteer_no, code_epoch) VALUES ($1, $2, $3, 1)`, v, person, fmt.Sprintf("SHT%09d", i))
	}
	for i := range 5 {
		v := uuid.New()
		addVolunteer(v, i)
		f.onRoster = append(f.onRoster, v)
		exec(`INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status) VALUES ($1, $2, $3, 'hired'), ($4, $5, $3, 'hired')`,
			f.project, f.staffPos, v, f.other, otherPos)
	}
	addVolunteer(f.selfOnly, 90)
	exec(`INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status) VALUES ($1, $2, $3, 'hired')`, f.project, f.selfPos, f.selfOnly)
	addVolunteer(f.stranger, 99)

	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f.ledger = ledger.New(pool, ledger.Options{Log: log})
	t.Cleanup(func() { _ = f.ledger.Close(context.Background()) })
	cfg := config.Default(config.ModeDev).Cluster
	cfg.Port = 0
	c, err := Start(cfg, log, Kinds(GrainDeps{Store: store.New(pool), Ledger: f.ledger, Log: log})...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	f.engine = NewEngine(c)
	return f
}

func (f *fixture) scan(t *testing.T, project uuid.UUID, scanID string, v uuid.UUID, m grainpb.Method, epoch uint32) *grainpb.ScanResult {
	t.Helper()
	now := time.Now()
	res, err := f.engine.Scan(context.Background(), project, &grainpb.Scan{
		ScanId: scanID, VolunteerId: v[:], CodeEpoch: epoch, Method: m,
		ReceivedAt: now.UnixMicro(), ScannedAt: now.UnixMicro(),
	})
	if err != nil {
		t.Fatalf("scan %s: %v", scanID, err)
	}
	return res
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProjectGrainScans(t *testing.T) {
	f := newFixture(t)
	v := f.onRoster[0]
	staff := grainpb.Method_METHOD_STAFF_SCAN

	in := f.scan(t, f.project, "s1", v, staff, 1)
	if in.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN || in.Duplicate || uuid.UUID(in.VolunteerId) != v {
		t.Fatalf("first scan = %v, want a fresh sign-in of %v", in, v)
	}
	if got := f.count(t, `SELECT count(*) FROM checkin.session WHERE volunteer_id = $1 AND status = 'open'`, v); got != 1 {
		t.Fatalf("open sessions after the acknowledged sign-in = %d, want 1", got)
	}
	retry := f.scan(t, f.project, "s1", v, staff, 1)
	if !retry.Duplicate || retry.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
		t.Errorf("retry of s1 = %v, want the first answer with duplicate", retry)
	}
	again := f.scan(t, f.project, "s2", v, staff, 1)
	if !again.Duplicate || again.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
		t.Errorf("a second scan within 60 s = %v, want the earlier result with duplicate", again)
	}

	tests := []struct {
		name    string
		scanID  string
		vol     uuid.UUID
		method  grainpb.Method
		epoch   uint32
		outcome grainpb.Outcome
		reason  string
	}{
		{"不在名单", "r1", f.stranger, staff, 1, grainpb.Outcome_OUTCOME_REJECTED, ReasonNotOnRoster},
		{"旧码作废", "r2", f.onRoster[1], staff, 0, grainpb.Outcome_OUTCOME_REJECTED, ReasonCodeRevoked},
		{"岗位只许自助", "r3", f.selfOnly, staff, 1, grainpb.Outcome_OUTCOME_REJECTED, ReasonMethodNotAllowed},
		{"自助签到", "r4", f.selfOnly, grainpb.Method_METHOD_SELF_SCAN, 0, grainpb.Outcome_OUTCOME_SIGNED_IN, ""},
		{"另一人签到", "r5", f.onRoster[1], staff, 1, grainpb.Outcome_OUTCOME_SIGNED_IN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.scan(t, f.project, tt.scanID, tt.vol, tt.method, tt.epoch)
			if res.Outcome != tt.outcome || res.Reason != tt.reason {
				t.Errorf("outcome %v %q, want %v %q", res.Outcome, res.Reason, tt.outcome, tt.reason)
			}
		})
	}
	if got := f.count(t, `SELECT count(*) FROM checkin.scan WHERE project_id = $1 AND outcome = 'rejected'`, f.project); got != 3 {
		t.Errorf("rejections logged = %d, want 3", got)
	}
}

func TestProjectGrainCrossProjectSignIn(t *testing.T) {
	f := newFixture(t)
	v := f.onRoster[2]
	staff := grainpb.Method_METHOD_STAFF_SCAN
	if r := f.scan(t, f.other, "x1", v, staff, 1); r.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
		t.Fatalf("sign-in at the other project = %v", r)
	}
	// The grain of f.project has never heard of that session; the ledger
	// refuses its first decision as stale, the grain reloads and closes the
	// other session at this moment.
	r := f.scan(t, f.project, "x2", v, staff, 1)
	if r.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
		t.Fatalf("sign-in here while open elsewhere = %v, want signed in", r)
	}
	if got := f.count(t, `SELECT count(*) FROM checkin.session WHERE volunteer_id = $1 AND status = 'open'`, v); got != 1 {
		t.Errorf("open sessions = %d, want 1", got)
	}
	if got := f.count(t, `SELECT count(*) FROM checkin.session WHERE volunteer_id = $1 AND project_id = $2 AND flagged`, v, f.other); got != 1 {
		t.Errorf("flagged sessions closed at the other project = %d, want 1", got)
	}
	// The other project's grain learns of it (a Reload, or a stale answer
	// from the ledger): a scan there signs in anew rather than signing out
	// a session that is gone.
	r = f.scan(t, f.other, "x3", v, staff, 1)
	if r.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
		t.Errorf("scan back at the other project = %v, want a new sign-in", r)
	}
}

func TestProjectGrainConcurrentScansCommitOnce(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	results := make([]*grainpb.ScanResult, 40)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := f.onRoster[i%len(f.onRoster)]
			// Every scan is sent twice with the same id, as a retrying
			// client would.
			id := fmt.Sprintf("c%d", i%len(f.onRoster))
			results[i] = f.scan(t, f.project, id, v, grainpb.Method_METHOD_STAFF_SCAN, 1)
		}()
	}
	wg.Wait()
	if got := f.count(t, `SELECT count(*) FROM checkin.session WHERE project_id = $1`, f.project); got != len(f.onRoster) {
		t.Errorf("sessions = %d, want %d (one per volunteer)", got, len(f.onRoster))
	}
	fresh := 0
	for _, r := range results {
		if r.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
			t.Errorf("result %v, want signed in", r)
		}
		if !r.Duplicate {
			fresh++
		}
	}
	if fresh != len(f.onRoster) {
		t.Errorf("non-duplicate answers = %d, want %d", fresh, len(f.onRoster))
	}
}

// testWriter sends log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

func TestVolunteerGrainKnowsWhereTheOpenSessionIs(t *testing.T) {
	f := newFixture(t)
	v := f.onRoster[3]
	ask := func(fresh bool) *grainpb.VolunteerState {
		t.Helper()
		res, err := f.engine.c.Request(v.String(), KindVolunteer, &grainpb.VolunteerQuery{Fresh: fresh}, cluster.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return res.(*grainpb.VolunteerState)
	}
	if st := ask(false); !st.Found || st.CodeEpoch != 1 || len(st.OpenProjectId) != 0 {
		t.Fatalf("state before any scan = %v, want found, epoch 1, nothing open", st)
	}
	if r := f.scan(t, f.project, "v1", v, grainpb.Method_METHOD_STAFF_SCAN, 1); r.Outcome != grainpb.Outcome_OUTCOME_SIGNED_IN {
		t.Fatalf("sign-in = %v", r)
	}
	if st := ask(true); uuidOf(st.OpenProjectId) != f.project || uuidOf(st.OpenSessionId) == uuid.Nil {
		t.Errorf("fresh state after sign-in = %v, want the session open in %v", st, f.project)
	}
	unknown, err := f.engine.c.Request(uuid.NewString(), KindVolunteer, &grainpb.VolunteerQuery{}, cluster.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if unknown.(*grainpb.VolunteerState).Found {
		t.Errorf("a made-up volunteer was found")
	}
}
