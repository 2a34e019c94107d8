package ledger_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"yima/engine/ledger"
	"yima/engine/ledger/ledgertest"
	"yima/loadtest/cpustat"
	"yima/store/storetest"
)

var (
	benchClients    = flag.Int("ledger.clients", 512, "concurrent clients in BenchmarkLedger")
	benchVolunteers = flag.Int("ledger.volunteers", 20000, "volunteers seeded for BenchmarkLedger")
)

// BenchmarkLedger drives the ledger alone (no grains, no HTTP) with a storm
// of sign-ins and sign-outs across many volunteers and projects, with
// retries and rejections mixed in, on durable settings. One op is one scan.
// Run with a fixed count, e.g.
//
//	go test -run '^$' -bench Ledger -benchtime 200000x ./engine/ledger/
func BenchmarkLedger(b *testing.B) {
	pool := storetest.Open(b, schema)
	fx, err := ledgertest.Seed(context.Background(), pool, ledgertest.SeedOptions{Projects: 200, Volunteers: *benchVolunteers})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opt  ledger.Options
	}{
		{"batched", ledger.Options{}},
		{"writers=1", ledger.Options{Writers: 1}},
		{"writers=4", ledger.Options{Writers: 4}},
		{"unbatched", ledger.Options{MaxBatch: 1}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			if err := ledgertest.CloseOpen(ctx, pool, time.Now()); err != nil {
				b.Fatal(err)
			}
			l := ledger.New(pool, c.opt)
			if err := l.EnsurePartitions(ctx); err != nil {
				b.Fatal(err)
			}
			scans := b.N
			if c.name == "unbatched" {
				scans = min(scans, 5000) // one fsync per scan: keep it short
			}
			b.ResetTimer()
			cpu0, busy0, pg0 := cpustat.Self(), cpustat.Machine(), serverCPU(b)
			res := ledgertest.Storm(ctx, l, fx, ledgertest.StormOptions{Scans: scans, Clients: *benchClients})
			cpu, busy, pg := cpustat.Self()-cpu0, cpustat.Machine()-busy0, serverCPU(b)-pg0
			b.StopTimer()
			if err := l.Close(ctx); err != nil {
				b.Fatal(err)
			}
			if res.Errors+res.Stale+res.Refused > 0 {
				b.Fatalf("storm: %d errors, %d stale, %d refused; first error: %v", res.Errors, res.Stale, res.Refused, res.FirstError)
			}
			st := l.Stats()
			b.ReportMetric(float64(res.Sent)/res.Elapsed.Seconds(), "scans/s")
			b.ReportMetric(float64(st.Written)/float64(max(st.Commits, 1)), "scans/commit")
			b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50_ms")
			// CPU per scan: this process (storm and ledger) and the whole
			// machine (PostgreSQL too, and whatever else runs).
			b.ReportMetric(float64(cpu.Microseconds())/float64(res.Sent), "go_cpu_µs/scan")
			b.ReportMetric(float64(busy.Microseconds())/float64(res.Sent), "all_cpu_µs/scan")
			if pg > 0 {
				b.ReportMetric(float64(pg.Microseconds())/float64(res.Sent), "pg_cpu_µs/scan")
			}
			b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99_ms")
		})
	}
}

// serverCPU runs the command in LEDGER_BENCH_SERVER_CPU, which prints the
// PostgreSQL server's CPU time so far in clock ticks, e.g. a script summing
// /proc/<pid>/stat over the postmaster and its children. On a shared machine
// it tells the database's share apart from everything else; 0 when unset.
func serverCPU(b *testing.B) time.Duration {
	cmd := os.Getenv("LEDGER_BENCH_SERVER_CPU")
	if cmd == "" {
		return 0
	}
	out, err := exec.Command(cmd).Output()
	if err != nil {
		b.Fatalf("LEDGER_BENCH_SERVER_CPU: %v", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		b.Fatalf("LEDGER_BENCH_SERVER_CPU printed %q", out)
	}
	return time.Duration(n) * time.Second / 100
}
