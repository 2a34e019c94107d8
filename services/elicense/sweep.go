package elicense

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/fault"
	"yima/outbox"
	"yima/paging"
	"yima/sensitive"
	"yima/services/elicense/library"
	"yima/store"
	"yima/store/db"
)

// Options configures a Service.
type Options struct {
	Store   *store.Store
	Library library.Library
	Cards   Cards
	Now     func() time.Time
	Log     *slog.Logger
	// Every is how often the sweeper looks for due work (15 s when 0).
	Every time.Duration
	// Lease is how long a claimed row is left to its sweeper before
	// another node may take it (2 min when 0).
	Lease time.Duration
	// Backoff is the wait after the n-th failed attempt, the last step
	// the ceiling (30 s, 1 min, 5 min, 15 min, 1 h, each ±20 %, when
	// empty).
	Backoff outbox.Backoff
	// GiveUpAfter is how many failed attempts in a row turn a push from
	// pending to failed; it is still retried at the ceiling (8 when 0).
	GiveUpAfter int
	// Batch bounds the rows one sweep claims (50 when 0).
	Batch int32
}

// Service pushes cards to the library and shows the outbox.
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
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if len(opt.Backoff.Steps) == 0 {
		opt.Backoff = outbox.Backoff{
			Steps:  []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour},
			Jitter: 0.2,
		}
	}
	if opt.GiveUpAfter <= 0 {
		opt.GiveUpAfter = 8
	}
	if opt.Batch <= 0 {
		opt.Batch = 50
	}
	s := &Service{opt: opt}
	s.loop = outbox.NewLoop("e-license", opt.Every, int(opt.Batch), opt.Log, s.Sweep)
	return s
}

// Kick wakes the sweeper of this node without waiting: call it after
// committing an Enqueue. Other nodes find the row on their next sweep.
func (s *Service) Kick() { s.loop.Kick() }

// Run sweeps every Options.Every and whenever kicked, until ctx ends.
func (s *Service) Run(ctx context.Context) { s.loop.Run(ctx) }

