package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"yima/engine/actors"
	"yima/engine/actors/grainpb"
)

// PublisherOptions tune a Publisher; zero values take the defaults.
type PublisherOptions struct {
	Log *slog.Logger
	// Registerer receives the publisher's metrics; nil keeps them private.
	Registerer prometheus.Registerer
	// MaxAge bounds how long the stream keeps events (24 h).
	MaxAge time.Duration
	// MaxBytes bounds the stream's size (256 MiB).
	MaxBytes int64
	// Replicas of the stream in a NATS cluster (1).
	Replicas int
	// Queue is how many events may wait for the publishing goroutine
	// (8192); beyond it events are dropped and counted.
	Queue int
	// InFlight bounds the publishes awaiting JetStream's ack (1024).
	InFlight int
}

func (o *PublisherOptions) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxAge == 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = 256 << 20
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Queue == 0 {
		o.Queue = 8192
	}
	if o.InFlight == 0 {
		o.InFlight = 1024
	}
}

// Publisher puts committed scans on JetStream. It implements actors.Events:
// Publish never blocks the grain — it queues, and one goroutine publishes
// asynchronously with a bounded number of publishes in flight. What cannot
// be queued or published is dropped, counted and logged: the live pages
// are a view, the ledger is the record.
type Publisher struct {
	js    jetstream.JetStream
	log   *slog.Logger
	queue chan actors.Event

	closeOnce sync.Once
	closing   chan struct{}
	stopped   chan struct{}

	published prometheus.Counter
	dropped   *prometheus.CounterVec
	drops     atomic.Int64
	lastWarn  atomic.Int64 // unix nanos of the last drop warning
}

var _ actors.Events = (*Publisher)(nil)

// NewPublisher ensures the check-in stream exists and starts publishing.
// Errors: the stream could not be created or updated (JetStream missing or
// refusing the configuration).
func NewPublisher(ctx context.Context, nc *nats.Conn, opt PublisherOptions) (*Publisher, error) {
	opt.defaults()
	p := &Publisher{
		log:     opt.Log,
		queue:   make(chan actors.Event, opt.Queue),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yima_realtime_events_published_total",
			Help: "Check-in events published to JetStream.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yima_realtime_events_dropped_total",
			Help: "Check-in events not published, by cause (queue_full, publish, ack, closed).",
		}, []string{"cause"}),
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(opt.InFlight),
		jetstream.WithPublishAsyncTimeout(10*time.Second),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
			p.drop("ack", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	p.js = js
	if err := EnsureStream(ctx, js, opt.MaxAge, opt.MaxBytes, opt.Replicas); err != nil {
		return nil, err
	}
	if r := opt.Registerer; r != nil {
		if err := registerAll(r, p.published, p.dropped); err != nil {
			return nil, err
		}
	}
	go p.run()
	return p, nil
}

// EnsureStream creates the check-in stream, or updates it to this
// configuration: limits retention, file storage, old events discarded first,
// direct gets for the latest event of a project, and a 2-minute window in
// which a repeated scan id is stored once.
func EnsureStream(ctx context.Context, js jetstream.JetStream, maxAge time.Duration, maxBytes int64, replicas int) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "yima: committed check-in scans, for the live pages",
		Subjects:    []string{subjectAll},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      maxAge,
		MaxBytes:    maxBytes,
		MaxMsgSize:  4 << 10,
		Replicas:    replicas,
		Duplicates:  2 * time.Minute,
		AllowDirect: true,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", StreamName, err)
	}
	return nil
}

// Publish queues a committed scan for publishing. It never blocks.
func (p *Publisher) Publish(e actors.Event) {
	select {
	case <-p.closing:
		p.drop("closed", nil)
		return
	default:
	}
	select {
	case p.queue <- e:
	default:
		p.drop("queue_full", nil)
	}
}

// Dropped returns how many events were not published.
func (p *Publisher) Dropped() int64 { return p.drops.Load() }

// Close stops accepting events, publishes those queued and waits (bounded)
// for their acks.
func (p *Publisher) Close() error {
	p.closeOnce.Do(func() { close(p.closing) })
	<-p.stopped
	select {
	case <-p.js.PublishAsyncComplete():
	case <-time.After(5 * time.Second):
		p.log.Warn("realtime: check-in events still unacknowledged at close", "pending", p.js.PublishAsyncPending())
	}
	return nil
}

func (p *Publisher) run() {
	defer close(p.stopped)
	for {
		select {
		case e := <-p.queue:
			p.send(e)
		case <-p.closing:
			for {
				select {
				case e := <-p.queue:
					p.send(e)
				default:
					return
				}
			}
		}
	}
}

func (p *Publisher) send(e actors.Event) {
	data, err := json.Marshal(wireEvent(e))
	if err != nil {
		p.drop("publish", err)
		return
	}
	_, err = p.js.PublishAsync(SubjectPrefix+e.ProjectID.String(), data,
		jetstream.WithMsgID(e.ScanID), jetstream.WithStallWait(time.Second))
	if err != nil {
		p.drop("publish", err)
		return
	}
	p.published.Inc()
}

// drop counts an event not published and warns, at most every 10 s, with
// the running total.
func (p *Publisher) drop(cause string, err error) {
	p.dropped.WithLabelValues(cause).Inc()
	total := p.drops.Add(1)
	now := time.Now().UnixNano()
	last := p.lastWarn.Load()
	if now-last < int64(10*time.Second) || !p.lastWarn.CompareAndSwap(last, now) {
		return
	}
	attrs := []any{"cause", cause, "dropped_total", total}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	p.log.Warn("realtime: check-in event dropped", attrs...)
}

// wireEvent turns a grain's event into what travels on NATS.
func wireEvent(e actors.Event) event {
	out := event{
		V: eventVersion, ProjectID: e.ProjectID, VolunteerID: e.VolunteerID, ScanID: e.ScanID,
		OnSite: e.OnSite, At: e.At.UTC(),
	}
	r := e.Result
	if r == nil {
		return out
	}
	out.Outcome = outcomeName(r.Outcome)
	out.Reason = r.Reason
	out.SessionID = uuidOf(r.SessionId)
	out.PositionID = uuidOf(r.PositionId)
	if v := uuidOf(r.VolunteerId); v != uuid.Nil {
		out.VolunteerID = v
	}
	if r.StartedAt != 0 {
		out.StartedAt = time.UnixMicro(r.StartedAt).UTC()
	}
	if r.EndedAt != 0 {
		out.EndedAt = time.UnixMicro(r.EndedAt).UTC()
	}
	out.DurationSeconds = r.DurationSeconds
	return out
}

func outcomeName(o grainpb.Outcome) string {
	switch o {
	case grainpb.Outcome_OUTCOME_SIGNED_IN:
		return OutcomeSignedIn
	case grainpb.Outcome_OUTCOME_SIGNED_OUT:
		return OutcomeSignedOut
	case grainpb.Outcome_OUTCOME_REJECTED:
		return OutcomeRejected
	}
	return "SCAN_OUTCOME_UNSPECIFIED"
}

func uuidOf(b []byte) uuid.UUID {
	if len(b) != 16 {
		return uuid.Nil
	}
	return uuid.UUID(b)
}

// registerAll registers collectors with r.
func registerAll(r prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}
