// Package pdf renders the platform's signed documents as one A4 page of
// PDF: service certificates (the fields the national rules ask for, the
// issuing org and handler) and volunteer cards (card.go), each with a QR
// code leading to its public verification page. Chinese text is set in a
// TrueType font with CJK glyphs (Debian's fonts-droid-fallback), which the
// PDF embeds as a subset of the glyphs used. That font has no Latin
// letters or digits, so runs of those are set in Helvetica, a PDF core
// font every reader has.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"yima/engine/codes"
)

// DefaultFont is where Debian's fonts-droid-fallback installs its
// TrueType font with CJK glyphs. (Noto CJK ships as CFF, which fpdf
// cannot embed.)
const DefaultFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// FontFamily is the family name the embedded font gets in the PDF.
const FontFamily = "DroidSansFallback"

// Document is what one certificate page shows.
type Document struct {
	// Number of the certificate; empty on a preview, which says the number
	// comes at issue.
	Number         string
	VolunteerName  string
	IDType         string
	IDNumberMasked string
	VolunteerNo    string
	ServiceSeconds int64
	ServiceContent string
	// ServiceFrom and ServiceUntil are days, YYYY-MM-DD.
	ServiceFrom  string
	ServiceUntil string
	IssuerName   string
	HandlerName  string
	IssuedOn     time.Time
	// CheckCode is the signature's short digest printed under the QR code.
	CheckCode string
	// VerifyURL is what the QR code holds; empty draws no QR code.
	VerifyURL string
	// Preview marks the page as a preview: a watermark, no number.
	Preview bool
}

// Font is the TrueType font with CJK glyphs, read from its file once, at
// first use, and shared by every renderer of the platform's documents:
// these PDFs and the volunteer card's PNG. It is safe for concurrent use.
type Font struct {
	file string
	once sync.Once
	b    []byte
	err  error
}

// NewFont returns the font at file (DefaultFont when empty). A missing
// file shows at the first Bytes, so a server without it still starts and
// serves everything else.
func NewFont(file string) *Font {
	if file == "" {
		file = DefaultFont
	}
	return &Font{file: file}
}

// Bytes returns the font file's bytes, shared: callers must not write
// into them. Errors: ErrNoFont when the file cannot be read.
func (f *Font) Bytes() ([]byte, error) {
	f.once.Do(func() {
		b, err := os.ReadFile(f.file)
		if err != nil {
			f.err = fmt.Errorf("%w: %v (install fonts-droid-fallback)", ErrNoFont, err)
			return
		}
		f.b = b
	})
	return f.b, f.err
}

// Renderer draws certificates and volunteer cards. It is safe for
// concurrent use.
type Renderer struct {
	font *Font
	// slots bounds concurrent renders: each parses the 4 MB font again
	// (fpdf keeps no parsed font between documents), some 50 ms of CPU
	// and 30 MB of garbage.
	slots chan struct{}
}

// New returns a Renderer using the TrueType font at fontFile (DefaultFont
// when empty); see NewFont.
func New(fontFile string) *Renderer {
	return NewWithFont(NewFont(fontFile))
}

// NewWithFont returns a Renderer using font.
func NewWithFont(font *Font) *Renderer {
	return &Renderer{font: font, slots: make(chan struct{}, maxConcurrent)}
}

// Font returns the renderer's font, for other renderers to share.
func (r *Renderer) Font() *Font { return r.font }

// maxConcurrent is how many documents render at once.
const maxConcurrent = 2

// ErrNoFont is returned by Render when the font file cannot be read.
var ErrNoFont = errors.New("pdf: certificate font missing")

// Page geometry, in millimetres.
const (
	pageW  = 210.0
	pageH  = 297.0
	margin = 18.0
	bodyW  = pageW - 2*margin
)

// Colours.
var (
	red   = [3]int{178, 34, 34}
	ink   = [3]int{33, 33, 33}
	muted = [3]int{110, 110, 110}
	rule  = [3]int{200, 200, 200}
)

