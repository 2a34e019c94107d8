package org

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/engine/codes"
	"yima/fault"
	"yima/keyring"
)

func TestOrgCodes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	k, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := codes.New(k.Code(), k.Sign())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCodes(f.svc, issuer, []byte("short")); err == nil {
		t.Error("NewCodes took a short ticket key")
	}
	c, err := NewCodes(f.svc, issuer, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	pending := uuid.New()
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$3::uuid, $2::uuid, $1::uuid], 'street', '待审街道', 'pending')`,
		pending, f.district, f.root); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		org    uuid.UUID
		kind   fault.Kind
		reason string
	}{
		{"本组织", f.streetLead, f.street, 0, ""},
		{"上级", f.districtLeader, f.street, 0, ""},
		{"后台", f.staffAll, f.street, 0, ""},
		{"下级不能取上级的码", f.streetLead, f.district, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"平级", f.siblingLeader, f.street, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"未审核", f.districtLeader, pending, fault.FailedPrecondition, "ORG_NOT_ACTIVE"},
		{"不存在", f.staffAll, uuid.New(), fault.NotFound, "ORG_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.Ticket(ctx, tc.as, tc.org)
			wantFault(t, "Ticket", err, tc.kind, tc.reason)
			sh, err := c.Sheet(ctx, tc.as, tc.org)
			wantFault(t, "Sheet", err, tc.kind, tc.reason)
			if err != nil {
				return
			}
			claim, err := issuer.VerifyStatic(sh.Payload)
			if err != nil || claim.Kind != codes.KindOrg || uuid.UUID(claim.ID) != tc.org || sh.Org.Name != "甲街道" {
				t.Errorf("sheet %+v: claim %+v, %v", sh, claim, err)
			}
		})
	}

	ticket, exp, err := c.Ticket(ctx, f.streetLead, f.street)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(f.clock().Add(CodeTicketTTL)) {
		t.Errorf("expires %v, want now + %v", exp, CodeTicketTTL)
	}
	if sh, err := c.SheetByTicket(ctx, f.street, ticket); err != nil || sh.Org.ID != f.street {
		t.Errorf("SheetByTicket = %+v, %v", sh, err)
	}
	_, err = c.SheetByTicket(ctx, f.sibling, ticket)
	wantFault(t, "another org's ticket", err, fault.PermissionDenied, "TICKET_INVALID")
	forged := []byte(ticket)
	forged[len(forged)-1] ^= 1 // another base64url letter
	_, err = c.SheetByTicket(ctx, f.street, string(forged))
	wantFault(t, "forged ticket", err, fault.PermissionDenied, "TICKET_INVALID")
	f.advance(CodeTicketTTL + time.Second)
	_, err = c.SheetByTicket(ctx, f.street, ticket)
	wantFault(t, "expired ticket", err, fault.PermissionDenied, "TICKET_EXPIRED")
}
