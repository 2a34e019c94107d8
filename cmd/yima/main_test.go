package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// schema is the migrated database every server test starts from.
var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// testServer is a real yima dev server on a fresh database, a free port and
// an embedded NATS server, as `yima dev` runs it.
type testServer struct {
	*Main
	URL  string
	logs *syncBuffer
}

// startServer runs yima dev for the test, with extra arguments such as
// --demo, and stops it when the test ends.
func startServer(t *testing.T, args ...string) *testServer {
	t.Helper()
	return startServerWith(t, nil, args...)
}

// startServerWith is startServer with a hook to adjust Main before it runs,
// e.g. to give it a clock the test moves.
func startServerWith(t *testing.T, adjust func(*Main), args ...string) *testServer {
	t.Helper()
	dsn := storetest.NewDatabase(t, schema)
	logs := &syncBuffer{}
	m := NewMain(logs, logs, func(string) string { return "" })
	all := append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--database-url", dsn}, args...)
	if err := m.ParseFlags("dev", all); err != nil {
		t.Fatal(err)
	}
	m.Config.Cluster.Port = 0
	if adjust != nil {
		adjust(m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Run(ctx); err != nil {
		cancel()
		m.Close()
		t.Fatalf("start yima dev: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() && os.Getenv("YIMA_TEST_LOGS") != "" {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &testServer{Main: m, URL: m.BaseURL, logs: logs}
}

// client returns an HTTP client that sends token as a bearer token.
func (s *testServer) client(token string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: bearer{token: token, next: http.DefaultTransport}}
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// syncBuffer collects a server's output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Contains(sub string) bool { return strings.Contains(s.String(), sub) }
