package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// Delivery is one recipient of a message as the sender sees it.
type Delivery struct {
	PersonID    uuid.UUID
	Name        string // masked
	PhoneMasked string
	Status      DeliveryStatus
	Note, Error string
	InApp       bool
	Attempts    int32
	GatewayID   string
	SentAt      time.Time // zero until sent
	ReadAt      time.Time // zero until read
}

// ListSent returns the messages p may see — their org's (org accounts) or
// their data scope's (staff) — newest first with recipients counted by
// status, and the next page's token. Errors: invalid_argument
// (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID), permission_denied
// (NO_ORG_SCOPE).
func (s *Service) ListSent(ctx context.Context, p *access.Principal, status MessageStatus, size int32, token string) ([]Message, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	sc, err := s.scopeOf(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListSentNotifyMessages(ctx, db.ListSentNotifyMessagesParams{
		OrgID: store.NullUUID(sc.org), AllScope: sc.all, Departments: sc.departments, Roots: sc.roots,
		Status: store.Text(string(status)), Lim: pg.Fetch(), Off: pg.Offset,
	})
	if err != nil {
		return nil, "", fmt.Errorf("list sent messages: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = messageFromRow(db.NotifyMessage{
			ID: r.ID, SenderKind: r.SenderKind, SenderAccountID: r.SenderAccountID, SenderName: r.SenderName,
			Title: r.Title, Body: r.Body, Sms: r.Sms, InApp: r.InApp, AudienceLabel: r.AudienceLabel, Status: r.Status,
			SendAt: r.SendAt, CreatedAt: r.CreatedAt, RecipientCount: r.RecipientCount,
		})
		out[i].Counts = StatusCounts{
			Queued: r.Queued, Sending: r.Sending, Sent: r.Sent, Failed: r.Failed, RateLimited: r.RateLimited,
			InAppOnly: r.InAppOnly, Cancelled: r.Cancelled, Read: r.Read,
		}
	}
	return out, next, nil
}

// sees returns the message when p may see it: it is their org's, or in
// their data scope. Errors: not_found (MESSAGE_NOT_FOUND),
// permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) sees(ctx context.Context, p *access.Principal, id uuid.UUID) (db.NotifyMessage, error) {
	m, err := s.opt.Store.Q.GetNotifyMessage(ctx, id)
	if store.IsNotFound(err) {
		return db.NotifyMessage{}, fault.New(fault.NotFound, "MESSAGE_NOT_FOUND", "消息不存在")
	}
	if err != nil {
		return db.NotifyMessage{}, fmt.Errorf("load message: %w", err)
	}
	sc, err := s.scopeOf(ctx, p)
	if err != nil {
		return db.NotifyMessage{}, err
	}
	switch {
	case sc.org != uuid.Nil:
		if m.SenderOrgID.Valid && m.SenderOrgID.UUID == sc.org {
			return m, nil
		}
	case sc.all:
		return m, nil
	case m.SenderKind == "staff" && m.SenderDepartmentID.Valid && slices.Contains(sc.departments, m.SenderDepartmentID.UUID):
		return m, nil
	case m.SenderOrgID.Valid:
		orgs, err := s.opt.Store.Q.NotifyOrgPaths(ctx, []uuid.UUID{m.SenderOrgID.UUID})
		if err != nil {
			return db.NotifyMessage{}, fmt.Errorf("load sender org: %w", err)
		}
		if len(orgs) == 1 && slices.ContainsFunc(orgs[0].Path, func(id uuid.UUID) bool { return slices.Contains(sc.roots, id) }) {
			return m, nil
		}
	}
	return db.NotifyMessage{}, fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "该消息不在您的管理范围内")
}

// Get returns a message p may see with its recipients counted by status.
// Errors: not_found (MESSAGE_NOT_FOUND), permission_denied (NOT_IN_SCOPE,
// NO_ORG_SCOPE).
func (s *Service) Get(ctx context.Context, p *access.Principal, id uuid.UUID) (Message, error) {
	row, err := s.sees(ctx, p, id)
	if err != nil {
		return Message{}, err
	}
	c, err := s.opt.Store.Q.NotifyMessageCounts(ctx, id)
	if err != nil {
		return Message{}, fmt.Errorf("count deliveries: %w", err)
	}
	m := messageFromRow(row)
	m.Counts = StatusCounts{
		Queued: c.Queued, Sending: c.Sending, Sent: c.Sent, Failed: c.Failed, RateLimited: c.RateLimited,
		InAppOnly: c.InAppOnly, Cancelled: c.Cancelled, Read: c.Read,
	}
	return m, nil
}

// Deliveries returns the recipients of a message p may see, by name, with
// names masked, and the next page's token. Errors: not_found
// (MESSAGE_NOT_FOUND), permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE),
// invalid_argument (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (s *Service) Deliveries(ctx context.Context, p *access.Principal, id uuid.UUID, status DeliveryStatus, size int32, token string) ([]Delivery, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.sees(ctx, p, id); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListNotifyDeliveries(ctx, db.ListNotifyDeliveriesParams{
		MessageID: id, Status: store.Text(string(status)), Lim: pg.Fetch(), Off: pg.Offset,
	})
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Delivery, len(rows))
	for i, r := range rows {
		out[i] = Delivery{
			PersonID: r.PersonID, Name: sensitive.MaskName(r.Name), PhoneMasked: r.PhoneMasked,
			Status: DeliveryStatus(r.Status), Note: r.Note, Error: r.Error, InApp: r.InApp, Attempts: r.Attempts,
			GatewayID: r.GatewayMsgID, SentAt: r.SentAt.Time, ReadAt: r.ReadAt.Time,
		}
	}
	return out, next, nil
}

// Cancel withdraws a scheduled message p may see before its time. Errors:
// not_found (MESSAGE_NOT_FOUND), permission_denied (NOT_IN_SCOPE,
// NO_ORG_SCOPE), failed_precondition (MESSAGE_NOT_SCHEDULED).
func (s *Service) Cancel(ctx context.Context, p *access.Principal, id uuid.UUID) (Message, error) {
	if _, err := s.sees(ctx, p, id); err != nil {
		return Message{}, err
	}
	now := s.opt.Now()
	var row db.NotifyMessage
	err := s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		var err error
		row, err = q.CancelNotifyMessage(ctx, db.CancelNotifyMessageParams{ID: id, Now: now})
		if store.IsNotFound(err) {
			return fault.New(fault.FailedPrecondition, "MESSAGE_NOT_SCHEDULED", "只能取消尚未发送的定时消息")
		}
		if err != nil {
			return fmt.Errorf("cancel message: %w", err)
		}
		return q.CancelNotifyRecipients(ctx, db.CancelNotifyRecipientsParams{MessageID: id, Now: now})
	})
	if err != nil {
		return Message{}, err
	}
	return messageFromRow(row), nil
}
