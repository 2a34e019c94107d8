package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { Main(m) }

// fakeSchema is a one-table schema whose hash is new on every call, so each
// test builds its own template even on a long-lived DATABASE_URL server, and
// whose migrate counts its runs. The template is dropped after the test.
func fakeSchema(t *testing.T, runs *atomic.Int32) Schema {
	hash := rand.Text()
	t.Cleanup(func() {
		h, err := shared()
		if err != nil {
			return // the test was skipped or failed already
		}
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		name := ident(templateName(Schema{Name: "fake", Hash: hash}))
		for _, sql := range []string{
			"ALTER DATABASE " + name + " WITH IS_TEMPLATE false",
			"DROP DATABASE " + name,
		} {
			if _, err := h.admin.Exec(ctx, sql); err != nil {
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name: never built
					t.Errorf("drop template: %v", err)
				}
				return
			}
		}
	})
	return Schema{
		Name: "fake",
		Hash: hash,
		Migrate: func(ctx context.Context, url string) error {
			runs.Add(1)
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, "CREATE TABLE item (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL)")
			return err
		},
	}
}

func notes(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	rows, err := q.Query(t.Context(), "SELECT note FROM item ORDER BY id")
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	return got
}

// TestIsolation: two databases of one schema both have the table, and rows
// written to one are not in the other.
func TestIsolation(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	schema := fakeSchema(t, &runs)
	a, b := Open(t, schema), Open(t, schema)

	var nameA, nameB string
	if err := a.QueryRow(t.Context(), "SELECT current_database()").Scan(&nameA); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(t.Context(), "SELECT current_database()").Scan(&nameB); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB {
		t.Fatalf("both pools use database %s", nameA)
	}
	if _, err := a.Exec(t.Context(), "INSERT INTO item (note) VALUES ('甲')"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(t.Context(), "INSERT INTO item (note) VALUES ('乙')"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  []string
		want string
	}{
		{name: nameA, got: notes(t, a), want: "甲"},
		{name: nameB, got: notes(t, b), want: "乙"},
	} {
		if len(tc.got) != 1 || tc.got[0] != tc.want {
			t.Errorf("database %s holds %q, want only %q", tc.name, tc.got, tc.want)
		}
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("migrate ran %d times, want 1", got)
	}
}

// TestParallel: tests running at once each get their own migrated database,
// from one template build.
func TestParallel(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	schema := fakeSchema(t, &runs)
	var mu sync.Mutex
	seen := map[string]bool{}
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				pool := Open(t, schema)
				var db string
				if err := pool.QueryRow(t.Context(), "INSERT INTO item (note) VALUES ($1) RETURNING current_database()", fmt.Sprint(i)).Scan(&db); err != nil {
					t.Fatal(err)
				}
				if got := notes(t, pool); len(got) != 1 || got[0] != fmt.Sprint(i) {
					t.Errorf("database holds %q, want only %q", got, fmt.Sprint(i))
				}
				mu.Lock()
				defer mu.Unlock()
				if seen[db] {
					t.Errorf("database %s handed out twice", db)
				}
				seen[db] = true
			})
		}
	})
	if got := runs.Load(); got != 1 {
		t.Errorf("migrate ran %d times, want 1", got)
	}
}

// TestDroppedAtCleanup: a test's database is gone once the test ends.
func TestDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	var db string
	t.Run("user", func(t *testing.T) {
		pool := Open(t, Schema{Name: "empty"})
		if err := pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&db); err != nil {
			t.Fatal(err)
		}
	})
	if exists := databaseExists(t, db); exists {
		t.Errorf("database %s still exists after its test", db)
	}
}

// TestTemplateLock: two harnesses on one server, as two test binaries would
// be, asking for a new template at once: one builds it, the other waits and
// uses it.
func TestTemplateLock(t *testing.T) {
	t.Parallel()
	h := sharedOrSkip(t)
	var runs atomic.Int32
	schema := fakeSchema(t, &runs)
	inner := schema.Migrate
	schema.Migrate = func(ctx context.Context, url string) error {
		// Hold the lock a while so the other harness surely waits on it.
		time.Sleep(200 * time.Millisecond)
		return inner(ctx, url)
	}

	errs := make(chan error, 2)
	for range 2 {
		other, err := newHarness(t.Context(), h.adminURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = other.close() })
		go func() {
			_, name, err := other.newDatabase(t.Context(), schema)
			if err == nil {
				err = other.dropDatabase(t.Context(), name)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("newDatabase: %v", err)
		}
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("migrate ran %d times across two harnesses, want 1", got)
	}
}

