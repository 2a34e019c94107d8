package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// writer takes batches off its queue and writes each in one transaction.
type writer struct {
	l      *Ledger
	id     int
	signal chan struct{} // something was queued
	stop   chan struct{} // closed by Close: drain and return
	queue  []*pending    // guarded by l.mu
	conn   *pgx.Conn
}

func (w *writer) run() {
	defer w.l.wg.Done()
	defer w.disconnect()
	for {
		batch := w.take(nil)
		if len(batch) == 0 {
			select {
			case <-w.signal:
				continue
			case <-w.stop:
				if batch = w.take(nil); len(batch) == 0 {
					return
				}
			}
		}
		if w.l.opt.MaxWait > 0 && len(batch) < w.l.opt.MaxBatch {
			batch = w.fill(batch)
		}
		w.write(batch)
	}
}

// take moves up to MaxBatch queued decisions onto batch.
func (w *writer) take(batch []*pending) []*pending {
	l := w.l
	l.mu.Lock()
	n := min(len(w.queue), l.opt.MaxBatch-len(batch))
	batch = append(batch, w.queue[:n]...)
	rest := copy(w.queue, w.queue[n:])
	clear(w.queue[rest:])
	w.queue = w.queue[:rest]
	l.queued -= n
	l.mu.Unlock()
	return batch
}

// fill waits up to MaxWait for batch to grow to MaxBatch.
func (w *writer) fill(batch []*pending) []*pending {
	t := time.NewTimer(w.l.opt.MaxWait)
	defer t.Stop()
	for len(batch) < w.l.opt.MaxBatch {
		select {
		case <-w.signal:
			batch = w.take(batch)
		case <-t.C:
			return w.take(batch)
		case <-w.stop:
			return w.take(batch)
		}
	}
	return batch
}

// errIsolate says a batch must be written again one decision at a time: a
// decision could not be written whole (a statement failed, or a sign-in was
// refused after its other session had been closed).
var errIsolate = errors.New("write decisions one by one")

// mode is how a batch is written.
type mode uint8

const (
	// fast writes the batch with plain inserts of new sessions: a session
	// constraint hit fails the whole transaction.
	fast mode = iota
	// careful writes it again with inserts that skip conflicting sessions
	// (ON CONFLICT DO NOTHING), which PostgreSQL pays for with a conflict
	// check per row before the insert — worth it only once a conflict is
	// known to be in the batch.
	careful
	// isolated writes each decision in its own savepoint, so that one the
	// database refuses fails alone.
	isolated
)

