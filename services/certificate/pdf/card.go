package pdf

import (
	"fmt"
	"time"
)

// CardTitle is the name of the volunteer card.
const CardTitle = "上海市志愿者证"

// CardDocument is what a volunteer card shows, on its PNG and its PDF.
type CardDocument struct {
	VolunteerNo    string
	Name           string
	Gender         string
	IDNumberMasked string
	// BirthDate, RegisteredOn and IssuedOn are days, YYYY-MM-DD.
	BirthDate    string
	RegisteredOn string
	Issuer       string
	IssuedOn     string
	// CheckCode is the signature's short digest printed under the QR code.
	CheckCode string
	// VerifyURL is what the QR code holds.
	VerifyURL string
}

// Rows are the card's fields in the order printed, label and value.
func (d CardDocument) Rows() [][2]string {
	return [][2]string{
		{"姓　　名", d.Name},
		{"性　　别", d.Gender},
		{"出生日期", chineseDay(d.BirthDate)},
		{"证件号码", d.IDNumberMasked},
		{"注册日期", chineseDay(d.RegisteredOn)},
		{"发证机构", d.Issuer},
		{"发证日期", chineseDay(d.IssuedOn)},
	}
}

// CardNote is the footnote under the card.
const CardNote = "本证由上海市志愿服务信息平台以国密 SM2 算法电子签名，并同步至上海市电子证照库。" +
	"证件号码已按规定隐去部分数字。可扫描二维码，或凭志愿者编号和校验码在平台核验真伪。"

// Card geometry on the A4 page, in millimetres: the card at twice the
// size of an ID-1 card (85.6 × 54 mm), centred near the top.
const (
	cardW = 171.2
	cardH = 108.0
	cardX = (pageW - cardW) / 2
	cardY = 30.0
)

// RenderCard returns the volunteer card as a one-page A4 PDF: the card
// drawn at twice its size with its fields, number and verification QR
// code, and a note below.
func (r *Renderer) RenderCard(d CardDocument) ([]byte, error) {
	release, err := r.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	issued, _ := time.Parse(time.DateOnly, d.IssuedOn)
	w, err := r.begin(CardTitle+" "+d.VolunteerNo, issued)
	if err != nil {
		return nil, err
	}
	f := w.f
	color := func(c [3]int) { f.SetTextColor(c[0], c[1], c[2]) }

	// The card: a rounded frame and a red band with the title.
	f.SetDrawColor(red[0], red[1], red[2])
	f.SetLineWidth(0.6)
	f.SetFillColor(255, 250, 246)
	f.RoundedRect(cardX, cardY, cardW, cardH, 5, "1234", "FD")
	f.SetFillColor(red[0], red[1], red[2])
	f.RoundedRect(cardX, cardY, cardW, 22, 5, "12", "F")
	w.size(22)
	f.SetTextColor(255, 255, 255)
	w.cell(cardX, cardY+3, cardW, 11, "上 海 市 志 愿 者 证", "C")
	w.size(8)
	w.cell(cardX, cardY+14, cardW, 5, "SHANGHAI VOLUNTEER CARD", "C")

	// The fields, left.
	x, y := cardX+10, cardY+28
	for _, row := range d.Rows() {
		w.size(10)
		color(muted)
		w.cell(x, y, 24, 8, row[0], "L")
		w.size(12)
		color(ink)
		w.cell(x+26, y, 80, 8, row[1], "L")
		y += 9
	}

	// The number, along the bottom.
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetLineWidth(0.2)
	f.Line(cardX+8, cardY+cardH-17, cardX+cardW-8, cardY+cardH-17)
	w.size(10)
	color(muted)
	w.cell(cardX+10, cardY+cardH-14, 30, 10, "志愿者编号", "L")
	w.size(18)
	color(red)
	w.cell(cardX+34, cardY+cardH-14, 80, 10, d.VolunteerNo, "L")

	// The QR code, right.
	if d.VerifyURL != "" {
		if err := qr(f, "qr", d.VerifyURL, cardX+cardW-52, cardY+30, 42); err != nil {
			return nil, fmt.Errorf("render card: %w", err)
		}
		w.size(8.5)
		color(muted)
		w.cell(cardX+cardW-52, cardY+73, 42, 4.5, "扫码核验真伪", "C")
		w.cell(cardX+cardW-52, cardY+77.5, 42, 4.5, "校验码 "+d.CheckCode, "C")
	}

	w.size(9)
	color(muted)
	w.paragraph(cardX, cardY+cardH+8, cardW, 5, CardNote)
	return output(f, "card")
}

// chineseDay formats a YYYY-MM-DD day as 2026年5月1日; other text as it is.
func chineseDay(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return chineseDate(t)
}
