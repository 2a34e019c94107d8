package rpc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	"yima/fault"
	"yima/paging"
	certificatev1 "yima/rpc/gen/yima/certificate/v1"
	"yima/rpc/gen/yima/certificate/v1/certificatev1connect"
	"yima/services/certificate"
	"yima/services/certificate/pdf"
)

// certificateHandler serves CertificateService over the certificate use
// cases.
type certificateHandler struct {
	svc *certificate.Service
}

var _ certificatev1connect.CertificateServiceHandler = (*certificateHandler)(nil)

func (h *certificateHandler) ApplyCertificate(ctx context.Context, req *connect.Request[certificatev1.ApplyCertificateRequest]) (*connect.Response[certificatev1.ApplyCertificateResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	project, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.Apply(ctx, p, project, req.Msg.Note)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&certificatev1.ApplyCertificateResponse{Application: applicationToProto(a)}), nil
}

func (h *certificateHandler) ListMyCertificateApplications(ctx context.Context, req *connect.Request[certificatev1.ListMyCertificateApplicationsRequest]) (*connect.Response[certificatev1.ListMyCertificateApplicationsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	rows, next, err := h.svc.ListMine(ctx, p, pg)
	if err != nil {
		return nil, err
	}
	out := &certificatev1.ListMyCertificateApplicationsResponse{NextPageToken: next, Applications: make([]*certificatev1.CertificateApplication, 0, len(rows))}
	for _, a := range rows {
		out.Applications = append(out.Applications, applicationToProto(a))
	}
	return connect.NewResponse(out), nil
}

func (h *certificateHandler) ListCertificateApplications(ctx context.Context, req *connect.Request[certificatev1.ListCertificateApplicationsRequest]) (*connect.Response[certificatev1.ListCertificateApplicationsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	org, err := optionalID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	status, ok := applicationStatuses[m.Status]
	if !ok {
		return nil, fault.InvalidField("status", "STATUS_INVALID", "申请状态无效")
	}
	pg, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	rows, next, err := h.svc.ListOrg(ctx, p, org, status, pg)
	if err != nil {
		return nil, err
	}
	out := &certificatev1.ListCertificateApplicationsResponse{NextPageToken: next, Applications: make([]*certificatev1.CertificateApplication, 0, len(rows))}
	for _, a := range rows {
		out.Applications = append(out.Applications, applicationToProto(a))
	}
	return connect.NewResponse(out), nil
}

func (h *certificateHandler) GetCertificateApplication(ctx context.Context, req *connect.Request[certificatev1.GetCertificateApplicationRequest]) (*connect.Response[certificatev1.GetCertificateApplicationResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("application_id", req.Msg.ApplicationId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.Detail(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out := &certificatev1.CertificateApplicationDetail{
		Application: applicationToProto(d.Application), VolunteerName: d.VolunteerName, VolunteerNo: d.VolunteerNo,
		IdType: d.IDType, IdNumberMasked: d.IDNumberMasked, ProjectStartTime: timestamppb.New(d.ProjectStart),
		ProjectEndTime: timestamppb.New(d.ProjectEnd), ProjectAddress: d.ProjectAddress, Positions: d.Positions,
	}
	for _, r := range d.Records {
		out.Records = append(out.Records, &certificatev1.CertificateServiceLine{
			PositionName: r.PositionName, StartedAt: timestamppb.New(r.StartedAt), EndedAt: timestamppb.New(r.EndedAt),
			DurationSeconds: r.DurationSeconds,
		})
	}
	for _, r := range d.Ratings {
		out.Ratings = append(out.Ratings, &certificatev1.CertificateRating{Dimension: r.Dimension, Score: r.Score})
	}
	return connect.NewResponse(&certificatev1.GetCertificateApplicationResponse{Detail: out, CanIssue: d.CanIssue}), nil
}

func (h *certificateHandler) PreviewCertificate(ctx context.Context, req *connect.Request[certificatev1.PreviewCertificateRequest]) (*connect.Response[certificatev1.PreviewCertificateResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("application_id", req.Msg.ApplicationId)
	if err != nil {
		return nil, err
	}
	link, exp, err := h.svc.PreviewLink(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&certificatev1.PreviewCertificateResponse{PdfUrl: link, ExpiresAt: timestamppb.New(exp)}), nil
}

func (h *certificateHandler) IssueCertificate(ctx context.Context, req *connect.Request[certificatev1.IssueCertificateRequest]) (*connect.Response[certificatev1.IssueCertificateResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("application_id", req.Msg.ApplicationId)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Issue(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&certificatev1.IssueCertificateResponse{Certificate: certificateToProto(c)}), nil
}

func (h *certificateHandler) RejectCertificateApplication(ctx context.Context, req *connect.Request[certificatev1.RejectCertificateApplicationRequest]) (*connect.Response[certificatev1.RejectCertificateApplicationResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("application_id", req.Msg.ApplicationId)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.Reject(ctx, p, id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&certificatev1.RejectCertificateApplicationResponse{Application: applicationToProto(a)}), nil
}

func (h *certificateHandler) ListIssuedCertificates(ctx context.Context, req *connect.Request[certificatev1.ListIssuedCertificatesRequest]) (*connect.Response[certificatev1.ListIssuedCertificatesResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	org, err := optionalID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	f := certificate.RegisterFilter{OrgID: org, NumberPrefix: m.NumberPrefix, Page: pg}
	if m.IssuedFrom != nil {
		f.From = m.IssuedFrom.AsTime()
	}
	if m.IssuedUntil != nil {
		f.Until = m.IssuedUntil.AsTime()
	}
	rows, next, err := h.svc.Register(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &certificatev1.ListIssuedCertificatesResponse{NextPageToken: next, Certificates: make([]*certificatev1.Certificate, 0, len(rows))}
	for _, c := range rows {
		out.Certificates = append(out.Certificates, certificateToProto(c))
	}
	return connect.NewResponse(out), nil
}

func (h *certificateHandler) GetCertificateLinks(ctx context.Context, req *connect.Request[certificatev1.GetCertificateLinksRequest]) (*connect.Response[certificatev1.GetCertificateLinksResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("certificate_id", req.Msg.CertificateId)
	if err != nil {
		return nil, err
	}
	pdfURL, verifyURL, exp, err := h.svc.Links(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&certificatev1.GetCertificateLinksResponse{
		PdfUrl: pdfURL, VerifyUrl: verifyURL, ExpiresAt: timestamppb.New(exp),
	}), nil
}

func (h *certificateHandler) VerifyCertificate(ctx context.Context, req *connect.Request[certificatev1.VerifyCertificateRequest]) (*connect.Response[certificatev1.VerifyCertificateResponse], error) {
	v, err := h.svc.Verify(ctx, req.Msg.Number, req.Msg.CheckCode)
	if err != nil {
		return nil, err
	}
	out := &certificatev1.VerifyCertificateResponse{Valid: v.Valid, Reason: v.Reason}
	if v.Certificate != nil {
		out.Certificate = certificateToProto(*v.Certificate)
	}
	return connect.NewResponse(out), nil
}

var applicationStatuses = map[certificatev1.CertificateApplicationStatus]certificate.Status{
	certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_UNSPECIFIED: "",
	certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_PENDING:     certificate.StatusPending,
	certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_ISSUED:      certificate.StatusIssued,
	certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_REJECTED:    certificate.StatusRejected,
}

func applicationToProto(a certificate.Application) *certificatev1.CertificateApplication {
	out := &certificatev1.CertificateApplication{
		Id: a.ID.String(), VolunteerId: a.VolunteerID.String(), VolunteerNameMasked: a.VolunteerNameMasked,
		ProjectId: a.ProjectID.String(), ProjectTitle: a.ProjectTitle, OrgId: a.OrgID.String(), OrgName: a.OrgName,
		Note: a.Note, RejectReason: a.RejectReason, CreatedAt: timestamppb.New(a.CreatedAt), DecidedAt: optionalTime(a.DecidedAt),
		RecordCount: a.RecordCount, ServiceSeconds: a.ServiceSeconds, CertificateNumber: a.CertificateNumber,
	}
	if a.CertificateID != uuid.Nil {
		out.CertificateId = a.CertificateID.String()
	}
	for k, v := range applicationStatuses {
		if v == a.Status && v != "" {
			out.Status = k
		}
	}
	return out
}

func certificateToProto(c certificate.Certificate) *certificatev1.Certificate {
	return &certificatev1.Certificate{
		Id: c.ID.String(), Number: c.Number, ApplicationId: c.ApplicationID.String(), VolunteerId: c.VolunteerID.String(),
		ProjectId: c.ProjectID.String(), OrgId: c.OrgID.String(), VolunteerName: c.VolunteerName, IdType: c.IDType,
		IdNumberMasked: c.IDNumberMasked, VolunteerNo: c.VolunteerNo, ServiceSeconds: c.ServiceSeconds,
		ServiceContent: c.ServiceContent, ServiceFrom: c.ServiceFrom, ServiceUntil: c.ServiceUntil,
		IssuerName: c.IssuerName, HandlerName: c.HandlerName, IssuedOn: c.IssuedOn, IssuedAt: timestamppb.New(c.IssuedAt),
		KeyId: uint32(c.KeyID), CheckCode: c.CheckCode, VerifyUrl: c.VerifyURL,
	}
}

// ---- certificate downloads and the public verification page ----

// certificateRoutes serves, beside CertificateService:
//
//	GET /certificates/{id}.pdf                        the certificate
//	GET /certificates/applications/{id}/preview.pdf   a preview before issuing
//	GET /verify/certificate/{number}?s={check code}   the public verification page
//
// As with the project code routes, a browser opening a link sends no
// Authorization header, so the PDF routes take a ticket (?ticket=…, from
// GetCertificateLinks or PreviewCertificate, good for that one file for
// certificate.TicketTTL) or, for programs, a bearer token; the service
// decides who may see what. A session token is never accepted in the URL.
type certificateRoutes struct {
	routeAuth
	svc *certificate.Service
	log *slog.Logger
}

// previewPermission is what a bearer token must hold for the preview, as
// for PreviewCertificate.
const previewPermission = "org:certificate:list"

// certificateTicketMissing answers a browser that opened a download link
// without its ticket.
const certificateTicketMissing = "链接缺少凭证，请重新打开"

func (c *certificateRoutes) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+certificate.PDFPath+"{file}", c.certificatePDF)
	mux.HandleFunc("GET "+certificate.PreviewPath+"{id}/preview.pdf", c.previewPDF)
	mux.HandleFunc("GET "+certificate.VerifyPath+"{number}", c.verify)
}

func (c *certificateRoutes) certificatePDF(w http.ResponseWriter, r *http.Request) {
	idText, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if !ok {
		c.fail(w, r, fault.New(fault.NotFound, "NOT_FOUND", "没有这个文件"))
		return
	}
	id, err := parseID("id", idText)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var body []byte
	var cert certificate.Certificate
	if t := r.URL.Query().Get("ticket"); t != "" {
		body, cert, err = c.svc.PDFByTicket(r.Context(), id, t)
	} else {
		var p *access.Principal
		if p, err = c.bearer(r, "", certificateTicketMissing); err == nil {
			body, cert, err = c.svc.PDF(access.With(r.Context(), p), p, id)
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.sendPDF(w, r, body, "volunteer-certificate-"+cert.Number+".pdf")
}

func (c *certificateRoutes) previewPDF(w http.ResponseWriter, r *http.Request) {
	id, err := parseID("id", r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var body []byte
	if t := r.URL.Query().Get("ticket"); t != "" {
		body, err = c.svc.PreviewByTicket(r.Context(), id, t)
	} else {
		var p *access.Principal
		if p, err = c.bearer(r, previewPermission, certificateTicketMissing); err == nil {
			body, err = c.svc.Preview(access.With(r.Context(), p), p, id)
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.sendPDF(w, r, body, "certificate-preview-"+id.String()+".pdf")
}

func (c *certificateRoutes) sendPDF(w http.ResponseWriter, r *http.Request, body []byte, name string) {
	h := w.Header()
	privateHeaders(h)
	// No Content-Security-Policy: a sandboxing one keeps browsers' PDF
	// viewers from showing the file; nosniff (privateHeaders) keeps it a
	// PDF.
	h.Set("Content-Type", "application/pdf")
	disposition(h, r, name)
	_, _ = w.Write(body)
}

func (c *certificateRoutes) verify(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	v, err := c.svc.Verify(r.Context(), number, r.URL.Query().Get("s"))
	if err != nil {
		c.log.ErrorContext(r.Context(), "verify certificate", "request_id", RequestID(r.Context()), "err", err)
		v = certificate.Verdict{}
	}
	data := map[string]any{"Number": number, "Valid": v.Valid, "Style": template.CSS(verifyStyle), "Failed": err != nil}
	switch {
	case err != nil:
		data["Why"] = "暂时无法核验，请稍后再试。"
	case v.Reason == "CERTIFICATE_NOT_FOUND":
		data["Why"] = "未找到与该编号和校验码相符的志愿服务证明。请核对证明上的编号和校验码，或重新扫描二维码。"
	case !v.Valid:
		data["Why"] = "该证明的内容与平台签名不符，可能已被篡改，请勿采信。"
	}
	if cert := v.Certificate; cert != nil {
		data["C"] = cert
		data["Hours"] = pdf.Hours(cert.ServiceSeconds)
		data["Period"] = cert.ServiceFrom
		if cert.ServiceUntil != cert.ServiceFrom {
			data["Period"] = cert.ServiceFrom + " 至 " + cert.ServiceUntil
		}
	}
	if err := sendVerifyPage(w, verifyPage, data, err != nil || v.Reason == "CERTIFICATE_NOT_FOUND"); err != nil {
		c.fail(w, r, err)
	}
}

func (c *certificateRoutes) fail(w http.ResponseWriter, r *http.Request, err error) {
	failRoute(c.log, "certificate route", w, r, err)
}

// verifyStyle lays the verification page out for a phone, where it is
// mostly opened by scanning the certificate's QR code.
const verifyStyle = `
* { box-sizing: border-box; }
body { margin: 0; font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Droid Sans Fallback", sans-serif; color: #222; background: #f5f6f8; }
main { max-width: 560px; margin: 0 auto; padding: 20px 16px 40px; }
h1 { font-size: 18px; text-align: center; margin: 8px 0 16px; color: #b22222; letter-spacing: 0.1em; }
.verdict { border-radius: 12px; padding: 20px; text-align: center; color: #fff; }
.verdict.ok { background: #07a35a; }
.verdict.bad { background: #d93025; }
.verdict strong { display: block; font-size: 34px; letter-spacing: 0.3em; }
.verdict p { margin: 8px 0 0; font-size: 14px; line-height: 1.6; }
dl { background: #fff; border-radius: 12px; margin: 16px 0 0; padding: 8px 16px; display: grid; grid-template-columns: 6.5em 1fr; gap: 10px 12px; font-size: 15px; }
dt { color: #888; }
dd { margin: 0; word-break: break-all; }
footer { margin-top: 20px; color: #999; font-size: 12px; line-height: 1.7; text-align: center; }
`

// verifyCSP allows the page nothing but its own inline style.
var verifyCSP = func() string {
	sum := sha256.Sum256([]byte(verifyStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>志愿服务证明核验</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>志愿服务证明核验</h1>
{{if .Valid}}<section class="verdict ok" data-verdict="valid"><strong>有效</strong><p>该证明由平台登记出具，内容与平台签名一致。</p></section>
{{else}}<section class="verdict bad" data-verdict="invalid"><strong>无效</strong><p>{{.Why}}</p></section>{{end}}
{{with .C}}<dl>
<dt>证明编号</dt><dd>{{.Number}}</dd>
<dt>志愿者</dt><dd>{{.VolunteerName}}</dd>
<dt>{{.IDType}}</dt><dd>{{.IDNumberMasked}}</dd>
<dt>志愿者编号</dt><dd>{{.VolunteerNo}}</dd>
<dt>服务时间</dt><dd>{{$.Period}}</dd>
<dt>服务时长</dt><dd>{{$.Hours}} 小时</dd>
<dt>服务内容</dt><dd>{{.ServiceContent}}</dd>
<dt>出具组织</dt><dd>{{.IssuerName}}</dd>
<dt>出具日期</dt><dd>{{.IssuedOn}}</dd>
</dl>{{else}}<dl><dt>证明编号</dt><dd>{{.Number}}</dd></dl>{{end}}
<footer>上海市志愿服务信息平台 · 一码做志愿<br>证明以国密 SM2 算法签名，个人信息已部分隐去。</footer>
</main>
</body>
</html>
`))