// Render returns the certificate as a one-page A4 PDF.
func (r *Renderer) Render(d Document) ([]byte, error) {
	release, err := r.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	w, err := r.begin("志愿服务证明 "+d.Number, d.IssuedOn)
	if err != nil {
		return nil, err
	}
	f := w.f

	color := func(c [3]int) { f.SetTextColor(c[0], c[1], c[2]) }

	// A double frame in the certificate red.
	f.SetDrawColor(red[0], red[1], red[2])
	f.SetLineWidth(1.2)
	f.Rect(10, 10, pageW-20, pageH-20, "D")
	f.SetLineWidth(0.3)
	f.Rect(13, 13, pageW-26, pageH-26, "D")

	// Number, top right.
	w.size(10)
	color(muted)
	number := d.Number
	if d.Preview {
		number = "（签发时生成）"
	}
	w.cell(margin, 20, bodyW, 6, "证明编号："+number, "R")

	// Title.
	w.size(30)
	color(red)
	w.cell(margin, 34, bodyW, 14, "志 愿 服 务 证 明", "C")

	// The statement.
	w.size(13)
	color(ink)
	y := w.paragraph(margin+4, 60, bodyW-8, 8, statement(d))

	// The fields, as a table.
	y += 6
	rows := [][2]string{
		{"姓名", d.VolunteerName},
		{"证件类型", d.IDType},
		{"证件号码", d.IDNumberMasked},
		{"志愿者编号", d.VolunteerNo},
		{"服务时间", period(d.ServiceFrom, d.ServiceUntil)},
		{"服务时长", Hours(d.ServiceSeconds) + " 小时"},
		{"服务内容", d.ServiceContent},
		{"出具组织", d.IssuerName},
		{"经办人", d.HandlerName},
		{"出具日期", chineseDate(d.IssuedOn)},
	}
	const labelW, lineH, pad, maxValueLines = 34.0, 7.0, 2.0, 4
	valueW := bodyW - 8 - labelW - 2*pad
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetLineWidth(0.2)
	w.size(11)
	for _, row := range rows {
		lines := w.wrap(row[1], valueW)
		if len(lines) > maxValueLines {
			// Keep the page one page: the register holds the full text.
			lines = lines[:maxValueLines]
			last := []rune(lines[maxValueLines-1])
			lines[maxValueLines-1] = string(last[:max(len(last)-1, 0)]) + "…"
		}
		h := lineH * float64(max(len(lines), 1))
		f.Rect(margin+4, y, bodyW-8, h, "D")
		f.SetFillColor(248, 240, 240)
		f.Rect(margin+4, y, labelW, h, "FD")
		color(muted)
		w.cell(margin+4, y, labelW, h, row[0], "C")
		color(ink)
		for i, l := range lines {
			w.line(margin+4+labelW+pad, y+lineH*float64(i), valueW, lineH, l, "L")
		}
		y += h
	}

	// Issuer and date, bottom right, where a seal would go.
	w.size(13)
	color(ink)
	w.cell(pageW/2, 214, bodyW/2, 8, d.IssuerName, "C")
	w.cell(pageW/2, 222, bodyW/2, 8, chineseDate(d.IssuedOn), "C")

	// The QR code and check code, bottom left.
	if d.VerifyURL != "" {
		if err := qr(f, "qr", d.VerifyURL, margin+4, 206, 38); err != nil {
			return nil, fmt.Errorf("render certificate: %w", err)
		}
		w.size(9)
		color(muted)
		w.cell(margin+4, 245, 80, 5, "扫码核验真伪", "L")
		w.cell(margin+4, 250, 80, 5, "校验码："+d.CheckCode, "L")
	}

	// The footnote.
	w.size(8.5)
	color(muted)
	note := "本证明依据《志愿服务记录与证明出具办法（试行）》出具，由上海市志愿服务信息平台以国密 SM2 算法电子签名。" +
		"证件号码已按规定隐去部分数字。可扫描二维码，或凭证明编号和校验码在平台核验真伪。"
	if d.Preview {
		note = "本页为签发前预览，未经签名，不作为志愿服务证明使用。"
	}
	w.paragraph(margin+4, 262, bodyW-8, 4.5, note)

	if d.Preview {
		watermark(w)
	}
	return output(f, "certificate")
}

