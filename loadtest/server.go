package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Timeouts of the child server's life.
const (
	// readyTimeout bounds the wait for /readyz after starting the child.
	readyTimeout = time.Minute
	// stopTimeout bounds a graceful stop before the child is killed.
	stopTimeout = 30 * time.Second
)

// ServerOptions start a `yima dev` child process.
type ServerOptions struct {
	// Binary is the yima executable.
	Binary string
	// DatabaseURL is the database it serves from (--database-url).
	DatabaseURL string
	// DataDir holds its dev keys (keys.json, made beforehand so that the
	// driver issues codes with the same keys) and its NATS store.
	DataDir string
	// Env is added to the child's environment, e.g.
	// YIMA_LEDGER_MAX_BATCH=1 for the no-batching baseline.
	Env []string
	// Output receives the child's stdout and stderr.
	Output io.Writer
	// Args are more flags of `yima dev`, e.g. --demo.
	Args []string
}

// Server is a running `yima dev` child.
type Server struct {
	// URL is where it serves, e.g. http://127.0.0.1:41234.
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the child's exit, once done is closed
}

// StartServer starts `yima dev --database-url … --data-dir … --addr
// 127.0.0.1:<free port>` and returns once /readyz answers 200.
func StartServer(ctx context.Context, opt ServerOptions) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := append([]string{"dev", "--addr", addr, "--data-dir", opt.DataDir, "--database-url", opt.DatabaseURL}, opt.Args...)
	cmd := exec.Command(opt.Binary, args...)
	// Warnings only: an info line per request would cost the server CPU
	// the storm is measuring.
	cmd.Env = append(append(os.Environ(), "YIMA_LOG_LEVEL=warn"), opt.Env...)
	out := opt.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so an interrupt of the driver's terminal does
	// not reach the child before the driver stops it in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", opt.Binary, err)
	}
	s := &Server{URL: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

// Pid is the child's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		if res, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("yima dev exited before it was ready: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("yima dev not ready after %s: %w", readyTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop asks the child to shut down (SIGTERM: it closes the ledger, which
// flushes what is queued) and kills it if it has not exited within
// stopTimeout or ctx.
func (s *Server) Stop(ctx context.Context) error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, stopTimeout)
	defer cancel()
	select {
	case <-s.done:
		var exit *exec.ExitError
		if s.err != nil && !errors.As(s.err, &exit) {
			return fmt.Errorf("yima dev: %w", s.err)
		}
		return nil
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("yima dev did not stop within %s; killed", stopTimeout)
	}
}

// LedgerCommits reads the number of ledger transactions the server has
// committed so far from its /metrics: the count of the
// yima_ledger_batch_decisions histogram, which observes every batch.
func (s *Server) LedgerCommits(ctx context.Context) (int64, error) {
	return scrapeCounter(ctx, s.URL+"/metrics", "yima_ledger_batch_decisions_count")
}

// scrapeCounter returns the value of an unlabelled series in a Prometheus
// text exposition.
func scrapeCounter(ctx context.Context, url, series string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scrape metrics: HTTP %d", res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name == series {
			f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return 0, fmt.Errorf("metric %s: %w", series, err)
			}
			return int64(f), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	return 0, fmt.Errorf("metric %s not exposed", series)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
