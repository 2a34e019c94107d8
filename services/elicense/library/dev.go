package library

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// MaxDevFailures bounds how many submissions the dev library can be told
// to refuse at once.
const MaxDevFailures = 100

// Dev is the library `yima dev` submits to: it keeps every card in
// elicense.dev_license (name and ID number masked, the payload as its
// digest), logs it, and answers a repeated reference with the first
// license, as the library shape asks. Told so on the console
// (SetFault), it refuses the next submissions, so that one can watch the
// sweeper back off and retry, or give up.
type Dev struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

var _ Library = (*Dev)(nil)

// NewDev returns the dev library writing to st.
func NewDev(st *store.Store, log *slog.Logger, now func() time.Time) *Dev {
	if now == nil {
		now = time.Now
	}
	return &Dev{st: st, log: log, now: now}
}

// Submit files a card, or answers the first license again for a reference
// it already took.
func (d *Dev) Submit(ctx context.Context, s Submission) (Receipt, error) {
	ref, err := uuid.Parse(s.Reference)
	switch {
	case err != nil || s.VolunteerNo == "" || s.Name == "" || s.Issuer == "" || s.IssuedAt.IsZero():
		return Receipt{}, &Error{System: System, Code: CodeInvalidRequest, Message: "reference, license_no, holder name, issuer and issued_at are required"}
	case len(s.IDNumber) != 18:
		return Receipt{}, &Error{System: System, Code: CodeInvalidIDNumber, Message: "身份证号码无效"}
	case len(s.Payload) == 0 || len(s.Signature) == 0 || s.KeyID == "":
		return Receipt{}, &Error{System: System, Code: CodeInvalidSignature, Message: "证照签名缺失"}
	}
	permanent, err := d.st.Q.TakeDevElicenseFault(ctx)
	switch {
	case err == nil && permanent:
		d.log.WarnContext(ctx, "dev e-license library: refusing a submission for good, as told on the console", "reference", s.Reference)
		return Receipt{}, &Error{System: System, Code: CodeInvalidRequest, Message: "开发证照库按控制台设置拒收"}
	case err == nil:
		d.log.WarnContext(ctx, "dev e-license library: refusing a submission for now, as told on the console", "reference", s.Reference)
		return Receipt{}, &Error{System: System, Code: CodeBusy, Message: "开发证照库按控制台设置暂时拒收", Temporary: true}
	case !store.IsNotFound(err):
		return Receipt{}, fmt.Errorf("dev e-license library: read fault: %w", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	sum := sha256.Sum256(s.Payload)
	row, err := d.st.Q.InsertDevLicense(ctx, db.InsertDevLicenseParams{
		Reference: ref, LicenseID: "dev-zz-" + hex.EncodeToString(b[:]), VolunteerNo: s.VolunteerNo,
		NameMasked: sensitive.MaskName(s.Name), IDNumberMasked: sensitive.MaskIDNumber(s.IDNumber),
		Issuer: s.Issuer, IssuedAt: s.IssuedAt, KeyID: s.KeyID, PayloadSha256: hex.EncodeToString(sum[:]),
		ReceivedAt: d.now(),
	})
	if store.IsNotFound(err) {
		first, err := d.st.Q.GetDevLicense(ctx, ref)
		if err != nil {
			return Receipt{}, fmt.Errorf("dev e-license library: load %s: %w", ref, err)
		}
		d.log.InfoContext(ctx, "dev e-license library: repeated reference, not filed again", "reference", ref, "license_id", first.LicenseID)
		return Receipt{LicenseID: first.LicenseID, Duplicate: true}, nil
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("dev e-license library: record: %w", err)
	}
	d.log.InfoContext(ctx, "dev e-license library: card filed", "reference", ref, "license_id", row.LicenseID,
		"volunteer_no", row.VolunteerNo, "name", row.NameMasked)
	return Receipt{LicenseID: row.LicenseID}, nil
}

// List returns the cards received, newest first, of one volunteer number
// or all (""), and the next page's token. Errors: invalid_argument
// (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (d *Dev) List(ctx context.Context, volunteerNo string, size int32, token string) ([]db.ElicenseDevLicense, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.st.Q.ListDevLicenses(ctx, db.ListDevLicensesParams{
		VolunteerNo: strings.TrimSpace(volunteerNo), Lim: pg.Fetch(), Off: pg.Offset,
	})
	if err != nil {
		return nil, "", fmt.Errorf("list dev licenses: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	return rows, next, nil
}

// Fault answers how many submissions the dev library still refuses, and
// whether for good.
func (d *Dev) Fault(ctx context.Context) (int, bool, error) {
	f, err := d.st.Q.GetDevElicenseFault(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("read dev e-license fault: %w", err)
	}
	return int(f.Remaining), f.Permanent, nil
}

// SetFault makes the dev library refuse its next n submissions, for good
// or for now; 0 ends it. Errors: invalid_argument (FAILURES_INVALID).
func (d *Dev) SetFault(ctx context.Context, n int, permanent bool) error {
	if n < 0 || n > MaxDevFailures {
		return fault.InvalidField("failures", "FAILURES_INVALID", fmt.Sprintf("失败次数应在0到%d之间", MaxDevFailures))
	}
	if _, err := d.st.Q.SetDevElicenseFault(ctx, db.SetDevElicenseFaultParams{Remaining: int32(n), Permanent: permanent}); err != nil {
		return fmt.Errorf("set dev e-license fault: %w", err)
	}
	d.log.InfoContext(ctx, "dev e-license library: refusing the next submissions", "count", n, "permanent", permanent)
	return nil
}
