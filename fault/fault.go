// Package fault is yima's small error vocabulary. Services return a *Error
// with a kind, a stable machine-readable reason the pages translate, and a
// readable message; the rpc layer maps kinds to Connect codes in one place.
// Any other error is internal: logged with its details, shown to clients only
// as "internal error".
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies an error the way clients must react to it.
type Kind uint8

// The kinds.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	FailedPrecondition
	PermissionDenied
	Unauthenticated
	Exhausted
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "failed_precondition", "permission_denied", "unauthenticated", "exhausted"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is an error a client may see.
type Error struct {
	Kind Kind
	// Reason is a stable UPPER_SNAKE code, e.g. "ROLE_KEY_TAKEN".
	Reason string
	// Message is readable text for people, Chinese first.
	Message string
	// Metadata adds machine-readable details, e.g. the offending field.
	Metadata map[string]string
}

// Error returns the message with its reason.
func (e *Error) Error() string { return e.Reason + ": " + e.Message }

// New returns an error of kind k.
func New(k Kind, reason, message string) *Error {
	return &Error{Kind: k, Reason: reason, Message: message}
}

// Newf returns an error of kind k with a formatted message.
func Newf(k Kind, reason, format string, args ...any) *Error {
	return New(k, reason, fmt.Sprintf(format, args...))
}

// InvalidField reports a bad request field; the field's name goes into the
// metadata so pages can mark it.
func InvalidField(field, reason, message string) *Error {
	return &Error{Kind: Invalid, Reason: reason, Message: message, Metadata: map[string]string{"field": field}}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err: Internal unless it wraps an *Error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// ReasonOf returns the reason of err, or "" when it has none.
func ReasonOf(err error) string {
	if e, ok := As(err); ok {
		return e.Reason
	}
	return ""
}
