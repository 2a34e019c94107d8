package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// Dev is the dev gateway `yima dev` sends through: it keeps every text it
// receives in notify.dev_text (phone masked) for the console's 开发短信网关
// page, logs it, and behaves as the gateway shape asks — one send per
// out_id, INVALID_PHONE and TEXT_TOO_LONG refused.
type Dev struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

var _ Gateway = (*Dev)(nil)

// NewDev returns the dev gateway writing to st.
func NewDev(st *store.Store, log *slog.Logger, now func() time.Time) *Dev {
	if now == nil {
		now = time.Now
	}
	return &Dev{st: st, log: log, now: now}
}

// Send records a text, or answers the first gateway id again for an
// out_id it already took.
func (d *Dev) Send(ctx context.Context, m Message) (Receipt, error) {
	switch {
	case !ValidPhone(m.Phone):
		return Receipt{}, &Error{System: System, Code: CodeInvalidPhone, Message: "不是有效的手机号码"}
	case utf8.RuneCountInString(m.Text) > MaxText:
		return Receipt{}, &Error{System: System, Code: CodeTextTooLong, Message: fmt.Sprintf("短信不能超过%d个字", MaxText)}
	case m.OutID == "":
		return Receipt{}, &Error{System: System, Code: CodeInvalidRequest, Message: "out_id is required"}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	row, err := d.st.Q.InsertDevText(ctx, db.InsertDevTextParams{
		OutID: m.OutID, GatewayID: "dev-" + hex.EncodeToString(b[:]), PhoneMasked: sensitive.MaskPhone(m.Phone),
		Text: m.Text, ReceivedAt: d.now(),
	})
	if store.IsNotFound(err) {
		first, err := d.st.Q.GetDevTextByOutID(ctx, m.OutID)
		if err != nil {
			return Receipt{}, fmt.Errorf("dev sms gateway: load %s: %w", m.OutID, err)
		}
		d.log.InfoContext(ctx, "dev sms gateway: repeated out_id, not sent again", "out_id", m.OutID, "gateway_id", first.GatewayID)
		return Receipt{ID: first.GatewayID, Duplicate: true}, nil
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("dev sms gateway: record: %w", err)
	}
	d.log.InfoContext(ctx, "dev sms gateway: text received", "to", row.PhoneMasked, "text", m.Text,
		"out_id", m.OutID, "gateway_id", row.GatewayID)
	return Receipt{ID: row.GatewayID}, nil
}

// Received is a text the dev gateway took.
type Received struct {
	GatewayID   string
	OutID       string
	PhoneMasked string
	Text        string
	ReceivedAt  time.Time
}

// List returns the texts received, newest first, optionally only those to
// a masked number, and the next page's token. Errors: invalid_argument
// (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (d *Dev) List(ctx context.Context, phoneMasked string, size int32, token string) ([]Received, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.st.Q.ListDevTexts(ctx, db.ListDevTextsParams{PhoneMasked: phoneMasked, Lim: pg.Fetch(), Off: pg.Offset})
	if err != nil {
		return nil, "", fmt.Errorf("list dev texts: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Received, len(rows))
	for i, r := range rows {
		out[i] = Received{GatewayID: r.GatewayID, OutID: r.OutID, PhoneMasked: r.PhoneMasked, Text: r.Text, ReceivedAt: r.ReceivedAt}
	}
	return out, next, nil
}
