package recordcheck_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/keyring"
	"yima/sensitive"
	"yima/services/identity"
	"yima/services/recordcheck"
	"yima/services/recordcheck/dept"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// clock is a time the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// flaky is a department that fails the first failures calls of Submit
// (a timeout: the outcome unknown) and otherwise hands over to next.
type flaky struct {
	mu       sync.Mutex
	next     dept.Department
	failures int
	submits  []dept.Submission
	err      error
}

func (f *flaky) Submit(ctx context.Context, s dept.Submission) (dept.Receipt, error) {
	f.mu.Lock()
	f.submits = append(f.submits, s)
	fail := f.failures > 0
	if fail {
		f.failures--
	}
	err := f.err
	f.mu.Unlock()
	if fail {
		if err == nil {
			err = context.DeadlineExceeded
		}
		return dept.Receipt{}, err
	}
	return f.next.Submit(ctx, s)
}

func (f *flaky) Status(ctx context.Context, ref string) (dept.Result, error) {
	return f.next.Status(ctx, ref)
}

func (f *flaky) calls() []dept.Submission {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]dept.Submission(nil), f.submits...)
}

type fixture struct {
	st    *store.Store
	box   *sensitive.Box
	clock *clock
	dev   *dept.Dev
	dept  *flaky
	svc   *recordcheck.Service
	// vol and other are volunteers; citizen is not one.
	vol, other, citizen *access.Principal
	staff               uuid.UUID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := store.New(storetest.Open(t, schema))
	data, _ := keyring.NewKey(1, bytes.Repeat([]byte{0x11}, keyring.KeySize))
	index, _ := keyring.NewKey(1, bytes.Repeat([]byte{0x22}, keyring.KeySize))
	box, err := sensitive.NewBox(data, index)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, box: box, clock: &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}}
	log := slog.New(slog.DiscardHandler)
	f.dev = dept.NewDev(st, log, f.clock.Now)
	f.dept = &flaky{next: f.dev}
	f.svc = recordcheck.New(recordcheck.Options{
		Store: st, Box: box, Department: f.dept, Now: f.clock.Now, Log: log,
		PollEvery: 10 * time.Minute, Lease: 2 * time.Minute, Backoff: []time.Duration{30 * time.Second, time.Minute},
	})
	f.vol = f.person(t, "钱志远", "310104198605121236", true)
	f.other = f.person(t, "孙晓梅", "310104199509231421", true)
	f.citizen = f.person(t, "赵雨桐", "310105200103082069", false)
	f.staff = uuid.New()
	if _, err := st.Pool.Exec(t.Context(), `INSERT INTO identity.account (id, person_id, kind, username) VALUES ($1, $2, 'staff', 'rc-staff')`, f.staff, f.citizen.PersonID); err != nil {
		t.Fatal(err)
	}
	return f
}

