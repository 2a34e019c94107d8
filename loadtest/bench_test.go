package loadtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// The two lines the issue fixes, key for key.
var (
	stormLine  = regexp.MustCompile(`(?m)^checkin_storm scans_per_s=\d+ p50_ms=[\d.]+ p99_ms=[\d.]+ errors=\d+ acked=\d+ committed=\d+ commits=\d+ lost=-?\d+ double_sessions=\d+ baseline_scans_per_s=\d+ http_ceiling_per_s=\d+$`)
	engineLine = regexp.MustCompile(`(?m)^engine_inproc scans_per_s=\d+$`)
	// discoveryLine is the line issue 5 fixes.
	discoveryLine = regexp.MustCompile(`(?m)^discovery_nearby projects=\d+ p50_ms=[\d.]+ p99_ms=[\d.]+$`)
	// h5Line is the line of the H5 page-load issue.
	h5Line  = regexp.MustCompile(`(?m)^h5_load p50_ms=\d+ p95_ms=\d+ js_kb_gz=[\d.]+$`)
	ownLine = regexp.MustCompile(`^[a-z_0-9]+( [a-z_0-9]+=\S+)+$`)
)

// TestBenchSmall runs every scenario of `make bench` at a tiny scale — a
// few hundred volunteers, storms of a second or two with a few workers —
// against a real `yima dev` child, and checks that nothing acknowledged is
// lost, no sessions overlap, nothing failed and the lines are printed in
// their fixed shape. It proves the driver works, not how fast anything is.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs yima dev; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "yima")
	build := exec.Command("go", "build", "-o", bin, "yima/cmd/yima")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build yima: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	storm := StormOptions{Workers: 4, Warm: 300 * time.Millisecond, Measure: 1500 * time.Millisecond, RetryShare: 0.05, DuplicateShare: 0.05, BadShare: 0.05}
	short := StormOptions{Warm: 200 * time.Millisecond, Measure: 700 * time.Millisecond}
	rep, err := Run(ctx, Options{
		Yima:        bin,
		DatabaseURL: storetest.NewDatabase(t, schema),
		WorkDir:     t.TempDir(),
		Seed:        SeedOptions{Orgs: 2, ProjectsPerOrg: 4, VolunteersPerOrg: 300},
		Storm:       storm, Baseline: short, Ceiling: short,
		Inproc:    InprocOptions{Clients: 16, Warm: 200 * time.Millisecond, Measure: 800 * time.Millisecond},
		Discovery: DiscoveryOptions{Projects: 2000, Warm: 5, Queries: 50},
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Out:       &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{
		"storm acked": rep.Storm.Acked, "storm sign-outs": rep.Storm.SignedOut, "storm duplicates": rep.Storm.Duplicates,
		"storm rejections": rep.Storm.Rejected, "storm commits": int(rep.StormCommits),
		"baseline acked": rep.Baseline.Acked, "pings": rep.Ceiling.Answered, "engine acked": rep.Inproc.Acked,
	} {
		if n <= 0 {
			t.Errorf("%s = %d, want some", name, n)
		}
	}
	for reason := range rep.Storm.Reasons {
		if reason != "CODE_INVALID" && reason != "CODE_EXPIRED" {
			t.Errorf("storm rejections include %s (%d); only the bad codes should be rejected", reason, rep.Storm.Reasons[reason])
		}
	}
	if rep.Discovery.Projects != 2000 || rep.Discovery.Open == 0 || rep.Discovery.Rows == 0 || rep.Discovery.P99 <= 0 {
		t.Errorf("discovery = %+v, want searches over 2000 projects finding some", rep.Discovery)
	}
	// h5_load does not run here (it needs a database of its own and a
	// browser) but still prints its line, zeros.
	if rep.H5.Skipped != "database_url" {
		t.Errorf("h5_load skipped = %q, want database_url", rep.H5.Skipped)
	}
	if !stormLine.Match(out.Bytes()) || !engineLine.Match(out.Bytes()) || !discoveryLine.Match(out.Bytes()) || !h5Line.Match(out.Bytes()) {
		t.Errorf("output lacks the fixed lines:\n%s", out.String())
	}
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		if !ownLine.Match(line) {
			t.Errorf("line %q is not `name key=value …`", line)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var d []time.Duration
		for _, v := range n {
			d = append(d, time.Duration(v)*time.Millisecond)
		}
		return d
	}
	for _, c := range []struct {
		name string
		lat  []time.Duration
		q    float64
		want time.Duration
	}{
		{"空", nil, 0.5, 0},
		{"一个", ms(7), 0.99, 7 * time.Millisecond},
		{"中位数", ms(5, 1, 3, 2, 4), 0.5, 3 * time.Millisecond},
		{"p99 of 100", ms(make([]int, 99)...), 0.99, 0},
		{"p99 最大值", append(ms(make([]int, 100)...), 50*time.Millisecond), 0.99, 0},
		{"p99 尾部", append(ms(make([]int, 98)...), 40*time.Millisecond, 50*time.Millisecond), 0.99, 40 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := percentile(c.lat, c.q); got != c.want {
				t.Errorf("percentile(%v) = %v, want %v", c.q, got, c.want)
			}
		})
	}
}
