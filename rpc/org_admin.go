package rpc

import (
	"bytes"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/access"
	qrcodes "yima/engine/codes"
	"yima/paging"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	"yima/services/org"
)

// orgAdminHandler serves OrgAdminService: delegated admins and the
// authorization log, org users, tags, groups of orgs and org code links.
type orgAdminHandler struct {
	admins *org.Admins
	orgs   *org.Service
	codes  *org.Codes
}

var _ orgv1connect.OrgAdminServiceHandler = (*orgAdminHandler)(nil)

func (h *orgAdminHandler) GrantOrgAdmin(ctx context.Context, req *connect.Request[orgv1.GrantOrgAdminRequest]) (*connect.Response[orgv1.GrantOrgAdminResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	in := org.Grant{IDNumber: m.IdNumber, Name: m.Name, Phone: m.Phone, Duties: m.Duties}
	if in.OrgID, err = parseID("org_id", m.OrgId); err != nil {
		return nil, err
	}
	if in.ValidFrom, err = parseTime("valid_from", m.ValidFrom); err != nil {
		return nil, err
	}
	if in.ValidUntil, err = parseTime("valid_until", m.ValidUntil); err != nil {
		return nil, err
	}
	u, err := h.admins.Grant(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.GrantOrgAdminResponse{User: orgUserToProto(u)}), nil
}

func (h *orgAdminHandler) RevokeOrgAdmin(ctx context.Context, req *connect.Request[orgv1.RevokeOrgAdminRequest]) (*connect.Response[orgv1.RevokeOrgAdminResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("account_id", req.Msg.AccountId)
	if err != nil {
		return nil, err
	}
	u, err := h.admins.Revoke(ctx, p, id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.RevokeOrgAdminResponse{User: orgUserToProto(u)}), nil
}

func (h *orgAdminHandler) UpdateOrgAdminValidity(ctx context.Context, req *connect.Request[orgv1.UpdateOrgAdminValidityRequest]) (*connect.Response[orgv1.UpdateOrgAdminValidityResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("account_id", m.AccountId)
	if err != nil {
		return nil, err
	}
	var v org.Validity
	if v.From, err = parseTime("valid_from", m.ValidFrom); err != nil {
		return nil, err
	}
	if v.Until, err = parseTime("valid_until", m.ValidUntil); err != nil {
		return nil, err
	}
	u, err := h.admins.ChangeValidity(ctx, p, id, v)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UpdateOrgAdminValidityResponse{User: orgUserToProto(u)}), nil
}

func (h *orgAdminHandler) UpdateOrgUserContact(ctx context.Context, req *connect.Request[orgv1.UpdateOrgUserContactRequest]) (*connect.Response[orgv1.UpdateOrgUserContactResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("account_id", req.Msg.AccountId)
	if err != nil {
		return nil, err
	}
	u, err := h.admins.UpdateContact(ctx, p, id, req.Msg.Phone, req.Msg.Duties)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UpdateOrgUserContactResponse{User: orgUserToProto(u)}), nil
}

func (h *orgAdminHandler) ListOrgUsers(ctx context.Context, req *connect.Request[orgv1.ListOrgUsersRequest]) (*connect.Response[orgv1.ListOrgUsersResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := org.UserFilter{Role: orgUserRoles[m.Role], Status: orgUserStatuses[m.Status]}
	if f.OrgID, err = optionalID("org_id", m.OrgId); err != nil {
		return nil, err
	}
	if f.Page, err = paging.Parse(m.PageSize, m.PageToken); err != nil {
		return nil, err
	}
	users, next, err := h.admins.Users(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListOrgUsersResponse{NextPageToken: next, Users: make([]*orgv1.OrgUser, len(users))}
	for i, u := range users {
		out.Users[i] = orgUserToProto(u)
	}
	return connect.NewResponse(out), nil
}

func (h *orgAdminHandler) ListAuthorizationLog(ctx context.Context, req *connect.Request[orgv1.ListAuthorizationLogRequest]) (*connect.Response[orgv1.ListAuthorizationLogResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("org_id", m.OrgId)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	events, next, err := h.admins.AuthLog(ctx, p, id, authActions[m.Action], pg)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListAuthorizationLogResponse{NextPageToken: next, Events: make([]*orgv1.AuthorizationEvent, len(events))}
	for i, e := range events {
		out.Events[i] = &orgv1.AuthorizationEvent{
			Id: strconv.FormatInt(e.ID, 10), OrgId: e.OrgID.String(), AccountId: e.AccountID.String(),
			Action: protoAuthAction(e.Action), NameMasked: e.NameMasked, IdNumberMasked: e.IDNumberMasked,
			ValidFrom: optionalTime(e.ValidFrom), ValidUntil: optionalTime(e.ValidUntil),
			ByNameMasked: e.ByNameMasked, Reason: e.Reason, At: timestamppb.New(e.At),
		}
	}
	return connect.NewResponse(out), nil
}

func (h *orgAdminHandler) GetOrgTags(ctx context.Context, req *connect.Request[orgv1.GetOrgTagsRequest]) (*connect.Response[orgv1.GetOrgTagsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	t, err := h.orgs.Tags(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.GetOrgTagsResponse{SelfTags: t.Self, ParentTags: t.Parent}), nil
}

func (h *orgAdminHandler) SetOrgTags(ctx context.Context, req *connect.Request[orgv1.SetOrgTagsRequest]) (*connect.Response[orgv1.SetOrgTagsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	t, err := h.orgs.SetTags(ctx, p, id, tagSources[req.Msg.Source], req.Msg.Tags)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.SetOrgTagsResponse{SelfTags: t.Self, ParentTags: t.Parent}), nil
}

func (h *orgAdminHandler) CreateOrgGroup(ctx context.Context, req *connect.Request[orgv1.CreateOrgGroupRequest]) (*connect.Response[orgv1.CreateOrgGroupResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	owner, err := parseID("owner_org_id", m.OwnerOrgId)
	if err != nil {
		return nil, err
	}
	members, err := parseIDs("org_ids", m.OrgIds)
	if err != nil {
		return nil, err
	}
	g, err := h.orgs.CreateGroup(ctx, p, owner, org.GroupInput{Name: m.Name, Description: m.Description}, members)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.CreateOrgGroupResponse{Group: orgGroupToProto(g)}), nil
}

func (h *orgAdminHandler) UpdateOrgGroup(ctx context.Context, req *connect.Request[orgv1.UpdateOrgGroupRequest]) (*connect.Response[orgv1.UpdateOrgGroupResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("group_id", req.Msg.GroupId)
	if err != nil {
		return nil, err
	}
	g, err := h.orgs.UpdateGroup(ctx, p, id, org.GroupInput{Name: req.Msg.Name, Description: req.Msg.Description})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UpdateOrgGroupResponse{Group: orgGroupToProto(g)}), nil
}

func (h *orgAdminHandler) UpdateOrgGroupMembers(ctx context.Context, req *connect.Request[orgv1.UpdateOrgGroupMembersRequest]) (*connect.Response[orgv1.UpdateOrgGroupMembersResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("group_id", m.GroupId)
	if err != nil {
		return nil, err
	}
	add, err := parseIDs("add_org_ids", m.AddOrgIds)
	if err != nil {
		return nil, err
	}
	remove, err := parseIDs("remove_org_ids", m.RemoveOrgIds)
	if err != nil {
		return nil, err
	}
	g, err := h.orgs.SetGroupMembers(ctx, p, id, add, remove)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.UpdateOrgGroupMembersResponse{Group: orgGroupToProto(g)}), nil
}

func (h *orgAdminHandler) MergeOrgGroups(ctx context.Context, req *connect.Request[orgv1.MergeOrgGroupsRequest]) (*connect.Response[orgv1.MergeOrgGroupsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	into, err := parseID("group_id", req.Msg.GroupId)
	if err != nil {
		return nil, err
	}
	from, err := parseID("from_group_id", req.Msg.FromGroupId)
	if err != nil {
		return nil, err
	}
	g, err := h.orgs.MergeGroups(ctx, p, into, from)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.MergeOrgGroupsResponse{Group: orgGroupToProto(g)}), nil
}

func (h *orgAdminHandler) ListOrgGroups(ctx context.Context, req *connect.Request[orgv1.ListOrgGroupsRequest]) (*connect.Response[orgv1.ListOrgGroupsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	owner, err := parseID("owner_org_id", m.OwnerOrgId)
	if err != nil {
		return nil, err
	}
	pg, err := paging.Parse(m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	groups, next, err := h.orgs.ListGroups(ctx, p, owner, m.NameContains, pg)
	if err != nil {
		return nil, err
	}
	out := &orgv1.ListOrgGroupsResponse{NextPageToken: next, Groups: make([]*orgv1.OrgGroup, len(groups))}
	for i, g := range groups {
		out.Groups[i] = orgGroupToProto(g)
	}
	return connect.NewResponse(out), nil
}

func (h *orgAdminHandler) GetOrgGroup(ctx context.Context, req *connect.Request[orgv1.GetOrgGroupRequest]) (*connect.Response[orgv1.GetOrgGroupResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("group_id", req.Msg.GroupId)
	if err != nil {
		return nil, err
	}
	g, err := h.orgs.GetGroup(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.GetOrgGroupResponse{Group: orgGroupToProto(g)}), nil
}

func (h *orgAdminHandler) GetOrgCodeLinks(ctx context.Context, req *connect.Request[orgv1.GetOrgCodeLinksRequest]) (*connect.Response[orgv1.GetOrgCodeLinksResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	ticket, exp, err := h.codes.Ticket(ctx, p, id)
	if err != nil {
		return nil, err
	}
	q := "?ticket=" + url.QueryEscape(ticket)
	base := orgCodePathPrefix + id.String()
	return connect.NewResponse(&orgv1.GetOrgCodeLinksResponse{
		PngUrl: base + ".png" + q, SvgUrl: base + ".svg" + q, PrintUrl: base + "/print" + q,
		ExpiresAt: timestamppb.New(exp),
	}), nil
}

var orgUserRoles = map[orgv1.OrgUserRole]org.UserRole{
	orgv1.OrgUserRole_ORG_USER_ROLE_LEADER: org.RoleLeader, orgv1.OrgUserRole_ORG_USER_ROLE_ADMIN: org.RoleAdmin,
}

var orgUserStatuses = map[orgv1.OrgUserStatus]org.UserStatus{
	orgv1.OrgUserStatus_ORG_USER_STATUS_ACTIVE: org.UserActive, orgv1.OrgUserStatus_ORG_USER_STATUS_PENDING: org.UserPending,
	orgv1.OrgUserStatus_ORG_USER_STATUS_EXPIRED: org.UserExpired, orgv1.OrgUserStatus_ORG_USER_STATUS_REVOKED: org.UserRevoked,
}

var authActions = map[orgv1.AuthorizationAction]org.AuthAction{
	orgv1.AuthorizationAction_AUTHORIZATION_ACTION_GRANT: org.AuthGrant, orgv1.AuthorizationAction_AUTHORIZATION_ACTION_REVOKE: org.AuthRevoke,
	orgv1.AuthorizationAction_AUTHORIZATION_ACTION_CHANGE: org.AuthChange, orgv1.AuthorizationAction_AUTHORIZATION_ACTION_EXPIRE: org.AuthExpire,
}

var tagSources = map[orgv1.OrgTagSource]org.TagSource{
	orgv1.OrgTagSource_ORG_TAG_SOURCE_SELF: org.TagsSelf, orgv1.OrgTagSource_ORG_TAG_SOURCE_PARENT: org.TagsParent,
}

func protoAuthAction(a org.AuthAction) orgv1.AuthorizationAction {
	for k, v := range authActions {
		if v == a {
			return k
		}
	}
	return orgv1.AuthorizationAction_AUTHORIZATION_ACTION_UNSPECIFIED
}

func orgUserToProto(u org.User) *orgv1.OrgUser {
	out := &orgv1.OrgUser{
		AccountId: u.AccountID.String(), OrgId: u.OrgID.String(), OrgName: u.OrgName,
		NameMasked: u.NameMasked, IdNumberMasked: u.IDNumberMasked, PhoneMasked: u.PhoneMasked, Duties: u.Duties,
		ValidFrom: optionalTime(u.ValidFrom), ValidUntil: optionalTime(u.ValidUntil),
		GrantedAt: optionalTime(u.GrantedAt), RevokedAt: optionalTime(u.RevokedAt),
	}
	for k, v := range orgUserRoles {
		if v == u.Role {
			out.Role = k
		}
	}
	for k, v := range orgUserStatuses {
		if v == u.Status {
			out.Status = k
		}
	}
	return out
}

func orgGroupToProto(g org.Group) *orgv1.OrgGroup {
	out := &orgv1.OrgGroup{
		Id: g.ID.String(), OwnerOrgId: g.OwnerOrgID.String(), Name: g.Name, Description: g.Description,
		MemberCount: int32(g.MemberCount), CreatedAt: timestamppb.New(g.CreatedAt), UpdatedAt: timestamppb.New(g.UpdatedAt),
	}
	for _, m := range g.Members {
		out.Members = append(out.Members, &orgv1.OrgGroupMember{
			OrgId: m.OrgID.String(), Name: m.Name, Level: orgLevels[m.Level], Status: orgStatuses[m.Status],
			AddedAt: timestamppb.New(m.AddedAt),
		})
	}
	for _, m := range g.Merges {
		out.Merges = append(out.Merges, &orgv1.OrgGroupMerge{
			FromGroupId: m.FromGroupID.String(), FromName: m.FromName, OrgsAdded: int32(m.OrgsAdded),
			ByNameMasked: m.ByNameMasked, At: timestamppb.New(m.At),
		})
	}
	return out
}

// ---- org code downloads and the printable page ----

// orgCodePathPrefix is where the org code routes live, with the same
// rules as the project code routes (see codePathPrefix):
//
//	GET /codes/org/{id}.png[?size=N]   the code as a PNG (N pixels, default 1024)
//	GET /codes/org/{id}.svg            the code as an SVG
//	GET /codes/org/{id}/print          a printable A4 page with the code
//
// They take a ticket from GetOrgCodeLinks (?ticket=…, good for that org's
// code pages only, for org.CodeTicketTTL) or, for programs, a bearer token
// of an account holding org:org:code whose scope covers the org.
const orgCodePathPrefix = "/codes/org/"

// orgCodePermission is what a bearer token must hold for the org code
// routes, as for GetOrgCodeLinks.
const orgCodePermission = "org:org:code"

// orgCodeRoutes serves the org code downloads and printable page.
type orgCodeRoutes struct {
	routeAuth
	codes *org.Codes
	log   *slog.Logger
}

func (c *orgCodeRoutes) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+orgCodePathPrefix+"{file}", c.image)
	mux.HandleFunc("GET "+orgCodePathPrefix+"{id}/print", c.print)
}

// sheet authorizes the request and loads the code sheet of org id.
func (c *orgCodeRoutes) sheet(r *http.Request, id string) (org.CodeSheet, error) {
	o, err := parseID("id", id)
	if err != nil {
		return org.CodeSheet{}, err
	}
	if t := r.URL.Query().Get("ticket"); t != "" {
		return c.codes.SheetByTicket(r.Context(), o, t)
	}
	p, err := c.bearer(r, orgCodePermission, "链接缺少凭证，请重新打开")
	if err != nil {
		return org.CodeSheet{}, err
	}
	return c.codes.Sheet(access.With(r.Context(), p), p, o)
}

func (c *orgCodeRoutes) image(w http.ResponseWriter, r *http.Request) {
	ci, err := parseCodeImage(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh, err := c.sheet(r, ci.ID)
	if err == nil {
		err = ci.write(w, r, sh.Payload, "org-code-"+sh.Org.ID.String())
	}
	if err != nil {
		c.fail(w, r, err)
	}
}

func (c *orgCodeRoutes) print(w http.ResponseWriter, r *http.Request) {
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
	base := orgCodePathPrefix + sh.Org.ID.String()
	var b bytes.Buffer
	err = orgPrintPage.Execute(&b, map[string]any{
		"Name": sh.Org.Name, "Address": sh.Org.Address, "Unit": sh.Org.SupervisingUnit, "Payload": sh.Payload,
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

// fail answers as the project code routes do.
func (c *orgCodeRoutes) fail(w http.ResponseWriter, r *http.Request, err error) {
	failRoute(c.log, "org code route", w, r, err)
}

// orgPrintPage lays an org's code out on one A4 page, in the project
// code page's style (printStyle, whose hash printCSP allows).
var orgPrintPage = template.Must(template.New("org-print").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{{.Name}} · 组织码</title>
<style>{{.Style}}</style>
</head>
<body>
<p class="tools">按 Ctrl+P（Mac 为 ⌘+P）打印本页 · 下载 <a href="{{.PNG}}">PNG 图片</a> · <a href="{{.SVG}}">SVG 矢量图</a></p>
<main class="sheet">
<h1>{{.Name}}</h1>
<p class="org">组织码</p>
<div class="qr" role="img" aria-label="组织码">{{.QR}}</div>
<p class="cta">扫码认识本组织</p>
<ol>
<li>打开“随申办”一码做志愿，点击“扫一扫”，扫描上方组织码，即可查看本组织信息；</li>
<li>组织码不用于签到签退，项目签到请扫描项目码。</li>
</ol>
<dl>
{{if .Unit}}<dt>业务主管单位</dt><dd>{{.Unit}}</dd>{{end}}
{{if .Address}}<dt>组织地址</dt><dd>{{.Address}}</dd>{{end}}
</dl>
<p class="payload">{{.Payload}}</p>
</main>
</body>
</html>
`))