// write writes batch and answers every decision in it.
func (w *writer) write(batch []*pending) {
	l := w.l
	ctx, cancel := context.WithTimeout(context.Background(), l.opt.Timeout)
	defer cancel()
	started := time.Now()
	results := make([]Result, len(batch))
	m := fast
	var err error
	for attempt := 1; ; attempt++ {
		if err = w.attempt(ctx, batch, results, m); err == nil {
			break
		}
		w.abort()
		if m == fast && isStaleError(err) {
			m = careful
			attempt--
			continue
		}
		if m != isolated && (errors.Is(err, errIsolate) || isDataError(err)) {
			m = isolated
			l.isolations.Add(1)
			attempt--
			continue
		}
		if !transient(err) || attempt >= 5 || ctx.Err() != nil {
			break
		}
		l.retries.Add(1)
		l.opt.Log.Warn("ledger batch failed; writing it again", "writer", w.id, "decisions", len(batch), "attempt", attempt, "err", err)
		select {
		case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err != nil {
		l.opt.Log.Error("ledger batch failed", "writer", w.id, "decisions", len(batch), "err", err)
		err = fmt.Errorf("write scans: %w", err)
		for i := range results {
			results[i] = Result{Decision: batch[i].d, Err: err}
		}
	} else {
		l.commits.Add(1)
	}
	l.metrics.observe(len(batch), time.Since(started), results)
	for i, p := range batch {
		l.finish(p, results[i])
	}
}

// attempt writes batch in one transaction, in mode m.
func (w *writer) attempt(ctx context.Context, batch []*pending, results []Result, m mode) error {
	conn, err := w.connect(ctx)
	if err != nil {
		return err
	}
	if err := w.l.ensureMonths(ctx, conn, batch); err != nil {
		return err
	}
	for i := range results {
		results[i] = Result{}
	}
	stale := make(map[uuid.UUID]bool)
	if m != isolated {
		all := make([]int, len(batch))
		for i := range all {
			all[i] = i
		}
		return writeGroup(ctx, conn, batch, all, results, stale, m == careful, true, true)
	}
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for i, p := range batch {
		if _, err := conn.Exec(ctx, "SAVEPOINT decision"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		err := writeGroup(ctx, conn, batch, []int{i}, results, stale, true, false, false)
		if err == nil {
			if _, err := conn.Exec(ctx, "RELEASE SAVEPOINT decision"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			continue
		}
		if !errors.Is(err, errIsolate) && !isDataError(err) {
			return err
		}
		if _, rerr := conn.Exec(ctx, "ROLLBACK TO SAVEPOINT decision"); rerr != nil {
			return fmt.Errorf("rollback to savepoint: %w", rerr)
		}
		if errors.Is(err, errIsolate) || isStaleError(err) {
			results[i] = Result{Decision: p.d, Stale: true}
			markStale(stale, &p.d)
		} else {
			w.l.opt.Log.Error("ledger decision refused", "scan_id", p.d.ScanID, "err", err)
			results[i] = Result{Decision: p.d, Err: fmt.Errorf("write scan %q: %w", p.d.ScanID, err)}
		}
	}
	return commit(ctx, conn)
}

func commit(ctx context.Context, conn *pgx.Conn) error {
	tag, err := conn.Exec(ctx, "COMMIT")
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tag.String() != "COMMIT" {
		return fmt.Errorf("commit: server answered %q", tag.String())
	}
	return nil
}

// markStale records that d's volunteer had a stale decision in this batch:
// the volunteer's later decisions in the batch were decided on the same
// stale state and are refused too.
func markStale(stale map[uuid.UUID]bool, d *Decision) {
	if d.VolunteerID != uuid.Nil && d.Outcome != Rejected {
		stale[d.VolunteerID] = true
	}
}

// writeGroup writes the decisions batch[idx...] in the open transaction (or
// opens it with begin, and commits with commit), filling their results;
// careful skips sessions that conflict instead of failing. It returns
// errIsolate when a decision cannot be written whole.
func writeGroup(ctx context.Context, conn *pgx.Conn, batch []*pending, idx []int, results []Result, stale map[uuid.UUID]bool, careful, begin, commit bool) error {
	// 1. Claim the scan_ids; the ones already stored are duplicates.
	ids := make([]string, len(idx))
	received := make([]time.Time, len(idx))
	for k, i := range idx {
		ids[k] = batch[i].d.ScanID
		received[k] = batch[i].d.ReceivedAt
	}
	var b pgx.Batch
	if begin {
		b.Queue("BEGIN")
	}
	b.Queue(sqlInsertKeys, ids, received)
	br := conn.SendBatch(ctx, &b)
	if begin {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("begin: %w", err)
		}
	}
	claimed := make(map[string]bool, len(idx))
	rows, err := br.Query()
	if err == nil {
		for rows.Next() {
			var id string
			if err = rows.Scan(&id); err != nil {
				break
			}
			claimed[id] = true
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("claim scan ids: %w", err)
	}

	// 2. Order the new decisions that touch sessions into rounds, each with
	// at most one decision per volunteer, so that set-based statements see
	// a volunteer's earlier decisions of the batch.
	var dups, staleKeys []string
	var rounds [][]int
	seen := make(map[uuid.UUID]int)
	for _, i := range idx {
		d := &batch[i].d
		if !claimed[d.ScanID] {
			dups = append(dups, d.ScanID)
			continue
		}
		results[i].Decision = *d
		if d.Outcome == Rejected {
			continue
		}
		if stale[d.VolunteerID] {
			results[i].Stale = true
			staleKeys = append(staleKeys, d.ScanID)
			continue
		}
		r := seen[d.VolunteerID]
		seen[d.VolunteerID] = r + 1
		if r == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[r] = append(rounds[r], i)
	}

	// 3. Apply each round's session changes.
	for _, round := range rounds {
		sk, err := writeRound(ctx, conn, batch, round, results, stale, careful)
		if err != nil {
			return err
		}
		staleKeys = append(staleKeys, sk...)
	}

	// 4. Release stale keys, append the scan log, read the duplicates'
	// first answers, commit: one round trip.
	cols := newScanColumns(len(idx))
	for _, i := range idx {
		if r := &results[i]; claimed[batch[i].d.ScanID] && !r.Stale {
			cols.add(&r.Decision)
		}
	}
	b = pgx.Batch{}
	if len(staleKeys) > 0 {
		b.Queue(sqlDeleteKeys, staleKeys)
	}
	if len(cols.scanID) > 0 {
		b.Queue(sqlInsertScans, cols.args()...)
	}
	if len(dups) > 0 {
		b.Queue(sqlSelectScans, dups)
	}
	if commit {
		b.Queue("COMMIT")
	}
	if b.Len() == 0 {
		return nil
	}
	br = conn.SendBatch(ctx, &b)
	defer br.Close()
	if len(staleKeys) > 0 {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("release stale scan ids: %w", err)
		}
	}
	if len(cols.scanID) > 0 {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("append scan log: %w", err)
		}
	}
	var stored map[string]Decision
	if len(dups) > 0 {
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("read duplicates: %w", err)
		}
		if stored, err = readScans(rows); err != nil {
			return err
		}
	}
	if commit {
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		if tag.String() != "COMMIT" {
			return fmt.Errorf("commit: server answered %q", tag.String())
		}
	}
	for _, i := range idx {
		d := &batch[i].d
		if claimed[d.ScanID] {
			continue
		}
		first, ok := stored[d.ScanID]
		if !ok {
			return fmt.Errorf("scan %q: key stored without its scan row", d.ScanID)
		}
		// An answer identical to d is d itself, committed by an earlier
		// attempt whose COMMIT went unanswered: not a duplicate.
		mine := first.ReceivedAt.Equal(d.ReceivedAt) && first.Outcome == d.Outcome && first.Session.ID == d.Session.ID
		results[i] = Result{Decision: first, Duplicate: !mine}
	}
	return nil
}

// writeRound applies one round's sign-ins, sign-outs and closes of other
// sessions, in one round trip, and returns the scan_ids it found stale.
func writeRound(ctx context.Context, conn *pgx.Conn, batch []*pending, round []int, results []Result, stale map[uuid.UUID]bool, careful bool) ([]string, error) {
	type cols struct {
		ord        []int32
		a, b, c, d [][16]byte
		at         []time.Time
		scan       []string
	}
	// Rows are locked in volunteer order, so that two nodes briefly
	// writing for the same volunteers wait for each other rather than
	// deadlock. A round holds one decision per volunteer: its order is free.
	slices.SortFunc(round, func(i, j int) int {
		return bytes.Compare(batch[i].d.VolunteerID[:], batch[j].d.VolunteerID[:])
	})
	var closeOther, signOut, signIn cols
	var staleKeys []string
	live := make([]int, 0, len(round))
	for _, i := range round {
		d := &batch[i].d
		if stale[d.VolunteerID] {
			// An earlier round found this volunteer's state stale.
			results[i].Stale = true
			staleKeys = append(staleKeys, d.ScanID)
			continue
		}
		live = append(live, i)
		switch d.Outcome {
		case SignedIn:
			if d.CloseOther != nil {
				c := &closeOther
				c.ord = append(c.ord, int32(i))
				c.a = append(c.a, d.VolunteerID)
				c.b = append(c.b, d.CloseOther.SessionID)
				c.c = append(c.c, d.ProjectID)
				c.at = append(c.at, d.Session.StartedAt)
				c.scan = append(c.scan, d.ScanID)
			}
			c := &signIn
			c.ord = append(c.ord, int32(i))
			c.a = append(c.a, d.Session.ID)
			c.b = append(c.b, d.ProjectID)
			c.c = append(c.c, d.PositionID)
			c.d = append(c.d, d.VolunteerID)
			c.at = append(c.at, d.Session.StartedAt)
			c.scan = append(c.scan, d.ScanID)
		case SignedOut:
			c := &signOut
			c.ord = append(c.ord, int32(i))
			c.a = append(c.a, d.Session.ID)
			c.b = append(c.b, d.VolunteerID)
			c.c = append(c.c, d.ProjectID)
			c.at = append(c.at, d.Session.EndedAt)
			c.scan = append(c.scan, d.ScanID)
		}
	}
	if len(live) == 0 {
		return staleKeys, nil
	}
	var b pgx.Batch
	if len(closeOther.ord) > 0 {
		c := &closeOther
		b.Queue(sqlCloseOther, c.ord, c.a, c.b, c.c, c.at, c.scan)
	}
	if len(signOut.ord) > 0 {
		c := &signOut
		b.Queue(sqlSignOut, c.ord, c.a, c.b, c.c, c.at, c.scan)
	}
	if len(signIn.ord) > 0 {
		c := &signIn
		q := sqlSignIn
		if careful {
			q = sqlSignInCareful
		}
		b.Queue(q, c.a, c.b, c.c, c.d, c.at, c.scan)
	}
	br := conn.SendBatch(ctx, &b)
	defer br.Close()

	closed := make(map[int32]bool)
	if len(closeOther.ord) > 0 {
		err := eachRow(br, "close other sessions", func(rows pgx.Rows) error {
			var (
				ord int32
				o   OtherClose
				dur int32
			)
			if err := rows.Scan(&ord, &o.SessionID, &o.ProjectID, &o.StartedAt, &dur); err != nil {
				return err
			}
			d := &results[ord].Decision
			o.StartedAt, o.EndedAt, o.DurationSeconds = o.StartedAt.UTC(), d.Session.StartedAt, int64(dur)
			d.CloseOther = &o
			closed[ord] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	ended := make(map[int32]bool)
	if len(signOut.ord) > 0 {
		err := eachRow(br, "sign out", func(rows pgx.Rows) error {
			var (
				ord      int32
				started  time.Time
				dur      int32
				position uuid.UUID
			)
			if err := rows.Scan(&ord, &started, &dur, &position); err != nil {
				return err
			}
			s := &results[ord].Decision
			s.Session.StartedAt, s.Session.DurationSeconds = started.UTC(), int64(dur)
			if s.PositionID == uuid.Nil {
				s.PositionID = position
			}
			ended[ord] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	opened := make(map[uuid.UUID]bool)
	if len(signIn.ord) > 0 && !careful {
		// A plain insert writes every row or fails.
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		for _, id := range signIn.a {
			opened[id] = true
		}
	} else if len(signIn.ord) > 0 {
		err := eachRow(br, "sign in", func(rows pgx.Rows) error {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			opened[id] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, i := range live {
		d := &batch[i].d
		ok := true
		switch d.Outcome {
		case SignedIn:
			if ok = opened[d.Session.ID]; !ok && closed[int32(i)] {
				// The other session is closed already; undoing that takes
				// a savepoint.
				return nil, errIsolate
			}
			if ok && d.CloseOther != nil && !closed[int32(i)] {
				results[i].Decision.CloseOther = nil // nothing was open
			}
		case SignedOut:
			ok = ended[int32(i)]
		}
		if !ok {
			results[i].Stale = true
			markStale(stale, d)
			staleKeys = append(staleKeys, d.ScanID)
		}
	}
	return staleKeys, nil
}

// eachRow reads the next query result of br row by row.
func eachRow(br pgx.BatchResults, what string, fn func(pgx.Rows) error) error {
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// connect returns the writer's connection, opening one when needed.
func (w *writer) connect(ctx context.Context) (*pgx.Conn, error) {
	if w.conn != nil && !w.conn.IsClosed() {
		return w.conn, nil
	}
	cfg := w.l.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "yima-ledger"
	// The statements take arrays of any length; a generic plan fits them
	// all, and planning afresh per batch only costs.
	cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	w.conn = conn
	return conn, nil
}

// abort ends whatever transaction a failed attempt left open, dropping the
// connection when that fails too.
func (w *writer) abort() {
	if w.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := w.conn.Exec(ctx, "ROLLBACK"); err != nil {
		w.disconnect()
	}
}

func (w *writer) disconnect() {
	if w.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.conn.Close(ctx)
	w.conn = nil
}

// transient reports whether writing the batch again may succeed: lost
// connections, deadlocks, serialization failures, a server shutting down.
func transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "40", "08", "53", "57", "58":
			return true
		}
		return pe.Code == "55P03"
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// isDataError reports whether the database refused the data itself: an
// integrity constraint or a bad value. One decision is to blame.
func isDataError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code[:2] == "23" || pe.Code[:2] == "22")
}

// isStaleError reports whether err is a session constraint that a stale
// grain runs into.
func isStaleError(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.ConstraintName {
	case "session_one_open", "session_no_overlap", "session_pkey":
		return true
	}
	return false
}

// monthSet remembers the months whose partitions exist.
type monthSet struct {
	mu   sync.Mutex
	have map[int]bool
}

func monthOf(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// ensureMonths creates the scan log partitions the batch's months need.
// Writers may race to create one; the database function serializes them.
func (l *Ledger) ensureMonths(ctx context.Context, conn *pgx.Conn, batch []*pending) error {
	var need []time.Time
	l.months.mu.Lock()
	for _, p := range batch {
		if m := monthOf(p.d.ReceivedAt); !l.months.have[m] {
			need = append(need, p.d.ReceivedAt)
		}
	}
	l.months.mu.Unlock()
	for _, t := range need {
		if _, err := conn.Exec(ctx, sqlEnsurePartition, "scan", t.Format("2006-01-02")); err != nil {
			return fmt.Errorf("ensure scan partition %s: %w", t.Format("2006-01"), err)
		}
		l.months.add(t)
	}
	return nil
}

func (s *monthSet) add(t time.Time) {
	s.mu.Lock()
	if s.have == nil {
		s.have = make(map[int]bool)
	}
	s.have[monthOf(t)] = true
	s.mu.Unlock()
}

// EnsurePartitions creates the partitions of the scan log and the
// code-scene trail for this month and the next. Run it at start and daily;
// writes find their partition without it, but then pay for creating it.
func (l *Ledger) EnsurePartitions(ctx context.Context) error {
	t := l.opt.Now().UTC()
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []time.Time{first, first.AddDate(0, 1, 0)} {
		for _, table := range []string{"scan", "code_event"} {
			if _, err := l.pool.Exec(ctx, sqlEnsurePartition, table, m.Format("2006-01-02")); err != nil {
				return fmt.Errorf("ensure %s partition %s: %w", table, m.Format("2006-01"), err)
			}
		}
	}
	l.months.add(first)
	l.months.add(first.AddDate(0, 1, 0))
	return nil
}