// person adds a person with an ID number, and a volunteer when vol.
func (f *fixture) person(t *testing.T, name, idNumber string, vol bool) *access.Principal {
	t.Helper()
	ctx := t.Context()
	enc, err := f.box.Seal(identity.FieldIDNumber, idNumber)
	if err != nil {
		t.Fatal(err)
	}
	p := &access.Principal{PersonID: uuid.New(), AccountID: uuid.New(), Kind: access.KindCitizen}
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO identity.person (id, name, id_number_enc, id_number_idx, id_number_masked) VALUES ($1, $2, $3, $4, $5)`,
		p.PersonID, name, enc, f.box.Index(identity.FieldIDNumber, idNumber), sensitive.MaskIDNumber(idNumber)); err != nil {
		t.Fatal(err)
	}
	if vol {
		p.Kind = access.KindVolunteer
		if _, err := f.st.Pool.Exec(ctx, `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, $2)`, p.PersonID, "V"+p.PersonID.String()[:8]); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (f *fixture) sweep(t *testing.T) int {
	t.Helper()
	n, err := f.svc.Sweep(t.Context())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return n
}

func (f *fixture) mine(t *testing.T, p *access.Principal) []recordcheck.Check {
	t.Helper()
	got, _, err := f.svc.ListMine(t.Context(), p, 0, "")
	if err != nil {
		t.Fatalf("ListMine: %v", err)
	}
	return got
}

func wantFault(t *testing.T, what string, err error, kind fault.Kind, reason string) {
	t.Helper()
	if fault.KindOf(err) != kind || fault.ReasonOf(err) != reason {
		t.Errorf("%s = %v, want %v %s", what, err, kind, reason)
	}
}

func TestApplyBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	long := strings.Repeat("字", 201)
	for _, tc := range []struct {
		name    string
		p       *access.Principal
		purpose string
		consent bool
		kind    fault.Kind
		reason  string
	}{
		{"缺用途", f.vol, "  ", true, fault.Invalid, "PURPOSE_REQUIRED"},
		{"用途太长", f.vol, long, true, fault.Invalid, "PURPOSE_TOO_LONG"},
		{"未同意", f.vol, "参加助老服务", false, fault.Invalid, "CONSENT_REQUIRED"},
		{"不是志愿者", f.citizen, "参加助老服务", true, fault.PermissionDenied, "NOT_A_VOLUNTEER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Apply(t.Context(), tc.p, tc.purpose, tc.consent)
			wantFault(t, "Apply", err, tc.kind, tc.reason)
		})
	}
	if got := f.mine(t, f.vol); len(got) != 0 {
		t.Errorf("bad input changed something: %v", got)
	}
	_, _, err := f.svc.ListMine(t.Context(), f.vol, -1, "")
	wantFault(t, "ListMine page -1", err, fault.Invalid, "PAGE_SIZE_INVALID")
	_, _, err = f.svc.ListMine(t.Context(), f.vol, 0, "!!")
	wantFault(t, "ListMine bad token", err, fault.Invalid, "PAGE_TOKEN_INVALID")
}

// TestApplyDecideClear is the happy path: apply, the sweep submits with
// the decrypted ID number, the staff user clears it, the next poll brings
// the result to the volunteer. One open application at a time.
func TestApplyDecideClear(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	c, err := f.svc.Apply(ctx, f.vol, " 参加社区助老志愿服务 ", true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != recordcheck.Submitted || c.Purpose != "参加社区助老志愿服务" || !c.SentAt.IsZero() {
		t.Errorf("Apply = %+v", c)
	}
	_, err = f.svc.Apply(ctx, f.vol, "再申请一份", true)
	wantFault(t, "second Apply", err, fault.Conflict, "APPLICATION_OPEN")

	if n := f.sweep(t); n != 1 {
		t.Fatalf("sweep claimed %d, want 1", n)
	}
	subs := f.dept.calls()
	if len(subs) != 1 || subs[0].IDNumber != "310104198605121236" || subs[0].Name != "钱志远" || subs[0].Reference != c.ID.String() {
		t.Fatalf("department got %+v", subs)
	}
	got := f.mine(t, f.vol)
	if len(got) != 1 || got[0].Status != recordcheck.Sent || got[0].SentAt.IsZero() {
		t.Fatalf("after submit: %+v", got)
	}
	pending, _, err := f.dev.Pending(ctx, 0, "")
	if err != nil || len(pending) != 1 || pending[0].IDNumberMasked == "310104198605121236" || pending[0].Reference != c.ID.String() {
		t.Fatalf("Pending = %+v, %v; want one masked case", pending, err)
	}
	// Nothing due until the poll comes round; a pending answer reschedules.
	if n := f.sweep(t); n != 0 {
		t.Errorf("sweep before the poll claimed %d", n)
	}
	f.clock.Add(11 * time.Minute)
	f.sweep(t)
	if got := f.mine(t, f.vol); got[0].Status != recordcheck.Sent {
		t.Errorf("after a pending poll: %+v", got[0])
	}

	if err := f.dev.Decide(ctx, c.ID.String(), dept.Clear, "", f.staff); err != nil {
		t.Fatal(err)
	}
	err = f.dev.Decide(ctx, c.ID.String(), dept.Rejected, "又改主意", f.staff)
	wantFault(t, "second Decide", err, fault.Conflict, "ALREADY_DECIDED")
	if err := f.svc.Nudge(ctx, c.ID.String()); err != nil {
		t.Fatal(err)
	}
	f.sweep(t)
	got = f.mine(t, f.vol)
	if got[0].Status != recordcheck.Clear || got[0].DecidedAt.IsZero() {
		t.Fatalf("after the decision: %+v", got[0])
	}
	// The other volunteer sees none of it; the first may apply again.
	if other := f.mine(t, f.other); len(other) != 0 {
		t.Errorf("another volunteer sees %v", other)
	}
	if _, err := f.svc.Apply(ctx, f.vol, "再次申请", true); err != nil {
		t.Errorf("Apply after a result: %v", err)
	}
}

// TestRetryAfterFailingDepartment: timeouts are retried with backoff and
// the department files one case, however often it was asked.
func TestRetryAfterFailingDepartment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.dept.failures = 2
	c, err := f.svc.Apply(ctx, f.vol, "参加大型赛会服务", true)
	if err != nil {
		t.Fatal(err)
	}
	f.sweep(t)
	if got := f.mine(t, f.vol); got[0].Status != recordcheck.Submitted {
		t.Fatalf("after a failed submit: %+v", got[0])
	}
	if n := f.sweep(t); n != 0 {
		t.Errorf("retried before the backoff: %d", n)
	}
	f.clock.Add(31 * time.Second)
	f.sweep(t) // fails again: backoff now 1 min
	f.clock.Add(31 * time.Second)
	if n := f.sweep(t); n != 0 {
		t.Errorf("retried before the second backoff: %d", n)
	}
	f.clock.Add(30 * time.Second)
	f.sweep(t)
	if got := f.mine(t, f.vol); got[0].Status != recordcheck.Sent {
		t.Fatalf("after the department recovered: %+v", got[0])
	}
	if n := len(f.dept.calls()); n != 3 {
		t.Errorf("department asked %d times, want 3", n)
	}
	var attempts int
	var lastErr string
	if err := f.st.Pool.QueryRow(ctx, `SELECT attempts, last_error FROM recordcheck.application WHERE id = $1`, c.ID).Scan(&attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	if attempts != 0 || lastErr != "" {
		t.Errorf("after success attempts=%d last_error=%q", attempts, lastErr)
	}
}

// TestIdempotentResubmission: an answer lost after the department filed
// the case, or a lease that ran out, makes yima submit again; the
// department answers with the first case and files no second one.
func TestIdempotentResubmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	c, err := f.svc.Apply(ctx, f.vol, "参加社区服务", true)
	if err != nil {
		t.Fatal(err)
	}
	sub := dept.Submission{Reference: c.ID.String(), Name: "钱志远", IDNumber: "310104198605121236", Purpose: "参加社区服务"}
	first, err := f.dev.Submit(ctx, sub) // as if a sweeper's answer was lost
	if err != nil {
		t.Fatal(err)
	}
	f.sweep(t)
	again, err := f.dev.Submit(ctx, sub)
	if err != nil || !again.Duplicate || again.CaseID != first.CaseID {
		t.Errorf("resubmit = %+v, %v; want the first case %s", again, err, first.CaseID)
	}
	var cases int
	var caseID string
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM recordcheck.dev_submission`).Scan(&cases); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(ctx, `SELECT dept_case_id FROM recordcheck.application WHERE id = $1`, c.ID).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	if cases != 1 || caseID != first.CaseID {
		t.Errorf("cases=%d case id %q, want 1 and %q", cases, caseID, first.CaseID)
	}
}

