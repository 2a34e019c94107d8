package codes

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"sync"

	qr "github.com/piglig/go-qr"
)

// QuietZone is the light margin, in modules, around every rendered QR code.
// ISO/IEC 18004 asks for four; scanners find the finder patterns less
// reliably with less, above all on a phone screen next to other content.
const QuietZone = 4

// MaxQRPixels is the largest image side QRPNG draws. A volunteer code fills
// a phone screen at a few hundred pixels and a poster prints from an SVG;
// the bound keeps a caller-chosen size from costing unbounded memory.
const MaxQRPixels = 4096

// MaxQRText is the longest text QRPNG and QRSVG render. Payloads are far
// shorter; the bound leaves room for, say, a URL that wraps one.
const MaxQRText = 1024

// QRPNG renders text (normally a payload) as a size×size-pixel PNG in black
// on white with a quiet zone. Modules are whole pixels, so they stay sharp:
// each is size / (modules + 2×QuietZone) pixels wide, and what is left over
// widens the quiet zone. It fails for empty or over-long text and for a size
// too small to give each module a pixel or larger than MaxQRPixels.
func QRPNG(text string, size int) ([]byte, error) {
	code, err := encodeQR(text)
	if err != nil {
		return nil, fmt.Errorf("render QR png: %w", err)
	}
	n := code.Size()
	scale := size / (n + 2*QuietZone)
	if scale < 1 || size > MaxQRPixels {
		return nil, fmt.Errorf("render QR png: size %d outside [%d, %d] for %d modules",
			size, n+2*QuietZone, MaxQRPixels, n)
	}
	// Two palette entries make the PNG encoder write one bit per pixel.
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	off := (size - n*scale) / 2
	row := make([]uint8, size)
	for y := range n {
		clear(row)
		for x := range n {
			if code.Module(x, y) {
				for i := range scale {
					row[off+x*scale+i] = 1
				}
			}
		}
		for i := range scale {
			copy(img.Pix[(off+y*scale+i)*img.Stride:], row)
		}
	}
	var buf bytes.Buffer
	// Best speed loses little here: a 1-bit image of large flat runs
	// compresses well at any level.
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pngBuffers}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("render QR png: %w", err)
	}
	return buf.Bytes(), nil
}

// pngBuffers lets PNG encoders reuse their compressor, which is about 1 MB
// of tables that each encode would otherwise allocate and drop. It is the one
// package-level variable here: scratch memory, not state, so no result
// depends on it.
var pngBuffers = &encoderPool{}

// encoderPool is a png.EncoderBufferPool over a sync.Pool.
type encoderPool struct{ p sync.Pool }

// Get returns a pooled buffer, or nil for the encoder to make one.
func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

// Put returns a buffer to the pool.
func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// QRSVG renders text (normally a payload) as an SVG QR code in black on
// white with a quiet zone. It is drawn in module units (a viewBox, no fixed
// width or height), so it scales to any print size without blurring. It
// fails for empty or over-long text.
func QRSVG(text string) ([]byte, error) {
	code, err := encodeQR(text)
	if err != nil {
		return nil, fmt.Errorf("render QR svg: %w", err)
	}
	n := code.Size()
	side := strconv.Itoa(n + 2*QuietZone)
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + side + ` ` + side +
		`" shape-rendering="crispEdges"><rect width="` + side + `" height="` + side +
		`" fill="#fff"/><path fill="#000" d="`)
	// One rectangle per horizontal run of dark modules keeps the path about
	// a third the size of one square per module.
	for y := range n {
		for x := 0; x < n; {
			if !code.Module(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < n && code.Module(x+run, y) {
				run++
			}
			r := strconv.Itoa(run)
			b.WriteString("M" + strconv.Itoa(x+QuietZone) + " " + strconv.Itoa(y+QuietZone) + "h" + r + "v1h-" + r + "z")
			x += run
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}

// encodeQR builds the QR symbol for text. Text made only of the QR
// alphanumeric set (every payload) is encoded in alphanumeric mode, other
// text in byte mode. Volunteer codes live on screens, where level M keeps
// them at version 3; printed codes get scuffed and folded, so static codes
// start at level Q. Either way the level is raised further when the data
// still fits the same version, since that costs no extra modules.
func encodeQR(text string) (*qr.QrCode, error) {
	if text == "" || len(text) > MaxQRText {
		return nil, errors.New("text empty or longer than " + strconv.Itoa(MaxQRText) + " bytes")
	}
	segs, err := qr.MakeSegments(text)
	if err != nil {
		return nil, fmt.Errorf("segment text: %w", err)
	}
	ecl := qr.Medium
	if strings.HasPrefix(text, ProjectPrefix) || strings.HasPrefix(text, OrgPrefix) {
		ecl = qr.Quartile
	}
	code, err := qr.EncodeSegments(segs, ecl, qr.MinVersion, qr.MaxVersion, -1, true)
	if err != nil {
		return nil, fmt.Errorf("encode QR: %w", err)
	}
	return code, nil
}
