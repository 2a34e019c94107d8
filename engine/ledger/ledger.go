// Package ledger is the check-in engine's durable writer. Grains decide each
// scan from their in-memory state and hand the decision to the ledger
// without waiting; the ledger writes many decisions in one PostgreSQL
// transaction (group commit), commits with the durable settings, and only
// then answers each decision's caller. A scan is acknowledged only after its
// commit.
//
// # Group commit
//
// Each of Options.Writers writer goroutines owns one connection and a queue.
// A writer takes everything queued (up to MaxBatch), writes it in one
// transaction with a few array-based statements, commits, then calls every
// done. While a commit is in flight the next batch accumulates, so batches
// grow under load and an idle ledger writes a lone decision at once: there is
// no fixed sleep. Decisions are routed to writers by volunteer, so one
// volunteer's decisions are written in the order they were appended; writers
// never wait for each other.
//
// # What PostgreSQL enforces
//
// The grains are the fast path, not the source of truth (actors deliver at
// most once, and a grain can briefly be active on two nodes). The schema
// (store/migrations/00003_checkin.sql) holds the invariants, and the ledger
// turns a constraint hit into an answer:
//
//   - A scan_id is written once, across every monthly partition of the scan
//     log (checkin.scan_key). A decision whose scan_id is already stored —
//     written earlier, by another node, or appended twice here — is answered
//     with the stored first answer and Duplicate set; nothing is written.
//   - A volunteer has at most one open session and never two overlapping
//     sessions. A decision that would break either, or that signs out a
//     session that is no longer open, writes nothing and is answered with
//     Stale: the deciding grain's state was out of date.
//
// A decision's rows are all-or-nothing; a stale or failing decision never
// fails the others in its batch.
//
// # Recovery
//
// Nothing acknowledged is lost: done runs only after COMMIT returned. When a
// connection breaks or a transaction hits a deadlock, the writer reconnects
// and writes the batch again; decisions an earlier attempt did commit are
// found by their scan_id and answered as written. Close flushes everything
// queued. A process killed with decisions in flight acknowledged none of
// them, and the clients' retries with the same scan_id get the first answer
// if the commit had happened, or are decided afresh if not.
package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Outcome is what a scan did. The values equal the proto ScanOutcome numbers.
type Outcome uint8

// The outcomes.
const (
	SignedIn  Outcome = 1
	SignedOut Outcome = 2
	Rejected  Outcome = 3
)

var outcomeNames = [...]string{"", "signed_in", "signed_out", "rejected"}

// String returns the database name of the outcome, e.g. "signed_in".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o != 0 {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", o)
}

func parseOutcome(s string) Outcome {
	for i, n := range outcomeNames {
		if n == s && i > 0 {
			return Outcome(i)
		}
	}
	return 0
}

// Method is how the volunteer was scanned.
type Method uint8

// The methods. MethodUnknown fits rejections decided before the code was
// understood.
const (
	MethodUnknown Method = 0
	MethodStaff   Method = 1 // staff scanned the volunteer's code
	MethodSelf    Method = 2 // the volunteer scanned the project's code
)

var methodNames = [...]string{"", "staff", "self"}

// String returns the database name of the method, "" when unknown.
func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("method(%d)", m)
}

func parseMethod(s string) Method {
	for i, n := range methodNames {
		if n == s {
			return Method(i)
		}
	}
	return MethodUnknown
}

// Session is the session a scan starts or ends.
type Session struct {
	// ID names the session. A sign-in brings a new one (NewSessionID); a
	// sign-out names the open session it ends.
	ID uuid.UUID
	// StartedAt is the sign-in time. A sign-in may leave it zero for
	// ScannedAt. In results it is the committed start, which for a sign-out
	// is the start stored in PostgreSQL.
	StartedAt time.Time
	// EndedAt is the sign-out time; zero while open. A sign-out may leave it
	// zero for ScannedAt.
	EndedAt time.Time
	// DurationSeconds is set in results of sign-outs: whole seconds from the
	// stored start to EndedAt. The ledger computes it; a value in a decision
	// is ignored.
	DurationSeconds int64
}

// OtherClose asks a sign-in to close the volunteer's open session in
// another project at the moment of the sign-in, flagged for review
// (OTHER_PROJECT_SIGN_IN), so that sessions never overlap.
type OtherClose struct {
	// SessionID is the session to close; uuid.Nil closes whichever session
	// of the volunteer is open in another project.
	SessionID uuid.UUID
	// The rest is set in results: the project of the closed session and its
	// committed times.
	ProjectID       uuid.UUID
	StartedAt       time.Time
	EndedAt         time.Time
	DurationSeconds int64
}