// TestFailedMigration: a failing migration fails the tests that need it and
// leaves no template behind, so the next run builds it afresh.
func TestFailedMigration(t *testing.T) {
	t.Parallel()
	h := sharedOrSkip(t)
	var runs atomic.Int32
	good := fakeSchema(t, &runs)
	bad := good
	bad.Migrate = func(ctx context.Context, url string) error {
		if err := good.Migrate(ctx, url); err != nil {
			return err
		}
		return errors.New("migration 2 is broken")
	}

	first, err := newHarness(t.Context(), h.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	if _, _, err := first.newDatabase(t.Context(), bad); err == nil {
		t.Fatal("newDatabase with a failing migration succeeded")
	}
	for _, name := range []string{templateName(bad), templateName(bad) + "_build"} {
		if databaseExists(t, name) {
			t.Errorf("database %s left after a failed build", name)
		}
	}

	second, err := newHarness(t.Context(), h.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer second.close()
	_, name, err := second.newDatabase(t.Context(), good)
	if err != nil {
		t.Fatalf("newDatabase after the fix: %v", err)
	}
	if err := second.dropDatabase(t.Context(), name); err != nil {
		t.Error(err)
	}
}

func TestTemplateName(t *testing.T) {
	t.Parallel()
	base := templateName(Schema{Name: "yima", Hash: "abc"})
	tests := []struct {
		name   string
		schema Schema
		same   bool
	}{
		{name: "same schema", schema: Schema{Name: "yima", Hash: "abc"}, same: true},
		{name: "migrations changed", schema: Schema{Name: "yima", Hash: "abd"}},
		{name: "other schema", schema: Schema{Name: "other", Hash: "abc"}},
		{name: "boundary moved", schema: Schema{Name: "yimaa", Hash: "bc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := templateName(tt.schema); (got == base) != tt.same {
				t.Errorf("templateName = %s vs %s, same = %v, want %v", got, base, got == base, tt.same)
			}
		})
	}
	for _, s := range []Schema{{}, {Name: "志愿 Schema-名字/很长很长很长很长很长很长很长很长"}} {
		name := templateName(s)
		if len(name+"_build") > 63 || ident(name) != `"`+name+`"` {
			t.Errorf("templateName(%q) = %q, not a short plain identifier", s.Name, name)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dsn, want string
	}{
		{name: "url", dsn: "postgres://u:p@127.0.0.1:5433/postgres?sslmode=disable", want: "postgres://u:p@127.0.0.1:5433/t_x?sslmode=disable"},
		{name: "url without database", dsn: "postgresql://u@h", want: "postgresql://u@h/t_x"},
		{name: "url with dbname parameter", dsn: "postgres://u@h/a?dbname=b&sslmode=require", want: "postgres://u@h/t_x?sslmode=require"},
		{name: "multi-host url", dsn: "postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write", want: "postgres://u@h1:5432,h2:5432/t_x?target_session_attrs=read-write"},
		{name: "keyword/value", dsn: "host=/tmp dbname=postgres ", want: "host=/tmp dbname=postgres dbname='t_x'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDatabase(tt.dsn, "t_x")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			cfg, err := pgx.ParseConfig(got)
			if err != nil {
				t.Fatalf("pgx cannot parse %q: %v", got, err)
			}
			if cfg.Database != "t_x" {
				t.Errorf("pgx reads database %q from %q", cfg.Database, got)
			}
		})
	}
}

// sharedOrSkip returns the process's harness, skipping like Open does.
func sharedOrSkip(t *testing.T) *harness {
	t.Helper()
	NewDatabase(t, Schema{Name: "empty"}) // skips or fails the way tests would
	h, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	h := sharedOrSkip(t)
	var exists bool
	if err := h.admin.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}
