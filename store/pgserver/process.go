package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a started child whose end we can wait for more than once.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result; read only after done is closed
}

// startProcess starts cmd from a goroutine locked to its OS thread until the
// child ends. The kernel sends Pdeathsig when the thread that forked the
// child exits, not the process, and the Go runtime ends a thread whenever a
// goroutine exits while locked to it; a dedicated thread makes the signal
// mean "our process died" and nothing else.
func startProcess(cmd *exec.Cmd) (*process, error) {
	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// pid is the child's process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// signal sends sig unless the child has already been reaped.
func (p *process) signal(sig syscall.Signal) {
	_ = p.cmd.Process.Signal(sig) // os.ErrProcessDone is the only likely error, and harmless
}

// exited reports whether the child has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the child to end, or for ctx.
func (p *process) wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pidFile is what a postmaster writes to postmaster.pid in its data
// directory; see LOCK_FILE_LINE_* in PostgreSQL's miscadmin.h.
type pidFile struct {
	pid    int
	status string // "starting", "ready", "stopping"; empty until written
}

// readPidFile reads the data directory's postmaster.pid.
func readPidFile(dataDir string) (pidFile, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return pidFile{}, err
	}
	lines := strings.Split(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		return pidFile{}, fmt.Errorf("parse postmaster.pid: %w", err)
	}
	pf := pidFile{pid: pid}
	if len(lines) > 7 {
		pf.status = strings.TrimSpace(lines[7])
	}
	return pf, nil
}

// clearStaleLock prepares a data directory whose postmaster.pid survived its
// server (a killed run, a crashed container). PostgreSQL reclaims the file
// itself only when the pid in it is dead; after a restart that pid is often
// someone else's (in a container, almost always), and it would refuse to
// start. So: a file naming a live process that is not a postmaster of this
// directory is removed; one naming a live postmaster of this directory is a
// server still shutting down (our previous run's, killed and signalled by
// Pdeathsig) or in use, and we wait for it, up to ctx.
func clearStaleLock(ctx context.Context, dataDir string) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	for {
		pf, err := readPidFile(dataDir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil
		case err != nil:
			// Empty or torn: a crash during startup. PostgreSQL would refuse it.
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove stale postmaster.pid: %w", err)
			}
			return nil
		}
		switch holder(pf.pid, dataDir) {
		case holderGone, holderUnknown:
			return nil // PostgreSQL decides
		case holderOther:
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove stale postmaster.pid: %w", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("data directory %s is in use by postgres (pid %d): %w", dataDir, pf.pid, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// lockHolder classifies the process a postmaster.pid names.
type lockHolder int

const (
	holderGone    lockHolder = iota // no such process (or a zombie)
	holderThis                      // a live process working in this data directory
	holderOther                     // a live process working elsewhere: the pid was reused
	holderUnknown                   // alive, but we may not look
)

// holder tells whether pid is a server of dataDir. A postmaster and all its
// children chdir into the data directory, so the process's cwd says it.
func holder(pid int, dataDir string) lockHolder {
	if pid <= 0 {
		return holderOther
	}
	if !alive(pid) {
		return holderGone
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return holderGone
	case err != nil:
		return holderUnknown
	}
	want, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		want = dataDir
	}
	if cwd == want {
		return holderThis
	}
	return holderOther
}

// alive reports whether pid names a process that has not ended; unlike
// kill(pid, 0) it counts a zombie as ended.
func alive(pid int) bool {
	_, err := processStart(pid)
	return !errors.Is(err, os.ErrNotExist)
}

// processStart returns a process's start time in clock ticks since boot,
// field 22 of /proc/<pid>/stat; with the pid it names a process uniquely. A
// zombie has ended and gets os.ErrNotExist, like a reaped process.
func processStart(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// The command name (field 2) may hold spaces and parentheses; fields
	// after the last ')' start at field 3, the state.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	if fields[0] == "Z" {
		return "", os.ErrNotExist
	}
	return fields[19], nil
}

// tailBuffer keeps the last bytes written to it: the server log's tail, to
// put into the error when a start fails.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write keeps the end of p and whatever fits before it.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if extra := len(b.buf) - b.max; extra > 0 {
		b.buf = append(b.buf[:0], b.buf[extra:]...)
	}
	return len(p), nil
}

// String returns the kept text, starting at a line boundary when it can.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := string(b.buf)
	if len(b.buf) == b.max {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimRight(s, "\n")
}
