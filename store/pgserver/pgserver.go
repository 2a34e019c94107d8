// Package pgserver runs a private PostgreSQL server from the machine's server
// binaries: the one `yima dev` keeps in its data directory, and the throwaway
// one integration tests use. It owns finding the binaries, initdb, dropping
// root privileges, choosing a free port, waiting for readiness and shutting
// down; it knows nothing of yima's schema.
//
// The server listens on 127.0.0.1 only and trusts every local connection
// (initdb --auth=trust): it is for development and tests, never production.
// Durability settings stay on (fsync, synchronous_commit, full_page_writes)
// and cannot be overridden here.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// readyTimeout bounds the wait for a started server to accept
	// connections when the caller's context has no deadline; crash recovery
	// of a big dev database is the slow case.
	readyTimeout = 2 * time.Minute
	// lockWait bounds the wait for a previous server of the same data
	// directory to finish shutting down.
	lockWait = 30 * time.Second
	// portAttempts is how often Start picks another free port when the one
	// it chose was taken before the server could bind it.
	portAttempts = 5
	// superuser is the role initdb creates and URL connects as.
	superuser = "postgres"
)

// defaultSettings are the server settings Options.Settings may change.
// Read-only.
var defaultSettings = map[string]string{
	"max_connections": "200",
	"shared_buffers":  "128MB",
}

// fixedSettings are set by Start and may not be changed: the network
// exposure, the log going to our writer, and durability, which yima never
// trades for speed (ARCHITECTURE.md §5). Read-only.
var fixedSettings = map[string]string{
	"listen_addresses":   "127.0.0.1",
	"fsync":              "on",
	"synchronous_commit": "on",
	"full_page_writes":   "on",
	"logging_collector":  "off",
	"log_destination":    "stderr",
}

// managedSettings are chosen by Start from Options or its own directories.
// Read-only.
var managedSettings = []string{"port", "unix_socket_directories", "data_directory", "config_file", "hba_file"}

// Options configures Start. The zero value starts a throwaway cluster.
type Options struct {
	// DataDir is the cluster's data directory, initialized on first use and
	// reused afterwards. Under root it must be reachable by User (not under
	// /root). Empty means a throwaway cluster in a new directory under
	// os.TempDir(), removed by Stop.
	DataDir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// Log receives initdb's output and the server's log; nil discards them.
	// A throwaway cluster also logs to server.log in its directory.
	Log io.Writer
	// BinDir holds initdb and postgres; empty means FindBinDir.
	BinDir string
	// User is the account the server runs as when we are root, which
	// PostgreSQL refuses to be; it is created as a system user if missing.
	// Empty means "postgres". Ignored when we are not root.
	User string
	// Settings are extra server settings (postgres -c name=value), applied
	// over the defaults max_connections=200 and shared_buffers=128MB.
	// Durability, network and path settings are refused.
	Settings map[string]string
}

// Server is a running PostgreSQL server started by Start.
type Server struct {
	dataDir string
	runDir  string // socket directory; also holds a throwaway cluster
	port    int
	proc    *process
	logFile *os.File // server.log of a throwaway cluster, else nil

	stopOnce sync.Once
	stopErr  error
}