// Sweep claims due rows and submits each once. It returns how many it
// claimed. Failures of single rows are recorded on them and retried
// later; the error is for the claim and for rows whose outcome could not
// be recorded.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.opt.Now()
	rows, err := s.opt.Store.Q.ClaimDueElicenses(ctx, db.ClaimDueElicensesParams{
		Now: now, LeaseUntil: now.Add(s.opt.Lease), Lim: s.opt.Batch,
	})
	if err != nil {
		return 0, fmt.Errorf("claim e-licenses: %w", err)
	}
	var errs []error
	for _, r := range rows {
		if err := s.push(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	return len(rows), errors.Join(errs...)
}

// push composes one card from its current issue and submits it.
func (s *Service) push(ctx context.Context, r db.ClaimDueElicensesRow) error {
	l, err := s.opt.Cards.Card(ctx, r.VolunteerID)
	if store.IsNotFound(err) {
		return s.fail(ctx, r, &library.Error{System: library.System, Code: "NO_CARD", Message: "志愿者没有电子志愿者证"})
	}
	if err != nil {
		return s.fail(ctx, r, fmt.Errorf("load card: %w", err))
	}
	rc, err := s.opt.Library.Submit(ctx, library.Submission{
		Reference: r.Reference.String(), VolunteerNo: l.VolunteerNo, Name: l.Name, IDNumber: l.IDNumber,
		Gender: l.Gender, BirthDate: l.BirthDate, IssuedAt: l.IssuedAt, Issuer: l.Issuer,
		Payload: l.Payload, Signature: l.Signature, KeyID: l.KeyID,
	})
	if err != nil {
		return s.fail(ctx, r, err)
	}
	n, err := s.opt.Store.Q.MarkElicenseSynced(ctx, db.MarkElicenseSyncedParams{
		VolunteerID: r.VolunteerID, LeaseToken: r.LeaseToken, LicenseID: rc.LicenseID, At: s.opt.Now(),
	})
	if err != nil {
		return fmt.Errorf("mark e-license of volunteer %s synced: %w", r.VolunteerID, err)
	}
	s.opt.Log.InfoContext(ctx, "e-license synced", "volunteer", r.VolunteerID, "reference", r.Reference,
		"license_id", rc.LicenseID, "duplicate", rc.Duplicate, "recorded", n == 1)
	return nil
}

// fail records a failed attempt: a permanent refusal fails the push until
// a staff member retries it; a temporary one is retried with backoff, and
// after GiveUpAfter attempts the push shows as failed while it is retried
// at the ceiling.
func (s *Service) fail(ctx context.Context, r db.ClaimDueElicensesRow, cause error) error {
	state, next := Pending, pgtype.Timestamptz{}
	if library.Temporary(cause) {
		wait := s.opt.Backoff.After(int(r.Attempts))
		if int(r.Attempts)+1 >= s.opt.GiveUpAfter {
			state = Failed
		}
		next = pgtype.Timestamptz{Time: s.opt.Now().Add(wait), Valid: true}
		s.opt.Log.WarnContext(ctx, "e-license attempt failed; retrying later", "volunteer", r.VolunteerID,
			"reference", r.Reference, "attempt", r.Attempts+1, "state", state, "retry_in", wait, "err", cause)
	} else {
		state = Failed
		s.opt.Log.WarnContext(ctx, "e-license refused by the library; waiting for a manual retry", "volunteer", r.VolunteerID,
			"reference", r.Reference, "err", cause)
	}
	if _, err := s.opt.Store.Q.RecordElicenseFailure(ctx, db.RecordElicenseFailureParams{
		VolunteerID: r.VolunteerID, LeaseToken: r.LeaseToken, State: state, LastError: outbox.ErrorText(cause), NextAt: next,
	}); err != nil {
		return fmt.Errorf("record failure of e-license of volunteer %s: %w", r.VolunteerID, err)
	}
	return nil
}

// Entry is one row of the outbox as the console shows it.
type Entry struct {
	Status
	VolunteerID uuid.UUID
	VolunteerNo string
	// Name is masked.
	Name      string
	Reference uuid.UUID
	// NextAt is zero when nothing is due.
	NextAt    time.Time
	UpdatedAt time.Time
}

// List returns the outbox, latest change first, in one state or all (""),
// of one volunteer number or all (""),
// and the next page's token. Errors: invalid_argument (STATE_INVALID,
// PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (s *Service) List(ctx context.Context, state, volunteerNo string, size int32, token string) ([]Entry, string, error) {
	switch state {
	case "", Pending, Synced, Failed:
	default:
		return nil, "", fault.InvalidField("state", "STATE_INVALID", "状态无效")
	}
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListElicenseSubmissions(ctx, db.ListElicenseSubmissionsParams{
		State: state, VolunteerNo: strings.TrimSpace(volunteerNo), Lim: pg.Fetch(), Off: pg.Offset,
	})
	if err != nil {
		return nil, "", fmt.Errorf("list e-licenses: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = entryOf(db.ElicenseSubmission{
			VolunteerID: r.VolunteerID, Reference: r.Reference, State: r.State, LicenseID: r.LicenseID, Attempts: r.Attempts,
			NextAt: r.NextAt, LastError: r.LastError, SyncedAt: r.SyncedAt, UpdatedAt: r.UpdatedAt,
		})
		out[i].VolunteerNo, out[i].Name = r.VolunteerNo, sensitive.MaskName(r.Name)
	}
	return out, next, nil
}

// Retry makes a failed push due now, counting afresh, and wakes the
// sweeper. Errors: not_found (SUBMISSION_NOT_FOUND), failed_precondition
// (SUBMISSION_NOT_FAILED).
func (s *Service) Retry(ctx context.Context, volunteer uuid.UUID) (Entry, error) {
	r, err := s.opt.Store.Q.RetryFailedElicense(ctx, db.RetryFailedElicenseParams{VolunteerID: volunteer, Now: s.opt.Now()})
	if store.IsNotFound(err) {
		st, err := StatusOf(ctx, s.opt.Store.Q, volunteer)
		if err != nil {
			return Entry{}, err
		}
		if st.State == "" {
			return Entry{}, fault.New(fault.NotFound, "SUBMISSION_NOT_FOUND", "没有该志愿者的电子证照推送记录")
		}
		return Entry{}, fault.New(fault.FailedPrecondition, "SUBMISSION_NOT_FAILED", "只有推送失败的记录可以重试")
	}
	if err != nil {
		return Entry{}, fmt.Errorf("retry e-license of volunteer %s: %w", volunteer, err)
	}
	s.opt.Log.InfoContext(ctx, "e-license retried by hand", "volunteer", volunteer, "reference", r.Reference)
	s.Kick()
	return entryOf(r), nil
}

func entryOf(r db.ElicenseSubmission) Entry {
	e := Entry{Status: statusOf(r), VolunteerID: r.VolunteerID, Reference: r.Reference, UpdatedAt: r.UpdatedAt}
	if r.NextAt.Valid {
		e.NextAt = r.NextAt.Time
	}
	return e
}
