package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"yima/engine/codes"
	"yima/engine/ledger/ledgertest"
	"yima/keyring"
	"yima/sensitive"
	"yima/store/migrations"
	"yima/store/pgserver"
)

// Options configure a bench run.
type Options struct {
	// Yima is the yima executable the storms run against.
	Yima string
	// DatabaseURL, when set, is an empty or migrated database to use;
	// otherwise Run starts a throwaway PostgreSQL server (durable settings,
	// PGSettings over pgserver's defaults) and removes it afterwards.
	DatabaseURL string
	PGSettings  map[string]string
	// WorkDir holds the server's data dir and log (default: a new
	// temporary directory, removed afterwards).
	WorkDir string

	Seed   SeedOptions
	Client ClientOptions
	// Storm is the check-in storm against `yima dev`; Baseline the same
	// storm with group commit off (YIMA_LEDGER_MAX_BATCH=1), with its own
	// Warm and Measure; Ceiling's Warm and Measure time the same driver
	// against CheckinService.Ping. Workers and mix come from Storm.
	Storm    StormOptions
	Baseline StormOptions
	Ceiling  StormOptions
	Inproc   InprocOptions
	// Discovery is the discovery_nearby scenario: its own projects, seeded
	// after the check-in scenarios so they do not change them.
	Discovery DiscoveryOptions
	// H5 is the h5_load scenario: the volunteer H5's first pages in
	// Chromium on an emulated phone, against a `yima dev --demo` of its own.
	H5 H5LoadOptions

	// InprocProfile, when set, receives a CPU profile of this process
	// while the engine runs in it (the engine_inproc scenario only).
	InprocProfile io.Writer

	// Skip names scenarios not to run: "storm", "ceiling", "baseline", "inproc",
	// "discovery", "h5" (their figures print as 0). For quicker experiments.
	Skip map[string]bool

	// Log receives progress; Out the result lines.
	Log *slog.Logger
	Out io.Writer
}

// Report is every figure of a run.
type Report struct {
	Orgs, Projects, Volunteers, OpenSessions int
	SeedTime                                 time.Duration

	Storm          StormResult
	StormCommits   int64
	StormCommitted int
	StormDouble    int
	StormCPU       cpuUse

	Baseline          StormResult
	BaselineCommits   int64
	BaselineCommitted int
	BaselineDouble    int

	Ceiling    StormResult
	CeilingCPU cpuUse

	Inproc          InprocResult
	InprocCommitted int
	InprocDouble    int
	InprocCPU       cpuUse

	Discovery DiscoveryResult
	H5        H5LoadResult

	Protocol, Codec string
	Workers         int
	Total           time.Duration
	// Load1 is the machine's one-minute load average at the start and
	// the end: on a shared machine, what else ran.
	Load1Start, Load1End string
}