// Decision is one scan as a grain decided it.
type Decision struct {
	// ScanID is the client's id of the scan; retries reuse it. Required, at
	// most MaxScanIDLength bytes.
	ScanID string
	// ReceivedAt is when the server received the scan; zero means now. The
	// scan log is partitioned by its month.
	ReceivedAt time.Time
	// ScannedAt is when the scan happened (earlier for an offline device's
	// upload); zero means ReceivedAt.
	ScannedAt time.Time
	// ProjectID, VolunteerID and PositionID say who served where. Sign-ins
	// need all three, sign-outs the first two; a rejection may lack any.
	ProjectID   uuid.UUID
	VolunteerID uuid.UUID
	PositionID  uuid.UUID
	Method      Method
	Outcome     Outcome
	// Reason is a rejection's stable code, e.g. NOT_ON_ROSTER.
	Reason string
	// Session is the session a sign-in starts or a sign-out ends.
	Session Session
	// CloseOther, on a sign-in, closes the volunteer's open session in
	// another project first. In results it is nil when there was nothing
	// open to close. For a duplicate only its SessionID is known.
	CloseOther *OtherClose
	// DeviceID is the registered scanner, Gate the entrance, ByAccount the
	// account that scanned (staff) or was scanned in (self).
	DeviceID  uuid.UUID
	Gate      string
	ByAccount uuid.UUID
	// Lat and Lng locate the scanning device when it said where it was.
	Lat, Lng *float64
}

// Result is the answer to a decision, delivered once it is durable.
type Result struct {
	// Decision is the decision as committed. For a duplicate it is the first
	// answer stored for the scan_id, which may differ from what was appended.
	Decision Decision
	// Duplicate is set when the scan_id had been written before; nothing was
	// written now.
	Duplicate bool
	// Stale is set when PostgreSQL refused the decision because the deciding
	// grain's state was out of date: the session to end is no longer open,
	// or the volunteer has an open or overlapping session the grain did not
	// know of. Nothing was written, not even the scan_id: reload the state,
	// decide again and append again with the same ScanID.
	Stale bool
	// Err is set when the decision could not be written: the database
	// refused it for another reason, or kept failing. Whether an ambiguous
	// failure committed is learned by appending again with the same ScanID
	// (or by Lookup).
	Err error
}

// Stats are counters since New.
type Stats struct {
	Appended   uint64 // decisions accepted by Append
	Written    uint64 // decisions committed as new scans
	Duplicates uint64 // answered with a stored first answer
	Stale      uint64 // refused as stale
	Failed     uint64 // answered with Err
	Commits    uint64 // transactions committed
	Retries    uint64 // batches written again after a transient failure
	Isolations uint64 // batches written again one decision at a time
}

// Options tune a Ledger. The zero value is usable.
type Options struct {
	// Writers is the number of writer goroutines, each with its own
	// connection (default 2). Two let one batch's statements run while
	// another's commit waits for the disk.
	Writers int
	// MaxBatch bounds the decisions per transaction (default 2000). 1 turns
	// batching off, for baselines.
	MaxBatch int
	// MaxWait, when positive, lets a writer wait that long for a batch to
	// fill. The default 0 writes whatever is queued at once.
	MaxWait time.Duration
	// MaxQueue bounds the decisions queued and not yet being written
	// (default 50000); Append returns ErrBusy beyond it.
	MaxQueue int
	// Timeout bounds writing one batch, retries included (default 30 s).
	Timeout time.Duration
	// Now tells the time for decisions without ReceivedAt (default time.Now).
	Now func() time.Time
	// Log receives failures (default slog.Default()).
	Log *slog.Logger
	// Registerer, when set, receives the ledger's Prometheus metrics.
	Registerer prometheus.Registerer
}

// MaxScanIDLength bounds a scan_id.
const MaxScanIDLength = 128

// The errors Append returns; done is not called then.
var (
	// ErrClosed: the ledger is closed.
	ErrClosed = errors.New("ledger closed")
	// ErrBusy: the queue is full; the caller should answer "try again"
	// (resource_exhausted) rather than wait.
	ErrBusy = errors.New("ledger busy")
	// ErrInvalid wraps what is wrong with a decision.
	ErrInvalid = errors.New("invalid decision")
)

