// Package sms is yima's adapter to the SMS gateway: the Gateway interface
// the dispatcher sends through, the production HTTP client of the JSON
// shape documented in docs/adapters.md ("SMS gateway"), and the dev
// gateway `yima dev` uses instead, which records every text in the
// database for the console and logs it.
//
// Every text carries an out_id, yima's idempotency key for one message to
// one person. A gateway must send a given out_id at most once and answer a
// repeat with the first gateway id: that is what lets the dispatcher retry
// after a timeout or a crash without sending a text twice.
package sms

import (
	"context"
	"regexp"

	"yima/signedhttp"
)

// Gateway sends text messages.
type Gateway interface {
	// Send hands one text to the gateway. A *Error says the gateway refused
	// it; any other error (timeout, connection lost) leaves it unknown
	// whether the text went out, and the caller retries with the same
	// OutID.
	Send(ctx context.Context, m Message) (Receipt, error)
}

// Message is one text to one phone.
type Message struct {
	// OutID is the idempotency key: the same OutID is sent at most once.
	OutID string
	// Phone is a mainland mobile number, 11 digits.
	Phone string
	// Text is the whole text, signature included.
	Text string
}

// Receipt is the gateway's acceptance of a text.
type Receipt struct {
	// ID is the gateway's message id.
	ID string
	// Duplicate says the gateway had accepted this OutID before and did
	// not send it again.
	Duplicate bool
}

// System names the gateway in its errors.
const System = "sms gateway"

// Error is a gateway's refusal of a text, its System the gateway's name:
// Code is the gateway's error code, e.g. INVALID_PHONE, or HTTP_503 when
// the gateway answered no code.
type Error = signedhttp.Error

// Temporary reports whether a Send error may pass on a retry: a temporary
// refusal, or an error that leaves the text's fate unknown (timeouts,
// lost connections), which a retry with the same OutID settles.
func Temporary(err error) bool { return signedhttp.Temporary(err) }

// Codes the gateway shape defines (docs/adapters.md). Others may come.
const (
	CodeOK              = signedhttp.CodeOK
	CodeInvalidPhone    = "INVALID_PHONE"
	CodeTextTooLong     = "TEXT_TOO_LONG"
	CodeContentRejected = "CONTENT_REJECTED"
	CodePhoneBlocked    = "PHONE_BLOCKED"
	CodeInvalidRequest  = "INVALID_REQUEST"
	CodeAuthFailed      = signedhttp.CodeAuthFailed
	CodeThrottled       = signedhttp.CodeThrottled
	CodeBusy            = signedhttp.CodeBusy
)

// MaxText bounds a text in characters, signature included.
const MaxText = 520

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// ValidPhone reports whether p is a mainland mobile number.
func ValidPhone(p string) bool { return mobile.MatchString(p) }
