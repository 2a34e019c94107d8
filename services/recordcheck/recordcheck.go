// Package recordcheck owns no-criminal-record certificate applications
// (V6): a volunteer applies, the application is committed at once, and a
// sweeper hands it to the responsible department through package dept,
// retrying with backoff until the department takes it, then polls the
// department until it decides. The volunteer reads the status and result
// online.
package recordcheck

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/outbox"
	"yima/paging"
	"yima/sensitive"
	"yima/services/identity"
	"yima/services/recordcheck/dept"
	"yima/store"
	"yima/store/db"
)

// Status is where an application stands.
type Status string

// The statuses: submitted → sent → clear | record_found | rejected.
const (
	Submitted   Status = "submitted"
	Sent        Status = "sent"
	Clear       Status = "clear"
	RecordFound Status = "record_found"
	Rejected    Status = "rejected"
)

// Check is one application and its result.
type Check struct {
	ID          uuid.UUID
	Purpose     string
	Status      Status
	Reason      string
	SubmittedAt time.Time
	// SentAt and DecidedAt are zero until then.
	SentAt    time.Time
	DecidedAt time.Time
}

// Options configures a Service.
type Options struct {
	Store      *store.Store
	Box        *sensitive.Box
	Department dept.Department
	Now        func() time.Time
	Log        *slog.Logger
	// Every is how often the sweeper looks for due work (15 s when 0).
	Every time.Duration
	// PollEvery is how long after a pending answer the department is
	// asked again (10 min when 0).
	PollEvery time.Duration
	// Lease is how long a claimed application is left to its sweeper
	// before another node may take it (2 min when 0).
	Lease time.Duration
	// Backoff is the wait after the n-th failed attempt; the last one
	// repeats (30 s, 1 min, 5 min, 15 min, 1 h when empty).
	Backoff []time.Duration
	// Batch bounds the applications one sweep claims (50 when 0).
	Batch int32
}

// Service serves record-check applications.
type Service struct {
	opt  Options
	loop *outbox.Loop
}

// New returns a Service.
func New(opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Every <= 0 {
		opt.Every = 15 * time.Second
	}
	if opt.PollEvery <= 0 {
		opt.PollEvery = 10 * time.Minute
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if len(opt.Backoff) == 0 {
		opt.Backoff = []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}
	}
	if opt.Batch <= 0 {
		opt.Batch = 50
	}
	s := &Service{opt: opt}
	s.loop = outbox.NewLoop("record check", opt.Every, int(opt.Batch), opt.Log, s.Sweep)
	return s
}

// maxPurpose bounds the purpose in characters.
const maxPurpose = dept.MaxPurpose

