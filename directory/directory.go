// Package directory names what scans and events only identify: volunteers
// (by their masked names) and positions (with their projects' titles). The
// scan answers, the volunteer's check-in status and the live pages all read
// names through one Directory, which keeps them in a bounded in-memory
// cache. Misses are loaded from PostgreSQL in batches: while one batch is
// being read, every other miss waits for the next, so a storm of new faces
// at the gates costs one query per batch rather than one per scan.
package directory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"yima/sensitive"
	"yima/store/db"
)

// ErrNotFound is returned for an id the database does not know.
var ErrNotFound = errors.New("directory: not found")

// Queries are the batch lookups a Directory runs (*db.Queries).
type Queries interface {
	ListVolunteerNames(ctx context.Context, ids []uuid.UUID) ([]db.ListVolunteerNamesRow, error)
	ListPositionLabels(ctx context.Context, ids []uuid.UUID) ([]db.ListPositionLabelsRow, error)
}

// PositionLabel names a position.
type PositionLabel struct {
	Name         string
	ProjectTitle string
}

// Defaults of Options.
const (
	// DefaultTTL: names barely change, and a gate shows a volunteer twice
	// (in, out) within hours; ten minutes keeps an edit's delay short.
	DefaultTTL = 10 * time.Minute
	// DefaultSize bounds each kind's cache: a few MB of volunteer names.
	DefaultSize = 50_000
	// maxBatch bounds the ids of one query.
	maxBatch = 1000
	// loadTimeout bounds one batch query; a batch serves many callers, so
	// it runs on its own context, not on any one caller's.
	loadTimeout = 5 * time.Second
)

// Options tune a Directory; zero values take the defaults.
type Options struct {
	// TTL is how long a name is served from memory.
	TTL time.Duration
	// Size bounds the entries of each kind (volunteers, positions); when
	// full, a random eighth is dropped.
	Size int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Directory looks names up through a bounded cache. It is safe for
// concurrent use; the zero value is not usable, call New.
type Directory struct {
	volunteers *table[string]
	positions  *table[PositionLabel]
}

// New returns a Directory over q.
func New(q Queries, opt Options) *Directory {
	if opt.TTL <= 0 {
		opt.TTL = DefaultTTL
	}
	if opt.Size <= 0 {
		opt.Size = DefaultSize
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Directory{
		volunteers: newTable(opt, func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]string, error) {
			rows, err := q.ListVolunteerNames(ctx, ids)
			if err != nil {
				return nil, fmt.Errorf("list volunteer names: %w", err)
			}
			out := make(map[uuid.UUID]string, len(rows))
			for _, r := range rows {
				out[r.ID] = sensitive.MaskName(r.Name)
			}
			return out, nil
		}),
		positions: newTable(opt, func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]PositionLabel, error) {
			rows, err := q.ListPositionLabels(ctx, ids)
			if err != nil {
				return nil, fmt.Errorf("list position labels: %w", err)
			}
			out := make(map[uuid.UUID]PositionLabel, len(rows))
			for _, r := range rows {
				out[r.ID] = PositionLabel{Name: r.PositionName, ProjectTitle: r.ProjectTitle}
			}
			return out, nil
		}),
	}
}

// VolunteerName returns a volunteer's name masked with sensitive.MaskName
// (the full name is never cached). Errors: ErrNotFound, the database's,
// or ctx's when it ends first.
func (d *Directory) VolunteerName(ctx context.Context, volunteer uuid.UUID) (string, error) {
	return d.volunteers.get(ctx, volunteer)
}

// Position returns a position's name and its project's title. Errors:
// ErrNotFound, the database's, or ctx's when it ends first.
func (d *Directory) Position(ctx context.Context, position uuid.UUID) (PositionLabel, error) {
	return d.positions.get(ctx, position)
}

// table is the cache of one kind with its batching loader.
type table[T any] struct {
	load func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]T, error)
	ttl  time.Duration
	size int
	now  func() time.Time

	mu      sync.RWMutex
	entries map[uuid.UUID]entry[T]

	// Under bmu: the ids waiting for the next batch, those of the batch
	// being read, and whether the loader runs.
	bmu      sync.Mutex
	waiting  map[uuid.UUID]*call[T]
	inflight map[uuid.UUID]*call[T]
	loading  bool
}

type entry[T any] struct {
	v  T
	at time.Time
}

// call is one id's lookup, shared by every caller who asked for it.
type call[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func newTable[T any](opt Options, load func(context.Context, []uuid.UUID) (map[uuid.UUID]T, error)) *table[T] {
	return &table[T]{
		load: load, ttl: opt.TTL, size: opt.Size, now: opt.Now,
		entries: map[uuid.UUID]entry[T]{}, waiting: map[uuid.UUID]*call[T]{},
	}
}

func (t *table[T]) get(ctx context.Context, id uuid.UUID) (T, error) {
	t.mu.RLock()
	e, ok := t.entries[id]
	t.mu.RUnlock()
	if ok && t.now().Sub(e.at) < t.ttl {
		return e.v, nil
	}
	c := t.ask(id)
	select {
	case <-c.done:
		return c.v, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// ask returns the lookup of id: one already waiting or being read, or a new
// one for the next batch, starting the loader if it is idle.
func (t *table[T]) ask(id uuid.UUID) *call[T] {
	t.bmu.Lock()
	defer t.bmu.Unlock()
	if c, ok := t.waiting[id]; ok {
		return c
	}
	if c, ok := t.inflight[id]; ok {
		return c
	}
	c := &call[T]{done: make(chan struct{})}
	t.waiting[id] = c
	if !t.loading {
		t.loading = true
		go t.loader()
	}
	return c
}

// loader reads batches until no one waits, then ends.
func (t *table[T]) loader() {
	for {
		t.bmu.Lock()
		if len(t.waiting) == 0 {
			t.loading = false
			t.bmu.Unlock()
			return
		}
		batch := make(map[uuid.UUID]*call[T], min(len(t.waiting), maxBatch))
		for id, c := range t.waiting {
			if len(batch) == maxBatch {
				break
			}
			batch[id] = c
			delete(t.waiting, id)
		}
		t.inflight = batch
		t.bmu.Unlock()

		ids := make([]uuid.UUID, 0, len(batch))
		for id := range batch {
			ids = append(ids, id)
		}
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		got, err := t.load(ctx, ids)
		cancel()
		if err == nil {
			t.keep(got)
		}
		// Cached before the batch is let go, so that a caller who missed
		// the cache either joins this batch or finds the name.
		t.bmu.Lock()
		t.inflight = nil
		t.bmu.Unlock()
		for id, c := range batch {
			v, ok := got[id]
			switch {
			case err != nil:
				c.err = err
			case !ok:
				c.err = ErrNotFound
			default:
				c.v = v
			}
			close(c.done)
		}
	}
}

// keep caches loaded values, first dropping a random eighth of the entries
// when they would exceed the bound (Go's map order is random).
func (t *table[T]) keep(got map[uuid.UUID]T) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries)+len(got) > t.size {
		drop := max(len(t.entries)+len(got)-t.size, t.size/8)
		for id := range t.entries {
			if drop == 0 {
				break
			}
			delete(t.entries, id)
			drop--
		}
	}
	for id, v := range got {
		if len(t.entries) >= t.size {
			break // a batch larger than the whole cache
		}
		t.entries[id] = entry[T]{v: v, at: now}
	}
}
