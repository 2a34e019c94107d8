package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"yima/fault"
	"yima/store/db"
)

// Notice is a message another service sends on the platform's behalf: an
// org deactivated, a sign-up decided. Notices go out at once, to persons
// or to the leaders and admins of orgs, and count against no sender's
// limits.
type Notice struct {
	Title string
	Body  string
	// SMS sends a text besides the inbox entry.
	SMS bool
	// Persons and the leaders and admins of OrgUsers receive it.
	Persons  []uuid.UUID
	OrgUsers []uuid.UUID
	// Label names the audience in the sent lists; Sender the sender
	// (PlatformName when empty).
	Label, Sender string
}

// Notice accepts a notice: committed with its recipients, then handed to
// the outbox. A notice whose audience reaches nobody is dropped; the id is
// then uuid.Nil. A body beyond MaxSMSBody is cut. Errors: invalid_argument
// (BODY_REQUIRED).
func (s *Service) Notice(ctx context.Context, n Notice) (uuid.UUID, error) {
	n.Body = strings.TrimSpace(n.Body)
	if n.Body == "" {
		return uuid.Nil, fault.InvalidField("body", "BODY_REQUIRED", "请填写消息内容")
	}
	if r := []rune(n.Body); len(r) > MaxSMSBody {
		// A notice quotes reasons people wrote; it is cut, not refused.
		n.Body = string(r[:MaxSMSBody-1]) + "…"
	}
	now := s.opt.Now()
	q := s.opt.Store.Q
	var persons []person
	if len(n.Persons) > 0 {
		rows, err := q.NotifyPersons(ctx, uniq(n.Persons))
		if err != nil {
			return uuid.Nil, fmt.Errorf("load persons: %w", err)
		}
		for _, r := range rows {
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
	}
	if len(n.OrgUsers) > 0 {
		rows, err := q.NotifyOrgUsers(ctx, db.NotifyOrgUsersParams{OrgIds: uniq(n.OrgUsers), Now: now})
		if err != nil {
			return uuid.Nil, fmt.Errorf("list org users: %w", err)
		}
		for _, r := range rows {
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
	}
	persons = uniqPersons(persons)
	if len(persons) == 0 {
		return uuid.Nil, nil
	}
	if n.Sender == "" {
		n.Sender = PlatformName
	}
	audience, err := json.Marshal(map[string]any{"kind": "notice", "persons": n.Persons, "org_users": n.OrgUsers})
	if err != nil {
		return uuid.Nil, fmt.Errorf("encode audience: %w", err)
	}
	m := newMessage{
		id: uuid.New(), from: sender{name: n.Sender}, title: strings.TrimSpace(n.Title), body: n.Body, sms: n.SMS, inApp: true,
		audience: audience, label: n.Label, sendAt: now, persons: persons, systemRecipient: true,
	}
	var row db.NotifyMessage
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		var err error
		row, err = insertMessage(ctx, q, m, now)
		return err
	})
	if err != nil {
		return uuid.Nil, err
	}
	if row.Sms {
		publishQueued(ctx, s.opt.Store, s.opt.Queue, s.opt.Log, row.ID, now)
	}
	return row.ID, nil
}

// NotifyOrgUsers sends a notice by SMS and in-app to the leaders and
// admins of an org, e.g. that it was deactivated (O9). It serves
// org.Options.Notices: the change it reports is committed already, so a
// failure is logged rather than returned.
func (s *Service) NotifyOrgUsers(ctx context.Context, org uuid.UUID, title, body string) {
	id, err := s.Notice(context.WithoutCancel(ctx), Notice{
		Title: title, Body: body, SMS: true, OrgUsers: []uuid.UUID{org}, Label: "组织负责人和管理员（系统通知）",
	})
	if err != nil {
		s.opt.Log.ErrorContext(ctx, "notify: org notice not sent", "org_id", org, "title", title, "err", err)
		return
	}
	s.opt.Log.InfoContext(ctx, "notify: org notice sent", "org_id", org, "message_id", id)
}

// NotifyVolunteer sends a notice by SMS and in-app to a volunteer, e.g.
// that their sign-up was decided (O4). It serves project.Options.Notices:
// the decision is committed already, so a failure is logged rather than
// returned.
func (s *Service) NotifyVolunteer(ctx context.Context, volunteer uuid.UUID, title, body string) {
	ctx = context.WithoutCancel(ctx)
	person, err := s.opt.Store.Q.NotifyVolunteerPerson(ctx, volunteer)
	if err == nil {
		_, err = s.Notice(ctx, Notice{Title: title, Body: body, SMS: true, Persons: []uuid.UUID{person}, Label: "报名志愿者（系统通知）"})
	}
	if err != nil {
		s.opt.Log.ErrorContext(ctx, "notify: volunteer notice not sent", "volunteer_id", volunteer, "title", title, "err", err)
	}
}
