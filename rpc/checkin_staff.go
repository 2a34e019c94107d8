package rpc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	qrcodes "yima/engine/codes"
	"yima/fault"
	"yima/paging"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	"yima/services/checkin"
)

// checkinStaffHandler serves CheckinStaffService, the org portal's
// attendance desk.
type checkinStaffHandler struct {
	checkinv1connect.UnimplementedCheckinStaffServiceHandler
	svc *checkin.Staff
}

var _ checkinv1connect.CheckinStaffServiceHandler = (*checkinStaffHandler)(nil)

var scanOutcomes = map[checkinv1.ScanOutcome]string{
	checkinv1.ScanOutcome_SCAN_OUTCOME_UNSPECIFIED: "",
	checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN:   "signed_in",
	checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT:  "signed_out",
	checkinv1.ScanOutcome_SCAN_OUTCOME_REJECTED:    "rejected",
}

var sessionStatuses = map[checkinv1.SessionStatus]string{
	checkinv1.SessionStatus_SESSION_STATUS_UNSPECIFIED: "",
	checkinv1.SessionStatus_SESSION_STATUS_OPEN:        "open",
	checkinv1.SessionStatus_SESSION_STATUS_CLOSED:      "closed",
	checkinv1.SessionStatus_SESSION_STATUS_INVALIDATED: "invalidated",
}