// TestLeaseKeepsOtherSweepersOff: a claimed application is not claimed by
// another sweeper until its lease runs out.
func TestLeaseKeepsOtherSweepersOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	block := make(chan struct{})
	entered := make(chan struct{})
	slow := &blocking{next: f.dev, entered: entered, release: block}
	a := recordcheck.New(recordcheck.Options{Store: f.st, Box: f.box, Department: slow, Now: f.clock.Now})
	b := recordcheck.New(recordcheck.Options{Store: f.st, Box: f.box, Department: f.dev, Now: f.clock.Now})
	if _, err := a.Apply(ctx, f.vol, "参加社区服务", true); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := a.Sweep(ctx); done <- err }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("sweeper a never reached the department")
	}
	if n, err := b.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("sweeper b claimed %d (%v) while a holds the lease", n, err)
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := f.mine(t, f.vol); got[0].Status != recordcheck.Sent {
		t.Errorf("after a's submit: %+v", got[0])
	}
}

type blocking struct {
	next             dept.Department
	entered, release chan struct{}
}

func (b *blocking) Submit(ctx context.Context, s dept.Submission) (dept.Receipt, error) {
	close(b.entered)
	<-b.release
	return b.next.Submit(ctx, s)
}

func (b *blocking) Status(ctx context.Context, ref string) (dept.Result, error) {
	return b.next.Status(ctx, ref)
}

