package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"yima/engine/codes"
)

// K6Data is the file `yima-bench -export-k6` writes for
// loadtest/k6/checkin_storm.js. k6 cannot compute HMAC-SM3, so the file
// carries every target's volunteer code for each 30 s step of the run
// ahead: the script picks the code of the current step.
type K6Data struct {
	// BaseURL is the server the tokens are for.
	BaseURL string `json:"base_url"`
	// StepSeconds is the code step; FirstStep the Unix step (Unix seconds
	// / StepSeconds) of Codes[0]; Steps how many steps every target has.
	StepSeconds int   `json:"step_seconds"`
	FirstStep   int64 `json:"first_step"`
	Steps       int   `json:"steps"`
	// Tokens are the org leaders' bearer tokens, one per org.
	Tokens []string `json:"tokens"`
	// Targets are volunteers to scan, each on one project of its org.
	Targets []K6Target `json:"targets"`
	// BadCodes are well-formed volunteer codes with a wrong MAC.
	BadCodes []string `json:"bad_codes"`
}

// K6Target is one volunteer on one project's roster.
type K6Target struct {
	Org     int      `json:"org"`     // index into Tokens
	Project string   `json:"project"` // project_id
	Codes   []string `json:"codes"`   // by step, from FirstStep
}

// K6Options shape an export.
type K6Options struct {
	// File is where the data goes.
	File string
	// Targets bounds the volunteers exported (default 20,000). At 60 s
	// between two scans of one volunteer (the debounce), a storm of R
	// scans/s needs 60 × R of them to stay clear of repeats.
	Targets int
	// Hold is how long the server keeps running for k6 (default 30 min);
	// the codes cover it.
	Hold time.Duration
}

// ExportK6 seeds as Run does, starts `yima dev` with group commit on,
// signs the org leaders in, writes the data file for the k6 script and
// keeps the server running for opt.Hold or until ctx ends, so that k6 can
// be run against it.
func ExportK6(ctx context.Context, opt Options, k6 K6Options) error {
	if k6.Targets <= 0 {
		k6.Targets = 20000
	}
	if k6.Hold <= 0 {
		k6.Hold = 30 * time.Minute
	}
	work := opt.WorkDir
	if work == "" {
		dir, err := os.MkdirTemp("", "yima-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	dataDir := filepath.Join(work, "data")
	env, err := openEnv(ctx, opt, dataDir)
	if err != nil {
		return err
	}
	defer env.close()
	fx, err := Seed(ctx, env.pool, env.box, opt.Seed)
	if err != nil {
		return err
	}
	if _, err := ResetCheckins(ctx, env.pool, fx, time.Now()); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(work, "yima.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	so := ServerOptions{Binary: opt.Yima, DatabaseURL: env.url, DataDir: dataDir, Output: logFile}
	return withServer(ctx, so, opt.Client, fx, func(s *Server, _ *Client, targets []Target) error {
		data := k6Data(s.URL, env.codes, targets, k6.Targets, k6.Hold, time.Now())
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		if err := os.WriteFile(k6.File, b, 0o600); err != nil {
			return fmt.Errorf("write k6 data: %w", err)
		}
		opt.Log.Info("k6 data written; the server runs until interrupted or the hold ends",
			"file", k6.File, "targets", len(data.Targets), "base_url", s.URL, "hold", k6.Hold,
			"run", fmt.Sprintf("k6 run -e DATA=%s loadtest/k6/checkin_storm.js", k6.File))
		select {
		case <-ctx.Done():
		case <-time.After(k6.Hold):
		}
		return nil
	})
}

// k6Data issues the codes of up to n targets, taken round robin across the
// orgs, for every step from now until hold has passed.
func k6Data(baseURL string, c *codes.Codes, targets []Target, n int, hold time.Duration, now time.Time) K6Data {
	first := now.Unix() / codes.StepSeconds
	steps := int(hold/(codes.StepSeconds*time.Second)) + 2
	d := K6Data{BaseURL: baseURL, StepSeconds: codes.StepSeconds, FirstStep: first, Steps: steps}
	for _, t := range targets {
		d.Tokens = append(d.Tokens, t.Token)
	}
	for i := 0; len(d.Targets) < n; i++ {
		added := false
		for o, t := range targets {
			if i >= len(t.Members) || len(d.Targets) >= n {
				continue
			}
			m := t.Members[i]
			kt := K6Target{Org: o, Project: m.ProjectID.String(), Codes: make([]string, steps)}
			for s := range steps {
				kt.Codes[s], _ = c.Issue(m.VolunteerID, 0, time.Unix((first+int64(s))*codes.StepSeconds, 0))
			}
			d.Targets = append(d.Targets, kt)
			added = true
			if len(d.BadCodes) < 100 {
				bad := []byte(kt.Codes[0])
				if bad[len(bad)-1] == 'A' {
					bad[len(bad)-1] = 'B'
				} else {
					bad[len(bad)-1] = 'A'
				}
				d.BadCodes = append(d.BadCodes, string(bad))
			}
		}
		if !added {
			break
		}
	}
	return d
}