// acquire waits for a render slot and returns its release. Errors:
// ErrNoFont.
func (r *Renderer) acquire() (func(), error) {
	if _, err := r.font.Bytes(); err != nil {
		return nil, err
	}
	r.slots <- struct{}{}
	return func() { <-r.slots }, nil
}

// begin starts a one-page A4 document titled title, dated created (the
// epoch when zero, so that output does not depend on the clock), with the
// CJK font loaded.
func (r *Renderer) begin(title string, created time.Time) (*writer, error) {
	font, err := r.font.Bytes()
	if err != nil {
		return nil, err
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(true)
	f.SetCatalogSort(true)
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetTitle(title, true)
	f.SetCreator("一码做志愿", true)
	f.SetProducer("yima", true)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, margin)
	// fpdf writes into the font bytes it is given while it cuts the subset
	// it embeds, so each document gets its own copy (the race detector
	// caught two renders sharing one).
	f.AddUTF8FontFromBytes(FontFamily, "", bytes.Clone(font))
	f.AddPage()
	return &writer{f: f, latin: f.UnicodeTranslatorFromDescriptor("")}, nil
}

// output finishes f as PDF bytes; what names the document in errors.
func output(f *fpdf.Fpdf, what string) ([]byte, error) {
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("render %s: %w", what, err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("render %s: %w", what, err)
	}
	return buf.Bytes(), nil
}

// qr draws a QR code of text at x, y, size mm square; name keys the image
// in the document.
func qr(f *fpdf.Fpdf, name, text string, x, y, size float64) error {
	png, err := codes.QRPNG(text, 600)
	if err != nil {
		return fmt.Errorf("render QR: %w", err)
	}
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	f.RegisterImageOptionsReader(name, opt, bytes.NewReader(png))
	f.ImageOptions(name, x, y, size, size, false, opt, 0, "")
	return nil
}

// watermark lays 预览 across the page, faintly.
func watermark(w *writer) {
	const text = "预览 · 未签发"
	f := w.f
	w.size(72)
	f.SetTextColor(200, 200, 200)
	f.SetAlpha(0.35, "Normal")
	f.TransformBegin()
	f.TransformRotate(35, pageW/2, pageH/2)
	tw := w.width(text)
	w.cell(pageW/2-tw/2, pageH/2-15, tw, 30, text, "L")
	f.TransformEnd()
	f.SetAlpha(1, "Normal")
}

// writer sets text that mixes Chinese and Latin script: each run goes in
// the font that has its glyphs, and lines wrap between Chinese characters
// and between Latin words.
type writer struct {
	f *fpdf.Fpdf
	// latin turns UTF-8 into the core font's cp1252.
	latin func(string) string
	pt    float64
}

// latinFont is the core font for runs without Chinese characters.
const latinFont = "Helvetica"

// Run is text set in one font: Latin in the Latin font, the rest in the
// CJK font. The card's PNG sets text the same way.
type Run struct {
	Latin bool
	Text  string
}

// isLatin reports whether r is set in the Latin font: everything below the
// CJK blocks. Full-width punctuation (U+FF00…) and the CJK blocks are in
// the Chinese font.
func isLatin(r rune) bool { return r < 0x2E80 }

func (w *writer) size(pt float64) { w.pt = pt }

func (w *writer) use(latin bool) {
	if latin {
		w.f.SetFont(latinFont, "", w.pt)
	} else {
		w.f.SetFont(FontFamily, "", w.pt)
	}
}

// Runs splits s into runs of one font each.
func Runs(s string) []Run {
	var out []Run
	for _, r := range s {
		l := isLatin(r)
		if n := len(out); n > 0 && out[n-1].Latin == l {
			out[n-1].Text += string(r)
			continue
		}
		out = append(out, Run{Latin: l, Text: string(r)})
	}
	return out
}

func (w *writer) runWidth(r Run) float64 {
	w.use(r.Latin)
	if r.Latin {
		return w.f.GetStringWidth(w.latin(r.Text))
	}
	return w.f.GetStringWidth(r.Text)
}

// width is how wide s is set at the current size.
func (w *writer) width(s string) float64 {
	var n float64
	for _, r := range Runs(s) {
		n += w.runWidth(r)
	}
	return n
}

