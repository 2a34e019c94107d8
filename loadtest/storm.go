package loadtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"

	"yima/engine/codes"
	"yima/engine/ledger/ledgertest"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
)

// Target is what the workers of one org drive: the org leader's token and
// the org's roster.
type Target struct {
	Token   string
	Members []ledgertest.Member
}

// StormOptions shape a storm. Zero values take the defaults.
type StormOptions struct {
	// Workers send concurrently (default 64), each waiting for its answer
	// before its next request, like a scanner at a gate. Worker i scans
	// for target i mod len(targets), its own share of that roster.
	Workers int
	// Warm runs before the measured window (default 5 s; negative for
	// none); Measure is the window (default 20 s). Rates and latencies are of requests answered
	// within the window; counts are of the whole storm.
	Warm, Measure time.Duration
	// Shares of the requests, each default 0.02 (negative for none):
	// RetryShare resends the worker's previous request with its scan_id,
	// as a client does that lost an answer; DuplicateShare scans the
	// previous volunteer again with a new scan_id, within the 60 s
	// debounce; BadShare sends a forged or an expired code.
	RetryShare, DuplicateShare, BadShare float64
	// Ping sends CheckinService.Ping instead of scans: the HTTP ceiling.
	Ping bool
	// MaxRequests bounds each worker's requests (default 10,000,000), on
	// top of the time bound.
	MaxRequests int
	// RequestTimeout bounds one request (default 10 s).
	RequestTimeout time.Duration
	// Rescan is how long a volunteer rests between two fresh scans
	// (default 61 s, past the debounce). A worker that comes round to a
	// volunteer sooner waits, and the wait is counted as a stall.
	Rescan time.Duration
	// Seed makes the request mix repeatable (default: random).
	Seed uint64
}

func (o *StormOptions) defaults() {
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.Warm == 0 {
		o.Warm = 5 * time.Second
	}
	if o.Measure <= 0 {
		o.Measure = 20 * time.Second
	}
	for _, s := range []*float64{&o.RetryShare, &o.DuplicateShare, &o.BadShare} {
		switch {
		case *s == 0:
			*s = 0.02
		case *s < 0:
			*s = 0
		}
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = 10_000_000
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.Rescan <= 0 {
		o.Rescan = 61 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = mrand.Uint64()
	}
}

// StormResult is what the driver saw.
type StormResult struct {
	// Window is the measured window; Answered the requests answered
	// without error within it, PerSecond their rate, P50 and P99 the
	// latencies of every request that completed within it (errors too).
	Window    time.Duration
	Answered  int
	PerSecond float64
	P50, P99  time.Duration

	// The rest counts the whole storm, warm-up included.
	Sent int
	// Errors are transport errors and answers with a code other than OK;
	// ErrorKinds counts them by Connect code ("unknown" for transport).
	Errors     int
	ErrorKinds map[string]int
	FirstError error
	// Acked are SIGNED_IN and SIGNED_OUT answers with duplicate unset:
	// the scans the server said it recorded. AckedScanIDs name them.
	Acked, SignedIn, SignedOut int
	AckedScanIDs               []string
	// Duplicates are answers with duplicate set (retries and repeats);
	// Rejected are REJECTED answers that were not duplicates, counted by
	// reason in Reasons.
	Duplicates, Rejected int
	Reasons              map[string]int
	// Retries, Repeats and Bad count the requests sent of each kind.
	Retries, Repeats, Bad int
	// Stalls counts waits for a volunteer to rest Rescan; Exhausted is
	// set when a worker reached the end of the window still waiting (the
	// roster is too small for the rate).
	Stalls    int
	Exhausted bool
}

// window decides which completions are measured.
type window struct {
	from, to time.Time
}

func (w window) in(t time.Time) bool { return !t.Before(w.from) && t.Before(w.to) }

// workerResult is one worker's part, merged at the end.
type workerResult struct {
	StormResult
	lat []time.Duration
}

// Storm drives the server with scans (or pings) from opt.Workers workers
// until the window ends, then waits for the answers in flight. It issues
// volunteer codes with c, which must hold the server's code key.
func Storm(ctx context.Context, cl *Client, c *codes.Codes, targets []Target, opt StormOptions) (StormResult, error) {
	opt.defaults()
	if len(targets) == 0 {
		return StormResult{}, errors.New("storm: no targets")
	}
	prefix := strings.ToLower(rand.Text()[:10])
	start := time.Now()
	warm := max(opt.Warm, 0)
	win := window{from: start.Add(warm), to: start.Add(warm + opt.Measure)}
	results := make([]workerResult, opt.Workers)
	var wg sync.WaitGroup
	for w := range opt.Workers {
		t := w % len(targets)
		rank, peers := w/len(targets), (opt.Workers-t+len(targets)-1)/len(targets)
		var mine []ledgertest.Member
		for i := rank; i < len(targets[t].Members); i += peers {
			mine = append(mine, targets[t].Members[i])
		}
		sw := &stormWorker{
			cl: cl, codes: c, token: targets[t].Token, members: mine, opt: opt, win: win,
			rnd: mrand.New(mrand.NewPCG(opt.Seed, uint64(w))), scanPrefix: fmt.Sprintf("%s-%d-", prefix, w),
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w] = sw.run(ctx)
		}()
	}
	wg.Wait()
	return merge(results, opt.Measure), ctx.Err()
}