// Run seeds, runs every scenario and prints the result lines to opt.Out.
func Run(ctx context.Context, opt Options) (*Report, error) {
	began := time.Now()
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opt.Out == nil {
		opt.Out = os.Stdout
	}
	opt.Storm.defaults()
	for _, o := range []*StormOptions{&opt.Baseline, &opt.Ceiling} {
		warm, measure := o.Warm, o.Measure
		*o = opt.Storm
		if warm != 0 {
			o.Warm = warm
		}
		if measure != 0 {
			o.Measure = measure
		}
	}
	opt.Ceiling.Ping = true
	log := opt.Log

	work := opt.WorkDir
	if work == "" {
		dir, err := os.MkdirTemp("", "yima-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	dataDir := filepath.Join(work, "data")

	env, err := openEnv(ctx, opt, dataDir)
	if err != nil {
		return nil, err
	}
	defer env.close()

	rep := &Report{Protocol: opt.Client.Protocol, Codec: opt.Client.Codec, Workers: opt.Storm.Workers, Load1Start: load1()}
	if rep.Protocol == "" {
		rep.Protocol = HTTP1
	}
	if rep.Codec == "" {
		rep.Codec = CodecProto
	}
	log.Info("seeding", "orgs", opt.Seed.Orgs, "projects_per_org", opt.Seed.ProjectsPerOrg, "volunteers_per_org", opt.Seed.VolunteersPerOrg)
	t0 := time.Now()
	fx, err := Seed(ctx, env.pool, env.box, opt.Seed)
	if err != nil {
		return nil, err
	}
	rep.SeedTime = time.Since(t0)
	rep.Orgs, rep.Projects, rep.Volunteers = len(fx.Orgs), fx.Projects, fx.Volunteers()
	log.Info("seeded", "volunteers", rep.Volunteers, "took", rep.SeedTime.Round(time.Millisecond))

	logFile, err := os.Create(filepath.Join(work, "yima.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	server := func(extra ...string) ServerOptions {
		return ServerOptions{Binary: opt.Yima, DatabaseURL: env.url, DataDir: dataDir, Env: extra, Output: logFile}
	}

	// The storm and the HTTP ceiling, on one server with group commit.
	if err := stormAndCeiling(ctx, opt, env, fx, server(), rep); err != nil {
		return nil, err
	}
	// The baseline: the same storm, one transaction per scan.
	if err := baseline(ctx, opt, env, fx, server("YIMA_LEDGER_MAX_BATCH=1"), rep); err != nil {
		return nil, err
	}
	// The engine and ledger in this process, no HTTP.
	if err := inproc(ctx, opt, env, fx, rep); err != nil {
		return nil, err
	}
	// Project discovery, last: its 100,000 projects would otherwise sit
	// under the check-in scenarios.
	if !opt.Skip["discovery"] {
		log.Info("discovery: seeding", "projects", opt.Discovery.Projects)
		if rep.Discovery, err = discoveryNearby(ctx, env.pool, fx, opt.Discovery); err != nil {
			return nil, fmt.Errorf("discovery: %w", err)
		}
	}
	// The H5's pages, last, on a machine the other scenarios left idle.
	if !opt.Skip["h5"] {
		if rep.H5, err = h5Load(ctx, opt, env, filepath.Join(work, "h5"), logFile); err != nil {
			return nil, fmt.Errorf("h5_load: %w", err)
		}
	}
	rep.Total = time.Since(began)
	rep.Load1End = load1()
	rep.Print(opt.Out)
	return rep, nil
}

// stormAndCeiling runs the HTTP ceiling and then the storm on one server.
func stormAndCeiling(ctx context.Context, opt Options, env *env, fx *Fixture, so ServerOptions, rep *Report) error {
	if opt.Skip["storm"] && opt.Skip["ceiling"] {
		return nil
	}
	open, err := ResetCheckins(ctx, env.pool, fx, time.Now())
	if err != nil {
		return err
	}
	rep.OpenSessions = open
	err = withServer(ctx, so, opt.Client, fx, func(s *Server, cl *Client, targets []Target) error {
		if !opt.Skip["ceiling"] {
			opt.Log.Info("http ceiling", "workers", opt.Ceiling.Workers, "measure", opt.Ceiling.Measure)
			cpu0 := sampleCPU(s.Pid(), env.postmaster())
			var err error
			rep.Ceiling, err = Storm(ctx, cl, env.codes, targets, opt.Ceiling)
			rep.CeilingCPU = cpu0.until(sampleCPU(s.Pid(), env.postmaster()))
			if err != nil {
				return err
			}
		}
		if opt.Skip["storm"] {
			return nil
		}
		opt.Log.Info("check-in storm", "workers", opt.Storm.Workers, "warm", opt.Storm.Warm, "measure", opt.Storm.Measure)
		c0, err := s.LedgerCommits(ctx)
		if err != nil {
			return err
		}
		cpu0 := sampleCPU(s.Pid(), env.postmaster())
		var stormErr error
		rep.Storm, stormErr = Storm(ctx, cl, env.codes, targets, opt.Storm)
		rep.StormCPU = cpu0.until(sampleCPU(s.Pid(), env.postmaster()))
		c1, err := s.LedgerCommits(ctx)
		if err != nil {
			return err
		}
		rep.StormCommits = c1 - c0
		return stormErr
	})
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	rep.StormCommitted, rep.StormDouble, err = ledgertest.Check(ctx, env.pool, rep.Storm.AckedScanIDs)
	return err
}

// baseline runs the storm against a server with group commit off.
func baseline(ctx context.Context, opt Options, env *env, fx *Fixture, so ServerOptions, rep *Report) error {
	if opt.Skip["baseline"] {
		return nil
	}
	if _, err := ResetCheckins(ctx, env.pool, fx, time.Now()); err != nil {
		return err
	}
	err := withServer(ctx, so, opt.Client, fx, func(s *Server, cl *Client, targets []Target) error {
		opt.Log.Info("baseline storm (no group commit)", "warm", opt.Baseline.Warm, "measure", opt.Baseline.Measure)
		c0, err := s.LedgerCommits(ctx)
		if err != nil {
			return err
		}
		var stormErr error
		rep.Baseline, stormErr = Storm(ctx, cl, env.codes, targets, opt.Baseline)
		c1, err := s.LedgerCommits(ctx)
		if err != nil {
			return err
		}
		rep.BaselineCommits = c1 - c0
		return stormErr
	})
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	rep.BaselineCommitted, rep.BaselineDouble, err = ledgertest.Check(ctx, env.pool, rep.Baseline.AckedScanIDs)
	return err
}

// inproc runs the engine and ledger in this process.
func inproc(ctx context.Context, opt Options, env *env, fx *Fixture, rep *Report) (err error) {
	if opt.Skip["inproc"] {
		return nil
	}
	if _, err = ResetCheckins(ctx, env.pool, fx, time.Now()); err != nil {
		return err
	}
	opt.Log.Info("engine in process", "clients", opt.Inproc.Clients, "measure", opt.Inproc.Measure)
	if opt.Inproc.Log == nil {
		// Warnings only: the actor system narrates its start and stop.
		opt.Inproc.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("component", "engine")
	}
	if opt.InprocProfile != nil {
		if err := pprof.StartCPUProfile(opt.InprocProfile); err != nil {
			return err
		}
	}
	cpu0 := sampleCPU(0, env.postmaster())
	rep.Inproc, err = EngineInproc(ctx, env.pool, fx, opt.Inproc)
	rep.InprocCPU = cpu0.until(sampleCPU(0, env.postmaster()))
	if opt.InprocProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return fmt.Errorf("engine in process: %w", err)
	}
	rep.InprocCommitted, rep.InprocDouble, err = ledgertest.Check(ctx, env.pool, rep.Inproc.AckedScanIDs)
	return err
}

// h5Load starts `yima dev --demo` on a database of its own in the bench's
// PostgreSQL server — the demo's volunteer and projects, none of the seeded
// rows — and runs the H5 page loads against it.
func h5Load(ctx context.Context, opt Options, env *env, dataDir string, out io.Writer) (H5LoadResult, error) {
	opt.H5.defaults()
	if env.pg == nil {
		opt.Log.Warn("h5_load skipped", "why", "it needs a database of its own, which -database-url does not give")
		return H5LoadResult{Skipped: "database_url"}, nil
	}
	if code, why := h5LoadMissing(opt.H5.WebDir); code != "" {
		opt.Log.Warn("h5_load skipped", "why", why)
		return H5LoadResult{Skipped: code}, nil
	}
	const db = "yima_h5"
	if err := env.pg.EnsureDatabase(ctx, db); err != nil {
		return H5LoadResult{}, err
	}
	opt.Log.Info("h5 page loads: starting yima dev --demo", "runs", opt.H5.Runs)
	s, err := StartServer(ctx, ServerOptions{
		Binary: opt.Yima, DatabaseURL: env.pg.URL(db), DataDir: dataDir, Args: []string{"--demo"}, Output: out,
	})
	if err != nil {
		return H5LoadResult{}, err
	}
	res, err := H5Load(ctx, s.URL, opt.H5, os.Stderr)
	if serr := s.Stop(context.WithoutCancel(ctx)); err == nil {
		err = serr
	}
	return res, err
}

// withServer starts a server, signs every org's leader in and runs fn with
// one target per org, then stops the server.
func withServer(ctx context.Context, so ServerOptions, co ClientOptions, fx *Fixture, fn func(*Server, *Client, []Target) error) (err error) {
	s, err := StartServer(ctx, so)
	if err != nil {
		return err
	}
	defer func() {
		if serr := s.Stop(context.WithoutCancel(ctx)); err == nil {
			err = serr
		}
	}()
	cl, err := NewClient(s.URL, co)
	if err != nil {
		return err
	}
	defer cl.Close()
	targets := make([]Target, len(fx.Orgs))
	for i, o := range fx.Orgs {
		tok, err := cl.LoginLeader(ctx, o.Leader, o.ID.String())
		if err != nil {
			return err
		}
		targets[i] = Target{Token: tok, Members: o.Members}
	}
	return fn(s, cl, targets)
}

// env is the database and keys every scenario shares.
type env struct {
	url   string
	pool  *pgxpool.Pool
	pg    *pgserver.Server // nil with Options.DatabaseURL
	box   *sensitive.Box
	codes *codes.Codes
}

// openEnv starts (or opens) the database, migrates it and makes the dev
// keyring the server will load from dataDir, so that the driver seals ID
// numbers and issues volunteer codes with the server's keys.
func openEnv(ctx context.Context, opt Options, dataDir string) (e *env, err error) {
	e = &env{url: opt.DatabaseURL}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	if e.url == "" {
		settings := map[string]string{}
		for k, v := range opt.PGSettings {
			settings[k] = v
		}
		if e.pg, err = pgserver.Start(ctx, pgserver.Options{Settings: settings}); err != nil {
			return nil, fmt.Errorf("start postgresql: %w", err)
		}
		if err := e.pg.EnsureDatabase(ctx, "yima"); err != nil {
			return nil, err
		}
		e.url = e.pg.URL("yima")
	}
	if err := migrations.Up(ctx, e.url); err != nil {
		return nil, err
	}
	if e.pool, err = pgxpool.New(ctx, e.url); err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	keys, err := keyring.LoadOrCreateDev(dataDir)
	if err != nil {
		return nil, err
	}
	if e.box, err = sensitive.NewBox(keys.Data(), keys.Index()); err != nil {
		return nil, err
	}
	if e.codes, err = codes.New(keys.Code(), keys.Sign()); err != nil {
		return nil, fmt.Errorf("code keys: %w", err)
	}
	return e, nil
}

// postmaster is the database server's pid, 0 when it is not ours.
func (e *env) postmaster() int {
	if e.pg == nil {
		return 0
	}
	return postmasterPid(e.pg.DataDir())
}

func (e *env) close() {
	if e.pool != nil {
		e.pool.Close()
	}
	if e.pg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = e.pg.Stop(ctx)
	}
}

// Print writes the result lines: the two the issue fixes first, then this
// driver's own, each `name key=value …`.
func (r *Report) Print(w io.Writer) {
	s := r.Storm
	fmt.Fprintf(w, "checkin_storm scans_per_s=%.0f p50_ms=%s p99_ms=%s errors=%d acked=%d committed=%d commits=%d lost=%d double_sessions=%d baseline_scans_per_s=%.0f http_ceiling_per_s=%.0f\n",
		s.PerSecond, ms(s.P50), ms(s.P99), s.Errors, s.Acked, r.StormCommitted, r.StormCommits, s.Acked-r.StormCommitted, r.StormDouble,
		r.Baseline.PerSecond, r.Ceiling.PerSecond)
	fmt.Fprintf(w, "engine_inproc scans_per_s=%.0f\n", r.Inproc.PerSecond)
	dv := r.Discovery
	fmt.Fprintf(w, "discovery_nearby projects=%d p50_ms=%s p99_ms=%s\n", dv.Projects, ms(dv.P50), ms(dv.P99))
	h5 := r.H5
	all := h5.All()
	h5p95 := percentile(all, 0.95)
	fmt.Fprintf(w, "h5_load p50_ms=%.0f p95_ms=%.0f js_kb_gz=%.1f\n", msf(percentile(all, 0.50)), msf(h5p95), float64(h5.JSBytesGz)/1024)

	fmt.Fprintf(w, "bench_setup orgs=%d projects=%d volunteers=%d open_sessions=%d seed_s=%.1f protocol=%s codec=%s workers=%d cpus=%d load1_start=%s load1_end=%s\n",
		r.Orgs, r.Projects, r.Volunteers, r.OpenSessions, r.SeedTime.Seconds(), r.Protocol, r.Codec, r.Workers,
		runtime.NumCPU(), r.Load1Start, r.Load1End)
	fmt.Fprintf(w, "checkin_storm_mix window_s=%.0f sent=%d signed_in=%d signed_out=%d duplicates=%d rejected=%d retries=%d repeats=%d bad_codes=%d stalls=%d exhausted=%t acked_per_commit=%.1f reasons=%s error_kinds=%s\n",
		s.Window.Seconds(), s.Sent, s.SignedIn, s.SignedOut, s.Duplicates, s.Rejected, s.Retries, s.Repeats, s.Bad, s.Stalls, s.Exhausted,
		ratio(s.Acked, r.StormCommits), counts(s.Reasons), counts(s.ErrorKinds))
	c := r.StormCPU
	// other: what the machine spent beyond the three of them — the
	// kernel's loopback networking, and anything else running (a shared
	// machine makes every figure here noisier).
	other := c.machine - c.server - c.pg - c.self
	capacity := time.Duration(runtime.NumCPU()) * c.wall
	fmt.Fprintf(w, "checkin_storm_cpu yima_us_per_scan=%d pg_us_per_scan=%d driver_us_per_scan=%d other_us_per_scan=%d machine_busy_pct=%.0f\n",
		perOp(c.server, s.Sent), perOp(c.pg, s.Sent), perOp(c.self, s.Sent), perOp(other, s.Sent), pct(c.machine, capacity))
	b := r.Baseline
	fmt.Fprintf(w, "checkin_baseline scans_per_s=%.0f p50_ms=%s p99_ms=%s errors=%d acked=%d committed=%d commits=%d lost=%d double_sessions=%d\n",
		b.PerSecond, ms(b.P50), ms(b.P99), b.Errors, b.Acked, r.BaselineCommitted, r.BaselineCommits, b.Acked-r.BaselineCommitted, r.BaselineDouble)
	h := r.Ceiling
	hc := r.CeilingCPU
	fmt.Fprintf(w, "http_ceiling pings_per_s=%.0f p50_ms=%s p99_ms=%s errors=%d yima_us_per_ping=%d driver_us_per_ping=%d machine_busy_pct=%.0f\n",
		h.PerSecond, ms(h.P50), ms(h.P99), h.Errors, perOp(hc.server, h.Sent), perOp(hc.self, h.Sent), pct(hc.machine, time.Duration(runtime.NumCPU())*hc.wall))
	in := r.Inproc
	ic := r.InprocCPU
	fmt.Fprintf(w, "engine_inproc_detail p50_ms=%s p99_ms=%s acked=%d committed=%d lost=%d double_sessions=%d commits=%d acked_per_commit=%.1f errors=%d engine_us_per_scan=%d pg_us_per_scan=%d machine_busy_pct=%.0f\n",
		ms(in.P50), ms(in.P99), in.Acked, r.InprocCommitted, in.Acked-r.InprocCommitted, r.InprocDouble, in.Ledger.Commits,
		ratio(int(in.Ledger.Written), int64(in.Ledger.Commits)), in.Errors,
		perOp(ic.self, in.Acked), perOp(ic.pg, in.Acked), pct(ic.machine, time.Duration(runtime.NumCPU())*ic.wall))
	fmt.Fprintf(w, "discovery_nearby_detail open=%d queries=%d rows_per_query=%.1f seed_s=%.1f p99_ok=%t\n",
		dv.Open, dv.Queries, dv.Rows, dv.Seed.Seconds(), dv.P99 <= 20*time.Millisecond)
	fmt.Fprintf(w, "h5_load_detail runs=%d home_p50_ms=%.0f home_p95_ms=%.0f code_p50_ms=%.0f code_p95_ms=%.0f max_ms=%.0f cache=%s network=fast3g cpu_throttling=4 js_sized_by=%s p95_ok=%t skipped=%s\n",
		h5.Runs, msf(percentile(h5.Home, 0.50)), msf(percentile(h5.Home, 0.95)), msf(percentile(h5.Code, 0.50)), msf(percentile(h5.Code, 0.95)),
		msf(percentile(all, 1)), orDash(h5.Cache), orDash(h5.JSSizedBy), len(all) > 0 && h5p95 <= 1500*time.Millisecond, orDash(h5.Skipped))
	fmt.Fprintf(w, "bench_targets storm_vs_ceiling_pct=%.0f scans_per_s_ok=%t p99_ok=%t acked_per_commit_ok=%t lost_ok=%t double_sessions_ok=%t engine_inproc_ok=%t total_s=%.0f\n",
		100*s.PerSecond/max(h.PerSecond, 1),
		s.PerSecond >= 0.6*h.PerSecond && s.PerSecond >= 5000, s.P99 <= 50*time.Millisecond,
		ratio(s.Acked, r.StormCommits) >= 20, s.Acked == r.StormCommitted, r.StormDouble == 0,
		in.PerSecond >= 30000, r.Total.Seconds())
}

// Err reports what in the report says the system is wrong — acknowledged
// scans missing, overlapping sessions, errors — as opposed to slow.
func (r *Report) Err() error {
	var errs []error
	check := func(name string, lost, double, errors int, first error) {
		if lost != 0 {
			errs = append(errs, fmt.Errorf("%s: %d acknowledged scans not in PostgreSQL", name, lost))
		}
		if double != 0 {
			errs = append(errs, fmt.Errorf("%s: %d overlapping sessions", name, double))
		}
		if errors != 0 {
			errs = append(errs, fmt.Errorf("%s: %d errors, first: %v", name, errors, first))
		}
	}
	check("checkin_storm", r.Storm.Acked-r.StormCommitted, r.StormDouble, r.Storm.Errors, r.Storm.FirstError)
	check("checkin_baseline", r.Baseline.Acked-r.BaselineCommitted, r.BaselineDouble, r.Baseline.Errors, r.Baseline.FirstError)
	check("http_ceiling", 0, 0, r.Ceiling.Errors, r.Ceiling.FirstError)
	check("engine_inproc", r.Inproc.Acked-r.InprocCommitted, r.InprocDouble, r.Inproc.Errors, r.Inproc.FirstError)
	return errors.Join(errs...)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", msf(d)) }

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ratio(n int, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func pct(part, whole time.Duration) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// counts prints a map as k:v,k:v in key order; "-" when empty.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:%d", k, m[k])
	}
	return b.String()
}