// wrap breaks s into lines no wider than max: at newlines, between Chinese
// characters and at spaces between Latin words; a Latin word wider than a
// line is cut where it must be.
func (w *writer) wrap(s string, max float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line strings.Builder
		lineW := 0.0
		for _, tok := range tokens(para) {
			tw := w.width(tok)
			if lineW+tw > max && line.Len() > 0 {
				lines = append(lines, strings.TrimRight(line.String(), " "))
				line.Reset()
				lineW = 0
				if tok == " " {
					continue
				}
			}
			for tw > max && len([]rune(tok)) > 1 { // a word longer than a line
				cut := []rune(tok)
				n := len(cut)
				for n > 1 && w.width(string(cut[:n])) > max {
					n--
				}
				lines = append(lines, string(cut[:n]))
				tok = string(cut[n:])
				tw = w.width(tok)
			}
			line.WriteString(tok)
			lineW += tw
		}
		lines = append(lines, strings.TrimRight(line.String(), " "))
	}
	return lines
}

// tokens splits text into what lines break between: single Chinese
// characters, Latin words and single spaces.
func tokens(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			flush()
			out = append(out, " ")
		case isLatin(r):
			word.WriteRune(r)
		default:
			flush()
			out = append(out, string(r))
		}
	}
	flush()
	return out
}

// line draws one line in the box at x, y, w wide and h high, aligned L, C
// or R, without wrapping.
func (w *writer) line(x, y, width, h float64, s, align string) {
	total := w.width(s)
	switch align {
	case "C":
		x += (width - total) / 2
	case "R":
		x += width - total
	}
	for _, r := range Runs(s) {
		rw := w.runWidth(r) // selects the run's font
		text := r.Text
		if r.Latin {
			text = w.latin(text)
		}
		w.f.SetXY(x, y)
		w.f.CellFormat(rw, h, text, "", 0, "L", false, 0, "")
		x += rw
	}
}

// cell draws s on one line; see line.
func (w *writer) cell(x, y, width, h float64, s, align string) { w.line(x, y, width, h, s, align) }

// paragraph draws s wrapped to width with lines lineH apart from y on, and
// returns the y below its last line.
func (w *writer) paragraph(x, y, width, lineH float64, s string) float64 {
	for _, l := range w.wrap(s, width) {
		w.line(x, y, width, lineH, l, "L")
		y += lineH
	}
	return y
}

// maxStatedContent is the longest service content the statement repeats;
// longer content is left to the table below it.
const maxStatedContent = 60

// statement is the certificate's sentence.
func statement(d Document) string {
	content := d.ServiceContent
	if utf8.RuneCountInString(content) > maxStatedContent {
		content = "服务内容详见下表"
	}
	var b strings.Builder
	b.WriteString("　　兹证明 " + d.VolunteerName + "（" + d.IDType + "号码：" + d.IDNumberMasked +
		"，志愿者编号：" + d.VolunteerNo + "）于 " + period(d.ServiceFrom, d.ServiceUntil) +
		" 在 " + d.IssuerName + " 组织的志愿服务中，" + content +
		"，累计志愿服务时长 " + Hours(d.ServiceSeconds) + " 小时。")
	b.WriteString("\n　　特此证明。")
	return b.String()
}

// Hours formats seconds as hours with at most two decimals, trailing zeros
// dropped: 5400 → "1.5", 3600 → "1", 100 → "0.03".
func Hours(seconds int64) string {
	// Hundredths of an hour, rounded half up.
	h := (seconds*100 + 1800) / 3600
	s := strconv.FormatInt(h/100, 10)
	if frac := h % 100; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", frac), "0")
	}
	return s
}

// period formats two days (YYYY-MM-DD) as a Chinese date range.
func period(from, until string) string {
	a, errA := time.Parse(time.DateOnly, from)
	b, errB := time.Parse(time.DateOnly, until)
	if errA != nil || errB != nil {
		return from + " 至 " + until
	}
	if a.Equal(b) {
		return chineseDate(a)
	}
	return chineseDate(a) + " 至 " + chineseDate(b)
}

// chineseDate formats t's day (as it is, no zone change) as 2026年5月1日.
func chineseDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006年1月2日")
}
