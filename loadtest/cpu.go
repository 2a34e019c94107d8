package loadtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"yima/loadtest/cpustat"
)

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
	s := cpuSample{at: time.Now(), busy: cpustat.Machine(), self: cpustat.Self()}
	if serverPid > 0 {
		s.server = cpustat.Process(serverPid)
	}
	if postmasterPid > 0 {
		s.pg = cpustat.Tree(postmasterPid)
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
