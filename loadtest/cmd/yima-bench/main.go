// Command yima-bench is yima's load driver. It starts a throwaway
// PostgreSQL server with durable settings, seeds it at scale by COPY, runs
// the check-in storm against a `yima dev` child process (with group commit,
// then without it for the baseline, and a do-nothing RPC for the HTTP
// ceiling), runs the engine and ledger in process without HTTP, checks
// PostgreSQL against what was acknowledged, times the volunteer H5's first
// pages in Chromium on an emulated slow phone, and prints one line per
// scenario, `name key=value …`:
//
//	checkin_storm scans_per_s=… p50_ms=… p99_ms=… errors=… acked=… committed=… commits=… lost=… double_sessions=… baseline_scans_per_s=… http_ceiling_per_s=…
//	engine_inproc scans_per_s=…
//	h5_load p50_ms=… p95_ms=… js_kb_gz=…
//
// followed by lines of its own. It exits 1 when the system lost an
// acknowledged scan, overlapped sessions or answered with errors; slow
// figures are printed, never judged. `make bench` builds and runs it.
//
// With -export-k6 FILE it instead seeds, starts `yima dev`, writes the data
// file for loadtest/k6/checkin_storm.js and keeps the server running for k6.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"yima/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "yima-bench:", err)
		}
		os.Exit(1)
	}
}

// settings collects repeated -pg-setting name=value flags.
type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }

func (s settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want name=value, got %q", v)
	}
	s[k] = val
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("yima-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt loadtest.Options
	pg := settings{}
	fs.StringVar(&opt.Yima, "yima", "bin/yima", "the yima executable to drive")
	fs.StringVar(&opt.DatabaseURL, "database-url", "", "use this database instead of a throwaway PostgreSQL server")
	fs.Var(pg, "pg-setting", "PostgreSQL setting name=value for the throwaway server (repeatable; durability settings are fixed)")
	fs.StringVar(&opt.WorkDir, "work-dir", "", "keep the server's data dir and log (yima.log) here instead of a removed temp dir")

	fs.IntVar(&opt.Seed.Orgs, "orgs", 20, "orgs, each with one scanning org leader")
	fs.IntVar(&opt.Seed.ProjectsPerOrg, "projects-per-org", 100, "running projects per org")
	fs.IntVar(&opt.Seed.VolunteersPerOrg, "volunteers-per-org", 10000, "volunteers per org, each on one project's roster")

	fs.StringVar(&opt.Client.Protocol, "protocol", loadtest.HTTP1, "http1 (a keep-alive connection per worker) or h2c")
	fs.StringVar(&opt.Client.Codec, "codec", loadtest.CodecProto, "Connect codec: proto or json")
	fs.BoolVar(&opt.Client.NoGzip, "no-gzip", false, "do not ask for gzipped responses (Connect clients and browsers do)")
	fs.IntVar(&opt.Storm.Workers, "workers", 64, "concurrent scanners")
	fs.DurationVar(&opt.Storm.Warm, "warm", 5*time.Second, "storm warm-up before the measured window")
	fs.DurationVar(&opt.Storm.Measure, "measure", 20*time.Second, "storm measured window")
	fs.Float64Var(&opt.Storm.RetryShare, "retries", 0.02, "share of requests that resend the previous one with its scan_id")
	fs.Float64Var(&opt.Storm.DuplicateShare, "repeats", 0.02, "share of requests that scan the previous volunteer again within the debounce")
	fs.Float64Var(&opt.Storm.BadShare, "bad-codes", 0.02, "share of requests with a forged or expired code")
	fs.DurationVar(&opt.Baseline.Warm, "baseline-warm", 3*time.Second, "baseline (no group commit) warm-up")
	fs.DurationVar(&opt.Baseline.Measure, "baseline-measure", 10*time.Second, "baseline measured window")
	fs.DurationVar(&opt.Ceiling.Warm, "ceiling-warm", 2*time.Second, "HTTP ceiling (Ping) warm-up")
	fs.DurationVar(&opt.Ceiling.Measure, "ceiling-measure", 10*time.Second, "HTTP ceiling measured window")
	fs.IntVar(&opt.Inproc.Clients, "inproc-clients", 1024, "concurrent callers of Engine.Scan in process")
	fs.DurationVar(&opt.Inproc.Warm, "inproc-warm", 2*time.Second, "in-process engine warm-up")
	fs.DurationVar(&opt.Inproc.Measure, "inproc-measure", 8*time.Second, "in-process engine measured window")
	fs.IntVar(&opt.Inproc.Ledger.Writers, "inproc-ledger-writers", 0, "in-process ledger writers (0: the ledger's default, as in yima dev)")

	fs.IntVar(&opt.Discovery.Projects, "discovery-projects", 100_000, "projects seeded for discovery_nearby")
	fs.IntVar(&opt.Discovery.Queries, "discovery-queries", 500, "measured discovery searches")
	fs.IntVar(&opt.H5.Runs, "h5-runs", 10, "cold loads of each H5 page in h5_load")
	fs.StringVar(&opt.H5.WebDir, "web-dir", "web", "the web workspace, whose scripts/h5-load.mjs h5_load runs")
	skip := fs.String("skip", "", "comma-separated scenarios not to run: storm, ceiling, baseline, inproc, discovery, h5")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the engine_inproc scenario (engine, ledger and callers in this process) to FILE")
	exportK6 := fs.String("export-k6", "", "instead of benchmarking, write k6 data to FILE and keep yima dev running for k6")
	k6Targets := fs.Int("export-targets", 20000, "volunteers in the k6 data")
	hold := fs.Duration("hold", 30*time.Minute, "with -export-k6: how long yima dev keeps running")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if _, err := os.Stat(opt.Yima); err != nil {
		return fmt.Errorf("yima executable: %w (build it: go build -o bin/yima ./cmd/yima)", err)
	}
	opt.PGSettings = pg
	opt.Skip = map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		switch s = strings.TrimSpace(s); s {
		case "":
		case "storm", "ceiling", "baseline", "inproc", "discovery", "h5":
			opt.Skip[s] = true
		default:
			return fmt.Errorf("-skip: unknown scenario %q", s)
		}
	}
	opt.Log = slog.New(slog.NewTextHandler(stderr, nil))
	opt.Out = stdout

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		opt.InprocProfile = f
	}
	if *exportK6 != "" {
		return loadtest.ExportK6(ctx, opt, loadtest.K6Options{File: *exportK6, Targets: *k6Targets, Hold: *hold})
	}
	rep, err := loadtest.Run(ctx, opt)
	if err != nil {
		return err
	}
	return rep.Err()
}
