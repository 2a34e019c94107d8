package directory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/store/db"
)

// fakeQueries is the database: a few volunteers and positions, counting
// queries and the ids they asked for; gate, when set, holds every query
// until it is closed.
type fakeQueries struct {
	volunteers map[uuid.UUID]string
	positions  map[uuid.UUID]db.ListPositionLabelsRow
	gate       chan struct{}
	fail       atomic.Bool

	mu      sync.Mutex
	queries int
	asked   int
}

func (f *fakeQueries) wait(ids []uuid.UUID) error {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	f.queries++
	f.asked += len(ids)
	f.mu.Unlock()
	if f.fail.Load() {
		return errors.New("database down")
	}
	return nil
}

func (f *fakeQueries) ListVolunteerNames(_ context.Context, ids []uuid.UUID) ([]db.ListVolunteerNamesRow, error) {
	if err := f.wait(ids); err != nil {
		return nil, err
	}
	var out []db.ListVolunteerNamesRow
	for _, id := range ids {
		if n, ok := f.volunteers[id]; ok {
			out = append(out, db.ListVolunteerNamesRow{ID: id, Name: n})
		}
	}
	return out, nil
}

func (f *fakeQueries) ListPositionLabels(_ context.Context, ids []uuid.UUID) ([]db.ListPositionLabelsRow, error) {
	if err := f.wait(ids); err != nil {
		return nil, err
	}
	var out []db.ListPositionLabelsRow
	for _, id := range ids {
		if r, ok := f.positions[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeQueries) counts() (queries, asked int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries, f.asked
}

var (
	liXiaomei = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	ouyang    = uuid.MustParse("00000000-0000-0000-0000-0000000000a2")
	guide     = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
)

func newFake() *fakeQueries {
	return &fakeQueries{
		volunteers: map[uuid.UUID]string{liXiaomei: "李晓梅", ouyang: "欧阳娜娜"},
		positions: map[uuid.UUID]db.ListPositionLabelsRow{
			guide: {ID: guide, PositionName: "站台引导", ProjectTitle: "徐家汇街道轨交站点文明引导"},
		},
	}
}

// clock is a settable test clock.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

func TestNamesAreMaskedAndCached(t *testing.T) {
	f := newFake()
	clk := &clock{}
	d := New(f, Options{Now: clk.Now})
	tests := []struct {
		name string
		id   uuid.UUID
		want string
	}{
		{"单姓", liXiaomei, "李**"},
		{"复姓", ouyang, "欧阳**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 3 {
				got, err := d.VolunteerName(t.Context(), tt.id)
				if err != nil || got != tt.want {
					t.Fatalf("VolunteerName = %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
	if q, _ := f.counts(); q != 2 {
		t.Errorf("queries = %d, want 2 (one per volunteer, then cached)", q)
	}
	l, err := d.Position(t.Context(), guide)
	if err != nil || l != (PositionLabel{Name: "站台引导", ProjectTitle: "徐家汇街道轨交站点文明引导"}) {
		t.Errorf("Position = %+v, %v", l, err)
	}
	clk.Advance(DefaultTTL)
	if _, err := d.VolunteerName(t.Context(), liXiaomei); err != nil {
		t.Fatal(err)
	}
	if q, _ := f.counts(); q != 4 {
		t.Errorf("queries = %d, want 4 (the expired name read again)", q)
	}
}

func TestUnknownAndFailuresAreNotCached(t *testing.T) {
	f := newFake()
	d := New(f, Options{})
	if _, err := d.VolunteerName(t.Context(), uuid.New()); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown volunteer: err = %v, want ErrNotFound", err)
	}
	if _, err := d.Position(t.Context(), uuid.New()); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown position: err = %v, want ErrNotFound", err)
	}
	f.fail.Store(true)
	if _, err := d.VolunteerName(t.Context(), liXiaomei); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("database down: err = %v, want the database's", err)
	}
	f.fail.Store(false)
	if got, err := d.VolunteerName(t.Context(), liXiaomei); err != nil || got != "李**" {
		t.Errorf("after the database is back: %q, %v", got, err)
	}
}

// TestConcurrentMissesShareBatches: many callers missing at once cost a
// batch query each time the loader comes round, not one query each, and
// callers of the same id share one lookup.
func TestConcurrentMissesShareBatches(t *testing.T) {
	f := newFake()
	for range 500 {
		f.volunteers[uuid.New()] = "张三"
	}
	f.gate = make(chan struct{})
	d := New(f, Options{})
	var ids []uuid.UUID
	for id := range f.volunteers {
		ids = append(ids, id, id) // every id asked for twice
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Go(func() {
			if _, err := d.VolunteerName(t.Context(), id); err != nil {
				errs <- err
			}
		})
	}
	// The first query waits on the gate while the others pile up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tb := d.volunteers
		tb.bmu.Lock()
		n := len(tb.waiting) + len(tb.inflight)
		tb.bmu.Unlock()
		if n == len(f.volunteers) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d ids asked for after 10 s", n, len(f.volunteers))
		}
		time.Sleep(time.Millisecond)
	}
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	q, asked := f.counts()
	if q != 2 {
		t.Errorf("queries = %d for %d concurrent misses, want 2 (the first, then one batch of the rest)", q, len(ids))
	}
	if asked != len(f.volunteers) {
		t.Errorf("ids asked = %d, want %d (each once)", asked, len(f.volunteers))
	}
}

func TestCallerGivesUpWithoutHarm(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	d := New(f, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := d.VolunteerName(ctx, liXiaomei); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	close(f.gate)
	if got, err := d.VolunteerName(t.Context(), liXiaomei); err != nil || got != "李**" {
		t.Errorf("later lookup: %q, %v", got, err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	f := newFake()
	var ids []uuid.UUID
	for range 100 {
		id := uuid.New()
		f.volunteers[id] = "王五"
		ids = append(ids, id)
	}
	d := New(f, Options{Size: 16})
	for _, id := range ids {
		if _, err := d.VolunteerName(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	d.volunteers.mu.RLock()
	n := len(d.volunteers.entries)
	d.volunteers.mu.RUnlock()
	if n > 16 || n == 0 {
		t.Errorf("cached entries = %d, want 1..16", n)
	}
}

func ExampleDirectory_VolunteerName() {
	// In the program: directory.New(store.Q, directory.Options{}).
	d := New(newFake(), Options{})
	name, _ := d.VolunteerName(context.Background(), liXiaomei)
	fmt.Println(name)
	// Output: 李**
}
