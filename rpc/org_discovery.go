package rpc

import (
	"context"

	"connectrpc.com/connect"

	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/services/org"
)

// orgDiscoveryHandler serves OrgDiscoveryService: public org search and
// pages (V4).
type orgDiscoveryHandler struct {
	svc   *org.Service
	codes *org.Codes
}

var orgSorts = map[orgv1.OrgSort]org.OrgSort{
	orgv1.OrgSort_ORG_SORT_UNSPECIFIED:    "",
	orgv1.OrgSort_ORG_SORT_DISTANCE:       org.SortDistance,
	orgv1.OrgSort_ORG_SORT_FOUNDED_NEWEST: org.SortFoundedNewest,
	orgv1.OrgSort_ORG_SORT_FOUNDED_OLDEST: org.SortFoundedOldest,
}

func (h *orgDiscoveryHandler) SearchOrgs(ctx context.Context, req *connect.Request[orgv1.SearchOrgsRequest]) (*connect.Response[orgv1.SearchOrgsResponse], error) {
	m := req.Msg
	sort, ok := orgSorts[m.Sort]
	if !ok {
		sort = "invalid"
	}
	found, next, err := h.svc.SearchPublic(ctx, org.PublicFilter{
		Location: locationFromProto(m.Location), DistrictCode: m.DistrictCode, Category: m.Category,
		NameContains: m.NameContains, Sort: sort, PageSize: m.PageSize, PageToken: m.PageToken,
	})
	if err != nil {
		return nil, err
	}
	out := &orgv1.SearchOrgsResponse{NextPageToken: next}
	for _, o := range found {
		out.Orgs = append(out.Orgs, publicOrgToProto(o, false))
	}
	return connect.NewResponse(out), nil
}

func (h *orgDiscoveryHandler) GetPublicOrg(ctx context.Context, req *connect.Request[orgv1.GetPublicOrgRequest]) (*connect.Response[orgv1.GetPublicOrgResponse], error) {
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.GetPublic(ctx, id, locationFromProto(req.Msg.Location))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.GetPublicOrgResponse{Org: publicOrgToProto(o, true)}), nil
}

func (h *orgDiscoveryHandler) ResolveOrgCode(ctx context.Context, req *connect.Request[orgv1.ResolveOrgCodeRequest]) (*connect.Response[orgv1.ResolveOrgCodeResponse], error) {
	o, err := h.codes.Resolve(ctx, req.Msg.Payload)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.ResolveOrgCodeResponse{OrgId: o.ID.String(), Name: o.Name}), nil
}

// publicOrgToProto maps a public org; the contact and intro only on its
// own page (detail).
func publicOrgToProto(o org.PublicOrg, detail bool) *orgv1.PublicOrg {
	out := &orgv1.PublicOrg{
		Id: o.ID.String(), Name: o.Name, Level: orgLevels[o.Level], FoundedOn: o.FoundedOn,
		DistrictCode: o.DistrictCode, ServiceCategories: o.ServiceCategories, Address: o.Address,
		Location: locationToProto(o.Location), MemberCount: o.MemberCount, ProjectCount: o.ProjectCount,
		ServiceSeconds: o.ServiceSeconds, DistanceKm: o.DistanceKm, ParentName: o.ParentName,
		LogoUrl: orgLogoURL(o.ID, o.LogoHash),
	}
	if detail {
		out.Intro, out.ContactName, out.ContactPhoneMasked = o.Intro, o.ContactName, o.ContactPhoneMasked
	}
	return out
}