func (h *checkinStaffHandler) ListScans(ctx context.Context, req *connect.Request[checkinv1.ListScansRequest]) (*connect.Response[checkinv1.ListScansResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := checkin.ScanFilter{}
	if f.Project, err = parseID("project_id", m.ProjectId); err != nil {
		return nil, err
	}
	var ok bool
	if f.Outcome, ok = scanOutcomes[m.Outcome]; !ok {
		return nil, fault.InvalidField("outcome", "OUTCOME_INVALID", "扫码结果筛选无效")
	}
	if f.Volunteer, err = optionalID("volunteer_id", m.VolunteerId); err != nil {
		return nil, err
	}
	if f.Since, err = parseTime("since", m.Since); err != nil {
		return nil, err
	}
	if f.Until, err = parseTime("until", m.Until); err != nil {
		return nil, err
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	rows, next, err := h.svc.ListScans(ctx, p, f)
	if err != nil {
		return nil, err
	}
	res := &checkinv1.ListScansResponse{NextPageToken: next, Scans: make([]*checkinv1.ScanEntry, len(rows))}
	for i, r := range rows {
		res.Scans[i] = &checkinv1.ScanEntry{
			ScanId: r.ScanID, ReceivedAt: timestamppb.New(r.ReceivedAt), ScannedAt: timestamppb.New(r.ScannedAt),
			VolunteerId: idString(r.Volunteer), VolunteerNameMasked: r.VolunteerNameMasked,
			PositionId: idString(r.Position), PositionName: r.PositionName, Method: scanMethodToProto(r.Method),
			Outcome: scanOutcomeToProto(r.Outcome), Reason: r.Reason, SessionId: idString(r.Session),
			DurationSeconds: r.DurationSeconds, DeviceId: idString(r.Device), DeviceName: r.DeviceName,
			Gate: r.Gate, ByAccountId: idString(r.ByAccount),
		}
	}
	return connect.NewResponse(res), nil
}

func (h *checkinStaffHandler) ListSessions(ctx context.Context, req *connect.Request[checkinv1.ListSessionsRequest]) (*connect.Response[checkinv1.ListSessionsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := checkin.SessionFilter{FlaggedOnly: m.FlaggedOnly, UnreviewedOnly: m.UnreviewedOnly}
	if f.Project, err = parseID("project_id", m.ProjectId); err != nil {
		return nil, err
	}
	var ok bool
	if f.Status, ok = sessionStatuses[m.Status]; !ok {
		return nil, fault.InvalidField("status", "STATUS_INVALID", "状态筛选无效")
	}
	if f.Volunteer, err = optionalID("volunteer_id", m.VolunteerId); err != nil {
		return nil, err
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	rows, next, err := h.svc.ListSessions(ctx, p, f)
	if err != nil {
		return nil, err
	}
	res := &checkinv1.ListSessionsResponse{NextPageToken: next, Sessions: make([]*checkinv1.AttendanceSession, len(rows))}
	for i, r := range rows {
		res.Sessions[i] = attendanceSessionToProto(r)
	}
	return connect.NewResponse(res), nil
}

func (h *checkinStaffHandler) ReviewSession(ctx context.Context, req *connect.Request[checkinv1.ReviewSessionRequest]) (*connect.Response[checkinv1.ReviewSessionResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	r := checkin.Review{Reason: m.Reason}
	if r.Session, err = parseID("session_id", m.SessionId); err != nil {
		return nil, err
	}
	switch m.Action {
	case checkinv1.ReviewAction_REVIEW_ACTION_APPROVE:
		r.Action = checkin.ActionApprove
	case checkinv1.ReviewAction_REVIEW_ACTION_ADJUST:
		r.Action = checkin.ActionAdjust
	case checkinv1.ReviewAction_REVIEW_ACTION_INVALIDATE:
		r.Action = checkin.ActionInvalidate
	default:
		return nil, fault.InvalidField("action", "ACTION_INVALID", "请选择审核操作：通过、调整或作废")
	}
	if r.StartedAt, err = parseTime("started_at", m.StartedAt); err != nil {
		return nil, err
	}
	if r.EndedAt, err = parseTime("ended_at", m.EndedAt); err != nil {
		return nil, err
	}
	s, err := h.svc.ReviewSession(ctx, p, r)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&checkinv1.ReviewSessionResponse{Session: attendanceSessionToProto(s)}), nil
}

func (h *checkinStaffHandler) AddManualHours(ctx context.Context, req *connect.Request[checkinv1.AddManualHoursRequest]) (*connect.Response[checkinv1.AddManualHoursResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	in := checkin.ManualHours{Reason: m.Reason}
	if in.Project, err = parseID("project_id", m.ProjectId); err != nil {
		return nil, err
	}
	if in.Volunteer, err = parseID("volunteer_id", m.VolunteerId); err != nil {
		return nil, err
	}
	if in.Position, err = optionalID("position_id", m.PositionId); err != nil {
		return nil, err
	}
	if in.StartedAt, err = parseTime("started_at", m.StartedAt); err != nil {
		return nil, err
	}
	if in.EndedAt, err = parseTime("ended_at", m.EndedAt); err != nil {
		return nil, err
	}
	s, err := h.svc.AddManualHours(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&checkinv1.AddManualHoursResponse{Session: attendanceSessionToProto(s)}), nil
}

func (h *checkinStaffHandler) RegisterDevice(ctx context.Context, req *connect.Request[checkinv1.RegisterDeviceRequest]) (*connect.Response[checkinv1.RegisterDeviceResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.RegisterDevice(ctx, p, org, req.Msg.Name)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&checkinv1.RegisterDeviceResponse{Device: deviceToProto(d)}), nil
}

func (h *checkinStaffHandler) ListDevices(ctx context.Context, req *connect.Request[checkinv1.ListDevicesRequest]) (*connect.Response[checkinv1.ListDevicesResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	org, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(req.Msg.PageSize, req.Msg.PageToken)
	if err != nil {
		return nil, err
	}
	ds, next, err := h.svc.ListDevices(ctx, p, org, pg)
	if err != nil {
		return nil, err
	}
	res := &checkinv1.ListDevicesResponse{NextPageToken: next, Devices: make([]*checkinv1.Device, len(ds))}
	for i, d := range ds {
		res.Devices[i] = deviceToProto(d)
	}
	return connect.NewResponse(res), nil
}

func (h *checkinStaffHandler) RevokeDevice(ctx context.Context, req *connect.Request[checkinv1.RevokeDeviceRequest]) (*connect.Response[checkinv1.RevokeDeviceResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("device_id", req.Msg.DeviceId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.RevokeDevice(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&checkinv1.RevokeDeviceResponse{Device: deviceToProto(d)}), nil
}

func (h *checkinStaffHandler) GetProjectCodeLinks(ctx context.Context, req *connect.Request[checkinv1.GetProjectCodeLinksRequest]) (*connect.Response[checkinv1.GetProjectCodeLinksResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	ticket, exp, err := h.svc.ProjectCodeTicket(ctx, p, id)
	if err != nil {
		return nil, err
	}
	q := "?ticket=" + url.QueryEscape(ticket)
	base := codePathPrefix + id.String()
	return connect.NewResponse(&checkinv1.GetProjectCodeLinksResponse{
		PngUrl: base + ".png" + q, SvgUrl: base + ".svg" + q, PrintUrl: base + "/print" + q,
		ExpiresAt: timestamppb.New(exp),
	}), nil
}

// optionalID parses a UUID field that may be empty (uuid.Nil).
func optionalID(field, s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	return parseID(field, s)
}

func optionalTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func scanMethodToProto(m string) checkinv1.ScanMethod {
	switch m {
	case "staff":
		return checkinv1.ScanMethod_SCAN_METHOD_STAFF
	case "self":
		return checkinv1.ScanMethod_SCAN_METHOD_SELF
	}
	return checkinv1.ScanMethod_SCAN_METHOD_UNSPECIFIED
}

func scanOutcomeToProto(o string) checkinv1.ScanOutcome {
	for k, v := range scanOutcomes {
		if v == o && v != "" {
			return k
		}
	}
	return checkinv1.ScanOutcome_SCAN_OUTCOME_UNSPECIFIED
}

var closedBy = map[string]checkinv1.SessionClosedBy{
	"scan": checkinv1.SessionClosedBy_SESSION_CLOSED_BY_SCAN, "auto": checkinv1.SessionClosedBy_SESSION_CLOSED_BY_AUTO,
	"close": checkinv1.SessionClosedBy_SESSION_CLOSED_BY_CLOSE, "staff": checkinv1.SessionClosedBy_SESSION_CLOSED_BY_STAFF,
}

var reviewStates = map[string]checkinv1.ReviewState{
	checkin.ReviewApproved: checkinv1.ReviewState_REVIEW_STATE_APPROVED, checkin.ReviewAdjusted: checkinv1.ReviewState_REVIEW_STATE_ADJUSTED,
	checkin.ReviewInvalidated: checkinv1.ReviewState_REVIEW_STATE_INVALIDATED, checkin.ReviewManual: checkinv1.ReviewState_REVIEW_STATE_MANUAL,
}

func attendanceSessionToProto(s checkin.AttendanceSession) *checkinv1.AttendanceSession {
	out := &checkinv1.AttendanceSession{
		Id: s.ID.String(), ProjectId: s.Project.String(), VolunteerId: s.Volunteer.String(),
		VolunteerNameMasked: s.VolunteerNameMasked, PositionId: s.Position.String(), PositionName: s.PositionName,
		StartedAt: timestamppb.New(s.StartedAt), EndedAt: optionalTime(s.EndedAt), DurationSeconds: s.DurationSeconds,
		ClosedBy: closedBy[s.ClosedBy], Flagged: s.Flagged, FlagReason: s.FlagReason,
		ReviewState: reviewStates[s.ReviewAction], ReviewReason: s.ReviewReason, ReviewedAt: optionalTime(s.ReviewedAt),
		ReviewedByNameMasked: s.ReviewedByNameMasked,
	}
	for k, v := range sessionStatuses {
		if v == s.Status && v != "" {
			out.Status = k
		}
	}
	return out
}

func deviceToProto(d checkin.Device) *checkinv1.Device {
	return &checkinv1.Device{
		Id: d.ID.String(), OrgId: d.Org.String(), Name: d.Name, CreatedAt: timestamppb.New(d.CreatedAt),
		Revoked: !d.RevokedAt.IsZero(), RevokedAt: optionalTime(d.RevokedAt),
	}
}

// ---- project code downloads and the printable page ----

// codePathPrefix is where the project code routes live:
//
//	GET /codes/project/{id}.png[?size=N]   the code as a PNG (N pixels, default 1024)
//	GET /codes/project/{id}.svg            the code as an SVG
//	GET /codes/project/{id}/print          a printable A4 page with the code
//
// A browser opening a link sends no Authorization header, so these routes
// take either a ticket (?ticket=…, from GetProjectCodeLinks: good for this
// project's code pages only, for checkin.CodeTicketTTL) or, for programs, a
// bearer token of an account holding org:code:get that manages the project.
// A session token is never accepted in the URL, where it would end up in
// history, logs and Referer headers.
const codePathPrefix = "/codes/project/"

// codePermission is what a bearer token must hold for the code routes, as
// for GetProjectCode.
const codePermission = "org:code:get"

// codeRoutes serves the project code downloads and printable page.
type codeRoutes struct {
	routeAuth
	svc *checkin.Staff
	log *slog.Logger
}

func (c *codeRoutes) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+codePathPrefix+"{file}", c.image)
	mux.HandleFunc("GET "+codePathPrefix+"{id}/print", c.print)
}

// sheet authorizes the request and loads the code sheet of project id.
func (c *codeRoutes) sheet(r *http.Request, id string) (checkin.CodeSheet, error) {
	project, err := parseID("id", id)
	if err != nil {
		return checkin.CodeSheet{}, err
	}
	if t := r.URL.Query().Get("ticket"); t != "" {
		return c.svc.CodeSheetByTicket(r.Context(), project, t)
	}
	p, err := c.bearer(r, codePermission, "链接缺少凭证，请从组织端重新打开")
	if err != nil {
		return checkin.CodeSheet{}, err
	}
	return c.svc.CodeSheet(access.With(r.Context(), p), p, project)
}

func (c *codeRoutes) image(w http.ResponseWriter, r *http.Request) {
	ci, err := parseCodeImage(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh, err := c.sheet(r, ci.ID)
	if err == nil {
		err = ci.write(w, r, sh.Payload, "project-code-"+sh.Project.String())
	}
	if err != nil {
		c.fail(w, r, err)
	}
}

func (c *codeRoutes) print(w http.ResponseWriter, r *http.Request) {
	sh, err := c.sheet(r, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	svg, err := qrcodes.QRSVG(sh.Payload)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := ""
	if t := r.URL.Query().Get("ticket"); t != "" {
		q = "?ticket=" + url.QueryEscape(t)
	}
	base := codePathPrefix + sh.Project.String()
	var b bytes.Buffer
	err = printPage.Execute(&b, map[string]any{
		"Title": sh.Title, "Org": sh.OrgName, "Address": sh.Address, "Payload": sh.Payload,
		"Time": timeRange(sh.StartTime, sh.EndTime),
		// QRSVG draws only rect and path elements from the payload's
		// modules; it carries no text of the caller's.
		"QR":  template.HTML(svg), //nolint:gosec // see above
		"PNG": base + ".png" + q, "SVG": base + ".svg" + q,
		"Style": template.CSS(printStyle),
	})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	h := w.Header()
	privateHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", printCSP)
	_, _ = w.Write(b.Bytes())
}

// privateHeaders keep a page reached with a ticket out of caches and its
// URL out of Referer headers.
func privateHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// fail answers a code route with the HTTP status of err's kind and a short
// Chinese text; internal errors are logged and shown as such.
func (c *codeRoutes) fail(w http.ResponseWriter, r *http.Request, err error) {
	failRoute(c.log, "project code route", w, r, err)
}

func timeRange(start, end time.Time) string {
	const day, clock = "2006年1月2日 15:04", "15:04"
	s, e := start.In(shanghaiTZ), end.In(shanghaiTZ)
	if s.Year() == e.Year() && s.YearDay() == e.YearDay() {
		return s.Format(day) + " – " + e.Format(clock)
	}
	return s.Format(day) + " – " + e.Format(day)
}

var shanghaiTZ = time.FixedZone("CST", 8*3600)

// printStyle lays the code out on one A4 page.
const printStyle = `
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Droid Sans Fallback", sans-serif; color: #111; background: #f4f4f4; }
.sheet { width: 180mm; min-height: 260mm; margin: 10mm auto; padding: 12mm; background: #fff; text-align: center; }
h1 { font-size: 26pt; margin: 0 0 4mm; line-height: 1.25; }
.org { font-size: 15pt; margin: 0 0 6mm; color: #333; }
.qr svg { width: 120mm; height: 120mm; display: block; margin: 0 auto; }
.cta { font-size: 30pt; font-weight: bold; letter-spacing: 0.2em; margin: 6mm 0 4mm; color: #c62828; }
ol { text-align: left; font-size: 13pt; line-height: 1.7; margin: 0 auto 6mm; width: 140mm; }
dl { display: grid; grid-template-columns: 28mm 1fr; gap: 2mm 4mm; text-align: left; width: 140mm; margin: 0 auto; font-size: 12pt; }
dt { color: #555; }
dd { margin: 0; }
.payload { font-family: monospace; font-size: 8pt; color: #777; word-break: break-all; margin-top: 8mm; }
.tools { text-align: center; margin: 6mm; font-size: 11pt; }
@media print { body { background: #fff; } .sheet { margin: 0; width: auto; min-height: 0; padding: 0; } .tools { display: none; } }
`

// printCSP allows the page nothing but its own inline style, named by hash.
var printCSP = func() string {
	sum := sha256.Sum256([]byte(printStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

var printPage = template.Must(template.New("print").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{{.Title}} · 项目签到码</title>
<style>{{.Style}}</style>
</head>
<body>
<p class="tools">按 Ctrl+P（Mac 为 ⌘+P）打印本页 · 下载 <a href="{{.PNG}}">PNG 图片</a> · <a href="{{.SVG}}">SVG 矢量图</a></p>
<main class="sheet">
<h1>{{.Title}}</h1>
<p class="org">{{.Org}}</p>
<div class="qr" role="img" aria-label="项目签到码">{{.QR}}</div>
<p class="cta">扫码签到 / 签退</p>
<ol>
<li>打开“随申办”一码做志愿，点击“扫一扫”，扫描上方项目码即<strong>签到</strong>；</li>
<li>服务结束离开时再扫一次即<strong>签退</strong>，系统自动计算服务时长；</li>
<li>须为本项目已录用的志愿者，并在项目时间内扫码；请勿代他人扫码。</li>
</ol>
<dl>
<dt>服务时间</dt><dd>{{.Time}}</dd>
{{if .Address}}<dt>服务地点</dt><dd>{{.Address}}</dd>{{end}}
<dt>组织单位</dt><dd>{{.Org}}</dd>
</dl>
<p class="payload">{{.Payload}}</p>
</main>
</body>
</html>
`))

// errNoStaff is returned by NewHandler when the code routes lack a service.
var errNoStaff = errors.New("rpc: CheckinStaff is required")
