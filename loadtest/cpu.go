package loadtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuSample is where the CPU time went so far, to tell the server, the
// database and the driver apart on a machine they share.
type cpuSample struct {
	at     time.Time
	server time.Duration // the yima child
	pg     time.Duration // the postmaster and its backends
	self   time.Duration // this process: the driver (and the in-process engine)
	busy   time.Duration // every CPU of the machine, not idle
}

// sampleCPU reads the counters; parts it cannot read stay zero (no /proc).
func sampleCPU(serverPid, postmasterPid int) cpuSample {
	s := cpuSample{at: time.Now(), busy: machineBusy()}
	if serverPid > 0 {
		s.server = procCPU(serverPid)
	}
	if postmasterPid > 0 {
		s.pg = treeCPU(postmasterPid)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

// cpuUse is the CPU spent between two samples.
type cpuUse struct {
	wall                      time.Duration
	server, pg, self, machine time.Duration
}

func (a cpuSample) until(b cpuSample) cpuUse {
	return cpuUse{wall: b.at.Sub(a.at), server: b.server - a.server, pg: b.pg - a.pg, self: b.self - a.self, machine: b.busy - a.busy}
}

// perOp is a CPU time per operation in microseconds.
func perOp(d time.Duration, ops int) int64 {
	if ops <= 0 {
		return 0
	}
	return d.Microseconds() / int64(ops)
}

// procStat returns fields of /proc/<pid>/stat after the command name
// (field 3 onwards, 0-based from state).
func procStat(pid int) []string {
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

// procCPU is a process's own user and system time (reaped children not
// included).
func procCPU(pid int) time.Duration {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * clockTick
}

// treeCPU is the CPU time of pid and its live children: a postmaster and
// its backends. Backends that exited are counted through the postmaster's
// cutime/cstime.
func treeCPU(pid int) time.Duration {
	total := time.Duration(0)
	if f := procStat(pid); len(f) >= 15 {
		for _, i := range []int{11, 12, 13, 14} {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			total += time.Duration(n) * clockTick
		}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	ppid := strconv.Itoa(pid)
	for _, d := range dirs {
		child, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if f := procStat(child); len(f) >= 13 && f[1] == ppid {
			total += procCPU(child)
		}
	}
	return total
}

// machineBusy is the time all CPUs spent neither idle nor waiting for I/O.
func machineBusy() time.Duration {
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
	return time.Duration(busy) * clockTick
}

// postmasterPid reads the server's pid from postmaster.pid in its data
// directory; 0 when it cannot.
func postmasterPid(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// load1 is the one-minute load average, "-" where there is none.
func load1() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "-"
	}
	return f[0]
}
