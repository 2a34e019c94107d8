package elicense_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yima/fault"
	"yima/outbox"
	"yima/services/elicense"
	"yima/services/elicense/library"
	"yima/signedhttp/signedhttptest"
	"yima/store"
	"yima/store/db"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// clock is the wall clock moved on by the test: Enqueue stamps rows with
// the database's now(), so the sweeper's clock must not run behind it.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Add(d time.Duration) { c.off.Add(int64(d)) }

// Waits past the fixture's lease (2 min), first backoff (1 min) and
// ceiling (10 min).
const (
	pastLease   = 3 * time.Minute
	pastBackoff = 2 * time.Minute
	pastCeiling = 11 * time.Minute
)

// cards stands in for the card service: the license of each volunteer.
type cards struct {
	mu sync.Mutex
	m  map[uuid.UUID]elicense.License
}

func (c *cards) Card(_ context.Context, v uuid.UUID) (elicense.License, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.m[v]
	if !ok {
		return elicense.License{}, fmt.Errorf("card of %s: %w", v, pgx.ErrNoRows)
	}
	return l, nil
}

type fixture struct {
	st    *store.Store
	clock *clock
	cards *cards
	dev   *library.Dev
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := store.New(storetest.Open(t, schema))
	f := &fixture{st: st, clock: &clock{}, cards: &cards{m: map[uuid.UUID]elicense.License{}}}
	f.dev = library.NewDev(st, slog.New(slog.DiscardHandler), f.clock.Now)
	return f
}

// service is a node's sweeper over lib: exact backoff of 1 min then the
// 10 min ceiling, failed after 3 attempts in a row, a 2 min lease.
func (f *fixture) service(lib library.Library) *elicense.Service {
	return elicense.New(elicense.Options{
		Store: f.st, Library: lib, Cards: f.cards, Now: f.clock.Now,
		Backoff: outbox.Backoff{Steps: []time.Duration{time.Minute, 10 * time.Minute}}, GiveUpAfter: 3, Lease: 2 * time.Minute,
	})
}

// volunteer adds a volunteer with a card and enqueues its push, as the
// card's issuance does.
func (f *fixture) volunteer(t *testing.T, name, idNumber string) uuid.UUID {
	t.Helper()
	ctx := t.Context()
	var pid, vid uuid.UUID
	no := fmt.Sprintf("3101%010d", time.Now().UnixNano()%1e10)
	if err := f.st.Pool.QueryRow(ctx, `INSERT INTO identity.person (name) VALUES ($1) RETURNING id`, name).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(ctx, `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, $2) RETURNING id`, pid, no).Scan(&vid); err != nil {
		t.Fatal(err)
	}
	f.issue(t, vid, name, idNumber, no)
	return vid
}

// issue (re)issues a volunteer's card and enqueues it in one transaction.
func (f *fixture) issue(t *testing.T, vid uuid.UUID, name, idNumber, no string) {
	t.Helper()
	f.cards.mu.Lock()
	f.cards.m[vid] = elicense.License{
		VolunteerID: vid, VolunteerNo: no, Name: name, IDNumber: idNumber, Gender: "女",
		BirthDate: time.Date(1995, 9, 23, 0, 0, 0, 0, time.UTC), IssuedAt: f.clock.Now(), Issuer: "上海市志愿者协会",
		Payload: []byte("card:" + no + ":" + f.clock.Now().String()), Signature: []byte("sig"), KeyID: "1",
	}
	f.cards.mu.Unlock()
	if err := f.st.InTx(t.Context(), func(q *db.Queries) error { return elicense.Enqueue(t.Context(), q, vid) }); err != nil {
		t.Fatal(err)
	}
}

func sweep(t *testing.T, s *elicense.Service) int {
	t.Helper()
	n, err := s.Sweep(t.Context())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return n
}

func (f *fixture) status(t *testing.T, vid uuid.UUID) elicense.Status {
	t.Helper()
	st, err := elicense.StatusOf(t.Context(), f.st.Q, vid)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) reference(t *testing.T, vid uuid.UUID) uuid.UUID {
	t.Helper()
	r, err := f.st.Q.GetElicenseSubmission(t.Context(), vid)
	if err != nil {
		t.Fatal(err)
	}
	return r.Reference
}

