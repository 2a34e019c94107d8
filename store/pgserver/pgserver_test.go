package pgserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startOrSkip starts a server, skipping the test when the machine has no
// PostgreSQL binaries, except under CI, which must have them.
func startOrSkip(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Log == nil {
		opts.Log = testLog{t}
	}
	s, err := Start(t.Context(), opts)
	if errors.Is(err, ErrNoBinaries) && os.Getenv("CI") == "" {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

// testLog sends server log lines to t.Log, shown when a test fails or with -v.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// reachableTempDir is a t.TempDir the server's account can enter: t.TempDir
// makes its directories 0700, which under root shuts the postgres user out.
func reachableTempDir(t *testing.T) string {
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func connect(t *testing.T, s *Server, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.URL(db))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func show(t *testing.T, conn *pgx.Conn, name string) string {
	t.Helper()
	var v string
	if err := conn.QueryRow(t.Context(), "SHOW "+name).Scan(&v); err != nil {
		t.Fatalf("SHOW %s: %v", name, err)
	}
	return v
}

func TestThrowaway(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	s := startOrSkip(t, Options{})
	t.Logf("cold start of a throwaway cluster took %v", time.Since(begin))

	conn := connect(t, s, "postgres")
	for name, want := range map[string]string{
		"fsync":              "on",
		"synchronous_commit": "on",
		"full_page_writes":   "on",
		"listen_addresses":   "127.0.0.1",
		"max_connections":    "200",
		"shared_buffers":     "128MB",
		"server_encoding":    "UTF8",
		"port":               strconv.Itoa(s.Port()),
	} {
		if got := show(t, conn, name); got != want {
			t.Errorf("SHOW %s = %q, want %q", name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.SocketDir(), ".s.PGSQL."+strconv.Itoa(s.Port()))); err != nil {
		t.Errorf("no Unix socket in the socket directory: %v", err)
	}

	for range 2 { // the second call finds it
		if err := s.EnsureDatabase(t.Context(), "yima"); err != nil {
			t.Fatalf("EnsureDatabase: %v", err)
		}
	}
	connect(t, s, "yima")
	_ = conn.Close(t.Context())

	if err := s.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	if _, err := os.Stat(s.SocketDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("throwaway directory %s still there after Stop (err %v)", s.SocketDir(), err)
	}
}

func TestWarmRestart(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(reachableTempDir(t), "pg")

	begin := time.Now()
	s := startOrSkip(t, Options{DataDir: dataDir})
	t.Logf("cold start (initdb) took %v", time.Since(begin))
	conn := connect(t, s, "postgres")
	if _, err := conn.Exec(t.Context(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('一码')"); err != nil {
		t.Fatal(err)
	}
	begin = time.Now()
	if err := s.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stop took %v", time.Since(begin))

	begin = time.Now()
	s = startOrSkip(t, Options{DataDir: dataDir})
	t.Logf("warm start took %v", time.Since(begin))
	var got string
	if err := connect(t, s, "postgres").QueryRow(t.Context(), "SELECT v FROM kept").Scan(&got); err != nil || got != "一码" {
		t.Fatalf("after restart: got %q, %v; want 一码", got, err)
	}
}

// TestStaleLock restarts a cluster whose server was killed outright and
// whose postmaster.pid now names an unrelated live process, as after a
// container restart that reused the pid.
func TestStaleLock(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(reachableTempDir(t), "pg")
	s := startOrSkip(t, Options{DataDir: dataDir})
	if _, err := connect(t, s, "postgres").Exec(t.Context(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	pgid := s.proc.pid()
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	waitFor(t, "the killed server's processes to end", func() bool {
		return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
	})

	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	pidPath := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidPath)
	if err != nil {
		t.Fatalf("a killed server should leave postmaster.pid: %v", err)
	}
	_, rest, _ := strings.Cut(string(b), "\n")
	if err := os.WriteFile(pidPath, fmt.Appendf(nil, "%d\n%s", sleeper.Process.Pid, rest), 0o600); err != nil {
		t.Fatal(err)
	}

	begin := time.Now()
	s = startOrSkip(t, Options{DataDir: dataDir})
	t.Logf("start with crash recovery took %v", time.Since(begin))
	var got int
	if err := connect(t, s, "postgres").QueryRow(t.Context(), "SELECT v FROM kept").Scan(&got); err != nil || got != 7 {
		t.Fatalf("after crash: got %d, %v; want 7", got, err)
	}
}

// TestOwnerKilled kills -9 a process running a server and expects the
// server to shut itself down (Pdeathsig) and the next start to sweep its
// directory away.
func TestOwnerKilled(t *testing.T) {
	t.Parallel()
	if _, err := FindBinDir(); err != nil && os.Getenv("CI") == "" {
		t.Skipf("skipping: %v", err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperServer$")
	helper.Env = append(os.Environ(), "YIMA_PGSERVER_HELPER=1")
	helper.Stderr = testLog{t}
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })

	line, err := bufio.NewReader(out).ReadString('\n')
	var pid int
	var runDir string
	if _, scanErr := fmt.Sscanf(line, "ready %d %s", &pid, &runDir); err != nil || scanErr != nil {
		t.Fatalf("helper said %q (%v, %v)", line, err, scanErr)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the orphaned server to shut down", func() bool { return !alive(pid) })

	sweepRunDirs(filepath.Dir(runDir), testLog{t})
	if _, err := os.Stat(runDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory %s not swept (err %v)", runDir, err)
	}
}

// TestHelperServer is the process TestOwnerKilled kills; it does nothing
// when run as a test.
func TestHelperServer(t *testing.T) {
	if os.Getenv("YIMA_PGSERVER_HELPER") != "1" {
		t.Skip("helper process for TestOwnerKilled")
	}
	s, err := Start(t.Context(), Options{Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ready %d %s\n", s.proc.pid(), s.runDir)
	select {} // until killed
}

// waitFor polls cond for up to 30 s; the events waited for are a server's
// shutdown, which takes a checkpoint.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUnreachableDataDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	if _, err := FindBinDir(); err != nil && os.Getenv("CI") == "" {
		t.Skipf("skipping: %v", err)
	}
	dir := t.TempDir() // 0700, owned by root
	_, err := Start(t.Context(), Options{DataDir: filepath.Join(dir, "pg")})
	if err == nil || !strings.Contains(err.Error(), "not reachable by user") {
		t.Fatalf("Start under a 0700 root directory: err = %v, want a reachability error", err)
	}
}

// TestBusyPort: a port the caller chose but someone else holds fails the
// start, with the server's complaint in the error.
func TestBusyPort(t *testing.T) {
	t.Parallel()
	if _, err := FindBinDir(); err != nil && os.Getenv("CI") == "" {
		t.Skipf("skipping: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if !portTaken(port, "") {
		t.Errorf("portTaken(%d) = false while we listen on it", port)
	}
	s, err := Start(t.Context(), Options{Port: port})
	if err == nil {
		_ = s.Stop(t.Context())
		t.Fatal("Start on a busy port succeeded")
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("error lacks the server's log: %v", err)
	}
}

func TestServerSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		extra   map[string]string
		want    []string // pairs that must be present
		wantErr bool
	}{
		{name: "defaults", want: []string{"max_connections=200", "shared_buffers=128MB", "fsync=on", "synchronous_commit=on"}},
		{name: "override a default", extra: map[string]string{"max_connections": "50"}, want: []string{"max_connections=50"}},
		{name: "extra setting", extra: map[string]string{"log_min_duration_statement": "100ms"}, want: []string{"log_min_duration_statement=100ms"}},
		{name: "fsync refused", extra: map[string]string{"fsync": "off"}, wantErr: true},
		{name: "case-insensitive", extra: map[string]string{"Synchronous_Commit": "off"}, wantErr: true},
		{name: "listen refused", extra: map[string]string{"listen_addresses": "*"}, wantErr: true},
		{name: "port refused", extra: map[string]string{"port": "5432"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, err := serverSettings(tt.extra)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			got := strings.Join(args, " ")
			for _, w := range tt.want {
				if !strings.Contains(got, "-c "+w) {
					t.Errorf("args %q lack -c %s", got, w)
				}
			}
		})
	}
}

func TestHighestVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    []string
		want  string
		found bool
	}{
		{name: "none", in: nil, found: false},
		{name: "one", in: []string{"15"}, want: "15", found: true},
		{name: "numeric not lexical", in: []string{"9.6", "15", "13"}, want: "15", found: true},
		{name: "newest", in: []string{"16", "17", "15"}, want: "17", found: true},
		{name: "odd names lose", in: []string{"dev", "14"}, want: "14", found: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := highestVersion(tt.in)
			if got != tt.want || found != tt.found {
				t.Errorf("highestVersion(%q) = %q, %v; want %q, %v", tt.in, got, found, tt.want, tt.found)
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string
	}{
		{name: "fits", max: 64, writes: []string{"a\n", "b\n"}, want: "a\nb"},
		{name: "keeps the end from a line start", max: 8, writes: []string{"line1\n", "line2\n", "ab\n"}, want: "ab"},
		{name: "one long line", max: 4, writes: []string{"abcdefgh"}, want: "efgh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &tailBuffer{max: tt.max}
			for _, w := range tt.writes {
				_, _ = io.WriteString(b, w)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