// Ledger batches decisions into durable transactions. Its methods are safe
// for concurrent use.
type Ledger struct {
	pool    *pgxpool.Pool
	opt     Options
	writers []*writer
	metrics *metrics
	months  monthSet

	mu       sync.Mutex
	closed   bool
	queued   int                 // decisions queued, not yet taken by a writer
	inflight map[string]*pending // by scan_id: queued or being written

	wg sync.WaitGroup

	appended, written, duplicates, stale, failed atomic.Uint64
	commits, retries, isolations                 atomic.Uint64
}

// pending is one appended decision until its answer.
type pending struct {
	d       Decision
	done    func(Result)
	waiters []func(Result) // later appends and lookups of the same scan_id
}

// New returns a Ledger writing through connections like pool's. Each writer
// opens its own connection with pool's configuration, so the pool's size is
// left to the rest of the program; Lookup uses the pool.
func New(pool *pgxpool.Pool, opt Options) *Ledger {
	if opt.Writers <= 0 {
		opt.Writers = 2
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 2000
	}
	if opt.MaxQueue <= 0 {
		opt.MaxQueue = 50000
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	l := &Ledger{
		pool:     pool,
		opt:      opt,
		metrics:  newMetrics(opt.Registerer),
		inflight: make(map[string]*pending),
	}
	for i := 0; i < opt.Writers; i++ {
		w := &writer{l: l, id: i, signal: make(chan struct{}, 1), stop: make(chan struct{})}
		l.writers = append(l.writers, w)
	}
	l.wg.Add(len(l.writers))
	for _, w := range l.writers {
		go w.run()
	}
	return l
}

// NewSessionID returns an id for a new session. Version 7 ids grow with
// time, which keeps the session table's primary key compact; any unique id
// works.
func NewSessionID() uuid.UUID {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.New()
	}
	return id
}

// Append queues d and returns at once; done is called with the result once
// d is durable (or known refused), from a ledger goroutine — never from
// Append's caller — and must not block for long: hand the result to an
// actor or a channel. done may be nil for a decision nobody waits for.
//
// A d whose ScanID is queued or being written already is not written again:
// done gets the first decision's result, with Duplicate set.
//
// Append does no I/O. It returns ErrInvalid (wrapped) for a malformed
// decision, ErrBusy when MaxQueue decisions are waiting, and ErrClosed after
// Close; done is never called then.
func (l *Ledger) Append(d Decision, done func(Result)) error {
	if err := l.normalize(&d); err != nil {
		return err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if p, ok := l.inflight[d.ScanID]; ok {
		if done != nil {
			p.waiters = append(p.waiters, func(r Result) {
				if r.Err == nil && !r.Stale {
					r.Duplicate = true
				}
				done(r)
			})
		}
		l.mu.Unlock()
		l.appended.Add(1)
		return nil
	}
	if l.queued >= l.opt.MaxQueue {
		l.mu.Unlock()
		return ErrBusy
	}
	p := &pending{d: d, done: done}
	l.inflight[d.ScanID] = p
	l.queued++
	w := l.writers[l.route(&d)]
	w.queue = append(w.queue, p)
	l.mu.Unlock()
	l.appended.Add(1)
	select {
	case w.signal <- struct{}{}:
	default:
	}
	return nil
}

// route picks the writer of d: by volunteer, so that one volunteer's
// decisions are written in order by one writer.
func (l *Ledger) route(d *Decision) int {
	n := uint64(len(l.writers))
	if n == 1 {
		return 0
	}
	if d.VolunteerID != uuid.Nil {
		return int(binary.LittleEndian.Uint64(d.VolunteerID[8:]) % n)
	}
	var h uint64 = 14695981039346656037
	for i := 0; i < len(d.ScanID); i++ {
		h = (h ^ uint64(d.ScanID[i])) * 1099511628211
	}
	return int(h % n)
}

// normalize fills defaults, truncates times to PostgreSQL's microseconds
// (so that a result equals what a later Lookup reads back) and checks d.
func (l *Ledger) normalize(d *Decision) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: scan %q: %s", ErrInvalid, d.ScanID, fmt.Sprintf(format, args...))
	}
	if d.ScanID == "" {
		return bad("scan_id is empty")
	}
	if len(d.ScanID) > MaxScanIDLength {
		return bad("scan_id longer than %d bytes", MaxScanIDLength)
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = l.opt.Now()
	}
	d.ReceivedAt = micro(d.ReceivedAt)
	if d.ScannedAt.IsZero() {
		d.ScannedAt = d.ReceivedAt
	}
	d.ScannedAt = micro(d.ScannedAt)
	if d.Method > MethodSelf {
		return bad("unknown method %d", d.Method)
	}
	switch d.Outcome {
	case SignedIn:
		if d.Session.StartedAt.IsZero() {
			d.Session.StartedAt = d.ScannedAt
		}
		d.Session.StartedAt = micro(d.Session.StartedAt)
		d.Session.EndedAt, d.Session.DurationSeconds = time.Time{}, 0
		if d.ProjectID == uuid.Nil || d.VolunteerID == uuid.Nil || d.PositionID == uuid.Nil || d.Session.ID == uuid.Nil {
			return bad("a sign-in needs project, volunteer, position and session ids")
		}
		if d.CloseOther != nil {
			d.CloseOther = &OtherClose{SessionID: d.CloseOther.SessionID}
		}
	case SignedOut:
		if d.Session.EndedAt.IsZero() {
			d.Session.EndedAt = d.ScannedAt
		}
		d.Session.EndedAt = micro(d.Session.EndedAt)
		d.Session.StartedAt, d.Session.DurationSeconds = micro(d.Session.StartedAt), 0
		if d.ProjectID == uuid.Nil || d.VolunteerID == uuid.Nil || d.Session.ID == uuid.Nil {
			return bad("a sign-out needs project, volunteer and session ids")
		}
		if d.CloseOther != nil {
			return bad("only a sign-in closes another session")
		}
	case Rejected:
		if d.CloseOther != nil {
			return bad("only a sign-in closes another session")
		}
		d.Session = Session{}
	default:
		return bad("unknown outcome %d", d.Outcome)
	}
	return nil
}