// devLicenses is what the dev library holds, by reference.
func (f *fixture) devLicenses(t *testing.T) map[uuid.UUID]db.ElicenseDevLicense {
	t.Helper()
	rows, _, err := f.dev.List(t.Context(), "", 200, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]db.ElicenseDevLicense{}
	for _, r := range rows {
		out[r.Reference] = r
	}
	return out
}

// TestPushToDevLibrary: enqueued cards reach the dev library once, masked,
// and show synced with the library's license id; a reissue goes out again
// under a new reference.
func TestPushToDevLibrary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(f.dev)
	if got := f.status(t, uuid.New()); got != (elicense.Status{}) {
		t.Errorf("StatusOf never enqueued = %+v, want zero", got)
	}
	a := f.volunteer(t, "李晓梅", "310104199509231421")
	b := f.volunteer(t, "钱志远", "310104198605121236")
	if got := f.status(t, a); got.State != elicense.Pending || got.LicenseID != "" {
		t.Errorf("after Enqueue: %+v, want pending", got)
	}
	if n := sweep(t, s); n != 2 {
		t.Errorf("first sweep claimed %d, want 2", n)
	}
	if n := sweep(t, s); n != 0 {
		t.Errorf("second sweep claimed %d, want 0: nothing is due", n)
	}
	held := f.devLicenses(t)
	if len(held) != 2 {
		t.Fatalf("dev library holds %d licenses, want 2", len(held))
	}
	first := held[f.reference(t, a)]
	if first.NameMasked != "李**" || first.IDNumberMasked == "" || strings.Contains(first.IDNumberMasked, "199509") {
		t.Errorf("dev library keeps %q %q, want them masked", first.NameMasked, first.IDNumberMasked)
	}
	for _, v := range []uuid.UUID{a, b} {
		got := f.status(t, v)
		if got.State != elicense.Synced || got.LicenseID != held[f.reference(t, v)].LicenseID || got.SyncedAt.IsZero() {
			t.Errorf("volunteer %s: %+v, want synced with the dev license", v, got)
		}
	}

	oldRef := f.reference(t, a)
	f.issue(t, a, "李晓梅", "310104199509231421", first.VolunteerNo)
	if got, ref := f.status(t, a), f.reference(t, a); got.State != elicense.Pending || got.LicenseID != "" || ref == oldRef {
		t.Errorf("after reissue: %+v reference %s, want pending under a new reference", got, ref)
	}
	sweep(t, s)
	held = f.devLicenses(t)
	if got := f.status(t, a); len(held) != 3 || got.LicenseID != held[f.reference(t, a)].LicenseID || got.LicenseID == first.LicenseID {
		t.Errorf("after the reissue's push: %d licenses, status %+v, want 3 and the new license", len(held), got)
	}
}

// TestEnqueueTwiceBeforeSending keeps the reference: nothing went out
// under it yet, so the library sees one push.
func TestEnqueueTwiceBeforeSending(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.volunteer(t, "李晓梅", "310104199509231421")
	ref := f.reference(t, v)
	f.issue(t, v, "李晓梅", "310104199509231421", "31010400000001")
	if got := f.reference(t, v); got != ref {
		t.Errorf("reference %s after a second Enqueue, want %s", got, ref)
	}
	sweep(t, f.service(f.dev))
	if held := f.devLicenses(t); len(held) != 1 {
		t.Errorf("dev library holds %d licenses, want 1", len(held))
	}
}