// merge adds the workers' parts up.
func merge(parts []workerResult, measure time.Duration) StormResult {
	res := StormResult{Window: measure, ErrorKinds: map[string]int{}, Reasons: map[string]int{}}
	var lat []time.Duration
	for _, p := range parts {
		res.Answered += p.Answered
		res.Sent += p.Sent
		res.Errors += p.Errors
		for k, v := range p.ErrorKinds {
			res.ErrorKinds[k] += v
		}
		if res.FirstError == nil {
			res.FirstError = p.FirstError
		}
		res.Acked += p.Acked
		res.SignedIn += p.SignedIn
		res.SignedOut += p.SignedOut
		res.AckedScanIDs = append(res.AckedScanIDs, p.AckedScanIDs...)
		res.Duplicates += p.Duplicates
		res.Rejected += p.Rejected
		for k, v := range p.Reasons {
			res.Reasons[k] += v
		}
		res.Retries += p.Retries
		res.Repeats += p.Repeats
		res.Bad += p.Bad
		res.Stalls += p.Stalls
		res.Exhausted = res.Exhausted || p.Exhausted
		lat = append(lat, p.lat...)
	}
	res.PerSecond = float64(res.Answered) / measure.Seconds()
	res.P50, res.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	return res
}

// percentile sorts lat and returns its q-quantile (nearest rank).
func percentile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	if !slices.IsSorted(lat) {
		slices.Sort(lat)
	}
	i := int(float64(len(lat))*q+0.999999) - 1
	return lat[max(0, min(i, len(lat)-1))]
}

// stormWorker is one scanner.
type stormWorker struct {
	cl         *Client
	codes      *codes.Codes
	token      string
	members    []ledgertest.Member
	opt        StormOptions
	win        window
	rnd        *mrand.Rand
	scanPrefix string

	res     workerResult
	next    int         // the member the next fresh scan is for
	scanned []time.Time // when each member was last scanned fresh
	prev    *checkinv1.ScanRequest
	last    int // the member of the last fresh scan; -1 before any
}

func (w *stormWorker) run(ctx context.Context) workerResult {
	w.res.ErrorKinds = map[string]int{}
	w.res.Reasons = map[string]int{}
	w.scanned = make([]time.Time, len(w.members))
	w.last = -1
	if len(w.members) == 0 && !w.opt.Ping {
		return w.res
	}
	for n := 0; n < w.opt.MaxRequests && ctx.Err() == nil; n++ {
		if !time.Now().Before(w.win.to) {
			break
		}
		if w.opt.Ping {
			w.ping(ctx)
			continue
		}
		req := w.nextScan(ctx, n)
		if req == nil {
			break // the window ended while waiting for a volunteer
		}
		w.send(ctx, req)
	}
	return w.res
}

