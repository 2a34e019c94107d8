package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"yima/sensitive"
	"yima/services/notify/sms"
	"yima/store"
	"yima/store/db"
)

// FieldPhone is the sensitive field persons' phones are sealed under
// (identity.FieldPhone).
const FieldPhone = "person.phone"

// DispatcherOptions configure a Dispatcher; zero durations take the
// defaults.
type DispatcherOptions struct {
	Store   *store.Store
	Box     *sensitive.Box
	Gateway sms.Gateway
	Conn    *nats.Conn
	Queue   *Queue
	Now     func() time.Time
	Log     *slog.Logger
	Limits  Limits
	// Workers handling work items at once on this node (4).
	Workers int
	// AckWait is how long JetStream waits for an ack before redelivering
	// (30 s); a gateway call must end well within it.
	AckWait time.Duration
	// Lease is how long a claimed recipient belongs to this node (AckWait).
	Lease time.Duration
	// Backoff is the wait before each retry after a gateway error (10 s,
	// 30 s, 2 m, 5 m, 10 m; the last repeats).
	Backoff []time.Duration
	// SweepEvery is how often the sweep runs (5 s); 0 in tests that call
	// Sweep themselves is set with NoSweep.
	SweepEvery time.Duration
	// NoSweep leaves sweeping to explicit Sweep calls.
	NoSweep bool
	// ShortGrace is how long a committed row may wait for its first work
	// item before the sweep publishes it (10 s).
	ShortGrace time.Duration
	// LongGrace is how long past due a row with a work item may wait
	// before the sweep takes the item for lost (5 m).
	LongGrace time.Duration
}

func (o *DispatcherOptions) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Limits.defaults()
	def := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.AckWait, 30*time.Second)
	def(&o.Lease, o.AckWait)
	def(&o.SweepEvery, 5*time.Second)
	def(&o.ShortGrace, 10*time.Second)
	def(&o.LongGrace, 5*time.Minute)
	if len(o.Backoff) == 0 {
		o.Backoff = []time.Duration{10 * time.Second, 30 * time.Second, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}
	}
	if o.Workers == 0 {
		o.Workers = 4
	}
}

// Dispatcher consumes the outbox's work items on one node and sends the
// texts; every node runs one on the same durable consumer. It also sweeps:
// releases scheduled messages when due and re-publishes rows whose work
// item never reached the stream or was lost. Nodes sweeping at once skip
// each other's rows.
type Dispatcher struct {
	opt      DispatcherOptions
	consumes []jetstream.ConsumeContext

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup
	// stopSweep ends the sweep loop and cancels a sweep under way; swept
	// is closed once the loop has returned.
	stopSweep context.CancelFunc
	sweepCtx  context.Context
	swept     chan struct{}
}

// StartDispatcher creates or updates the durable consumer and starts
// consuming and sweeping. Errors: JetStream refusing the consumer.
func StartDispatcher(ctx context.Context, opt DispatcherOptions) (*Dispatcher, error) {
	opt.defaults()
	if opt.Gateway == nil || opt.Box == nil || opt.Queue == nil {
		return nil, errors.New("notify dispatcher: gateway, box and queue are required")
	}
	js, err := jetstream.New(opt.Conn)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:     ConsumerName,
		Description: "yima: every node's SMS dispatcher",
		AckPolicy:   jetstream.AckExplicitPolicy,
		AckWait:     opt.AckWait,
		// An item whose node went quiet comes back after the ack wait, then
		// ever later; retries the dispatcher asks for keep their own delay.
		BackOff: []time.Duration{opt.AckWait, 2 * opt.AckWait, 4 * opt.AckWait, 8 * opt.AckWait},
		// Deliveries beyond this stop; the row stays queued and the sweep
		// publishes a new item once it is long overdue.
		MaxDeliver:    20,
		MaxAckPending: 64 * opt.Workers,
		FilterSubject: Subject,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", ConsumerName, err)
	}
	d := &Dispatcher{opt: opt, swept: make(chan struct{})}
	d.sweepCtx, d.stopSweep = context.WithCancel(context.Background())
	if opt.NoSweep {
		close(d.swept)
	} else {
		go d.sweepLoop()
	}
	for range opt.Workers {
		// One message at a time per worker: a buffered message's ack wait
		// runs while it waits.
		cc, err := cons.Consume(d.receive, jetstream.PullMaxMessages(1))
		if err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("consume %s: %w", ConsumerName, err)
		}
		d.consumes = append(d.consumes, cc)
	}
	return d, nil
}