// TestRetries: temporary refusals back off and retry until the library
// takes the card; enough of them show the push failed while it is still
// retried at the ceiling; a permanent refusal waits for a staff member's
// retry.
func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		failures  int
		permanent bool
		// waits advance the clock before each further sweep.
		waits []time.Duration
		// states are the states after the first sweep and each step.
		states []string
		// manual retries by hand after the steps.
		manual bool
	}{
		{"暂时拒收两次后成功", 2, false,
			[]time.Duration{pastBackoff, pastCeiling},
			[]string{elicense.Pending, elicense.Pending, elicense.Synced}, false},
		{"多次失败后标记失败但仍慢速重试", 4, false,
			[]time.Duration{pastBackoff, pastCeiling, pastCeiling, pastCeiling},
			[]string{elicense.Pending, elicense.Pending, elicense.Failed, elicense.Failed, elicense.Synced}, false},
		{"永久拒收等待人工重试", 1, true,
			[]time.Duration{24 * time.Hour},
			[]string{elicense.Failed, elicense.Failed}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			s := f.service(f.dev)
			v := f.volunteer(t, "李晓梅", "310104199509231421")
			if err := f.dev.SetFault(t.Context(), tc.failures, tc.permanent); err != nil {
				t.Fatal(err)
			}
			sweep(t, s)
			if n := sweep(t, s); n != 0 {
				t.Errorf("a failed row was claimed again at once (%d)", n)
			}
			for i, want := range tc.states {
				if i > 0 {
					f.clock.Add(tc.waits[i-1])
					sweep(t, s)
				}
				if got := f.status(t, v); got.State != want {
					t.Errorf("after sweep %d: %+v, want %s", i+1, got, want)
				}
			}
			got := f.status(t, v)
			if got.State != elicense.Synced && got.LastError == "" {
				t.Errorf("a failing push keeps no error: %+v", got)
			}
			if !tc.manual {
				return
			}
			entries, _, err := s.List(t.Context(), elicense.Failed, "", 0, "")
			if err != nil || len(entries) != 1 || entries[0].VolunteerID != v || !entries[0].NextAt.IsZero() || entries[0].Name != "李**" {
				t.Fatalf("List failed = %+v, %v; want the one row, masked, nothing due", entries, err)
			}
			e, err := s.Retry(t.Context(), v)
			if err != nil || e.State != elicense.Pending || e.Attempts != 0 {
				t.Fatalf("Retry = %+v, %v; want pending afresh", e, err)
			}
			sweep(t, s)
			if got := f.status(t, v); got.State != elicense.Synced {
				t.Errorf("after the manual retry: %+v, want synced", got)
			}
			_, err = s.Retry(t.Context(), v)
			wantFault(t, "Retry of a synced push", err, fault.FailedPrecondition, "SUBMISSION_NOT_FAILED")
			_, err = s.Retry(t.Context(), uuid.New())
			wantFault(t, "Retry of an unknown volunteer", err, fault.NotFound, "SUBMISSION_NOT_FOUND")
		})
	}
}

func wantFault(t *testing.T, what string, err error, kind fault.Kind, reason string) {
	t.Helper()
	if fault.KindOf(err) != kind || fault.ReasonOf(err) != reason {
		t.Errorf("%s = %v, want %v %s", what, err, kind, reason)
	}
}

// TestNoCardFailsForGood: a push whose card is gone cannot succeed by
// retrying.
func TestNoCardFailsForGood(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.volunteer(t, "李晓梅", "310104199509231421")
	f.cards.mu.Lock()
	delete(f.cards.m, v)
	f.cards.mu.Unlock()
	sweep(t, f.service(f.dev))
	if got := f.status(t, v); got.State != elicense.Failed || !strings.Contains(got.LastError, "NO_CARD") {
		t.Errorf("push without a card: %+v, want failed NO_CARD", got)
	}
}

// TestLeaseExpiry: a node that claimed a row and stalls after the library
// filed the card loses it when the lease runs out; another node files the
// same reference (the library answers the first license) and records it;
// the stalled node then writes nothing.
func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.volunteer(t, "李晓梅", "310104199509231421")
	entered, release := make(chan struct{}), make(chan struct{})
	a := f.service(&stalling{next: f.dev, entered: entered, release: release})
	b := f.service(f.dev)
	done := make(chan error, 1)
	go func() { _, err := a.Sweep(context.Background()); done <- err }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("node a never reached the library")
	}
	if n := sweep(t, b); n != 0 {
		t.Errorf("node b claimed %d while a holds the lease", n)
	}
	f.clock.Add(pastLease)
	if n := sweep(t, b); n != 1 {
		t.Fatalf("node b claimed %d after the lease ran out, want 1", n)
	}
	byB := f.status(t, v)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	held := f.devLicenses(t)
	if got := f.status(t, v); len(held) != 1 || got != byB || got.LicenseID != held[f.reference(t, v)].LicenseID {
		t.Errorf("after both nodes: %d licenses, status %+v (b recorded %+v), want one license recorded once", len(held), got, byB)
	}
}

// stalling files the card with next, then stalls until released, as a
// node that lost its answer or paused.
type stalling struct {
	next             library.Library
	entered, release chan struct{}
}

func (s *stalling) Submit(ctx context.Context, sub library.Submission) (library.Receipt, error) {
	rc, err := s.next.Submit(ctx, sub)
	close(s.entered)
	<-s.release
	return rc, err
}

