package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// AudienceKind says what an Audience selects.
type AudienceKind string

// The audience kinds.
const (
	AudienceMembers        AudienceKind = "members"
	AudienceProjectSignUps AudienceKind = "project_sign_ups"
	AudienceVolunteers     AudienceKind = "volunteers"
	AudienceOrgUsers       AudienceKind = "org_users"
	AudienceAccounts       AudienceKind = "accounts"
)

// Sign-up statuses an audience may select (O4 results).
const (
	SignUpPending  = "pending"
	SignUpHired    = "hired"
	SignUpRejected = "rejected"
)

// Audience says who receives a message; Kind decides which fields count.
type Audience struct {
	Kind AudienceKind `json:"kind"`
	// GroupID narrows members to one member group of the sender org.
	GroupID uuid.UUID `json:"group_id,omitzero"`
	// ProjectID and SignUpStatuses for project_sign_ups (hired when empty).
	ProjectID      uuid.UUID `json:"project_id,omitzero"`
	SignUpStatuses []string  `json:"sign_up_statuses,omitempty"`
	// VolunteerIDs for volunteers.
	VolunteerIDs []uuid.UUID `json:"volunteer_ids,omitempty"`
	// OrgIDs and AllBelow for org_users.
	OrgIDs   []uuid.UUID `json:"org_ids,omitempty"`
	AllBelow bool        `json:"all_below,omitempty"`
	// AccountIDs for accounts.
	AccountIDs []uuid.UUID `json:"account_ids,omitempty"`
}

// Draft is a message to send.
type Draft struct {
	Title    string
	Body     string
	Channels []Channel
	Audience Audience
	// SendAt schedules it; zero or not in the future sends now.
	SendAt time.Time
}

// Message is an accepted message.
type Message struct {
	ID              uuid.UUID
	SenderKind      string
	SenderAccountID uuid.UUID
	SenderName      string
	Title           string
	Body            string
	SMS, InApp      bool
	AudienceLabel   string
	Status          MessageStatus
	SendAt          time.Time
	CreatedAt       time.Time
	RecipientCount  int64
	// Counts by delivery status, in lists.
	Counts StatusCounts
}

// StatusCounts counts a message's recipients by delivery status.
type StatusCounts struct {
	Queued, Sending, Sent, Failed, RateLimited, InAppOnly, Cancelled, Read int64
}

// Preview is whom an audience reaches.
type Preview struct {
	Recipients   int64
	WithoutPhone int64
	Label        string
}

// person is one resolved recipient.
type person struct {
	ID          uuid.UUID
	Name        string
	PhoneMasked string
	HasPhone    bool
}

// sender is who sends a message and under which limits.
type sender struct {
	kind       string // org or staff
	orgID      uuid.UUID
	account    uuid.UUID
	person     uuid.UUID
	department uuid.UUID
	name       string
}