// Close stops consuming, waits for the work items in hand and stops the
// sweep. Items not finished are redelivered to another node.
func (d *Dispatcher) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	for _, cc := range d.consumes {
		cc.Stop()
	}
	// A sweep cut short leaves its rows for the next node's sweep.
	d.stopSweep()
	d.inflight.Wait()
	<-d.swept
	return nil
}

func (d *Dispatcher) receive(msg jetstream.Msg) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return // not acked: redelivered elsewhere
	}
	d.inflight.Add(1)
	d.mu.Unlock()
	defer d.inflight.Done()
	d.handle(msg)
}

// Outcome is what becomes of a work item: acknowledged, or handed back
// for redelivery after Delay.
type Outcome struct {
	Ack   bool
	Delay time.Duration
}

func (d *Dispatcher) handle(msg jetstream.Msg) {
	var it Item
	if err := json.Unmarshal(msg.Data(), &it); err != nil || it.MessageID == uuid.Nil || it.PersonID == uuid.Nil {
		d.opt.Log.Error("notify: malformed work item dropped", "data", string(msg.Data()), "err", err)
		_ = msg.Term()
		return
	}
	// Not the node's context: a text in hand is finished and recorded even
	// while the node shuts down.
	ctx, cancel := context.WithTimeout(context.Background(), d.opt.AckWait)
	defer cancel()
	out := d.Deliver(ctx, it)
	var err error
	if out.Ack {
		err = msg.Ack()
	} else {
		err = msg.NakWithDelay(out.Delay)
	}
	if err != nil {
		d.opt.Log.Warn("notify: answer work item", "message_id", it.MessageID, "err", err)
	}
}

// claim is the dispatcher's decision on a locked recipient.
type claim struct {
	Outcome
	send     bool
	attempts int32
	body     string
	phoneEnc []byte
}

// Deliver handles one work item: claims its recipient, sends the text and
// records the result, saying whether to ack the item or retry it later.
// It is idempotent: a finished recipient is acked without a send, one
// another node holds is retried after its lease, and the gateway
// deduplicates a re-sent text by its out_id.
func (d *Dispatcher) Deliver(ctx context.Context, it Item) Outcome {
	log := d.opt.Log.With("message_id", it.MessageID, "person_id", it.PersonID)
	c, err := d.claim(ctx, it)
	if err != nil {
		log.Error("notify: claim recipient", "err", err)
		return Outcome{Delay: d.opt.Backoff[0]}
	}
	if !c.send {
		return c.Outcome
	}
	phone, err := d.opt.Box.Open(FieldPhone, c.phoneEnc)
	if err != nil {
		log.Error("notify: open phone", "err", err)
		return d.finish(ctx, log, it, c, db.FinishNotifyRecipientParams{
			Status: string(DeliveryFailed), Note: NotePhoneUnreadable, Error: "phone cannot be decrypted",
		})
	}
	rec, err := d.opt.Gateway.Send(ctx, sms.Message{OutID: OutID(it.MessageID, it.PersonID), Phone: phone, Text: Signature + c.body})
	now := d.opt.Now()
	if err == nil {
		return d.finish(ctx, log, it, c, db.FinishNotifyRecipientParams{
			Status: string(DeliverySent), GatewayMsgID: rec.ID, SentAt: pgTime(now),
		})
	}
	code, text := errorText(err)
	if sms.Temporary(err) && int(c.attempts) < d.opt.Limits.MaxAttempts {
		wait := d.backoff(c.attempts)
		log.Warn("notify: gateway error, will retry", "attempt", c.attempts, "retry_in", wait.String(), "err", err)
		if err := d.opt.Store.Q.DeferNotifyRecipient(context.WithoutCancel(ctx), db.DeferNotifyRecipientParams{
			MessageID: it.MessageID, PersonID: it.PersonID, NextAttemptAt: now.Add(wait), Note: code, Error: text,
			Now: now, Attempts: c.attempts,
		}); err != nil {
			log.Error("notify: defer recipient", "err", err)
		}
		return Outcome{Delay: wait}
	}
	log.Warn("notify: text failed", "attempt", c.attempts, "code", code, "err", err)
	return d.finish(ctx, log, it, c, db.FinishNotifyRecipientParams{Status: string(DeliveryFailed), Note: code, Error: text})
}

