package loadtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"yima/config"
	"yima/engine/actors"
	"yima/engine/actors/grainpb"
	"yima/engine/ledger"
	"yima/engine/ledger/ledgertest"
	"yima/store"
)

// InprocOptions shape the engine's storm without HTTP.
type InprocOptions struct {
	// Clients call Engine.Scan concurrently (default 1024), each waiting
	// for its committed answer before the next scan.
	Clients int
	// Warm and Measure as in StormOptions (defaults 2 s and 8 s).
	Warm, Measure time.Duration
	// MaxScans bounds each client's scans (default 10,000,000).
	MaxScans int
	// Ledger tunes the ledger (defaults as in `yima dev`).
	Ledger ledger.Options
	// Log receives the engine's warnings.
	Log *slog.Logger
}

// InprocResult is what the engine's storm saw.
type InprocResult struct {
	// Committed are the scans answered SIGNED_IN or SIGNED_OUT (not
	// duplicates) within the measured window, PerSecond their rate.
	Committed int
	PerSecond float64
	P50, P99  time.Duration
	// Over the whole storm: acknowledged scans and their ids, errors.
	Acked        int
	AckedScanIDs []string
	Errors       int
	FirstError   error
	// Ledger is the ledger's counters after the storm.
	Ledger ledger.Stats
}

// EngineInproc runs the check-in engine — a one-node actor cluster hosting
// ProjectGrains, and a ledger — in this process against pool's database,
// and drives Engine.Scan from many goroutines: what a node does per scan
// minus HTTP, authentication and code verification.
//
// Every volunteer is scanned once per pass over the roster. A pass takes
// less than the 60 s debounce at this rate, so each pass scans at a scan
// time 61 s later than the one before (pass × 61 s after now): sign-ins
// and sign-outs alternate as they would over a day, with real receive
// times.
func EngineInproc(ctx context.Context, pool *pgxpool.Pool, fx *Fixture, opt InprocOptions) (InprocResult, error) {
	if opt.Clients <= 0 {
		opt.Clients = 1024
	}
	if opt.Warm <= 0 {
		opt.Warm = 2 * time.Second
	}
	if opt.Measure <= 0 {
		opt.Measure = 8 * time.Second
	}
	if opt.MaxScans <= 0 {
		opt.MaxScans = 10_000_000
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	lopt := opt.Ledger
	lopt.Log = opt.Log
	led := ledger.New(pool, lopt)
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = led.Close(cctx)
	}()
	if err := led.EnsurePartitions(ctx); err != nil {
		return InprocResult{}, err
	}
	cfg := config.Default(config.ModeDev).Cluster
	cfg.Name = "yima-bench-" + strings.ToLower(rand.Text()[:8])
	cl, err := actors.Start(cfg, opt.Log, actors.Kinds(actors.GrainDeps{Store: store.New(pool), Ledger: led, Log: opt.Log})...)
	if err != nil {
		return InprocResult{}, err
	}
	defer cl.Stop()
	eng := actors.NewEngine(cl)

	var members []ledgertest.Member
	for _, o := range fx.Orgs {
		members = append(members, o.Members...)
	}
	if len(members) == 0 {
		return InprocResult{}, fmt.Errorf("engine storm: no volunteers")
	}
	clients := min(opt.Clients, len(members))
	prefix := strings.ToLower(rand.Text()[:10])
	start := time.Now()
	win := window{from: start.Add(opt.Warm), to: start.Add(opt.Warm + opt.Measure)}
	type part struct {
		InprocResult
		lat []time.Duration
	}
	parts := make([]part, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[c]
			var mine []ledgertest.Member
			for i := c; i < len(members); i += clients {
				mine = append(mine, members[i])
			}
			for n := 0; n < opt.MaxScans && ctx.Err() == nil; n++ {
				now := time.Now()
				if !now.Before(win.to) {
					return
				}
				m := mine[n%len(mine)]
				pass := time.Duration(n/len(mine)) * 61 * time.Second
				scanID := fmt.Sprintf("%s-%d-%d", prefix, c, n)
				res, err := eng.Scan(ctx, m.ProjectID, &grainpb.Scan{
					ScanId: scanID, VolunteerId: m.VolunteerID[:], Method: grainpb.Method_METHOD_STAFF_SCAN,
					ReceivedAt: now.UnixMicro(), ScannedAt: now.Add(pass).UnixMicro(), Gate: "bench",
				})
				done := time.Now()
				if win.in(done) {
					p.lat = append(p.lat, done.Sub(now))
				}
				if err != nil {
					p.Errors++
					if p.FirstError == nil {
						p.FirstError = err
					}
					continue
				}
				if !res.Duplicate && (res.Outcome == grainpb.Outcome_OUTCOME_SIGNED_IN || res.Outcome == grainpb.Outcome_OUTCOME_SIGNED_OUT) {
					p.Acked++
					p.AckedScanIDs = append(p.AckedScanIDs, scanID)
					if win.in(done) {
						p.Committed++
					}
				}
			}
		}()
	}
	wg.Wait()
	var res InprocResult
	var lat []time.Duration
	for _, p := range parts {
		res.Committed += p.Committed
		res.Acked += p.Acked
		res.AckedScanIDs = append(res.AckedScanIDs, p.AckedScanIDs...)
		res.Errors += p.Errors
		if res.FirstError == nil {
			res.FirstError = p.FirstError
		}
		lat = append(lat, p.lat...)
	}
	res.PerSecond = float64(res.Committed) / opt.Measure.Seconds()
	res.P50, res.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	res.Ledger = led.Stats()
	return res, ctx.Err()
}
