package pdf_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"yima/services/certificate/pdf"
)

var keep = flag.String("keep", "", "write the rendered PDFs into this directory, to look at them")

// fontOrSkip returns the CJK font, skipping the test where it is not
// installed (scripts/ensure-deps.sh installs it; CI must have it).
func fontOrSkip(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(pdf.DefaultFont); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("certificate font missing: %v (apt-get install fonts-droid-fallback)", err)
		}
		t.Skipf("certificate font missing: %v", err)
	}
	return pdf.DefaultFont
}

func sample() pdf.Document {
	return pdf.Document{
		Number: "SH-ZY-2026-000123", VolunteerName: "欧阳晓梅", IDType: "居民身份证", IDNumberMasked: "310***********1421",
		VolunteerNo: "SH0000012345", ServiceSeconds: 5*3600 + 1800,
		ServiceContent: "参加“徐家汇街道轨交站点文明引导”志愿服务项目，担任引导员、秩序维护员",
		ServiceFrom:    "2026-05-01", ServiceUntil: "2026-05-03",
		IssuerName: "徐家汇街道志愿者服务中心", HandlerName: "王建国",
		IssuedOn:  time.Date(2026, 5, 6, 0, 0, 0, 0, time.UTC),
		CheckCode: "0123456789abcdef", VerifyURL: "https://yima.example/verify/certificate/SH-ZY-2026-000123?s=0123456789abcdef",
	}
}

// pageCount counts the page objects of a PDF (/Type /Page, not /Pages).
var pageObject = regexp.MustCompile(`/Type\s*/Page[^s]`)

func TestRender(t *testing.T) {
	font := fontOrSkip(t)
	r := pdf.New(font)
	preview := sample()
	preview.Preview, preview.Number, preview.CheckCode, preview.VerifyURL = true, "", "", ""
	long := sample()
	long.ServiceContent = strings.Repeat("参加社区志愿服务项目，担任多个岗位；", 12)
	for _, tc := range []struct {
		name string
		doc  pdf.Document
		want []string // strings the raw PDF holds
	}{
		{"签发", sample(), []string{"/Subtype /Image"}},
		{"预览", preview, []string{"/ca 0.35"}},
		{"内容很长", long, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := r.Render(tc.doc)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !bytes.HasPrefix(out, []byte("%PDF-")) {
				t.Fatalf("output starts %q, want %%PDF-", out[:min(len(out), 8)])
			}
			if !bytes.Contains(out, []byte("%%EOF")) {
				t.Error("output has no EOF trailer")
			}
			if n := len(pageObject.FindAll(out, -1)); n != 1 {
				t.Errorf("page objects = %d, want 1", n)
			}
			// The CJK font is embedded: a TrueType font file (FontFile2)
			// named after the family.
			for _, s := range append([]string{"/FontFile2", "/BaseFont /utf8" + strings.ToLower(pdf.FontFamily), "/MediaBox [0 0 595.28 841.89]"}, tc.want...) {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("PDF lacks %q", s)
				}
			}
			// A subset of the glyphs used, not the 4 MB font.
			if len(out) > 400<<10 {
				t.Errorf("PDF is %d bytes, want a font subset well under 400 KiB", len(out))
			}
			if *keep != "" {
				if err := os.WriteFile(filepath.Join(*keep, tc.name+".pdf"), out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestRenderConcurrent(t *testing.T) {
	r := pdf.New(fontOrSkip(t))
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = r.Render(sample())
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestRenderWithoutFont(t *testing.T) {
	r := pdf.New(filepath.Join(t.TempDir(), "none.ttf"))
	if _, err := r.Render(sample()); !errors.Is(err, pdf.ErrNoFont) {
		t.Fatalf("Render without the font = %v, want ErrNoFont", err)
	}
}

func TestHours(t *testing.T) {
	for _, tc := range []struct {
		seconds int64
		want    string
	}{
		{3600, "1"}, {5400, "1.5"}, {100, "0.03"}, {0, "0"}, {3600*12 + 36, "12.01"}, {17, "0"}, {18, "0.01"}, {3599, "1"},
	} {
		if got := pdf.Hours(tc.seconds); got != tc.want {
			t.Errorf("Hours(%d) = %q, want %q", tc.seconds, got, tc.want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	if _, err := os.Stat(pdf.DefaultFont); err != nil {
		b.Skip("certificate font missing")
	}
	r := pdf.New(pdf.DefaultFont)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(sample()); err != nil {
			b.Fatal(err)
		}
	}
}
