// Package dept is yima's adapter to the department that issues
// no-criminal-record certificates: the Department interface the record
// check sweeper talks through, the production HTTP client of the JSON
// shape documented in docs/adapters.md ("Record-check department"), and
// the dev department `yima dev` uses instead, whose decisions a
// back-office user enters by hand.
//
// Every submission carries yima's reference (the application id). A
// department must take a given reference at most once and answer a repeat
// with the first case: that is what lets the sweeper retry after a timeout
// or a crash without filing a case twice.
package dept

import (
	"context"
	"time"

	"yima/signedhttp"
)

// Department takes applications and answers their status.
type Department interface {
	// Submit files one application. A *Error says the department refused
	// it; any other error (timeout, connection lost) leaves it unknown
	// whether the case was filed, and the caller retries with the same
	// Reference.
	Submit(ctx context.Context, s Submission) (Receipt, error)
	// Status answers where the application with this reference stands.
	// Errors: *Error (NOT_FOUND for a reference the department never
	// took), or a transport error.
	Status(ctx context.Context, reference string) (Result, error)
}

// Submission is one application to the department.
type Submission struct {
	// Reference is yima's idempotency key: the application id.
	Reference string
	// Name and IDNumber identify the applicant; IDNumber is in clear and
	// must not be logged.
	Name     string
	IDNumber string
	// Purpose is what the certificate is for.
	Purpose string
}

// Receipt is the department's acceptance of a submission.
type Receipt struct {
	// CaseID is the department's id of the case.
	CaseID string
	// Duplicate says the department had taken this reference before.
	Duplicate bool
}

// Outcome is where a case stands at the department.
type Outcome string

// The outcomes.
const (
	Pending     Outcome = "pending"
	Clear       Outcome = "clear"
	RecordFound Outcome = "record_found"
	Rejected    Outcome = "rejected"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case Pending, Clear, RecordFound, Rejected:
		return true
	}
	return false
}

// Result is the department's answer on one case.
type Result struct {
	Outcome Outcome
	// Reason is the department's words for a rejection or a record.
	Reason string
	// DecidedAt is when the department decided; zero while pending.
	DecidedAt time.Time
}

// System names the department in its errors.
const System = "record-check department"

// Error is a department's refusal, its System the department's name: Code
// is the department's error code, e.g. INVALID_ID_NUMBER, or HTTP_503 when
// it answered no code.
type Error = signedhttp.Error

// Temporary reports whether an error may pass on a retry: a temporary
// refusal, or an error that leaves the outcome unknown (timeouts, lost
// connections), which a retry with the same reference settles.
func Temporary(err error) bool { return signedhttp.Temporary(err) }

// Codes the department shape defines (docs/adapters.md).
const (
	CodeOK              = signedhttp.CodeOK
	CodeInvalidRequest  = "INVALID_REQUEST"
	CodeInvalidIDNumber = "INVALID_ID_NUMBER"
	CodeNotFound        = "NOT_FOUND"
	CodeAuthFailed      = signedhttp.CodeAuthFailed
	CodeThrottled       = signedhttp.CodeThrottled
	CodeBusy            = signedhttp.CodeBusy
)

// MaxPurpose bounds the purpose in characters.
const MaxPurpose = 200
