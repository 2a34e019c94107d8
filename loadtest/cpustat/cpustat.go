// Package cpustat reads where CPU time went — this process, another
// process, a process tree, the whole machine — so that benchmarks on a
// machine shared by the load driver, the server and PostgreSQL can tell
// their costs apart. Linux /proc; zero where it cannot read.
package cpustat

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ClockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const ClockTick = 10 * time.Millisecond

// Self is the CPU time this process used so far.
func Self() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stat returns fields of /proc/<pid>/stat after the command name
// (field 3 onwards, 0-based from state).
func stat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// Process is a process's own user and system time (reaped children not
// included).
func Process(pid int) time.Duration {
	f := stat(pid)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * ClockTick
}

// Tree is the CPU time of pid and its live children: a postmaster and
// its backends. Backends that exited are counted through the postmaster's
// cutime/cstime.
func Tree(pid int) time.Duration {
	total := time.Duration(0)
	if f := stat(pid); len(f) >= 15 {
		for _, i := range []int{11, 12, 13, 14} {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			total += time.Duration(n) * ClockTick
		}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	ppid := strconv.Itoa(pid)
	for _, d := range dirs {
		child, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if f := stat(child); len(f) >= 13 && f[1] == ppid {
			total += Process(child)
		}
	}
	return total
}

// Machine is the time all CPUs spent neither idle nor waiting for I/O.
func Machine() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * ClockTick
}
