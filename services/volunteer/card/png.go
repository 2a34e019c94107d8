package card

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"yima/engine/codes"
	"yima/services/certificate/pdf"
)

// The PNG is an ID-1 card (85.6 × 54 mm) at 300 dpi.
const (
	PNGWidth  = 1011
	PNGHeight = 638
)

// Colours of the card, as the PDF's.
var (
	red   = color.RGBA{178, 34, 34, 255}
	ink   = color.RGBA{33, 33, 33, 255}
	muted = color.RGBA{110, 110, 110, 255}
	paper = color.RGBA{255, 250, 246, 255}
	rule  = color.RGBA{200, 200, 200, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// Layout, in pixels: the height of the title band and the side margins.
const (
	bandH  = 130
	margin = 48
)

// Go's fonts set Latin letters and digits, which the CJK font lacks (as
// the PDF sets them in Helvetica); they are parsed once, at start.
var (
	latinRegular = mustParse(goregular.TTF)
	latinBold    = mustParse(gobold.TTF)
)

func mustParse(b []byte) *opentype.Font {
	f, err := opentype.Parse(b)
	if err != nil {
		panic(fmt.Sprintf("card: parse Go font: %v", err))
	}
	return f
}

// cjkFont parses the renderer's CJK font once.
func (s *Service) cjkFont() (*opentype.Font, error) {
	s.cjkOnce.Do(func() {
		b, err := s.opt.Renderer.Font().Bytes()
		if err != nil {
			s.cjkErr = err
			return
		}
		if s.cjk, err = opentype.Parse(b); err != nil {
			s.cjkErr = fmt.Errorf("parse card font: %w", err)
		}
	})
	return s.cjk, s.cjkErr
}

// png draws the card as a PNG of PNGWidth × PNGHeight: the title band,
// the fields, the number and the verification QR code.
func (s *Service) png(d pdf.CardDocument) ([]byte, error) {
	cjk, err := s.cjkFont()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, PNGWidth, PNGHeight))
	draw.Draw(img, img.Bounds(), &image.Uniform{paper}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, PNGWidth, bandH), &image.Uniform{red}, image.Point{}, draw.Src)
	t := &typesetter{img: img, cjk: cjk}

	if err := t.text("上 海 市 志 愿 者 证", 60, white, false, PNGWidth/2, 80, center); err != nil {
		return nil, err
	}
	if err := t.text("SHANGHAI VOLUNTEER CARD", 22, white, false, PNGWidth/2, 116, center); err != nil {
		return nil, err
	}
	y := 190
	for _, row := range d.Rows() {
		if err := t.text(row[0], 26, muted, false, margin, y, left); err != nil {
			return nil, err
		}
		if err := t.text(row[1], 30, ink, false, margin+150, y, left); err != nil {
			return nil, err
		}
		y += 50
	}
	draw.Draw(img, image.Rect(margin, PNGHeight-96, PNGWidth-margin, PNGHeight-94), &image.Uniform{rule}, image.Point{}, draw.Src)
	if err := t.text("志愿者编号", 26, muted, false, margin, PNGHeight-40, left); err != nil {
		return nil, err
	}
	if err := t.text(d.VolunteerNo, 44, red, true, margin+150, PNGHeight-36, left); err != nil {
		return nil, err
	}
	if d.VerifyURL != "" {
		const qrSize, qrX, qrY = 260, PNGWidth - margin - 260, 165
		b, err := codes.QRPNG(d.VerifyURL, qrSize)
		if err != nil {
			return nil, fmt.Errorf("render card QR: %w", err)
		}
		qr, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("decode card QR: %w", err)
		}
		draw.Draw(img, image.Rect(qrX, qrY, qrX+qrSize, qrY+qrSize), qr, qr.Bounds().Min, draw.Src)
		if err := t.text("扫码核验真伪", 22, muted, false, qrX+qrSize/2, qrY+qrSize+32, center); err != nil {
			return nil, err
		}
		if err := t.text("校验码 "+d.CheckCode, 20, muted, false, qrX+qrSize/2, qrY+qrSize+62, center); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		return nil, fmt.Errorf("encode card png: %w", err)
	}
	return out.Bytes(), nil
}

// Alignments of typesetter.text.
const (
	left = iota
	center
)

// typesetter sets text that mixes Chinese and Latin script, each run in
// the font that has its glyphs (see pdf's writer).
type typesetter struct {
	img *image.RGBA
	cjk *opentype.Font
}

// text draws s at size px in c with its baseline at y, starting at x or
// centred on it; bold sets Latin runs in Go Bold.
func (t *typesetter) text(s string, size float64, c color.Color, bold bool, x, y, align int) error {
	latin := latinRegular
	if bold {
		latin = latinBold
	}
	faces := map[bool]font.Face{}
	for _, l := range []bool{true, false} {
		f := t.cjk
		if l {
			f = latin
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return fmt.Errorf("card font face: %w", err)
		}
		defer face.Close()
		faces[l] = face
	}
	runs := pdf.Runs(s)
	var width fixed.Int26_6
	for _, r := range runs {
		width += font.MeasureString(faces[r.Latin], r.Text)
	}
	dot := fixed.P(x, y)
	if align == center {
		dot.X -= width / 2
	}
	for _, r := range runs {
		d := font.Drawer{Dst: t.img, Src: image.NewUniform(c), Face: faces[r.Latin], Dot: dot}
		d.DrawString(r.Text)
		dot = d.Dot
	}
	return nil
}
