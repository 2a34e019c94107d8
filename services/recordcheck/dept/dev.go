package dept

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// MaxReason bounds a dev decision's reason in characters.
const MaxReason = 200

// Dev is the department `yima dev` submits to: it keeps every submission
// in recordcheck.dev_submission (name and ID number masked), logs it, and
// answers the status a back-office user decided on the console — one case
// per reference, as the department shape asks.
type Dev struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

var _ Department = (*Dev)(nil)

// NewDev returns the dev department writing to st.
func NewDev(st *store.Store, log *slog.Logger, now func() time.Time) *Dev {
	if now == nil {
		now = time.Now
	}
	return &Dev{st: st, log: log, now: now}
}

// Submit files a case, or answers the first case again for a reference
// it already took.
func (d *Dev) Submit(ctx context.Context, s Submission) (Receipt, error) {
	switch {
	case s.Reference == "" || s.Name == "" || s.Purpose == "":
		return Receipt{}, &Error{System: System, Code: CodeInvalidRequest, Message: "reference, name and purpose are required"}
	case len(s.IDNumber) != 18:
		return Receipt{}, &Error{System: System, Code: CodeInvalidIDNumber, Message: "身份证号码无效"}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	row, err := d.st.Q.InsertDevRecordSubmission(ctx, db.InsertDevRecordSubmissionParams{
		Reference: s.Reference, CaseID: "dev-" + hex.EncodeToString(b[:]),
		NameMasked: sensitive.MaskName(s.Name), IDNumberMasked: sensitive.MaskIDNumber(s.IDNumber),
		Purpose: s.Purpose, ReceivedAt: d.now(),
	})
	if store.IsNotFound(err) {
		first, err := d.st.Q.GetDevRecordSubmission(ctx, s.Reference)
		if err != nil {
			return Receipt{}, fmt.Errorf("dev record-check department: load %s: %w", s.Reference, err)
		}
		d.log.InfoContext(ctx, "dev record-check department: repeated reference, not filed again", "reference", s.Reference, "case_id", first.CaseID)
		return Receipt{CaseID: first.CaseID, Duplicate: true}, nil
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("dev record-check department: record: %w", err)
	}
	d.log.InfoContext(ctx, "dev record-check department: case filed, decide it on the console",
		"reference", s.Reference, "case_id", row.CaseID, "name", row.NameMasked)
	return Receipt{CaseID: row.CaseID}, nil
}

// Status answers the decision entered for a case, or pending.
func (d *Dev) Status(ctx context.Context, reference string) (Result, error) {
	row, err := d.st.Q.GetDevRecordSubmission(ctx, reference)
	if store.IsNotFound(err) {
		return Result{}, &Error{System: System, Code: CodeNotFound, Message: "no such case"}
	}
	if err != nil {
		return Result{}, fmt.Errorf("dev record-check department: load %s: %w", reference, err)
	}
	r := Result{Outcome: Outcome(row.Status), Reason: row.Reason}
	if row.DecidedAt.Valid {
		r.DecidedAt = row.DecidedAt.Time
	}
	return r, nil
}

// DevSubmission is a case the dev department holds.
type DevSubmission struct {
	Reference      string
	CaseID         string
	NameMasked     string
	IDNumberMasked string
	Purpose        string
	ReceivedAt     time.Time
}

// Pending lists the undecided cases, oldest first, and the next page's
// token. Errors: invalid_argument (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (d *Dev) Pending(ctx context.Context, size int32, token string) ([]DevSubmission, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.st.Q.ListPendingDevRecordSubmissions(ctx, db.ListPendingDevRecordSubmissionsParams{Lim: pg.Fetch(), Off: pg.Offset})
	if err != nil {
		return nil, "", fmt.Errorf("list dev record-check submissions: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]DevSubmission, len(rows))
	for i, r := range rows {
		out[i] = DevSubmission{Reference: r.Reference, CaseID: r.CaseID, NameMasked: r.NameMasked,
			IDNumberMasked: r.IDNumberMasked, Purpose: r.Purpose, ReceivedAt: r.ReceivedAt}
	}
	return out, next, nil
}

// Decide enters the decision on a pending case, made by the staff account
// by. Errors: invalid_argument (REFERENCE_REQUIRED, OUTCOME_INVALID,
// REASON_REQUIRED, REASON_TOO_LONG), not_found (SUBMISSION_NOT_FOUND),
// conflict (ALREADY_DECIDED).
func (d *Dev) Decide(ctx context.Context, reference string, o Outcome, reason string, by uuid.UUID) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reference == "":
		return fault.InvalidField("reference", "REFERENCE_REQUIRED", "请指定申请")
	case o != Clear && o != RecordFound && o != Rejected:
		return fault.InvalidField("outcome", "OUTCOME_INVALID", "审查结论无效")
	case o == Rejected && reason == "":
		return fault.InvalidField("reason", "REASON_REQUIRED", "不予受理须说明理由")
	case utf8.RuneCountInString(reason) > MaxReason:
		return fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("理由不能超过%d个字", MaxReason))
	}
	n, err := d.st.Q.DecideDevRecordSubmission(ctx, db.DecideDevRecordSubmissionParams{
		Reference: reference, Status: string(o), Reason: reason, At: d.now(), DecidedBy: uuid.NullUUID{UUID: by, Valid: by != uuid.Nil},
	})
	if err != nil {
		return fmt.Errorf("decide dev record-check submission: %w", err)
	}
	if n == 1 {
		d.log.InfoContext(ctx, "dev record-check department: decided", "reference", reference, "outcome", o)
		return nil
	}
	if _, err := d.st.Q.GetDevRecordSubmission(ctx, reference); store.IsNotFound(err) {
		return fault.New(fault.NotFound, "SUBMISSION_NOT_FOUND", "开发审查部门没有这份申请")
	} else if err != nil {
		return fmt.Errorf("load dev record-check submission: %w", err)
	}
	return fault.New(fault.Conflict, "ALREADY_DECIDED", "这份申请已有结论")
}