func micro(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// finish delivers r to p's caller and to every later append or lookup of the
// same scan_id.
func (l *Ledger) finish(p *pending, r Result) {
	l.mu.Lock()
	if l.inflight[p.d.ScanID] == p {
		delete(l.inflight, p.d.ScanID)
	}
	waiters := p.waiters
	p.waiters = nil
	l.mu.Unlock()
	switch {
	case r.Err != nil:
		l.failed.Add(1)
	case r.Stale:
		l.stale.Add(1)
	case r.Duplicate:
		l.duplicates.Add(1)
	default:
		l.written.Add(1)
	}
	if p.done != nil {
		p.done(r)
	}
	for _, w := range waiters {
		w(r)
	}
}

// Stats returns the counters.
func (l *Ledger) Stats() Stats {
	return Stats{
		Appended:   l.appended.Load(),
		Written:    l.written.Load(),
		Duplicates: l.duplicates.Load(),
		Stale:      l.stale.Load(),
		Failed:     l.failed.Load(),
		Commits:    l.commits.Load(),
		Retries:    l.retries.Load(),
		Isolations: l.isolations.Load(),
	}
}

// Close stops taking decisions, writes everything queued, and returns when
// every writer has finished or ctx ends (the writers then still finish their
// work in the background).
func (l *Ledger) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		for _, w := range l.writers {
			close(w.stop)
		}
	}
	l.mu.Unlock()
	finished := make(chan struct{})
	go func() { l.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close ledger: %w", ctx.Err())
	}
}

// Lookup returns the first answer stored for scanID, with Duplicate set, for
// a retry that reaches a grain which does not remember the scan. When the
// scan is queued or being written here, Lookup waits for its commit (or
// ctx). found is false when no such scan was written (or it was refused as
// stale).
func (l *Ledger) Lookup(ctx context.Context, scanID string) (r Result, found bool, err error) {
	l.mu.Lock()
	if p, ok := l.inflight[scanID]; ok {
		ch := make(chan Result, 1)
		p.waiters = append(p.waiters, func(r Result) { ch <- r })
		l.mu.Unlock()
		select {
		case r := <-ch:
			if r.Err != nil {
				return Result{}, false, r.Err
			}
			if r.Stale {
				return Result{}, false, nil
			}
			r.Duplicate = true
			return r, true, nil
		case <-ctx.Done():
			return Result{}, false, ctx.Err()
		}
	}
	l.mu.Unlock()
	ds, err := lookupScans(ctx, l.pool, []string{scanID})
	if err != nil {
		return Result{}, false, err
	}
	d, ok := ds[scanID]
	if !ok {
		return Result{}, false, nil
	}
	return Result{Decision: d, Duplicate: true}, true, nil
}
