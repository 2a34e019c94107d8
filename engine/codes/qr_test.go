package codes_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"yima/engine/codes"
)

// scan decodes img with gozxing, an independent port of ZXing, the way a
// camera frame would be read: locating the finder patterns, no hints.
func scan(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR does not scan: %v", err)
	}
	return res.GetText()
}

func samplePayloads(t *testing.T) map[string]string {
	c := codes.FixtureCodes(t)
	volunteer, _ := c.Issue(codes.Volunteer1, 7, codes.T0)
	project, _ := c.IssueProjectCode(codes.Project1)
	org, _ := c.IssueOrgCode(codes.Org1)
	return map[string]string{
		"volunteer": volunteer, "project": project, "org": org,
		// Not a payload: byte mode, to show other text still renders.
		"text": "一码做志愿 https://example.org/s?x=1",
	}
}

func TestQRPNGScans(t *testing.T) {
	for name, payload := range samplePayloads(t) {
		for _, size := range []int{200, 333, 1024} {
			t.Run(name+"/"+strconv.Itoa(size), func(t *testing.T) {
				raw, err := codes.QRPNG(payload, size)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
					t.Fatalf("image is %v, want %d×%d", b, size, size)
				}
				n := qrModules(t, payload)
				scale := size / (n + 2*codes.QuietZone)
				// The quiet zone is light all round.
				for i := range size {
					for _, p := range [][2]int{{i, 0}, {0, i}, {i, size - 1}, {size - 1, i}} {
						for d := range codes.QuietZone * scale {
							x, y := p[0], p[1]
							switch {
							case x == 0:
								x += d
							case x == size-1:
								x -= d
							case y == 0:
								y += d
							default:
								y -= d
							}
							if r, _, _, _ := img.At(x, y).RGBA(); r == 0 {
								t.Fatalf("dark pixel at (%d, %d) inside the quiet zone", x, y)
							}
						}
					}
				}
				if got := scan(t, img); got != payload {
					t.Fatalf("scanned %q, want %q", got, payload)
				}
			})
		}
	}
}

var svgRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// The SVG is checked by reading its path back into modules, drawing those
// as pixels, and scanning the picture.
func TestQRSVGScans(t *testing.T) {
	for name, payload := range samplePayloads(t) {
		t.Run(name, func(t *testing.T) {
			svg, err := codes.QRSVG(payload)
			if err != nil {
				t.Fatal(err)
			}
			s := string(svg)
			if !strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.HasSuffix(s, "</svg>\n") {
				t.Fatalf("not an SVG document: %.80s…", s)
			}
			side := qrModules(t, payload) + 2*codes.QuietZone
			const scale = 6
			img := image.NewGray(image.Rect(0, 0, side*scale, side*scale))
			for i := range img.Pix {
				img.Pix[i] = 0xff
			}
			for _, m := range svgRun.FindAllStringSubmatch(s, -1) {
				x, _ := strconv.Atoi(m[1])
				y, _ := strconv.Atoi(m[2])
				w, _ := strconv.Atoi(m[3])
				if m[3] != m[4] || x < codes.QuietZone || y < codes.QuietZone ||
					x+w > side-codes.QuietZone || y >= side-codes.QuietZone {
					t.Fatalf("run %q leaves the symbol", m[0])
				}
				for px := x * scale; px < (x+w)*scale; px++ {
					for py := y * scale; py < (y+1)*scale; py++ {
						img.SetGray(px, py, color.Gray{})
					}
				}
			}
			if got := scan(t, img); got != payload {
				t.Fatalf("scanned %q, want %q", got, payload)
			}
		})
	}
}

// Payloads use the alphanumeric mode: 60 characters in byte mode would need
// version 4 (33×33); static codes start at level Q.
func TestQRSizes(t *testing.T) {
	p := samplePayloads(t)
	for name, want := range map[string]int{"volunteer": 29, "project": 49, "org": 49} {
		if got := qrModules(t, p[name]); got != want {
			t.Errorf("%s code: %d modules, want %d", name, got, want)
		}
	}
}

func TestQRRefuses(t *testing.T) {
	p := samplePayloads(t)["volunteer"] // 29 + 8 = 37 modules with the quiet zone
	tests := []struct {
		name string
		text string
		size int
	}{
		{"empty", "", 200},
		{"too long", strings.Repeat("A", codes.MaxQRText+1), 200},
		{"too small for one pixel a module", p, 36},
		{"zero size", p, 0},
		{"negative size", p, -5},
		{"too large", p, codes.MaxQRPixels + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := codes.QRPNG(tt.text, tt.size); err == nil {
				t.Errorf("QRPNG(%.10q, %d) succeeded", tt.text, tt.size)
			}
		})
	}
	if _, err := codes.QRPNG(p, 37); err != nil {
		t.Errorf("QRPNG at one pixel a module: %v", err)
	}
	for _, text := range []string{"", strings.Repeat("A", codes.MaxQRText+1)} {
		if _, err := codes.QRSVG(text); err == nil {
			t.Errorf("QRSVG(%.10q) succeeded", text)
		}
	}
}
