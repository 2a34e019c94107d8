// Package library is yima's adapter to the city e-license library
// (市电子证照库): the Library interface the e-license sweeper talks
// through, the production HTTP client of the JSON shape documented in
// docs/adapters.md ("City e-license library"), and the dev library `yima
// dev` uses instead, which keeps what it receives for the console.
//
// Every submission carries yima's reference. A library must take a given
// reference at most once and answer a repeat with the first license: that
// is what lets the sweeper retry after a timeout, a crash or an expired
// lease without filing a card twice.
package library

import (
	"context"
	"time"

	"yima/signedhttp"
)

// Library takes volunteer cards.
type Library interface {
	// Submit files one card. A *Error says the library refused it; any
	// other error (timeout, connection lost) leaves it unknown whether the
	// card was filed, and the caller retries with the same Reference.
	Submit(ctx context.Context, s Submission) (Receipt, error)
}

// LicenseType is the library's catalogue code of the card
// (上海市志愿者证).
const LicenseType = "SH_VOLUNTEER_CARD"

// Submission is one card as the library receives it.
type Submission struct {
	// Reference is yima's idempotency key, new for each issue of a card.
	Reference   string
	VolunteerNo string
	// Name and IDNumber identify the holder; IDNumber is in clear and must
	// not be logged.
	Name      string
	IDNumber  string
	Gender    string
	BirthDate time.Time
	IssuedAt  time.Time
	Issuer    string
	// Payload is the card's signed content, Signature its SM2 signature
	// under the key KeyID: the library keeps them to verify the card.
	Payload   []byte
	Signature []byte
	KeyID     string
}

// Receipt is the library's acceptance of a card.
type Receipt struct {
	// LicenseID is the library's id of the card.
	LicenseID string
	// Duplicate says the library had taken this reference before.
	Duplicate bool
}

// System names the library in its errors.
const System = "e-license library"

// Error is a library's refusal, its System the library's name: Code is the
// library's error code, e.g. INVALID_ID_NUMBER, or HTTP_503 when it
// answered no code.
type Error = signedhttp.Error

// Temporary reports whether an error may pass on a retry: a temporary
// refusal, or an error that leaves the outcome unknown (timeouts, lost
// connections), which a retry with the same reference settles.
func Temporary(err error) bool { return signedhttp.Temporary(err) }

// Codes the library shape defines (docs/adapters.md).
const (
	CodeOK               = signedhttp.CodeOK
	CodeInvalidRequest   = "INVALID_REQUEST"
	CodeInvalidIDNumber  = "INVALID_ID_NUMBER"
	CodeInvalidSignature = "INVALID_SIGNATURE"
	CodeAuthFailed       = signedhttp.CodeAuthFailed
	CodeThrottled        = signedhttp.CodeThrottled
	CodeBusy             = signedhttp.CodeBusy
)
