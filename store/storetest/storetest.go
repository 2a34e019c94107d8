// Package storetest gives integration tests a PostgreSQL database each,
// cloned from a migrated template, so tests run in parallel and never see
// each other's rows.
//
// The server is DATABASE_URL when set (any server where that role may
// create databases), otherwise a throwaway cluster started by pgserver on
// first use and stopped by Main; its log is server.log in the cluster's
// directory under os.TempDir(). A package that forgets Main still leaves no
// server running: pgserver's server shuts down when the test binary exits,
// and the next start removes its directory.
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
//	var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		pool := storetest.Open(t, schema)
//		…
//	}
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/store/pgserver"
)

const (
	// startTimeout bounds starting or reaching the server (a cold initdb
	// takes seconds on a slow disk).
	startTimeout = 3 * time.Minute
	// buildTimeout bounds waiting for and running a template's migrations.
	buildTimeout = 5 * time.Minute
	// dropTimeout bounds dropping a test's database at cleanup.
	dropTimeout = time.Minute
)

// Schema is a database layout tests ask for: how to build it and an identity
// for its content.
type Schema struct {
	// Name is a short label that appears in the template's name, e.g. "yima".
	Name string
	// Hash identifies the migrations' content, e.g. a hex SHA-256 over the
	// migration files. Templates are named by it, so a changed migration
	// gets a new template and a stale one is never reused.
	Hash string
	// Migrate brings the empty database at url to the schema. It must close
	// its connections before returning, as a template may have none. Nil
	// leaves the database empty.
	Migrate func(ctx context.Context, url string) error
}

// Open returns a pool on a new database with schema s, closed and dropped
// when the test ends. Its DSN is pool.Config().ConnString(). Without
// DATABASE_URL or PostgreSQL's binaries the test is skipped, except under CI
// (CI set), where it fails.
func Open(t testing.TB, s Schema) *pgxpool.Pool {
	t.Helper()
	dsn := NewDatabase(t, s)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("storetest: open pool: %v", err)
	}
	t.Cleanup(pool.Close) // runs before NewDatabase's drop: cleanups run last-in first-out
	return pool
}

// NewDatabase creates a database with schema s and returns its DSN; it is
// dropped when the test ends. It skips or fails like Open.
func NewDatabase(t testing.TB, s Schema) string {
	t.Helper()
	h, err := shared()
	if err != nil {
		if errors.Is(err, pgserver.ErrNoBinaries) && os.Getenv("CI") == "" {
			t.Skipf("storetest: %v (or set DATABASE_URL)", err)
		}
		t.Fatalf("storetest: %v", err)
	}
	dsn, name, err := h.newDatabase(t.Context(), s)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if err := h.dropDatabase(ctx, name); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return dsn
}

// Main runs the package's tests and then stops the server they shared. Call
// it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := closeShared(); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// process is the test binary's harness. It is package state, against the
// project's rule, because the tests of one binary must share a server (a
// cold start costs seconds) and a test helper has nowhere else to keep it:
// tests call Open with only their *testing.T. It is set once, by the first
// test that needs it, and torn down by Main.
var process struct {
	once sync.Once
	h    *harness
	err  error
}

// errClosed is what tests get once Main has torn the harness down.
var errClosed = errors.New("harness closed by storetest.Main")

// shared returns the process's harness, starting it on first use.
func shared() (*harness, error) {
	process.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		process.h, process.err = startHarness(ctx)
	})
	return process.h, process.err
}

// closeShared tears the harness down, if a test started it, and keeps any
// later test from starting another.
func closeShared() error {
	process.once.Do(func() { process.err = errClosed })
	if process.h == nil {
		return nil
	}
	return process.h.close()
}

// harness is a server and the templates built on it by this process.
type harness struct {
	adminURL string
	admin    *pgxpool.Pool
	srv      *pgserver.Server // nil when DATABASE_URL names the server

	mu        sync.Mutex
	templates map[string]*template
}

// template is one template's build, shared by the tests that need it.
type template struct {
	once sync.Once
	err  error
}

// startHarness connects to DATABASE_URL or starts a throwaway server.
func startHarness(ctx context.Context) (*harness, error) {
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		h, err := newHarness(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("use DATABASE_URL: %w", err)
		}
		return h, nil
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{})
	if err != nil {
		return nil, err
	}
	h, err := newHarness(ctx, srv.URL("postgres"))
	if err != nil {
		return nil, errors.Join(err, srv.Stop(ctx))
	}
	h.srv = srv
	return h, nil
}