// finish records a recipient's end while this node's claim holds; the
// message falls back to the inbox unless it was sent.
func (d *Dispatcher) finish(ctx context.Context, log *slog.Logger, it Item, c claim, p db.FinishNotifyRecipientParams) Outcome {
	p.MessageID, p.PersonID, p.Attempts, p.Now = it.MessageID, it.PersonID, c.attempts, d.opt.Now()
	p.InApp = p.Status != string(DeliverySent)
	n, err := d.opt.Store.Q.FinishNotifyRecipient(context.WithoutCancel(ctx), p)
	if err != nil {
		// Not recorded: retry the item. A text the gateway took is not sent
		// again — the retry carries the same out_id.
		log.Error("notify: record delivery", "status", p.Status, "err", err)
		return Outcome{Delay: time.Second}
	}
	if n == 0 {
		log.Info("notify: delivery recorded by another node", "status", p.Status)
	}
	return Outcome{Ack: true}
}

// claim locks the recipient and decides: finished, wait, or send (the row
// is then 'sending' under this node's lease).
func (d *Dispatcher) claim(ctx context.Context, it Item) (claim, error) {
	var c claim
	err := d.opt.Store.InTx(ctx, func(q *db.Queries) error {
		c = claim{}
		now := d.opt.Now()
		r, err := q.LockNotifyRecipient(ctx, db.LockNotifyRecipientParams{MessageID: it.MessageID, PersonID: it.PersonID})
		if store.IsNotFound(err) {
			c.Ack = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("lock recipient: %w", err)
		}
		switch {
		case DeliveryStatus(r.Status) != DeliveryQueued && DeliveryStatus(r.Status) != DeliverySending,
			MessageStatus(r.MessageStatus) != MessageReleased, !r.Sms:
			c.Ack = true // finished, cancelled, or not due by a release
			return nil
		case DeliveryStatus(r.Status) == DeliverySending && r.LeaseUntil.Valid && r.LeaseUntil.Time.After(now):
			c.Delay = r.LeaseUntil.Time.Sub(now) + time.Second // another node holds it
			return nil
		case DeliveryStatus(r.Status) == DeliveryQueued && r.NextAttemptAt.After(now.Add(time.Second)):
			c.Delay = r.NextAttemptAt.Sub(now) // early: a retry not due yet
			return nil
		case len(r.PhoneEnc) == 0:
			c.Ack = true
			_, err := q.FinishNotifyRecipient(ctx, db.FinishNotifyRecipientParams{
				MessageID: it.MessageID, PersonID: it.PersonID, Status: string(DeliveryInAppOnly), Note: NoteNoPhone,
				InApp: true, Attempts: r.Attempts, Now: now,
			})
			return err
		}
		if err := q.LockNotifyPhone(ctx, phoneLockKey(r.PhoneIdx)); err != nil {
			return fmt.Errorf("lock phone: %w", err)
		}
		use, err := q.NotifyPhoneUsage(ctx, db.NotifyPhoneUsageParams{
			PhoneIdx: r.PhoneIdx, MinuteSince: now.Add(-time.Minute), HourSince: now.Add(-time.Hour),
			MessageID: it.MessageID, PersonID: it.PersonID,
		})
		if err != nil {
			return fmt.Errorf("phone usage: %w", err)
		}
		l := d.opt.Limits
		if use.LastHour >= int64(l.PhonePerHour) {
			c.Ack = true
			_, err := q.FinishNotifyRecipient(ctx, db.FinishNotifyRecipientParams{
				MessageID: it.MessageID, PersonID: it.PersonID, Status: string(DeliveryRateLimited), Note: NotePhoneHourLimit,
				Error: fmt.Sprintf("该号码1小时内已收到%d条短信", use.LastHour), InApp: true, Attempts: r.Attempts, Now: now,
			})
			return err
		}
		if use.LastMinute >= int64(l.PhonePerMinute) {
			c.Delay = time.Minute
			return q.DeferNotifyRecipient(ctx, db.DeferNotifyRecipientParams{
				MessageID: it.MessageID, PersonID: it.PersonID, NextAttemptAt: now.Add(time.Minute),
				Note: NotePhoneMinute, Now: now, Attempts: r.Attempts,
			})
		}
		c.send, c.attempts, c.body, c.phoneEnc = true, r.Attempts+1, r.Body, r.PhoneEnc
		return q.ClaimNotifyRecipient(ctx, db.ClaimNotifyRecipientParams{
			MessageID: it.MessageID, PersonID: it.PersonID, Now: now, LeaseUntil: now.Add(d.opt.Lease),
			PhoneIdx: r.PhoneIdx, PhoneMasked: r.PhoneMasked,
		})
	})
	return c, err
}

