// Package notify sends messages to chosen audiences by SMS and in-app (O2,
// O4, O9, S4) and keeps each person's inbox.
//
// A message is accepted only once it and one recipient row per person are
// committed to PostgreSQL; the recipients are resolved then (a snapshot),
// phones stay encrypted until the dispatcher sends. Work items then go to a
// JetStream work-queue stream (the outbox); a Dispatcher on every node
// consumes them with explicit acks, sends through the sms.Gateway and
// records the gateway's message id before acknowledging. The recipient row
// is the truth: a claim with a lease and the gateway's idempotency by
// out_id keep a redelivery or a crash from sending a text twice, and a
// sweeper re-publishes rows whose work item never reached the stream and
// releases scheduled messages when due.
package notify

import (
	"context"
	"encoding/binary"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/store"
)

// PlatformName is the sender of notices and of staff messages as
// recipients see it.
const PlatformName = "一码做志愿"

// Signature starts every text; the gateway shape asks the sender to add it.
const Signature = "【一码做志愿】"

// Limits on what a message may say, in characters.
const (
	MaxTitle    = 50
	MaxSMSBody  = 500
	MaxAppBody  = 2000
	MaxSchedule = 30 * 24 * time.Hour
)

// Limits bound how much is sent; zero fields take the defaults.
type Limits struct {
	// MessagesPerHour a sender (an org, or a staff account) may send (30).
	MessagesPerHour int
	// SMSRecipientsPerDay a sender may address by SMS in 24 hours (5000).
	SMSRecipientsPerDay int
	// MaxRecipients of one message (5000).
	MaxRecipients int
	// PhonePerMinute texts to one number before the next waits (3).
	PhonePerMinute int
	// PhonePerHour texts to one number before the next is dropped as
	// rate_limited (10).
	PhonePerHour int
	// MaxAttempts of the gateway for one text before it fails (5).
	MaxAttempts int
}

func (l *Limits) defaults() {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&l.MessagesPerHour, 30)
	def(&l.SMSRecipientsPerDay, 5000)
	def(&l.MaxRecipients, 5000)
	def(&l.PhonePerMinute, 3)
	def(&l.PhonePerHour, 10)
	def(&l.MaxAttempts, 5)
}

// StaffScope resolves the departments a staff principal's data scope
// covers: all of them, or those listed.
type StaffScope interface {
	Visible(ctx context.Context, p *access.Principal) (all bool, departments []uuid.UUID, err error)
}

// StaffScopeFunc adapts a function to StaffScope.
type StaffScopeFunc func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error)

// Visible calls f.
func (f StaffScopeFunc) Visible(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
	return f(ctx, p)
}

// Options configure a Service.
type Options struct {
	Store *store.Store
	Now   func() time.Time
	Log   *slog.Logger
	// Staff resolves back-office data scopes.
	Staff StaffScope
	// Queue publishes work items after a message is accepted; nil leaves
	// publishing to the dispatcher's sweep.
	Queue *Queue
	// Limits bound sending.
	Limits Limits
}

// Service is the notification use cases.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.Limits.defaults()
	return &Service{opt: opt}
}

// Channel is a way a message reaches people.
type Channel string

// The channels.
const (
	ChannelSMS   Channel = "sms"
	ChannelInApp Channel = "in_app"
)

// MessageStatus is where a message stands, as notify.message stores it.
type MessageStatus string

// The message statuses.
const (
	MessageScheduled MessageStatus = "scheduled"
	MessageReleased  MessageStatus = "released"
	MessageCancelled MessageStatus = "cancelled"
)

// DeliveryStatus is where one recipient stands, as notify.recipient
// stores it.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryQueued      DeliveryStatus = "queued"
	DeliverySending     DeliveryStatus = "sending"
	DeliverySent        DeliveryStatus = "sent"
	DeliveryFailed      DeliveryStatus = "failed"
	DeliveryRateLimited DeliveryStatus = "rate_limited"
	DeliveryInAppOnly   DeliveryStatus = "in_app_only"
	DeliveryCancelled   DeliveryStatus = "cancelled"
)

// Notes on deliveries, beside the gateway's error codes.
const (
	NoteNoPhone         = "NO_PHONE"
	NoteSMSNotRequested = "SMS_NOT_REQUESTED"
	NotePhoneHourLimit  = "PHONE_HOURLY_LIMIT"
	NotePhoneMinute     = "PHONE_MINUTE_LIMIT"
	NotePhoneUnreadable = "PHONE_UNREADABLE"
)

// OutID is the gateway idempotency key of one message to one person: the
// same pair always gives the same key.
func OutID(message, person uuid.UUID) string {
	return uuid.NewSHA1(message, person[:]).String()
}

// phoneLockKey turns a phone's blind index into an advisory lock key.
func phoneLockKey(idx []byte) int64 {
	if len(idx) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(idx[:8]))
}

// pgTime is t as a nullable timestamptz parameter.
func pgTime(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: true} }