// Start initializes the data directory if needed, starts postgres on
// 127.0.0.1 and returns once it accepts connections. ctx bounds the start
// only; the server runs until Stop, or until this process dies: the server
// gets SIGINT then (fast shutdown), so even a kill -9 leaves nothing running.
//
// It returns ErrNoBinaries when the server binaries are missing; other
// errors carry the tail of the server's log.
func Start(ctx context.Context, opts Options) (*Server, error) {
	settings, err := serverSettings(opts.Settings)
	if err != nil {
		return nil, err
	}
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	acct, err := resolveAccount(ctx, opts.User)
	if err != nil {
		return nil, err
	}

	tail := &tailBuffer{max: 8 << 10}
	logs := []io.Writer{tail}
	if opts.Log != nil {
		logs = append(logs, opts.Log)
	}
	sweepRunDirs(os.TempDir(), io.MultiWriter(logs...))

	s := &Server{}
	if s.runDir, err = makeRunDir(acct); err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			s.cleanup()
		}
	}()

	if opts.DataDir == "" {
		s.dataDir = filepath.Join(s.runDir, "data")
		if s.logFile, err = os.Create(filepath.Join(s.runDir, "server.log")); err != nil {
			return nil, fmt.Errorf("create server log: %w", err)
		}
		logs = append(logs, s.logFile)
	} else {
		if s.dataDir, err = filepath.Abs(opts.DataDir); err != nil {
			return nil, fmt.Errorf("resolve data directory: %w", err)
		}
		// Checked before creating parents, so a refused path leaves nothing
		// behind, and after, in case the umask made them private.
		if err := acct.checkReachable(s.dataDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(s.dataDir), 0o755); err != nil {
			return nil, fmt.Errorf("create parent of data directory: %w", err)
		}
		if err := acct.checkReachable(s.dataDir); err != nil {
			return nil, err
		}
	}
	log := io.MultiWriter(logs...)

	if err := initdb(ctx, binDir, s.dataDir, acct, log); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, tail)
	}
	lockCtx, cancel := context.WithTimeout(ctx, lockWait)
	err = clearStaleLock(lockCtx, s.dataDir)
	cancel()
	if err != nil {
		return nil, err
	}

	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		err = s.launch(ctx, binDir, port, settings, acct, log)
		if err == nil {
			break
		}
		if opts.Port != 0 || attempt == portAttempts || !portTaken(port, tail.String()) {
			return nil, fmt.Errorf("start postgres: %w\n%s", err, tail)
		}
		fmt.Fprintf(log, "pgserver: port %d was taken, trying another\n", port)
	}
	started = true
	return s, nil
}

// serverSettings merges the defaults, the caller's extras and the fixed
// settings into postgres -c arguments, in a stable order.
func serverSettings(extra map[string]string) ([]string, error) {
	all := maps.Clone(defaultSettings)
	for k, v := range extra {
		name := strings.ToLower(k)
		if _, fixed := fixedSettings[name]; fixed || slices.Contains(managedSettings, name) {
			return nil, fmt.Errorf("setting %s is managed by pgserver and may not be changed", k)
		}
		all[name] = v
	}
	maps.Copy(all, fixedSettings)
	var args []string
	for _, k := range slices.Sorted(maps.Keys(all)) {
		args = append(args, "-c", k+"="+all[k])
	}
	return args, nil
}

// initdb creates the cluster unless dataDir already holds one. It works in a
// sibling directory renamed into place at the end, so an initdb killed
// halfway never leaves a half-made cluster that later starts would trust.
func initdb(ctx context.Context, binDir, dataDir string, acct account, log io.Writer) error {
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is neither empty nor a PostgreSQL data directory", dataDir)
	}
	staging := dataDir + ".initdb"
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("remove leftover %s: %w", staging, err)
	}
	if err := os.Mkdir(staging, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", staging, err)
	}
	if err := acct.chown(staging); err != nil {
		return err
	}
	cmd := acct.command(filepath.Join(binDir, "initdb"), "--pgdata="+staging, "--username="+superuser,
		"--auth=trust", "--encoding=UTF8", "--locale=C")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM // initdb cleans up after itself on SIGTERM
	p, err := startProcess(cmd)
	if err != nil {
		return err
	}
	if err := p.wait(ctx); err != nil {
		p.signal(syscall.SIGTERM)
		<-p.done
		_ = os.RemoveAll(staging)
		return err
	}
	// Rename replaces an empty directory, such as one made for us.
	if err := os.Rename(staging, dataDir); err != nil {
		return fmt.Errorf("move new cluster into place: %w", err)
	}
	return nil
}

