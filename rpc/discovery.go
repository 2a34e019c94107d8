package rpc

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/paging"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/services/project"
)

// discoveryHandler serves DiscoveryService: public, so it never asks for a
// principal.
type discoveryHandler struct {
	svc   *project.Service
	tiles MapTiles
}

// MapTiles are the base map tiles of the 找项目 map (config web.map_tile_url).
type MapTiles struct {
	// URL is a Leaflet URL template on the pages' origin; "" draws no tiles.
	URL         string
	Attribution string
}

func (h *discoveryHandler) GetMapOptions(context.Context, *connect.Request[projectv1.GetMapOptionsRequest]) (*connect.Response[projectv1.GetMapOptionsResponse], error) {
	return connect.NewResponse(&projectv1.GetMapOptionsResponse{TileUrl: h.tiles.URL, TileAttribution: h.tiles.Attribution}), nil
}

var discoverySorts = map[projectv1.DiscoverySort]project.DiscoverySort{
	projectv1.DiscoverySort_DISCOVERY_SORT_UNSPECIFIED: "",
	projectv1.DiscoverySort_DISCOVERY_SORT_DISTANCE:    project.SortDistance,
	projectv1.DiscoverySort_DISCOVERY_SORT_START_TIME:  project.SortStartTime,
	projectv1.DiscoverySort_DISCOVERY_SORT_NEWEST:      project.SortNewest,
}

func (h *discoveryHandler) SearchProjects(ctx context.Context, req *connect.Request[projectv1.SearchProjectsRequest]) (*connect.Response[projectv1.SearchProjectsResponse], error) {
	m := req.Msg
	f := project.SearchFilter{
		Location: locationFromProto(m.Location), Categories: m.Categories, DistrictCode: m.DistrictCode,
		MaxDistanceKm: m.MaxDistanceKm, FreeOnly: m.HasFreePlaces, Title: m.Title,
	}
	sort, ok := discoverySorts[m.Sort]
	if !ok {
		sort = "unknown" // the service answers SORT_INVALID
	}
	f.Sort = sort
	var err error
	if m.OrgId != "" {
		if f.OrgID, err = parseID("org_id", m.OrgId); err != nil {
			return nil, err
		}
	}
	if f.From, err = parseTime("from", m.From); err != nil {
		return nil, err
	}
	if f.To, err = parseTime("to", m.To); err != nil {
		return nil, err
	}
	size := m.PageSize
	if size == 0 {
		size = project.SearchPageDefault
	}
	if f.Page, err = paging.Parse(size, m.PageToken); err != nil {
		return nil, err
	}
	found, next, err := h.svc.Search(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &projectv1.SearchProjectsResponse{Projects: make([]*projectv1.PublicProject, len(found)), NextPageToken: next}
	for i, fd := range found {
		out.Projects[i] = publicProjectToProto(fd, false)
	}
	return connect.NewResponse(out), nil
}

func (h *discoveryHandler) GetPublicProject(ctx context.Context, req *connect.Request[projectv1.GetPublicProjectRequest]) (*connect.Response[projectv1.GetPublicProjectResponse], error) {
	id, err := parseID("project_id", req.Msg.ProjectId)
	if err != nil {
		return nil, err
	}
	fd, err := h.svc.GetPublic(ctx, id, locationFromProto(req.Msg.Location))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&projectv1.GetPublicProjectResponse{Project: publicProjectToProto(fd, true)}), nil
}

// publicProjectToProto converts a found project; detail adds the
// description and the positions.
func publicProjectToProto(fd project.Found, detail bool) *projectv1.PublicProject {
	pr := fd.Project
	total, filled := fd.Places()
	out := &projectv1.PublicProject{
		Id: pr.ID.String(), Title: pr.Title, OrgId: pr.OrgID.String(), OrgName: pr.OrgName,
		Status: projectStatuses[pr.Status], Stage: projectStageToProto(pr.Stage),
		StartTime: timestamppb.New(pr.StartTime), EndTime: timestamppb.New(pr.EndTime),
		RecruitStart: optionalTime(pr.RecruitStart), RecruitEnd: optionalTime(pr.RecruitEnd),
		Address: pr.Address, Location: locationToProto(pr.Location), DistrictCode: fd.DistrictCode,
		ServiceCategories: pr.ServiceCategories, Tags: pr.Tags, PlacesTotal: total, PlacesFilled: filled,
	}
	if fd.DistanceKm >= 0 {
		out.DistanceKm = proto.Float64(fd.DistanceKm)
	}
	if detail {
		out.Description = pr.Description
		for _, pos := range pr.Positions {
			out.Positions = append(out.Positions, &projectv1.PublicPosition{
				Id: pos.ID.String(), Name: pos.Name, Quota: pos.Quota, Hired: pos.Hired,
				Free: max(pos.Quota-pos.Hired, 0), Skills: pos.Skills,
			})
		}
	}
	return out
}