// nextScan picks the next request: a retry, a repeat, a bad code or a fresh
// scan of the next volunteer.
func (w *stormWorker) nextScan(ctx context.Context, n int) *checkinv1.ScanRequest {
	now := time.Now()
	r, o := w.rnd.Float64(), w.opt
	switch {
	case r < o.RetryShare && w.prev != nil:
		w.res.Retries++
		return w.prev
	case r < o.RetryShare+o.DuplicateShare && w.last >= 0:
		w.res.Repeats++
		return w.scan(n, w.members[w.last], w.payload(w.members[w.last], now))
	case r < o.RetryShare+o.DuplicateShare+o.BadShare:
		w.res.Bad++
		m := w.members[w.rnd.IntN(len(w.members))]
		if w.rnd.IntN(2) == 0 {
			// Expired: issued ten minutes ago, long past the window.
			return w.scan(n, m, w.payload(m, now.Add(-10*time.Minute)))
		}
		// Forged: a well-formed code with a wrong MAC.
		p := []byte(w.payload(m, now))
		if p[len(p)-1] == 'A' {
			p[len(p)-1] = 'B'
		} else {
			p[len(p)-1] = 'A'
		}
		return w.scan(n, m, string(p))
	}
	k := w.next
	if rest := w.scanned[k].Add(w.opt.Rescan); !w.scanned[k].IsZero() && now.Before(rest) {
		w.res.Stalls++
		if !rest.Before(w.win.to) {
			w.res.Exhausted = true
			return nil
		}
		select {
		case <-time.After(time.Until(rest)):
		case <-ctx.Done():
			return nil
		}
		now = time.Now()
	}
	w.next = (k + 1) % len(w.members)
	w.scanned[k], w.last = now, k
	return w.scan(n, w.members[k], w.payload(w.members[k], now))
}

func (w *stormWorker) payload(m ledgertest.Member, at time.Time) string {
	p, _ := w.codes.Issue(m.VolunteerID, 0, at)
	return p
}

func (w *stormWorker) scan(n int, m ledgertest.Member, payload string) *checkinv1.ScanRequest {
	return &checkinv1.ScanRequest{
		ScanId: w.scanPrefix + fmt.Sprint(n), ProjectId: m.ProjectID.String(), Payload: payload, Gate: "bench",
	}
}

func (w *stormWorker) send(ctx context.Context, req *checkinv1.ScanRequest) {
	ctx, cancel := context.WithTimeout(ctx, w.opt.RequestTimeout)
	defer cancel()
	t0 := time.Now()
	res, err := w.cl.Checkin.Scan(ctx, request(req, w.token))
	w.prev = req
	if w.record(t0, err) {
		return
	}
	m := res.Msg
	switch {
	case m.Duplicate:
		w.res.Duplicates++
	case m.Outcome == checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN || m.Outcome == checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT:
		w.res.Acked++
		if m.Outcome == checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN {
			w.res.SignedIn++
		} else {
			w.res.SignedOut++
		}
		w.res.AckedScanIDs = append(w.res.AckedScanIDs, req.ScanId)
	default:
		w.res.Rejected++
		w.res.Reasons[m.Reason]++
	}
}

func (w *stormWorker) ping(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, w.opt.RequestTimeout)
	defer cancel()
	t0 := time.Now()
	_, err := w.cl.Checkin.Ping(ctx, request(&checkinv1.PingRequest{}, w.token))
	w.record(t0, err)
}

// record counts one completed request and reports whether it failed.
func (w *stormWorker) record(t0 time.Time, err error) (failed bool) {
	done := time.Now()
	w.res.Sent++
	if w.win.in(done) {
		w.res.lat = append(w.res.lat, done.Sub(t0))
		if err == nil {
			w.res.Answered++
		}
	}
	if err == nil {
		return false
	}
	w.res.Errors++
	w.res.ErrorKinds[connect.CodeOf(err).String()]++
	if w.res.FirstError == nil {
		w.res.FirstError = err
	}
	return true
}
