package project_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/services/org"
	"yima/services/project"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

func TestEffectiveStatus(t *testing.T) {
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		stored project.Status
		now    time.Time
		want   project.Status
	}{
		{"招募中未开始", project.StatusRecruiting, start.Add(-time.Second), project.StatusRecruiting},
		{"招募中到点", project.StatusRecruiting, start, project.StatusRunning},
		{"招募中已开始", project.StatusRecruiting, start.Add(time.Hour), project.StatusRunning},
		{"已写为进行中", project.StatusRunning, start.Add(time.Hour), project.StatusRunning},
		{"待审核已过开始", project.StatusPendingReview, start.Add(time.Hour), project.StatusPendingReview},
		{"草稿", project.StatusDraft, start.Add(time.Hour), project.StatusDraft},
		{"驳回", project.StatusRejected, start.Add(time.Hour), project.StatusRejected},
		{"已结项", project.StatusClosed, start.Add(time.Hour), project.StatusClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := project.EffectiveStatus(tc.stored, start, tc.now); got != tc.want {
				t.Errorf("EffectiveStatus(%s, now-start=%v) = %s, want %s", tc.stored, tc.now.Sub(start), got, tc.want)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	for _, tc := range []struct {
		ms   []project.SignInMethod
		m    project.SignInMethod
		want bool
	}{
		{nil, project.StaffScan, true},
		{nil, project.SelfScan, true},
		{[]project.SignInMethod{project.StaffScan}, project.StaffScan, true},
		{[]project.SignInMethod{project.StaffScan}, project.SelfScan, false},
		{[]project.SignInMethod{project.StaffScan, project.SelfScan}, project.SelfScan, true},
	} {
		if got := project.Allows(tc.ms, tc.m); got != tc.want {
			t.Errorf("Allows(%v, %s) = %v, want %v", tc.ms, tc.m, got, tc.want)
		}
	}
}

// fixture is a database with the root org, an active street-level org
// below it and a clock.
type fixture struct {
	st    *store.Store
	org   uuid.UUID
	now   time.Time
	svc   *project.Service
	heard *notifier
}

type notifier struct {
	mu  sync.Mutex
	ids []uuid.UUID
}

func (n *notifier) RosterChanged(ctx context.Context, id uuid.UUID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids = append(n.ids, id)
}

func (n *notifier) got() []uuid.UUID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.ids)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	root, err := org.EnsureRoot(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, org: uuid.New(), now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), heard: &notifier{}}
	if _, err := st.Pool.Exec(ctx, `INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$2::uuid, $1::uuid], 'district', '测试区志愿者协会', 'active')`, f.org, root.ID); err != nil {
		t.Fatal(err)
	}
	f.svc = project.New(project.Options{
		Store: st, Now: func() time.Time { return f.now }, Orgs: org.New(org.Options{Store: st, Now: time.Now}), Roster: f.heard,
	})
	return f
}

// project inserts a project in status starting at start, with one position
// of quota.
func (f *fixture) project(t *testing.T, status project.Status, start time.Time, quota int) (id, position uuid.UUID) {
	t.Helper()
	err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.project (org_id, title, status, start_time, end_time)
		VALUES ($1, '测试项目', $2, $3, $4) RETURNING id`, f.org, string(status), start, start.Add(3*time.Hour)).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '岗位', $2) RETURNING id`, id, quota).Scan(&position); err != nil {
		t.Fatal(err)
	}
	return id, position
}

// person inserts a person.
func (f *fixture) person(t *testing.T) uuid.UUID {
	t.Helper()
	var person uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO identity.person (name) VALUES ('测试') RETURNING id`).Scan(&person); err != nil {
		t.Fatal(err)
	}
	return person
}

// volunteer inserts a person with a volunteer row and returns a volunteer
// principal for them.
func (f *fixture) volunteer(t *testing.T) *access.Principal {
	t.Helper()
	person := f.person(t)
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, volunteer.next_volunteer_no())`, person); err != nil {
		t.Fatal(err)
	}
	return &access.Principal{PersonID: person, AccountID: uuid.New(), Kind: access.KindVolunteer}
}