// newHarness connects to the server at adminURL, whose database is used for
// CREATE and DROP DATABASE.
func newHarness(ctx context.Context, adminURL string) (*harness, error) {
	pool, err := pgxpool.New(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return &harness{adminURL: adminURL, admin: pool, templates: map[string]*template{}}, nil
}

// close disconnects and stops the server if the harness started it.
func (h *harness) close() error {
	h.admin.Close()
	if h.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return h.srv.Stop(ctx)
}

// newDatabase creates a database from s's template and returns its DSN and name.
func (h *harness) newDatabase(ctx context.Context, s Schema) (dsn, name string, err error) {
	tmpl, err := h.template(s)
	if err != nil {
		return "", "", err
	}
	name = "t_" + strings.ToLower(rand.Text()[:16])
	if _, err := h.admin.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(tmpl)); err != nil {
		return "", "", fmt.Errorf("create database from %s: %w", tmpl, err)
	}
	if dsn, err = withDatabase(h.adminURL, name); err != nil {
		return "", "", err
	}
	return dsn, name, nil
}

// dropDatabase drops a test's database, disconnecting whoever still uses it.
func (h *harness) dropDatabase(ctx context.Context, name string) error {
	if _, err := h.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// template returns the name of s's template, built by the first caller in
// this process; the others wait for it and share its result.
func (h *harness) template(s Schema) (string, error) {
	name := templateName(s)
	h.mu.Lock()
	tp, ok := h.templates[name]
	if !ok {
		tp = &template{}
		h.templates[name] = tp
	}
	h.mu.Unlock()
	tp.once.Do(func() {
		// Not the first caller's context: its end must not fail the others.
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		tp.err = h.buildTemplate(ctx, name, s.Migrate)
	})
	return name, tp.err
}

// buildTemplate makes template name unless it exists. Test binaries run in
// parallel against one server (DATABASE_URL), so the check and the build
// happen under an advisory lock; the build runs in a scratch database that
// gets the template's name only once migrated, so a crash midway never
// leaves a half-built template behind.
func (h *harness) buildTemplate(ctx context.Context, name string, migrate func(context.Context, string) error) (err error) {
	conn, err := h.admin.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	key := lockKey(name)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("lock template %s: %w", name, err)
	}
	defer func() {
		if _, unlockErr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); unlockErr != nil {
			// Ending the session releases the lock too.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up template %s: %w", name, err)
	}
	if exists {
		return nil
	}

	build := name + "_build"
	for _, sql := range []string{
		"DROP DATABASE IF EXISTS " + ident(build) + " WITH (FORCE)", // left by a crashed build
		"CREATE DATABASE " + ident(build) + " TEMPLATE template0",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("prepare template %s: %w", name, err)
		}
	}
	if migrate != nil {
		dsn, err := withDatabase(h.adminURL, build)
		if err != nil {
			return err
		}
		if err := migrate(ctx, dsn); err != nil {
			_, dropErr := conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+ident(build)+" WITH (FORCE)")
			return errors.Join(fmt.Errorf("migrate template %s: %w", name, err), dropErr)
		}
	}
	// A template may have no connections; close any that migrate left open.
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", build); err != nil {
		return fmt.Errorf("finish template %s: %w", name, err)
	}
	for _, sql := range []string{
		"ALTER DATABASE " + ident(build) + " WITH ALLOW_CONNECTIONS false IS_TEMPLATE true",
		"ALTER DATABASE " + ident(build) + " RENAME TO " + ident(name),
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("finish template %s: %w", name, err)
		}
	}
	return nil
}

// templateName names s's template by a hash of its name and content hash:
// short, a valid identifier whatever the caller passes, and new whenever the
// migrations change.
func templateName(s Schema) string {
	sum := sha256.Sum256([]byte(s.Name + "\x00" + s.Hash))
	return "tpl_" + label(s.Name) + "_" + hex.EncodeToString(sum[:8])
}

// label keeps a readable, identifier-safe prefix of name.
func label(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if b.Len() == 20 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "db"
	}
	return b.String()
}

// lockKey is the advisory lock key guarding the build of template name.
func lockKey(name string) int64 {
	f := fnv.New64a()
	f.Write([]byte("yima/storetest template " + name))
	return int64(f.Sum64())
}

// ident quotes an identifier for SQL.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// withDatabase returns dsn pointing at database name instead, for both DSN
// forms: a URL, or keyword=value pairs (where a later keyword wins).
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return strings.TrimSpace(dsn) + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'", nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path, u.RawPath = "/"+name, ""
	q := u.Query()
	if q.Has("dbname") || q.Has("database") {
		q.Del("dbname")
		q.Del("database")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}
