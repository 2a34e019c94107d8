package rpc

import (
	"context"
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	"yima/fault"
	"yima/paging"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
	"yima/services/elicense"
	"yima/services/volunteer/card"
)

// cardHandler serves CardService over the volunteer card use cases.
type cardHandler struct {
	svc *card.Service
}

var _ volunteerv1connect.CardServiceHandler = (*cardHandler)(nil)

func (h *cardHandler) GetMyCard(ctx context.Context, _ *connect.Request[volunteerv1.GetMyCardRequest]) (*connect.Response[volunteerv1.GetMyCardResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	c, sync, err := h.svc.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	pngURL, pdfURL, exp, err := h.svc.Links(ctx, p)
	if err != nil {
		return nil, err
	}
	out := cardToProto(c)
	out.Signature = hex.EncodeToString(c.Signature)
	return connect.NewResponse(&volunteerv1.GetMyCardResponse{
		Card: out, Sync: syncToProto(sync), PngUrl: pngURL, PdfUrl: pdfURL, ExpiresAt: timestamppb.New(exp),
	}), nil
}

func (h *cardHandler) VerifyCard(ctx context.Context, req *connect.Request[volunteerv1.VerifyCardRequest]) (*connect.Response[volunteerv1.VerifyCardResponse], error) {
	v, err := h.svc.Verify(ctx, req.Msg.VolunteerNo, req.Msg.CheckCode)
	if err != nil {
		return nil, err
	}
	out := &volunteerv1.VerifyCardResponse{Valid: v.Valid, Reason: v.Reason}
	if v.Card != nil {
		out.Card = cardToProto(*v.Card)
	}
	return connect.NewResponse(out), nil
}

func (h *cardHandler) ListCards(ctx context.Context, req *connect.Request[volunteerv1.ListCardsRequest]) (*connect.Response[volunteerv1.ListCardsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	pg, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	rows, next, err := h.svc.List(ctx, p, card.ListFilter{
		NameContains: m.NameContains, VolunteerNo: m.VolunteerNo, DistrictCode: m.DistrictCode, Page: pg,
	})
	if err != nil {
		return nil, err
	}
	out := &volunteerv1.ListCardsResponse{NextPageToken: next, Cards: make([]*volunteerv1.CardRow, 0, len(rows))}
	for _, r := range rows {
		out.Cards = append(out.Cards, &volunteerv1.CardRow{
			Card: cardToProto(r.Card), DistrictCode: r.DistrictCode, Sync: syncToProto(r.Sync),
		})
	}
	return connect.NewResponse(out), nil
}

// cardToProto converts a card, without its signature (GetMyCard adds it).
func cardToProto(c card.Card) *volunteerv1.Card {
	return &volunteerv1.Card{
		VolunteerId: c.VolunteerID.String(), VolunteerNo: c.VolunteerNo, Name: c.Name, Gender: c.Gender,
		BirthDate: c.BirthDate, IdNumberMasked: c.IDNumberMasked, RegisteredOn: c.RegisteredOn, Issuer: c.Issuer,
		IssuedOn: c.IssuedOn, IssuedAt: timestamppb.New(c.IssuedAt), KeyId: uint32(c.KeyID),
		CheckCode: c.CheckCode, VerifyUrl: c.VerifyURL,
	}
}

func syncToProto(s elicense.Status) *volunteerv1.LicenseSync {
	return &volunteerv1.LicenseSync{
		State: s.State, LicenseId: s.LicenseID, Attempts: int32(s.Attempts), LastError: s.LastError,
		SyncedAt: optionalTime(s.SyncedAt),
	}
}

// ---- card downloads and the public verification page ----

// cardRoutes serves, beside CardService:
//
//	GET /cards/{volunteer id}.png   the card as an image
//	GET /cards/{volunteer id}.pdf   the card as a PDF
//	GET /verify/card/{number}?s={check code}   the public verification page
//
// As with certificates, a browser opening a link sends no Authorization
// header, so the downloads take a ticket (?ticket=…, from GetMyCard, good
// for that one file for card.TicketTTL) or, for programs, the holder's
// bearer token.
type cardRoutes struct {
	routeAuth
	svc *card.Service
	log *slog.Logger
}

// cardPermission is what a bearer token must hold for the downloads, as
// for GetMyCard.
const cardPermission = "volunteer:card:show"

func (c *cardRoutes) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+card.DownloadPath+"{file}", c.download)
	mux.HandleFunc("GET "+card.VerifyPath+"{number}", c.verify)
}

