package pgserver

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// runDirPrefix names the directories under os.TempDir() that hold a
	// server's socket and, for a throwaway cluster, its data and log.
	runDirPrefix = "yima-pg-"
	// ownerFile in a run directory names the process that made it, as
	// "<pid> <start time>", so a later start can tell it was left behind.
	ownerFile = "owner"
)

// makeRunDir creates a run directory owned by the account, which must be
// able to reach it, and records this process as its owner.
func makeRunDir(a account) (string, error) {
	dir, err := os.MkdirTemp("", runDirPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	start, err := processStart(os.Getpid())
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "%d %s\n", os.Getpid(), start), 0o644)
	}
	if err == nil {
		err = a.chown(dir)
	}
	if err == nil {
		err = a.checkReachable(dir)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("create run directory: %w", err)
	}
	return dir, nil
}

// sweepRunDirs removes the run directories in dir left by processes that
// died without calling Stop (a kill -9, a test binary without storetest.Main).
// Their server has shut down on Pdeathsig by then, or is about to: a
// directory whose postmaster still lives is kept for a later sweep.
func sweepRunDirs(dir string, log io.Writer) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // best effort: nothing depends on the sweep
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), runDirPrefix) {
			continue
		}
		run := filepath.Join(dir, e.Name())
		if ownerAlive(run) || serverAlive(run) {
			continue
		}
		if err := os.RemoveAll(run); err == nil {
			fmt.Fprintf(log, "pgserver: removed %s, left by a process that died\n", run)
		}
	}
}

// ownerAlive reports whether the process recorded in run's owner file still
// runs. A directory without the file is kept: its maker may be between
// creating it and writing the file.
func ownerAlive(run string) bool {
	b, err := os.ReadFile(filepath.Join(run, ownerFile))
	if err != nil {
		return true
	}
	pidText, start, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		return false
	}
	got, err := processStart(pid)
	return err == nil && got == start
}

// serverAlive reports whether a lock file in run (the data directory's
// postmaster.pid or a socket's .s.PGSQL.<port>.lock) names a live process.
func serverAlive(run string) bool {
	locks, _ := filepath.Glob(filepath.Join(run, ".s.PGSQL.*.lock"))
	locks = append(locks, filepath.Join(run, "data", "postmaster.pid"))
	for _, path := range locks {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		first, _, _ := strings.Cut(string(b), "\n")
		pid, err := strconv.Atoi(strings.TrimSpace(first))
		if err != nil || pid <= 0 {
			continue
		}
		if alive(pid) {
			return true
		}
	}
	return false
}
