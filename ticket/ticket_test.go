package ticket_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/fault"
	"yima/ticket"
)

func TestTicket(t *testing.T) {
	now := time.Date(2026, 5, 6, 2, 0, 0, 0, time.UTC)
	clock := now
	issuer, err := ticket.New(make([]byte, 32), "yima/test/ticket/v1", 10*time.Minute, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	otherUse, err := ticket.New(make([]byte, 32), "yima/other/ticket/v1", 10*time.Minute, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	id, person := uuid.New(), uuid.New()
	tk, exp := issuer.Issue(1, id, person)
	if !exp.Equal(now.Add(10 * time.Minute)) {
		t.Errorf("expires %v", exp)
	}
	if got, err := issuer.Check(1, id, tk); err != nil || got != person {
		t.Fatalf("Check = %v, %v; want %v", got, err, person)
	}
	for _, tc := range []struct {
		name   string
		check  func() error
		reason string
	}{
		{"其他种类", func() error { _, err := issuer.Check(2, id, tk); return err }, "TICKET_INVALID"},
		{"其他文件", func() error { _, err := issuer.Check(1, uuid.New(), tk); return err }, "TICKET_INVALID"},
		{"其他用途", func() error { _, err := otherUse.Check(1, id, tk); return err }, "TICKET_INVALID"},
		{"被改过", func() error { _, err := issuer.Check(1, id, tk[:len(tk)-2]+"AA"); return err }, "TICKET_INVALID"},
		{"不是票据", func() error { _, err := issuer.Check(1, id, "x"); return err }, "TICKET_INVALID"},
		{"过期", func() error {
			clock = exp
			defer func() { clock = now }()
			_, err := issuer.Check(1, id, tk)
			return err
		}, "TICKET_EXPIRED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.ReasonOf(tc.check()); got != tc.reason {
				t.Errorf("reason = %q, want %q", got, tc.reason)
			}
		})
	}
	if _, err := ticket.New(make([]byte, 8), "x", time.Minute, time.Now); err == nil {
		t.Error("New with a short key succeeded")
	}
}
