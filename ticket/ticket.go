// Package ticket makes the short-lived tickets that download links carry.
// A browser opening a link sends no Authorization header, and a session
// token never goes into a URL, so an RPC hands out a link with a ticket
// that opens one file (kind and id) for a while, naming the person who
// asked. Tickets are MACed with HMAC-SM3 under a key of their own use.
package ticket

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"

	"yima/fault"
)

// Layout of a ticket: kind | id (16) | person (16) | expiry (8, Unix
// seconds, big-endian) | MAC (16).
const (
	bodyLen = 1 + 16 + 16 + 8
	macLen  = 16
)

// Issuer issues and checks tickets of one use.
type Issuer struct {
	key   []byte
	label string
	ttl   time.Duration
	now   func() time.Time
}

// New returns an Issuer of tickets good for ttl under key (at least 16
// bytes); label names their use (e.g. "yima/certificate/ticket/v1"), so a
// ticket of one use never opens another's files.
func New(key []byte, label string, ttl time.Duration, now func() time.Time) (*Issuer, error) {
	if len(key) < 16 {
		return nil, errors.New("ticket: key shorter than 16 bytes")
	}
	return &Issuer{key: key, label: label, ttl: ttl, now: now}, nil
}

// Issue returns a ticket of kind for id naming person, and when it
// expires.
func (i *Issuer) Issue(kind byte, id, person uuid.UUID) (string, time.Time) {
	exp := i.now().Add(i.ttl).Truncate(time.Second)
	b := make([]byte, 0, bodyLen+macLen)
	b = append(b, kind)
	b = append(b, id[:]...)
	b = append(b, person[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(exp.Unix()))
	b = append(b, i.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), exp
}

// Check returns the person a ticket of kind for id names. Errors:
// permission_denied (TICKET_INVALID, TICKET_EXPIRED).
func (i *Issuer) Check(kind byte, id uuid.UUID, t string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(b) != bodyLen+macLen || b[0] != kind || !bytes.Equal(b[1:17], id[:]) ||
		!hmac.Equal(b[bodyLen:], i.mac(b[:bodyLen])) {
		return uuid.Nil, fault.New(fault.PermissionDenied, "TICKET_INVALID", "链接无效，请重新打开")
	}
	if exp := time.Unix(int64(binary.BigEndian.Uint64(b[33:41])), 0); !i.now().Before(exp) {
		return uuid.Nil, fault.New(fault.PermissionDenied, "TICKET_EXPIRED", "链接已过期，请重新打开")
	}
	return uuid.UUID(b[17:33]), nil
}

func (i *Issuer) mac(body []byte) []byte {
	m := hmac.New(sm3.New, i.key)
	m.Write([]byte(i.label + "\x00"))
	m.Write(body)
	return m.Sum(nil)[:macLen]
}
