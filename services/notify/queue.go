package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"yima/store"
	"yima/store/db"
)

// Names on NATS.
const (
	// StreamName is the work-queue stream of SMS work items.
	StreamName = "YIMA_NOTIFY"
	// Subject carries one work item per recipient to text.
	Subject = "yima.notify.sms"
	// ConsumerName is the durable consumer every node's dispatcher shares.
	ConsumerName = "notify-sms"
)

// QueueOptions tune a Queue; zero values take the defaults.
type QueueOptions struct {
	// Replicas of the stream in a NATS cluster (1).
	Replicas int
	// MaxAge drops work items older than this (7 days); the sweep
	// re-publishes rows still waiting.
	MaxAge time.Duration
}

// Queue is the outbox's stream: work items are published after their rows
// are committed, and consumed by the dispatchers.
type Queue struct {
	js jetstream.JetStream
}

// NewQueue ensures the work-queue stream and returns its publisher.
// Errors: JetStream missing or refusing the stream.
func NewQueue(ctx context.Context, nc *nats.Conn, opt QueueOptions) (*Queue, error) {
	if opt.Replicas == 0 {
		opt.Replicas = 1
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 7 * 24 * time.Hour
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "yima: SMS work items of the notification outbox, one per recipient",
		Subjects:    []string{Subject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      opt.MaxAge,
		MaxMsgSize:  1 << 10,
		Replicas:    opt.Replicas,
		// A work item published twice within the window (a sweep racing
		// the sender) is stored once.
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", StreamName, err)
	}
	return &Queue{js: js}, nil
}

// Item is a work item: text this recipient of this message. Enqueue
// numbers the items of one recipient, so a re-published item is not taken
// for a duplicate of the first.
type Item struct {
	MessageID uuid.UUID `json:"m"`
	PersonID  uuid.UUID `json:"p"`
	Enqueue   int32     `json:"n"`
}

// msgID is the item's JetStream message id, for deduplication.
func (it Item) msgID() string {
	return it.MessageID.String() + "." + it.PersonID.String() + "." + strconv.Itoa(int(it.Enqueue))
}

// Publish puts items on the stream and waits for JetStream's acks,
// returning the items stored (all unless err).
func (q *Queue) Publish(ctx context.Context, items []Item) ([]Item, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(items))
	for _, it := range items {
		data, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("encode work item: %w", err)
		}
		f, err := q.js.PublishAsync(Subject, data, jetstream.WithMsgID(it.msgID()), jetstream.WithStallWait(5*time.Second))
		if err != nil {
			return q.settle(ctx, items, futures, fmt.Errorf("publish work item: %w", err))
		}
		futures = append(futures, f)
	}
	return q.settle(ctx, items, futures, nil)
}

// settle waits for the acks of the published futures.
func (q *Queue) settle(ctx context.Context, items []Item, futures []jetstream.PubAckFuture, err error) ([]Item, error) {
	stored := make([]Item, 0, len(futures))
	timeout := time.After(10 * time.Second)
	for i, f := range futures {
		select {
		case <-f.Ok():
			stored = append(stored, items[i])
		case e := <-f.Err():
			err = errors.Join(err, fmt.Errorf("store work item: %w", e))
		case <-ctx.Done():
			return stored, errors.Join(err, ctx.Err())
		case <-timeout:
			return stored, errors.Join(err, errors.New("work items not acknowledged within 10s"))
		}
	}
	return stored, err
}

// publishQueued publishes the work items of a released message's
// recipients that still wait for one, and records those the stream took.
// A failure is logged, not returned: the rows are committed, and the sweep
// publishes what is left.
func publishQueued(ctx context.Context, st *store.Store, q *Queue, log *slog.Logger, message uuid.UUID, now time.Time) {
	if q == nil {
		return
	}
	rows, err := st.Q.ListNotifyQueued(ctx, message)
	if err != nil {
		log.WarnContext(ctx, "notify: list queued recipients", "message_id", message, "err", err)
		return
	}
	items := make([]Item, len(rows))
	for i, r := range rows {
		items[i] = Item{MessageID: message, PersonID: r.PersonID, Enqueue: r.Enqueues}
	}
	publishItems(ctx, st, q, log, items, now)
}

// publishItems publishes items and marks those stored as enqueued.
func publishItems(ctx context.Context, st *store.Store, q *Queue, log *slog.Logger, items []Item, now time.Time) {
	if len(items) == 0 {
		return
	}
	stored, err := q.Publish(ctx, items)
	if err != nil {
		log.WarnContext(ctx, "notify: work items not published; the sweep will retry", "items", len(items), "stored", len(stored), "err", err)
	}
	byMessage := map[uuid.UUID][]uuid.UUID{}
	for _, it := range stored {
		byMessage[it.MessageID] = append(byMessage[it.MessageID], it.PersonID)
	}
	// Recording must not depend on the caller staying: the items are out.
	ctx = context.WithoutCancel(ctx)
	for m, persons := range byMessage {
		if err := st.Q.MarkNotifyEnqueued(ctx, db.MarkNotifyEnqueuedParams{MessageID: m, PersonIds: persons, Now: now}); err != nil {
			log.WarnContext(ctx, "notify: record enqueued recipients", "message_id", m, "err", err)
		}
	}
}
