package codes_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"yima/engine/codes"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed; a changed payload format needs a new prefix.\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

var viewBox = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)

// qrModules returns the side of the QR symbol for payload, quiet zone not
// counted, read from the SVG rendering.
func qrModules(t *testing.T, payload string) int {
	t.Helper()
	svg, err := codes.QRSVG(payload)
	if err != nil {
		t.Fatal(err)
	}
	m := viewBox.FindSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %s", svg)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n - 2*codes.QuietZone
}

// The payload formats with fixed keys and time. A change here means codes
// already shown or printed would no longer verify.
func TestGoldenPayloads(t *testing.T) {
	c := codes.FixtureCodes(t)
	volunteer, exp := c.Issue(codes.Volunteer1, 7, codes.T0)
	project, err := c.IssueProjectCode(codes.Project1)
	if err != nil {
		t.Fatal(err)
	}
	org, err := c.IssueOrgCode(codes.Org1)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Fixed keys (export_test.go), volunteer code at %s, epoch 7, expires %s.\n",
		codes.T0.Format(time.RFC3339), exp.Format(time.RFC3339))
	fmt.Fprintf(&b, "# kind\tchars\tQR version\tmodules\tpayload\n")
	for _, p := range []struct{ kind, payload string }{
		{"volunteer", volunteer}, {"project", project}, {"org", org},
	} {
		n := qrModules(t, p.payload)
		fmt.Fprintf(&b, "%s\t%d\t%d\t%d×%d\t%s\n", p.kind, len(p.payload), (n-17)/4, n, n, p.payload)
	}
	fmt.Fprintf(&b, "# public key, kid 1\n%s", c.PublicKeyPEM())
	golden(t, "payloads.golden", b.Bytes())

	svg, err := codes.QRSVG(volunteer)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "volunteer.svg.golden", svg)
}