func (d *Dispatcher) backoff(attempt int32) time.Duration {
	b := d.opt.Backoff
	if int(attempt) <= len(b) && attempt > 0 {
		return b[attempt-1]
	}
	return b[len(b)-1]
}

// errorText splits a gateway error into a code and an explanation for the
// recipient row.
func errorText(err error) (code, text string) {
	var e *sms.Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "TIMEOUT", "网关未在规定时间内应答"
	}
	return "GATEWAY_UNREACHABLE", err.Error()
}

// sweepBatch bounds the rows one sweep step takes.
const sweepBatch = 500

func (d *Dispatcher) sweepLoop() {
	defer close(d.swept)
	t := time.NewTicker(d.opt.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-d.sweepCtx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(d.sweepCtx, time.Minute)
			if err := d.Sweep(ctx); err != nil && d.sweepCtx.Err() == nil {
				d.opt.Log.Error("notify: sweep", "err", err)
			}
			cancel()
		}
	}
}

// Sweep releases the scheduled messages now due and publishes their work
// items, then re-publishes the rows whose work item never reached the
// stream (past ShortGrace) or seems lost (LongGrace past due).
func (d *Dispatcher) Sweep(ctx context.Context) error {
	q := d.opt.Store.Q
	for {
		now := d.opt.Now()
		due, err := q.ReleaseDueNotifyMessages(ctx, db.ReleaseDueNotifyMessagesParams{Now: now, Lim: 100})
		if err != nil {
			return fmt.Errorf("release due messages: %w", err)
		}
		for _, m := range due {
			if m.Sms {
				publishQueued(ctx, d.opt.Store, d.opt.Queue, d.opt.Log, m.ID, now)
			}
		}
		if len(due) < 100 {
			break
		}
	}
	for {
		now := d.opt.Now()
		stuck, err := q.ClaimStuckNotifyRecipients(ctx, db.ClaimStuckNotifyRecipientsParams{
			Now: now, ShortCutoff: now.Add(-d.opt.ShortGrace), LongCutoff: now.Add(-d.opt.LongGrace), Lim: sweepBatch,
		})
		if err != nil {
			return fmt.Errorf("claim stuck recipients: %w", err)
		}
		items := make([]Item, len(stuck))
		for i, r := range stuck {
			items[i] = Item{MessageID: r.MessageID, PersonID: r.PersonID, Enqueue: r.Enqueues}
		}
		if len(items) > 0 {
			d.opt.Log.Info("notify: re-publishing work items", "count", len(items))
		}
		publishItems(ctx, d.opt.Store, d.opt.Queue, d.opt.Log, items, now)
		if len(stuck) < sweepBatch {
			return nil
		}
	}
}
