package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"yima/store/demo"
)

// TestE2E runs the browser suite in web/e2e (Node's test runner driving
// Debian's Chromium through playwright-core) against a real yima dev with
// demo data. `make test` installs Chromium and the web packages; without
// them the test skips locally and fails under CI.
func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	web, err := filepath.Abs("../../web")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		missing = append(missing, "/usr/bin/chromium (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "web/node_modules (cd web && npm ci)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests need %v; scripts/ensure-deps.sh installs them", missing)
		}
		t.Skipf("browser tests need %v", missing)
	}
	s := startServer(t, "--demo")
	files, err := filepath.Glob(filepath.Join(web, "e2e", "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no browser tests found in web/e2e (%v)", err)
	}
	args := append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(t.Context(), node, args...)
	cmd.Dir = web
	// The check-in test scans for the demo's running project.
	var projectID string
	if err := s.pool(t).QueryRow(t.Context(), `SELECT p.id::text FROM project.project p JOIN org.org o ON o.id = p.org_id
		WHERE p.title = '徐家汇街道轨交站点文明引导' AND o.name = $1`, demo.OrgXujiahui).Scan(&projectID); err != nil {
		t.Fatalf("find the demo's running project: %v", err)
	}
	cmd.Env = append(os.Environ(), "YIMA_URL="+s.URL, "YIMA_E2E_PROJECT_ID="+projectID)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("browser tests against %s:\n%s", s.URL, out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}
