package loadtest

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkModule runs `node --check` on src as an ES module. The source goes
// through stdin with --input-type=module: given a .js path, Node 20 guesses
// the module type and, when its guess fails, exits 0 on a file with a
// syntax error.
func checkModule(t *testing.T, node, src string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--input-type=module", "--check")
	cmd.Stdin = strings.NewReader(src)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestK6ScriptsSyntax checks the syntax of every k6 script shipped in
// loadtest/k6 with Node (k6 itself is never installed: ARCHITECTURE §11).
// It skips without node, except under CI.
func TestK6ScriptsSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is needed to check the k6 scripts: %v", err)
		}
		t.Skipf("node not found: %v", err)
	}
	// The check must be able to fail.
	if out, err := checkModule(t, node, "import http from 'k6/http';\nexport default function () { http.get('x'; }\n"); err == nil {
		t.Fatalf("node --check accepted a script with a syntax error: %s", out)
	}
	var scripts []string
	err = filepath.WalkDir("k6", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".js") {
			scripts = append(scripts, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no k6 scripts under loadtest/k6")
	}
	for _, path := range scripts {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := checkModule(t, node, string(src)); err != nil {
				t.Errorf("node --check %s: %v\n%s", path, err, out)
			}
		})
	}
}