// cityLibrary is a library of the documented shape (docs/adapters.md),
// behind signedhttptest's signature check: it files each reference once,
// and loses the answer to every third filing (a 502 after filing) to make
// yima retry.
type cityLibrary struct {
	mu    sync.Mutex
	filed map[string]string // reference → license id
	calls int
	// refuse answers this instead of filing, when set.
	refuse func() (int, string)
}

func (l *cityLibrary) serve(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req struct {
		Reference   string `json:"reference"`
		LicenseType string `json:"license_type"`
		LicenseNo   string `json:"license_no"`
		Holder      struct {
			Name     string `json:"name"`
			IDNumber string `json:"id_number"`
		} `json:"holder"`
		Payload []byte `json:"payload"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Reference == "" || req.LicenseType != library.LicenseType || req.LicenseNo == "" ||
		req.Holder.Name == "" || len(req.Holder.IDNumber) != 18 || len(req.Payload) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code":"INVALID_REQUEST","message":"bad submission"}`))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.refuse != nil {
		status, answer := l.refuse()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer))
		return
	}
	id, dup := l.filed[req.Reference]
	if !dup {
		id = fmt.Sprintf("ZZ-%04d", len(l.filed)+1)
		l.filed[req.Reference] = id
		if l.calls%3 == 0 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"code": "OK", "license_id": id, "duplicate": dup})
}

func (f *fixture) cityClient(t *testing.T, l *cityLibrary, secret string) *library.Client {
	t.Helper()
	cfg := signedhttptest.Config(signedhttptest.NewServer(t, l.serve), "/v1/licenses", 0)
	cfg.AppSecret = secret
	c, err := library.NewClient(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProductionClientNoLostSubmission: two nodes sweep many cards
// concurrently through the production client to a library that loses
// answers; in the end every card is filed exactly once and recorded with
// its license id.
func TestProductionClientNoLostSubmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lib := &cityLibrary{filed: map[string]string{}}
	client := f.cityClient(t, lib, signedhttptest.Secret)
	nodes := []*elicense.Service{f.service(client), f.service(client)}
	const n = 12
	vols := make([]uuid.UUID, n)
	for i := range vols {
		vols[i] = f.volunteer(t, fmt.Sprintf("志愿者%c", '甲'+rune(i)), "310104199509231421")
	}
	for round := 0; round < 10; round++ {
		var wg sync.WaitGroup
		for _, s := range nodes {
			wg.Go(func() { sweep(t, s) })
		}
		wg.Wait()
		f.clock.Add(pastCeiling)
	}
	lib.mu.Lock()
	defer lib.mu.Unlock()
	if len(lib.filed) != n {
		t.Errorf("library filed %d cards, want %d", len(lib.filed), n)
	}
	for _, v := range vols {
		got := f.status(t, v)
		if want := lib.filed[f.reference(t, v).String()]; got.State != elicense.Synced || got.LicenseID != want {
			t.Errorf("volunteer %s: %+v, want synced with %q", v, got, want)
		}
	}
}

// TestProductionClientRefusals: the sweeper reads the documented answers:
// a wrong secret and a busy library are retried, a refusal fails the push.
func TestProductionClientRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		secret string
		refuse func() (int, string)
		want   string
		code   string
	}{
		{"签名错误", "wrong", nil, elicense.Pending, "AUTH_FAILED"},
		{"繁忙", signedhttptest.Secret, func() (int, string) { return 200, `{"code":"BUSY","message":"稍后再试"}` }, elicense.Pending, "BUSY"},
		{"服务故障", signedhttptest.Secret, func() (int, string) { return 503, `` }, elicense.Pending, "HTTP_503"},
		{"身份证号无效", signedhttptest.Secret, func() (int, string) { return 400, `{"code":"INVALID_ID_NUMBER","message":"身份证号码无效"}` }, elicense.Failed, "INVALID_ID_NUMBER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			lib := &cityLibrary{filed: map[string]string{}, refuse: tc.refuse}
			s := f.service(f.cityClient(t, lib, tc.secret))
			v := f.volunteer(t, "李晓梅", "310104199509231421")
			sweep(t, s)
			if got := f.status(t, v); got.State != tc.want || got.Attempts != 1 || !strings.Contains(got.LastError, tc.code) {
				t.Errorf("after a refusal: %+v, want %s with %s", got, tc.want, tc.code)
			}
		})
	}
}
