package signedhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Codes every system's answers share (docs/adapters.md); Call reads them.
const (
	CodeOK         = "OK"
	CodeAuthFailed = "AUTH_FAILED"
	CodeThrottled  = "THROTTLED"
	CodeBusy       = "BUSY"
)

// Error is an outside system's refusal.
type Error struct {
	// System names the system, e.g. "sms gateway".
	System string
	// Code is the system's error code, e.g. INVALID_ID_NUMBER, or HTTP_503
	// when it answered no code.
	Code string
	// Message is the system's explanation.
	Message string
	// Temporary says a later retry may succeed (throttled, busy, down).
	Temporary bool
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.System + ": " + e.Code
	}
	return fmt.Sprintf("%s: %s: %s", e.System, e.Code, e.Message)
}

// Temporary reports whether an error may pass on a retry: a temporary
// refusal, or an error that leaves the outcome unknown (timeouts, lost
// connections), which a retry with the same idempotency key settles.
func Temporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return err != nil
}

// Answer is the envelope of every answer, success or not. An adapter's
// answer types embed it.
type Answer struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Envelope is the Answer itself; a type embedding Answer thereby has it,
// which is how Call reads the code of any Reply.
func (a *Answer) Envelope() *Answer { return a }

// Reply is an adapter's answer type: a struct embedding Answer, with the
// fields of one call's success.
type Reply interface {
	Envelope() *Answer
	// Complete reports whether a success carries what the call needs (an
	// id, a known status).
	Complete() bool
}

// Call sends one signed request, as Do does, and decodes the answer into
// out. It returns the answer's status, and nil when the answer is a
// success: a 2xx with the code OK that is Complete. Anything else is a
// *Error:
//
//   - an answer without a readable code, or an OK that is not a success,
//     is HTTP_<status> with the system's message, "unreadable answer", or
//     else incomplete (e.g. "answer without msg_id"). Such an answer says
//     nothing about the request, so it is temporary when the status leaves
//     hope: a 2xx (the system may have acted; a retry with the same key
//     tells), 401/403 (credentials an operator fixes while yima retries),
//     429, 5xx.
//   - a code is the system's own refusal, temporary for 429, 5xx and the
//     codes THROTTLED, BUSY and AUTH_FAILED (a configuration fault an
//     operator fixes while yima retries); other codes are permanent.
//
// Timeouts and transport errors come back as Do returns them.
func (c *Client) Call(ctx context.Context, method string, u *url.URL, body []byte, out Reply, incomplete string) (int, error) {
	status, raw, err := c.Do(ctx, method, u, body)
	if err != nil {
		return 0, err
	}
	decodeErr := json.Unmarshal(raw, out)
	a := out.Envelope()
	if status/100 == 2 && decodeErr == nil && a.Code == CodeOK && out.Complete() {
		return status, nil
	}
	e := &Error{System: c.system, Code: a.Code, Message: a.Message}
	if decodeErr != nil || e.Code == "" || (status/100 == 2 && e.Code == CodeOK) {
		e.Code = "HTTP_" + strconv.Itoa(status)
		switch {
		case decodeErr != nil:
			e.Message = "unreadable answer"
		case e.Message == "":
			e.Message = incomplete
		}
		e.Temporary = status/100 == 2 || status == http.StatusTooManyRequests || status >= 500 ||
			status == http.StatusUnauthorized || status == http.StatusForbidden
		return status, e
	}
	e.Temporary = status == http.StatusTooManyRequests || status >= 500 ||
		e.Code == CodeThrottled || e.Code == CodeBusy || e.Code == CodeAuthFailed
	return status, e
}