// launch starts postgres on port and waits until it accepts connections,
// stopping it again if it does not.
func (s *Server) launch(ctx context.Context, binDir string, port int, settings []string, acct account, log io.Writer) error {
	args := append([]string{"-D", s.dataDir, "-k", s.runDir, "-p", strconv.Itoa(port)}, settings...)
	cmd := acct.command(filepath.Join(binDir, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = log, log
	// SIGINT is fast shutdown: it disconnects clients instead of waiting for
	// them (SIGTERM), so the server ends even if some client lingers.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	// Backends inherit the log pipe; do not let a stray one hold Wait.
	cmd.WaitDelay = 5 * time.Second
	p, err := startProcess(cmd)
	if err != nil {
		return err
	}
	s.proc, s.port = p, port
	if err := s.waitReady(ctx); err != nil {
		if !p.exited() {
			p.signal(syscall.SIGQUIT)
			<-p.done
		}
		s.proc = nil
		return err
	}
	return nil
}

// waitReady polls until the postmaster.pid our process wrote says "ready"
// and a connection succeeds; matching the pid makes sure we are not talking
// to some other server that took the port.
func (s *Server) waitReady(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		if pf, err := readPidFile(s.dataDir); err == nil && pf.pid == s.proc.pid() && pf.status == "ready" {
			conn, err := pgconn.Connect(ctx, s.URL("postgres"))
			if err == nil {
				return conn.Close(ctx)
			}
			lastErr = err
		}
		select {
		case <-s.proc.done:
			return fmt.Errorf("postgres exited during startup: %w", s.proc.err)
		case <-ctx.Done():
			return fmt.Errorf("wait for postgres to accept connections: %w (last error: %v)", ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// freePort asks the kernel for a port nobody listens on. It may be taken
// again before postgres binds it; Start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portTaken tells whether a failed start was a lost race for port.
func portTaken(port int, log string) bool {
	if strings.Contains(log, "Address already in use") {
		return true
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return true
	}
	l.Close()
	return false
}

// URL returns a DSN for database dbname on this server, as the superuser
// "postgres" over TCP on 127.0.0.1.
func (s *Server) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// DataDir returns the cluster's data directory.
func (s *Server) DataDir() string { return s.dataDir }

// SocketDir returns the directory of the server's Unix socket, for
// `psql -h <dir> -p <port> -U postgres`.
func (s *Server) SocketDir() string { return s.runDir }

// Done is closed when the server process ends, whether through Stop or not.
func (s *Server) Done() <-chan struct{} { return s.proc.done }

// EnsureDatabase creates database name unless it exists.
func (s *Server) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "42P04" {
		return nil // created meanwhile by someone else: duplicate_database
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// Stop shuts the server down (fast shutdown: clients are disconnected, a
// checkpoint is written) and waits for it to end. If ctx ends first it
// falls back to an immediate shutdown, which costs crash recovery at the
// next start. It then removes the socket directory and, for a throwaway
// cluster, all its data. Calling Stop again returns the first result.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

// stop is Stop's first and only run.
func (s *Server) stop(ctx context.Context) error {
	defer s.cleanup()
	p := s.proc
	if p.exited() {
		if p.err != nil {
			return fmt.Errorf("postgres had exited: %w", p.err)
		}
		return nil
	}
	p.signal(syscall.SIGINT)
	err := p.wait(ctx)
	if ctx.Err() == nil {
		if err != nil {
			return fmt.Errorf("stop postgres: %w", err)
		}
		return nil
	}
	p.signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.signal(syscall.SIGKILL)
		<-p.done
	}
	return fmt.Errorf("stop postgres: fast shutdown unfinished: %w", ctx.Err())
}

// cleanup removes the run directory (and with it a throwaway cluster).
func (s *Server) cleanup() {
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
	_ = os.RemoveAll(s.runDir)
}
