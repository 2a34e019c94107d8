package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/paging"
	"yima/store/db"
)

// InboxMessage is a message in a person's inbox.
type InboxMessage struct {
	ID         uuid.UUID
	SenderName string
	Title      string
	Body       string
	SMS        bool
	SentAt     time.Time
	Read       bool
}

// Inbox returns p's person's messages, whichever account is active, newest
// first; the count of unread ones in the whole inbox; and the next page's
// token. Errors: invalid_argument (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID).
func (s *Service) Inbox(ctx context.Context, p *access.Principal, unreadOnly bool, size int32, token string) ([]InboxMessage, int64, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, 0, "", err
	}
	rows, err := s.opt.Store.Q.ListMyNotifyMessages(ctx, db.ListMyNotifyMessagesParams{
		PersonID: p.PersonID, UnreadOnly: unreadOnly, Lim: pg.Fetch(), Off: pg.Offset,
	})
	if err != nil {
		return nil, 0, "", fmt.Errorf("list inbox: %w", err)
	}
	unread, err := s.opt.Store.Q.CountMyUnreadNotifyMessages(ctx, p.PersonID)
	if err != nil {
		return nil, 0, "", fmt.Errorf("count unread: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]InboxMessage, len(rows))
	for i, r := range rows {
		out[i] = InboxMessage{
			ID: r.ID, SenderName: r.SenderName, Title: r.Title, Body: r.Body, SMS: r.Sms,
			SentAt: r.ReleasedAt, Read: r.ReadAt.Valid,
		}
	}
	return out, unread, next, nil
}

// MarkRead marks messages of p's inbox read — those listed, or all —
// returning how many were unread.
func (s *Service) MarkRead(ctx context.Context, p *access.Principal, ids []uuid.UUID, all bool) (int64, error) {
	if !all && len(ids) == 0 {
		return 0, nil
	}
	n, err := s.opt.Store.Q.MarkNotifyRead(ctx, db.MarkNotifyReadParams{
		Now: s.opt.Now(), PersonID: p.PersonID, AllMessages: all, MessageIds: ids,
	})
	if err != nil {
		return 0, fmt.Errorf("mark read: %w", err)
	}
	return n, nil
}
