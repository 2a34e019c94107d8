package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// H5LoadOptions configure the h5_load scenario.
type H5LoadOptions struct {
	// WebDir is the web workspace: its scripts/h5-load.mjs drives
	// Chromium through its node_modules/playwright-core (default "web",
	// as `make bench` runs from the repository's root).
	WebDir string
	// Runs is how many cold loads of each page (default 10).
	Runs int
}

func (o *H5LoadOptions) defaults() {
	if o.WebDir == "" {
		o.WebDir = "web"
	}
	if o.Runs <= 0 {
		o.Runs = 10
	}
}

// H5LoadResult is the h5_load line: time to usable of 我的 (/h5/) and
// 我的志愿者码 (/h5/code), each loaded cold Runs times on an emulated phone.
type H5LoadResult struct {
	// Skipped names why the scenario did not run, one word for the
	// result line: no_node, no_chromium, no_playwright (web/node_modules),
	// database_url (it needs a database of its own); empty when it ran.
	Skipped string
	Runs    int
	// Home and Code are the times to usable, from the navigation's start.
	Home, Code []time.Duration
	// JSBytesGz is the JavaScript the two pages loaded, gzipped: what
	// crossed the wire, the server gzipping.
	JSBytesGz int
	// JSSizedBy says how JSBytesGz was measured: "transfer" when every
	// script came gzipped, else some were gzipped by the script.
	JSSizedBy string
	// Cache is the HTTP cache state of every measured load ("cold").
	Cache string
}

// All is every load's time to usable, both pages.
func (r H5LoadResult) All() []time.Duration {
	return append(append([]time.Duration{}, r.Home...), r.Code...)
}

// h5LoadOutput is what web/scripts/h5-load.mjs prints.
type h5LoadOutput struct {
	Cache     string    `json:"cache"`
	Runs      int       `json:"runs"`
	HomeMS    []float64 `json:"home_ms"`
	CodeMS    []float64 `json:"code_ms"`
	JSBytesGz int       `json:"js_bytes_gz"`
	JSSizedBy string    `json:"js_sized_by"`
}

// h5LoadMissing names what the scenario needs and the machine lacks — a
// word for the result line and a sentence for people — or "" when all is
// there.
func h5LoadMissing(webDir string) (code, why string) {
	if _, err := exec.LookPath("node"); err != nil {
		return "no_node", "node not found (scripts/ensure-deps.sh installs it)"
	}
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		return "no_chromium", chromium + " not found (scripts/ensure-deps.sh installs Chromium; or set CHROMIUM_PATH)"
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core")); err != nil {
		return "no_playwright", "playwright-core not in " + webDir + "/node_modules (run npm ci in web/, or pass -web-dir)"
	}
	return "", ""
}

// H5Load runs web/scripts/h5-load.mjs against a `yima dev --demo` at url
// and returns its figures; the caller checks h5LoadMissing first. The
// script's progress goes to log.
func H5Load(ctx context.Context, url string, opt H5LoadOptions, log io.Writer) (H5LoadResult, error) {
	opt.defaults()
	cmd := exec.CommandContext(ctx, "node", "scripts/h5-load.mjs", "--url", url, "--runs", fmt.Sprint(opt.Runs))
	cmd.Dir = opt.WebDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, log
	if err := cmd.Run(); err != nil {
		return H5LoadResult{}, fmt.Errorf("h5-load.mjs: %w", err)
	}
	var o h5LoadOutput
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		return H5LoadResult{}, fmt.Errorf("h5-load.mjs output: %w", err)
	}
	if len(o.HomeMS) == 0 || len(o.CodeMS) == 0 {
		return H5LoadResult{}, errors.New("h5-load.mjs measured nothing")
	}
	return H5LoadResult{
		Runs: o.Runs, Home: msDurations(o.HomeMS), Code: msDurations(o.CodeMS),
		JSBytesGz: o.JSBytesGz, JSSizedBy: o.JSSizedBy, Cache: o.Cache,
	}, nil
}

func msDurations(ms []float64) []time.Duration {
	d := make([]time.Duration, len(ms))
	for i, m := range ms {
		d[i] = time.Duration(m * float64(time.Millisecond))
	}
	return d
}