// TestDecisionFlows: a record found and a rejection reach the volunteer
// with the department's words; a permanent refusal of the submission
// itself closes the application as rejected.
func TestDecisionFlows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		outcome dept.Outcome
		reason  string
		want    recordcheck.Status
	}{
		{"有犯罪记录", dept.RecordFound, "", recordcheck.RecordFound},
		{"不予受理", dept.Rejected, "用途不符合开具范围", recordcheck.Rejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := t.Context()
			c, err := f.svc.Apply(ctx, f.vol, "参加社区服务", true)
			if err != nil {
				t.Fatal(err)
			}
			f.sweep(t)
			if err := f.dev.Decide(ctx, c.ID.String(), tc.outcome, tc.reason, f.staff); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Nudge(ctx, c.ID.String()); err != nil {
				t.Fatal(err)
			}
			f.sweep(t)
			got := f.mine(t, f.vol)[0]
			if got.Status != tc.want || got.Reason != tc.reason {
				t.Errorf("result = %+v, want %s %q", got, tc.want, tc.reason)
			}
		})
	}
	t.Run("部门拒收", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.dept.failures, f.dept.err = 1, &dept.Error{System: dept.System, Code: dept.CodeInvalidIDNumber, Message: "身份证号码无效"}
		if _, err := f.svc.Apply(t.Context(), f.vol, "参加社区服务", true); err != nil {
			t.Fatal(err)
		}
		f.sweep(t)
		got := f.mine(t, f.vol)[0]
		if got.Status != recordcheck.Rejected || got.Reason != "审查部门拒收：身份证号码无效" || got.DecidedAt.IsZero() {
			t.Errorf("after a refusal: %+v", got)
		}
	})
}

func TestDevDecideBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	c, err := f.svc.Apply(ctx, f.vol, "参加社区服务", true)
	if err != nil {
		t.Fatal(err)
	}
	f.sweep(t)
	long := strings.Repeat("字", 201)
	for _, tc := range []struct {
		name    string
		ref     string
		outcome dept.Outcome
		reason  string
		kind    fault.Kind
		code    string
	}{
		{"缺申请", "", dept.Clear, "", fault.Invalid, "REFERENCE_REQUIRED"},
		{"结论无效", c.ID.String(), dept.Pending, "", fault.Invalid, "OUTCOME_INVALID"},
		{"拒绝缺理由", c.ID.String(), dept.Rejected, " ", fault.Invalid, "REASON_REQUIRED"},
		{"理由太长", c.ID.String(), dept.RecordFound, long, fault.Invalid, "REASON_TOO_LONG"},
		{"没有这份申请", uuid.NewString(), dept.Clear, "", fault.NotFound, "SUBMISSION_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.dev.Decide(ctx, tc.ref, tc.outcome, tc.reason, f.staff)
			wantFault(t, "Decide", err, tc.kind, tc.code)
		})
	}
	if pending, _, err := f.dev.Pending(ctx, 0, ""); err != nil || len(pending) != 1 {
		t.Errorf("bad decisions changed the case file: %v %v", pending, err)
	}
	if _, err := f.dev.Status(ctx, uuid.NewString()); !errors.As(err, new(*dept.Error)) || dept.Temporary(err) {
		t.Errorf("Status of an unknown reference = %v, want a permanent NOT_FOUND", err)
	}
}