// Apply commits an application of the calling volunteer and wakes the
// sweeper to submit it. Errors: invalid_argument (PURPOSE_REQUIRED,
// PURPOSE_TOO_LONG, CONSENT_REQUIRED), permission_denied
// (NOT_A_VOLUNTEER), conflict (APPLICATION_OPEN).
func (s *Service) Apply(ctx context.Context, p *access.Principal, purpose string, consent bool) (Check, error) {
	purpose = strings.TrimSpace(purpose)
	switch {
	case purpose == "":
		return Check{}, fault.InvalidField("purpose", "PURPOSE_REQUIRED", "请填写申请用途")
	case utf8.RuneCountInString(purpose) > maxPurpose:
		return Check{}, fault.InvalidField("purpose", "PURPOSE_TOO_LONG", fmt.Sprintf("申请用途不能超过%d个字", maxPurpose))
	case !consent:
		return Check{}, fault.InvalidField("consent", "CONSENT_REQUIRED", "请先同意将姓名和身份证号码提交给审查部门")
	}
	vid, err := s.volunteerOf(ctx, p)
	if err != nil {
		return Check{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Check{}, fmt.Errorf("new application id: %w", err)
	}
	row, err := s.opt.Store.Q.CreateRecordCheck(ctx, db.CreateRecordCheckParams{
		ID: id, VolunteerID: vid, PersonID: p.PersonID, Purpose: purpose, At: s.opt.Now(),
	})
	if store.ConstraintViolated(err) == "application_open" {
		return Check{}, fault.New(fault.Conflict, "APPLICATION_OPEN", "您有一份无犯罪记录证明申请正在办理中")
	}
	if err != nil {
		return Check{}, fmt.Errorf("create record check: %w", err)
	}
	s.Kick()
	return checkOf(row), nil
}

// ListMine returns the calling volunteer's applications, newest first,
// and the next page's token. Errors: invalid_argument (PAGE_SIZE_INVALID,
// PAGE_TOKEN_INVALID), permission_denied (NOT_A_VOLUNTEER).
func (s *Service) ListMine(ctx context.Context, p *access.Principal, size int32, token string) ([]Check, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	vid, err := s.volunteerOf(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListRecordChecksByVolunteer(ctx, db.ListRecordChecksByVolunteerParams{VolunteerID: vid, Lim: pg.Fetch(), Off: pg.Offset})
	if err != nil {
		return nil, "", fmt.Errorf("list record checks: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Check, len(rows))
	for i, r := range rows {
		out[i] = checkOf(r)
	}
	return out, next, nil
}

// Nudge makes an open application due now and wakes the sweeper: the
// department let it be known that it decided (the dev department does on
// every decision). An unknown or closed reference does nothing.
func (s *Service) Nudge(ctx context.Context, reference string) error {
	id, err := uuid.Parse(reference)
	if err != nil {
		return nil
	}
	if _, err := s.opt.Store.Q.PollRecordCheckAt(ctx, db.PollRecordCheckAtParams{ID: id, NextAt: s.opt.Now()}); err != nil {
		return fmt.Errorf("nudge record check: %w", err)
	}
	s.Kick()
	return nil
}

// Kick wakes the sweeper of this node without waiting.
func (s *Service) Kick() { s.loop.Kick() }

// Run sweeps every Options.Every and whenever kicked, until ctx ends.
func (s *Service) Run(ctx context.Context) { s.loop.Run(ctx) }

// Sweep claims due open applications and works each once: a submitted one
// is submitted to the department, a sent one polled. It returns how many
// it claimed. Failures of single applications are recorded on them and
// retried later; the error is for the claim itself.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.opt.Now()
	rows, err := s.opt.Store.Q.ClaimDueRecordChecks(ctx, db.ClaimDueRecordChecksParams{
		Now: now, LeaseUntil: now.Add(s.opt.Lease), Lim: s.opt.Batch,
	})
	if err != nil {
		return 0, fmt.Errorf("claim record checks: %w", err)
	}
	var errs []error
	for _, r := range rows {
		var err error
		switch Status(r.Status) {
		case Submitted:
			err = s.submit(ctx, r)
		case Sent:
			err = s.poll(ctx, r)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return len(rows), errors.Join(errs...)
}

// submit hands one application to the department.
func (s *Service) submit(ctx context.Context, r db.ClaimDueRecordChecksRow) error {
	if r.IDNumberEnc == nil {
		return s.decide(ctx, r.ID, Rejected, "缺少身份证号码，无法提交审查部门")
	}
	idNumber, err := s.opt.Box.Open(identity.FieldIDNumber, r.IDNumberEnc)
	if err != nil {
		return s.retry(ctx, r, fmt.Errorf("decrypt id number: %w", err))
	}
	rc, err := s.opt.Department.Submit(ctx, dept.Submission{
		Reference: r.ID.String(), Name: r.Name, IDNumber: idNumber, Purpose: r.Purpose,
	})
	if err != nil {
		if dept.Temporary(err) {
			return s.retry(ctx, r, err)
		}
		s.opt.Log.WarnContext(ctx, "record check refused by the department", "application", r.ID, "err", err)
		var de *dept.Error
		errors.As(err, &de)
		return s.decide(ctx, r.ID, Rejected, "审查部门拒收："+refusalText(de))
	}
	now := s.opt.Now()
	if _, err := s.opt.Store.Q.MarkRecordCheckSent(ctx, db.MarkRecordCheckSentParams{
		ID: r.ID, At: now, DeptCaseID: rc.CaseID, NextAt: now.Add(s.opt.PollEvery),
	}); err != nil {
		return fmt.Errorf("mark record check %s sent: %w", r.ID, err)
	}
	s.opt.Log.InfoContext(ctx, "record check submitted", "application", r.ID, "case_id", rc.CaseID, "duplicate", rc.Duplicate)
	return nil
}

// refusalText is what a volunteer reads of a permanent refusal.
func refusalText(e *dept.Error) string {
	if e == nil {
		return "未说明原因"
	}
	if e.Message != "" {
		return e.Message
	}
	return e.Code
}

// poll asks the department about one sent application.
func (s *Service) poll(ctx context.Context, r db.ClaimDueRecordChecksRow) error {
	res, err := s.opt.Department.Status(ctx, r.ID.String())
	if err != nil {
		return s.retry(ctx, r, err)
	}
	switch res.Outcome {
	case dept.Pending:
		if _, err := s.opt.Store.Q.PollRecordCheckAt(ctx, db.PollRecordCheckAtParams{ID: r.ID, NextAt: s.opt.Now().Add(s.opt.PollEvery)}); err != nil {
			return fmt.Errorf("reschedule record check %s: %w", r.ID, err)
		}
		return nil
	case dept.Clear:
		return s.decide(ctx, r.ID, Clear, res.Reason)
	case dept.RecordFound:
		return s.decide(ctx, r.ID, RecordFound, res.Reason)
	default:
		return s.decide(ctx, r.ID, Rejected, res.Reason)
	}
}

// decide records a result.
func (s *Service) decide(ctx context.Context, id uuid.UUID, st Status, reason string) error {
	if _, err := s.opt.Store.Q.DecideRecordCheck(ctx, db.DecideRecordCheckParams{
		ID: id, NewStatus: string(st), Reason: reason, At: s.opt.Now(),
	}); err != nil {
		return fmt.Errorf("record result of record check %s: %w", id, err)
	}
	s.opt.Log.InfoContext(ctx, "record check decided", "application", id, "status", st)
	return nil
}

// retry records a failed attempt and when to try again.
func (s *Service) retry(ctx context.Context, r db.ClaimDueRecordChecksRow, cause error) error {
	wait := outbox.Backoff{Steps: s.opt.Backoff}.After(int(r.Attempts))
	s.opt.Log.WarnContext(ctx, "record check attempt failed; retrying later", "application", r.ID, "status", r.Status,
		"attempt", r.Attempts+1, "retry_in", wait, "err", cause)
	if _, err := s.opt.Store.Q.RetryRecordCheck(ctx, db.RetryRecordCheckParams{
		ID: r.ID, Status: r.Status, LastError: outbox.ErrorText(cause), NextAt: s.opt.Now().Add(wait),
	}); err != nil {
		return fmt.Errorf("reschedule record check %s: %w", r.ID, err)
	}
	return nil
}

// volunteerOf is the caller's volunteer id. Errors: permission_denied
// (NOT_A_VOLUNTEER).
func (s *Service) volunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	notVolunteer := fault.New(fault.PermissionDenied, "NOT_A_VOLUNTEER", "请以志愿者身份操作")
	if p == nil || p.Kind != access.KindVolunteer {
		return uuid.Nil, notVolunteer
	}
	vid, err := s.opt.Store.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return uuid.Nil, notVolunteer
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find volunteer: %w", err)
	}
	return vid, nil
}

func checkOf(r db.RecordcheckApplication) Check {
	c := Check{ID: r.ID, Purpose: r.Purpose, Status: Status(r.Status), Reason: r.Reason, SubmittedAt: r.SubmittedAt}
	if r.SentAt.Valid {
		c.SentAt = r.SentAt.Time
	}
	if r.DecidedAt.Valid {
		c.DecidedAt = r.DecidedAt.Time
	}
	return c
}