// Send accepts a message for an audience: validated, recipients resolved
// and committed with it under the sender's limits, then handed to the
// outbox when due now. Errors: invalid_argument (BODY_REQUIRED,
// BODY_TOO_LONG, TITLE_TOO_LONG, CHANNEL_REQUIRED, AUDIENCE_REQUIRED,
// SEND_AT_PAST, SEND_AT_TOO_FAR, STATUS_INVALID, TOO_MANY_RECIPIENTS),
// permission_denied (SENDER_NOT_ALLOWED, AUDIENCE_NOT_ALLOWED,
// NOT_ORG_MEMBER, NOT_IN_SCOPE, RECIPIENT_NOT_IN_ORG), not_found
// (PROJECT_NOT_FOUND, ORG_NOT_FOUND, ACCOUNT_NOT_FOUND),
// failed_precondition (NO_RECIPIENTS), exhausted (SENDER_HOURLY_LIMIT,
// SENDER_DAILY_LIMIT).
func (s *Service) Send(ctx context.Context, p *access.Principal, d Draft) (Message, error) {
	now := s.opt.Now()
	d.Title = strings.TrimSpace(d.Title)
	d.Body = strings.TrimSpace(d.Body)
	smsOn, inApp := slices.Contains(d.Channels, ChannelSMS), slices.Contains(d.Channels, ChannelInApp)
	limit := MaxAppBody
	if smsOn {
		limit = MaxSMSBody
	}
	switch {
	case d.Body == "":
		return Message{}, fault.InvalidField("body", "BODY_REQUIRED", "请填写消息内容")
	case utf8.RuneCountInString(d.Body) > limit:
		return Message{}, fault.InvalidField("body", "BODY_TOO_LONG", fmt.Sprintf("消息内容不能超过%d个字", limit))
	case utf8.RuneCountInString(d.Title) > MaxTitle:
		return Message{}, fault.InvalidField("title", "TITLE_TOO_LONG", fmt.Sprintf("标题不能超过%d个字", MaxTitle))
	case !smsOn && !inApp:
		return Message{}, fault.InvalidField("channels", "CHANNEL_REQUIRED", "请选择短信或站内信")
	}
	sendAt, err := schedule(d.SendAt, now)
	if err != nil {
		return Message{}, err
	}
	from, err := s.sender(ctx, p)
	if err != nil {
		return Message{}, err
	}
	persons, label, err := s.resolve(ctx, p, d.Audience, now)
	if err != nil {
		return Message{}, err
	}
	audience, err := json.Marshal(d.Audience)
	if err != nil {
		return Message{}, fmt.Errorf("encode audience: %w", err)
	}
	m := newMessage{
		id: uuid.New(), from: from, title: d.Title, body: d.Body, sms: smsOn, inApp: inApp,
		audience: audience, label: label, sendAt: sendAt, persons: persons,
	}
	var row db.NotifyMessage
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		if err := s.underLimits(ctx, q, from, smsOn, len(persons), now); err != nil {
			return err
		}
		row, err = insertMessage(ctx, q, m, now)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	if row.Status == string(MessageReleased) && row.Sms {
		publishQueued(ctx, s.opt.Store, s.opt.Queue, s.opt.Log, row.ID, now)
	}
	return messageFromRow(row), nil
}

// Preview counts whom an audience reaches, changing nothing. Errors: as
// Send's about the audience.
func (s *Service) Preview(ctx context.Context, p *access.Principal, a Audience) (Preview, error) {
	if _, err := s.sender(ctx, p); err != nil {
		return Preview{}, err
	}
	persons, label, err := s.resolve(ctx, p, a, s.opt.Now())
	if err != nil {
		return Preview{}, err
	}
	out := Preview{Recipients: int64(len(persons)), Label: label}
	for _, r := range persons {
		if !r.HasPhone {
			out.WithoutPhone++
		}
	}
	return out, nil
}

// schedule checks a requested send time: zero or not in the future is now.
func schedule(at, now time.Time) (time.Time, error) {
	switch {
	case at.IsZero() || !at.After(now):
		if !at.IsZero() && now.Sub(at) > 5*time.Minute {
			return time.Time{}, fault.InvalidField("send_at", "SEND_AT_PAST", "定时发送的时间已过，请重新选择")
		}
		return now, nil
	case at.Sub(now) > MaxSchedule:
		return time.Time{}, fault.InvalidField("send_at", "SEND_AT_TOO_FAR", "定时发送最多提前30天")
	}
	return at, nil
}

// sender is who p sends as. Errors: permission_denied
// (SENDER_NOT_ALLOWED), not_found (ORG_NOT_FOUND).
func (s *Service) sender(ctx context.Context, p *access.Principal) (sender, error) {
	switch p.Kind {
	case access.KindOrgLeader, access.KindOrgAdmin:
		orgs, err := s.opt.Store.Q.NotifyOrgPaths(ctx, []uuid.UUID{p.OrgID})
		if err != nil {
			return sender{}, fmt.Errorf("load sender org: %w", err)
		}
		if len(orgs) == 0 {
			return sender{}, fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
		}
		return sender{kind: "org", orgID: p.OrgID, account: p.AccountID, person: p.PersonID, name: orgs[0].Name}, nil
	case access.KindStaff:
		return sender{kind: "staff", account: p.AccountID, person: p.PersonID, department: p.DepartmentID, name: PlatformName}, nil
	}
	return sender{}, fault.New(fault.PermissionDenied, "SENDER_NOT_ALLOWED", "只有组织负责人、管理员或后台人员可以发送消息")
}

