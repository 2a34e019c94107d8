package org

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"

	"yima/access"
	"yima/engine/codes"
	"yima/fault"
)

// This file is the org's printed code (S3): the engine's static SM2-signed
// org code, and short-lived tickets for the links that download and print
// it, as project codes have (a browser tab opened from a link carries no
// bearer token). What a scan of the code does is the check-in side's.

// CodeTicketTTL is how long the links of an org code work.
const CodeTicketTTL = 10 * time.Minute

// CodeIssuer signs and checks org codes; *codes.Codes is the one the
// program passes.
type CodeIssuer interface {
	IssueOrgCode(id [16]byte) (string, error)
	VerifyStatic(payload string) (codes.StaticClaim, error)
}

// Codes issues org codes and the tickets of their links.
type Codes struct {
	orgs   *Service
	issuer CodeIssuer
	key    []byte
}

// NewCodes returns Codes signing tickets with key (at least 16 bytes).
func NewCodes(orgs *Service, issuer CodeIssuer, key []byte) (*Codes, error) {
	if len(key) < 16 {
		return nil, errors.New("org codes: ticket key shorter than 16 bytes")
	}
	return &Codes{orgs: orgs, issuer: issuer, key: key}, nil
}

// CodeSheet is what a printed org code shows.
type CodeSheet struct {
	Org Org
	// Payload is the SM2-signed org code to render as a QR code.
	Payload string
}

// Ticket issues a ticket for the code pages of an active org in p's
// scope, and when it expires. Errors: not_found (ORG_NOT_FOUND),
// permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE), failed_precondition
// (ORG_NOT_ACTIVE).
func (c *Codes) Ticket(ctx context.Context, p *access.Principal, org uuid.UUID) (string, time.Time, error) {
	o, err := c.orgs.Get(ctx, org)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := c.orgs.inScope(ctx, p, o.Path); err != nil {
		return "", time.Time{}, err
	}
	if o.Status != StatusActive {
		return "", time.Time{}, orgNotActive()
	}
	exp := c.orgs.opt.Now().Add(CodeTicketTTL).Truncate(time.Second)
	var b [16 + 8]byte
	copy(b[:16], org[:])
	binary.BigEndian.PutUint64(b[16:], uint64(exp.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(b[:], c.mac(b[:])...)), exp, nil
}

// Sheet returns the code sheet of an active org in p's scope. Errors: as
// Ticket.
func (c *Codes) Sheet(ctx context.Context, p *access.Principal, org uuid.UUID) (CodeSheet, error) {
	o, err := c.orgs.Get(ctx, org)
	if err != nil {
		return CodeSheet{}, err
	}
	if err := c.orgs.inScope(ctx, p, o.Path); err != nil {
		return CodeSheet{}, err
	}
	return c.sheet(o)
}

// SheetByTicket returns the code sheet of org for the holder of a ticket
// from Ticket. Errors: permission_denied (TICKET_INVALID, TICKET_EXPIRED),
// not_found (ORG_NOT_FOUND), failed_precondition (ORG_NOT_ACTIVE).
func (c *Codes) SheetByTicket(ctx context.Context, org uuid.UUID, ticket string) (CodeSheet, error) {
	b, err := base64.RawURLEncoding.DecodeString(ticket)
	if err != nil || len(b) != 16+8+ticketMACLen || !bytes.Equal(b[:16], org[:]) || !hmac.Equal(b[24:], c.mac(b[:24])) {
		return CodeSheet{}, fault.New(fault.PermissionDenied, "TICKET_INVALID", "链接无效，请重新打开")
	}
	if exp := time.Unix(int64(binary.BigEndian.Uint64(b[16:24])), 0); !c.orgs.opt.Now().Before(exp) {
		return CodeSheet{}, fault.New(fault.PermissionDenied, "TICKET_EXPIRED", "链接已过期，请重新打开")
	}
	o, err := c.orgs.Get(ctx, org)
	if err != nil {
		return CodeSheet{}, err
	}
	return c.sheet(o)
}

// Resolve reads a scanned org code: the active org it names. Anyone may
// ask, as anyone may read the printed code. Errors: invalid_argument
// (CODE_INVALID), not_found (ORG_NOT_FOUND, also for an org not active).
func (c *Codes) Resolve(ctx context.Context, payload string) (Org, error) {
	claim, err := c.issuer.VerifyStatic(payload)
	if err != nil || claim.Kind != codes.KindOrg {
		return Org{}, fault.InvalidField("payload", "CODE_INVALID", "这不是有效的组织码")
	}
	o, err := c.orgs.Get(ctx, claim.ID)
	if fault.KindOf(err) == fault.NotFound || (err == nil && o.Status != StatusActive) {
		return Org{}, errNotPublic()
	}
	if err != nil {
		return Org{}, err
	}
	return o, nil
}

func (c *Codes) sheet(o Org) (CodeSheet, error) {
	if o.Status != StatusActive {
		return CodeSheet{}, orgNotActive()
	}
	payload, err := c.issuer.IssueOrgCode(o.ID)
	if err != nil {
		return CodeSheet{}, fmt.Errorf("issue org code: %w", err)
	}
	return CodeSheet{Org: o, Payload: payload}, nil
}

func orgNotActive() error {
	return fault.New(fault.FailedPrecondition, "ORG_NOT_ACTIVE", "组织审核通过且未停用时才有组织码")
}

const ticketMACLen = 16

func (c *Codes) mac(body []byte) []byte {
	m := hmac.New(sm3.New, c.key)
	m.Write([]byte("yima/org/code-ticket/v1\x00"))
	m.Write(body)
	return m.Sum(nil)[:ticketMACLen]
}