func (f *fixture) stored(t *testing.T, id uuid.UUID) project.Status {
	t.Helper()
	var s string
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT status FROM project.project WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return project.Status(s)
}

func TestAdvanceStatuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	started, _ := f.project(t, project.StatusRecruiting, f.now.Add(-time.Minute), 1)
	atNow, _ := f.project(t, project.StatusRecruiting, f.now, 1)
	later, _ := f.project(t, project.StatusRecruiting, f.now.Add(time.Hour), 1)
	pending, _ := f.project(t, project.StatusPendingReview, f.now.Add(-time.Minute), 1)

	// Readers see RUNNING before the sweep writes it.
	if p, err := f.svc.Get(t.Context(), started); err != nil || p.Status != project.StatusRunning {
		t.Errorf("Get before the sweep = %v, %v; want running", p.Status, err)
	}
	n, err := f.svc.AdvanceStatuses(t.Context(), f.now)
	if err != nil || n != 2 {
		t.Fatalf("AdvanceStatuses = %d, %v; want 2", n, err)
	}
	for id, want := range map[uuid.UUID]project.Status{
		started: project.StatusRunning, atNow: project.StatusRunning,
		later: project.StatusRecruiting, pending: project.StatusPendingReview,
	} {
		if got := f.stored(t, id); got != want {
			t.Errorf("stored status of %s = %s, want %s", id, got, want)
		}
	}
	if n, err := f.svc.AdvanceStatuses(t.Context(), f.now); err != nil || n != 0 {
		t.Errorf("second AdvanceStatuses = %d, %v; want 0", n, err)
	}
	if n, err := f.svc.AdvanceStatuses(t.Context(), f.now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("AdvanceStatuses two hours later = %d, %v; want 1", n, err)
	}
}

func TestHiringTellsTheRoster(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, position := f.project(t, project.StatusRunning, f.now.Add(-time.Hour), 2)
	leader := &access.Principal{PersonID: f.person(t), AccountID: uuid.New(), Kind: access.KindOrgLeader, OrgID: f.org}
	a, b := f.volunteer(t), f.volunteer(t)
	suA, err := f.svc.SignUp(t.Context(), a, id, position)
	if err != nil {
		t.Fatal(err)
	}
	suB, err := f.svc.SignUp(t.Context(), b, id, position)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReviewSignUp(t.Context(), leader, suB.ID, false); err != nil {
		t.Fatal(err)
	}
	if got := f.heard.got(); len(got) != 0 {
		t.Errorf("a rejection told the roster: %v", got)
	}
	if _, err := f.svc.ReviewSignUp(t.Context(), leader, suA.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := f.heard.got(); !slices.Equal(got, []uuid.UUID{id}) {
		t.Errorf("roster heard %v, want [%s]", got, id)
	}
	roster, err := f.svc.Roster(t.Context(), id)
	if err != nil || len(roster) != 1 || roster[0].PositionID != position || len(roster[0].SignInMethods) != 0 {
		t.Errorf("Roster = %v, %v", roster, err)
	}
	// Another org's leader hires nothing.
	stranger := &access.Principal{PersonID: uuid.New(), Kind: access.KindOrgLeader, OrgID: uuid.New()}
	if _, err := f.svc.ReviewSignUp(t.Context(), stranger, suA.ID, true); fault.ReasonOf(err) != "NOT_ORG_MEMBER" {
		t.Errorf("stranger ReviewSignUp = %v, want NOT_ORG_MEMBER", err)
	}
	// Past its end a project takes no sign-ups.
	f.now = f.now.Add(3 * time.Hour)
	if _, err := f.svc.SignUp(t.Context(), f.volunteer(t), id, position); fault.ReasonOf(err) != "PROJECT_NOT_OPEN" {
		t.Errorf("SignUp after the end = %v, want PROJECT_NOT_OPEN", err)
	}
}
