package main

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"connectrpc.com/connect"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
	"yima/sensitive"
	"yima/services/identity/idnumber"
	"yima/services/volunteer/card"
)

// cards returns a CardService client sending g's token.
func (g golden) cards() volunteerv1connect.CardServiceClient {
	return volunteerv1connect.NewCardServiceClient(g.s.client(g.token), g.s.URL)
}

// TestVolunteerCard drives the 上海市志愿者证 (V1) end to end: registering
// issues the card, signed and queued for the e-license library; the
// volunteer downloads it as PNG and PDF through ticketed links (or with
// their token), anyone verifies it from its QR code, until a stored field
// is changed; staff find it in the archive; and a volunteer written
// without a card (as the demo writes them) gets one on opening it.
func TestVolunteerCard(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	ids := newCitizens(5101)
	pool := s.pool(t)

	idNo := ids.next()
	g := s.citizen(t, idNo, "沈佳怡")
	if _, err := g.cards().GetMyCard(t.Context(), connect.NewRequest(&volunteerv1.GetMyCardRequest{})); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("a citizen's GetMyCard = %v, want permission denied", err)
	}
	v := g.register(t)
	res, err := g.cards().GetMyCard(t.Context(), connect.NewRequest(&volunteerv1.GetMyCardRequest{}))
	checkErr(t, "GetMyCard", err, 0, "")
	c := res.Msg.Card
	num, err := idnumber.Parse(idNo)
	if err != nil {
		t.Fatal(err)
	}
	gender := map[bool]string{true: "男", false: "女"}[num.Male()]
	if c.VolunteerId != v.Id || c.VolunteerNo != v.VolunteerNo || c.Name != "沈佳怡" || c.Gender != gender ||
		c.BirthDate != num.BirthDate().Format("2006-01-02") || c.IdNumberMasked != v.IdNumberMasked || c.Issuer != card.Issuer ||
		c.Signature == "" || len(c.CheckCode) != 16 || !strings.HasSuffix(c.VerifyUrl, card.VerifyPath+c.VolunteerNo+"?s="+c.CheckCode) {
		t.Errorf("card = %v", c)
	}
	if st := res.Msg.Sync.GetState(); st != "pending" && st != "synced" {
		t.Errorf("e-license sync = %v, want pending or synced", res.Msg.Sync)
	}

	// Downloads: by ticket, as a browser opens them, or with the token.
	for _, tc := range []struct {
		name, path, token, ctype string
	}{
		{"图片链接", res.Msg.PngUrl, "", "image/png"},
		{"PDF链接", res.Msg.PdfUrl, "", "application/pdf"},
		{"令牌下载图片", card.DownloadPath + v.Id + ".png", g.token, "image/png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ctype, body := s.get(t, tc.path, tc.token)
			if status != 200 || ctype != tc.ctype {
				t.Fatalf("GET %s = %d %s: %s", tc.path, status, ctype, body[:min(len(body), 200)])
			}
			if tc.ctype == "application/pdf" {
				if !bytes.HasPrefix(body, []byte("%PDF-")) {
					t.Errorf("PDF starts %q", body[:min(len(body), 8)])
				}
				return
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil || img.Bounds().Dx() != card.PNGWidth || img.Bounds().Dy() != card.PNGHeight {
				t.Errorf("PNG %v, %v; want %dx%d", img.Bounds(), err, card.PNGWidth, card.PNGHeight)
			}
		})
	}
	other := s.citizen(t, ids.next(), "韩梅")
	otherVol := other.register(t)
	for _, tc := range []struct {
		name, path, token string
		status            int
	}{
		{"无票据无令牌", card.DownloadPath + v.Id + ".pdf", "", 401},
		{"别人的票据", strings.Replace(res.Msg.PdfUrl, v.Id, otherVol.Id, 1), "", 403},
		{"别人的证", card.DownloadPath + otherVol.Id + ".png", g.token, 403},
		{"没有这种格式", card.DownloadPath + v.Id + ".gif", g.token, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, _, body := s.get(t, tc.path, tc.token); status != tc.status {
				t.Errorf("GET %s = %d (%s), want %d", tc.path, status, body, tc.status)
			}
		})
	}

	// Anyone verifies it from the QR code, by RPC or on the page.
	anon := s.as("")
	verify := func(no, code string) *volunteerv1.VerifyCardResponse {
		t.Helper()
		res, err := anon.cards().VerifyCard(t.Context(), connect.NewRequest(&volunteerv1.VerifyCardRequest{VolunteerNo: no, CheckCode: code}))
		checkErr(t, "VerifyCard", err, 0, "")
		return res.Msg
	}
	if got := verify(c.VolunteerNo, c.CheckCode); !got.Valid || got.Card.GetName() != sensitive.MaskName("沈佳怡") || got.Card.GetSignature() != "" {
		t.Errorf("VerifyCard = %v, want valid, name masked, no signature", got)
	}
	if got := verify(c.VolunteerNo, strings.Repeat("0", 16)); got.Valid || got.Reason != "CARD_NOT_FOUND" || got.Card != nil {
		t.Errorf("VerifyCard with a wrong code = %v, want CARD_NOT_FOUND", got)
	}
	page := strings.TrimPrefix(c.VerifyUrl, s.URL)
	if status, ctype, body := s.get(t, page, ""); status != 200 || !strings.HasPrefix(ctype, "text/html") ||
		!bytes.Contains(body, []byte(`data-verdict="valid"`)) || !bytes.Contains(body, []byte(c.VolunteerNo)) {
		t.Errorf("GET %s = %d %s:\n%s", page, status, ctype, body)
	}
	if _, err := pool.Exec(t.Context(), `UPDATE volunteer.card SET name = '沈佳' WHERE volunteer_id = $1`, v.Id); err != nil {
		t.Fatal(err)
	}
	if got := verify(c.VolunteerNo, c.CheckCode); got.Valid || got.Reason != "SIGNATURE_INVALID" {
		t.Errorf("VerifyCard after a change = %v, want SIGNATURE_INVALID", got)
	}
	if status, _, body := s.get(t, page, ""); status != 200 || !bytes.Contains(body, []byte(`data-verdict="invalid"`)) {
		t.Errorf("GET %s after a change = %d:\n%s", page, status, body)
	}

	// The archive: staff with the permission find it; a volunteer may not list.
	admin := s.staff(t, "admin")
	list, err := admin.cards().ListCards(t.Context(), connect.NewRequest(&volunteerv1.ListCardsRequest{VolunteerNo: c.VolunteerNo}))
	checkErr(t, "ListCards", err, 0, "")
	if rows := list.Msg.Cards; len(rows) != 1 || rows[0].Card.VolunteerId != v.Id || rows[0].Card.Signature != "" || rows[0].Sync.GetState() == "" {
		t.Errorf("ListCards = %v, want the card with its sync", rows)
	}
	_, err = g.cards().ListCards(t.Context(), connect.NewRequest(&volunteerv1.ListCardsRequest{}))
	checkErr(t, "a volunteer's ListCards", err, connect.CodePermissionDenied, "PERMISSION_DENIED")

	// A volunteer written the way the demo writes them has no card until
	// they open it (or the backfill at the next start reaches them).
	demoLike := s.citizen(t, ids.next(), "顾一鸣")
	if _, err := pool.Exec(t.Context(), `
WITH p AS (SELECT id FROM identity.person WHERE name = '顾一鸣'),
     v AS (INSERT INTO volunteer.volunteer (person_id, volunteer_no) SELECT id, volunteer.next_volunteer_no() FROM p)
INSERT INTO identity.account (person_id, kind) SELECT id, 'volunteer' FROM p`); err != nil {
		t.Fatal(err)
	}
	vol := demoLike.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER, "")
	lazy, err := vol.cards().GetMyCard(t.Context(), connect.NewRequest(&volunteerv1.GetMyCardRequest{}))
	checkErr(t, "GetMyCard of a volunteer without a card", err, 0, "")
	if lazy.Msg.Card.Name != "顾一鸣" || lazy.Msg.Sync.GetState() == "" {
		t.Errorf("lazily issued card = %v, sync %v", lazy.Msg.Card, lazy.Msg.Sync)
	}
}