// underLimits refuses a message beyond its sender's limits; the advisory
// lock makes concurrent sends of one sender count each other.
func (s *Service) underLimits(ctx context.Context, q *db.Queries, from sender, smsOn bool, recipients int, now time.Time) error {
	key := from.account.String()
	if from.kind == "org" {
		key = from.orgID.String()
	}
	if err := q.LockNotifySender(ctx, key); err != nil {
		return fmt.Errorf("lock sender: %w", err)
	}
	use, err := q.NotifySenderUsage(ctx, db.NotifySenderUsageParams{
		HourSince: now.Add(-time.Hour), DaySince: now.Add(-24 * time.Hour),
		OrgID: store.NullUUID(from.orgID), AccountID: from.account,
	})
	if err != nil {
		return fmt.Errorf("sender usage: %w", err)
	}
	l := s.opt.Limits
	if use.Messages >= int64(l.MessagesPerHour) {
		return fault.Newf(fault.Exhausted, "SENDER_HOURLY_LIMIT", "每小时最多发送%d条消息，请稍后再试", l.MessagesPerHour)
	}
	if smsOn && use.SmsRecipients+int64(recipients) > int64(l.SMSRecipientsPerDay) {
		return fault.Newf(fault.Exhausted, "SENDER_DAILY_LIMIT", "24小时内短信最多发送%d人次，已发送%d人次", l.SMSRecipientsPerDay, use.SmsRecipients)
	}
	return nil
}

// newMessage is what insertMessage writes.
type newMessage struct {
	id              uuid.UUID
	from            sender
	title, body     string
	sms, inApp      bool
	audience        []byte
	label           string
	sendAt          time.Time
	persons         []person
	systemRecipient bool
}

// insertMessage writes a message and its recipients: each with a phone is
// queued for SMS; without one, or without SMS, in-app only.
func insertMessage(ctx context.Context, q *db.Queries, m newMessage, now time.Time) (db.NotifyMessage, error) {
	status, released := MessageScheduled, pgtype.Timestamptz{}
	if !m.sendAt.After(now) {
		status, released = MessageReleased, pgTime(now)
	}
	kind := m.from.kind
	if m.systemRecipient {
		kind = "system"
	}
	row, err := q.InsertNotifyMessage(ctx, db.InsertNotifyMessageParams{
		ID: m.id, SenderKind: kind, SenderOrgID: store.NullUUID(m.from.orgID), SenderAccountID: store.NullUUID(m.from.account),
		SenderPersonID: store.NullUUID(m.from.person), SenderDepartmentID: store.NullUUID(m.from.department),
		SenderName: m.from.name, Title: m.title, Body: m.body, Sms: m.sms, InApp: m.inApp,
		Audience: m.audience, AudienceLabel: m.label, Status: string(status), SendAt: m.sendAt, ReleasedAt: released,
		RecipientCount: int32(len(m.persons)), CreatedAt: now,
	})
	if err != nil {
		return db.NotifyMessage{}, fmt.Errorf("insert message: %w", err)
	}
	n := len(m.persons)
	ids, names, phones, statuses, notes, inApps := make([]uuid.UUID, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]bool, n)
	for i, r := range m.persons {
		ids[i], names[i], phones[i] = r.ID, r.Name, r.PhoneMasked
		switch {
		case !m.sms:
			statuses[i], notes[i], inApps[i] = string(DeliveryInAppOnly), NoteSMSNotRequested, true
		case !r.HasPhone:
			statuses[i], notes[i], inApps[i] = string(DeliveryInAppOnly), NoteNoPhone, true
		default:
			statuses[i], inApps[i] = string(DeliveryQueued), m.inApp
		}
	}
	if err := q.InsertNotifyRecipients(ctx, db.InsertNotifyRecipientsParams{
		MessageID: m.id, PersonIds: ids, Names: names, PhonesMasked: phones, Statuses: statuses, Notes: notes, InApps: inApps,
		NextAttemptAt: m.sendAt, Now: now,
	}); err != nil {
		return db.NotifyMessage{}, fmt.Errorf("insert recipients: %w", err)
	}
	return row, nil
}

func messageFromRow(r db.NotifyMessage) Message {
	return Message{
		ID: r.ID, SenderKind: r.SenderKind, SenderAccountID: r.SenderAccountID.UUID, SenderName: r.SenderName,
		Title: r.Title, Body: r.Body, SMS: r.Sms, InApp: r.InApp, AudienceLabel: r.AudienceLabel,
		Status: MessageStatus(r.Status), SendAt: r.SendAt, CreatedAt: r.CreatedAt, RecipientCount: int64(r.RecipientCount),
	}
}