func (c *cardRoutes) download(w http.ResponseWriter, r *http.Request) {
	name, ext, _ := strings.Cut(r.PathValue("file"), ".")
	format, ok := map[string]card.Format{"png": card.PNG, "pdf": card.PDF}[ext]
	if !ok {
		c.fail(w, r, fault.New(fault.NotFound, "NOT_FOUND", "没有这个文件"))
		return
	}
	id, err := parseID("id", name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var body []byte
	var cd card.Card
	if t := r.URL.Query().Get("ticket"); t != "" {
		body, cd, err = c.svc.RenderByTicket(r.Context(), id, format, t)
	} else {
		var p *access.Principal
		if p, err = c.bearer(r, cardPermission, certificateTicketMissing); err == nil {
			body, cd, err = c.svc.Render(access.With(r.Context(), p), p, id, format)
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	h := w.Header()
	privateHeaders(h)
	if format == card.PDF {
		// No Content-Security-Policy: see certificateRoutes.sendPDF.
		h.Set("Content-Type", "application/pdf")
	} else {
		h.Set("Content-Type", "image/png")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	}
	disposition(h, r, "volunteer-card-"+cd.VolunteerNo+"."+format.Ext())
	_, _ = w.Write(body)
}

func (c *cardRoutes) verify(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	v, err := c.svc.Verify(r.Context(), number, r.URL.Query().Get("s"))
	if err != nil {
		c.log.ErrorContext(r.Context(), "verify card", "request_id", RequestID(r.Context()), "err", err)
		v = card.Verdict{}
	}
	data := map[string]any{"Number": number, "Valid": v.Valid, "Style": template.CSS(verifyStyle), "Card": v.Card}
	switch {
	case err != nil:
		data["Why"] = "暂时无法核验，请稍后再试。"
	case v.Reason == "CARD_NOT_FOUND":
		data["Why"] = "未找到与该编号和校验码相符的志愿者证。请核对志愿者编号和校验码，或重新扫描二维码。"
	case !v.Valid:
		data["Why"] = "该志愿者证的内容与平台签名不符，可能已被篡改，请勿采信。"
	}
	if err := sendVerifyPage(w, cardVerifyPage, data, err != nil || v.Reason == "CARD_NOT_FOUND"); err != nil {
		c.fail(w, r, err)
	}
}

func (c *cardRoutes) fail(w http.ResponseWriter, r *http.Request, err error) {
	failRoute(c.log, "card route", w, r, err)
}

// cardVerifyPage is the verification page of a card, in the style of the
// certificates' (verifyStyle, verifyCSP).
var cardVerifyPage = template.Must(template.New("verify-card").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>上海市志愿者证核验</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>上海市志愿者证核验</h1>
{{if .Valid}}<section class="verdict ok" data-verdict="valid"><strong>有效</strong><p>该志愿者证由平台登记发放，内容与平台签名一致。</p></section>
{{else}}<section class="verdict bad" data-verdict="invalid"><strong>无效</strong><p>{{.Why}}</p></section>{{end}}
{{with .Card}}<dl>
<dt>志愿者编号</dt><dd>{{.VolunteerNo}}</dd>
<dt>姓名</dt><dd>{{.Name}}</dd>
<dt>性别</dt><dd>{{.Gender}}</dd>
<dt>证件号码</dt><dd>{{.IDNumberMasked}}</dd>
<dt>注册日期</dt><dd>{{.RegisteredOn}}</dd>
<dt>发证机构</dt><dd>{{.Issuer}}</dd>
<dt>发证日期</dt><dd>{{.IssuedOn}}</dd>
</dl>{{else}}<dl><dt>志愿者编号</dt><dd>{{.Number}}</dd></dl>{{end}}
<footer>上海市志愿服务信息平台 · 一码做志愿<br>志愿者证以国密 SM2 算法签名，个人信息已部分隐去。</footer>
</main>
</body>
</html>
`))
