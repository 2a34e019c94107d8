package main

import (
	"math"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/catalog"
	commonv1 "yima/rpc/gen/yima/common/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/services/project"
	"yima/store/demo"
)

// TestDiscoveryOnDemoData searches the demo city's projects anonymously
// and signed in: nearest first from 徐家汇, the 3 km radius matching the
// database's own list page by page, public details for share links, and
// bad input refused.
func TestDiscoveryOnDemoData(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	pool := s.pool(t)
	anon := s.api("").discovery
	xujiahui := &commonv1.Location{Lat: 31.1946, Lng: 121.4370}

	// The open projects within 3 km of 徐家汇, by the database's rows and
	// DistanceKm.
	rows, err := pool.Query(t.Context(), `SELECT id::text, lat, lng FROM project.project
		WHERE status IN ('recruiting', 'running') AND end_time > now() AND lat IS NOT NULL AND lng IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for rows.Next() {
		var id string
		var lat, lng float64
		if err := rows.Scan(&id, &lat, &lng); err != nil {
			t.Fatal(err)
		}
		if project.DistanceKm(catalog.Location{Lat: 31.1946, Lng: 121.4370}, catalog.Location{Lat: lat, Lng: lng}) <= 3 {
			want = append(want, id)
		}
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if len(want) == 0 {
		t.Fatal("the demo data has no open project within 3 km of 徐家汇")
	}

	t.Run("匿名按距离分页", func(t *testing.T) {
		var got []string
		last := -1.0
		tok := ""
		for range 100 {
			res, err := anon.SearchProjects(t.Context(), connect.NewRequest(&projectv1.SearchProjectsRequest{
				Location: xujiahui, MaxDistanceKm: 3, PageSize: 7, PageToken: tok,
			}))
			checkErr(t, "SearchProjects", err, 0, "")
			if len(res.Msg.Projects) > 7 {
				t.Fatalf("page of %d", len(res.Msg.Projects))
			}
			for _, p := range res.Msg.Projects {
				got = append(got, p.Id)
				if p.DistanceKm == nil || *p.DistanceKm < last-1e-6 || *p.DistanceKm > 3 {
					t.Errorf("%s: distance %v after %v", p.Title, p.DistanceKm, last)
				} else {
					last = *p.DistanceKm
				}
				if p.Status != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING && p.Status != projectv1.ProjectStatus_PROJECT_STATUS_RUNNING {
					t.Errorf("%s: status %v", p.Title, p.Status)
				}
				if p.OrgName == "" || p.PlacesTotal <= 0 || p.PlacesFilled > p.PlacesTotal || p.StartTime == nil || p.DistrictCode == "" {
					t.Errorf("incomplete project %v", p)
				}
			}
			if tok = res.Msg.NextPageToken; tok == "" {
				break
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("within 3 km: API %d projects, database %d", len(got), len(want))
		}
	})

	t.Run("登录与匿名所见相同", func(t *testing.T) {
		req := &projectv1.SearchProjectsRequest{Location: xujiahui, HasFreePlaces: true, PageSize: 20}
		a, err := anon.SearchProjects(t.Context(), connect.NewRequest(req))
		checkErr(t, "anonymous", err, 0, "")
		citizen := s.demoCitizen(t, demo.RoleCitizen)
		b, err := s.api(citizen.token).discovery.SearchProjects(t.Context(), connect.NewRequest(req))
		checkErr(t, "signed in", err, 0, "")
		if !proto.Equal(a.Msg, b.Msg) {
			t.Errorf("anonymous and signed-in answers differ")
		}
		for _, p := range a.Msg.Projects {
			if p.PlacesFilled >= p.PlacesTotal {
				t.Errorf("%s: full (%d/%d) with has_free_places", p.Title, p.PlacesFilled, p.PlacesTotal)
			}
		}
	})

	t.Run("筛选与排序", func(t *testing.T) {
		day := time.Now().Add(24 * time.Hour)
		res, err := anon.SearchProjects(t.Context(), connect.NewRequest(&projectv1.SearchProjectsRequest{
			Categories: []string{"社区服务"}, DistrictCode: "310104",
			From: timestamppb.New(time.Now()), To: timestamppb.New(day.Add(30 * 24 * time.Hour)),
			Sort: projectv1.DiscoverySort_DISCOVERY_SORT_START_TIME, PageSize: 50,
		}))
		checkErr(t, "SearchProjects filtered", err, 0, "")
		for i, p := range res.Msg.Projects {
			if !slices.Contains(p.ServiceCategories, "社区服务") || p.DistrictCode != "310104" || p.DistanceKm != nil {
				t.Errorf("filtered out project %v", p)
			}
			if i > 0 && p.StartTime.AsTime().Before(res.Msg.Projects[i-1].StartTime.AsTime()) {
				t.Errorf("not by start time at %d", i)
			}
		}
	})

	t.Run("分享详情", func(t *testing.T) {
		res, err := anon.SearchProjects(t.Context(), connect.NewRequest(&projectv1.SearchProjectsRequest{Location: xujiahui, PageSize: 1}))
		checkErr(t, "SearchProjects", err, 0, "")
		if len(res.Msg.Projects) != 1 {
			t.Fatal("no project")
		}
		p := res.Msg.Projects[0]
		d, err := anon.GetPublicProject(t.Context(), connect.NewRequest(&projectv1.GetPublicProjectRequest{ProjectId: p.Id, Location: xujiahui}))
		checkErr(t, "GetPublicProject", err, 0, "")
		got := d.Msg.Project
		if got.Title != p.Title || got.OrgName != p.OrgName || len(got.Positions) == 0 || got.Location == nil ||
			got.DistanceKm == nil || math.Abs(*got.DistanceKm-*p.DistanceKm) > 0.001 {
			t.Errorf("detail %v, listed %v", got, p)
		}
		for _, pos := range got.Positions {
			if pos.Free != max(pos.Quota-pos.Hired, 0) {
				t.Errorf("position %v", pos)
			}
		}
		// Projects not past review are not found, whoever asks.
		for _, status := range []string{"draft", "pending_review", "rejected"} {
			var id string
			err := pool.QueryRow(t.Context(), `UPDATE project.project SET status = $1
				WHERE id = (SELECT id FROM project.project WHERE status = 'recruiting' ORDER BY id LIMIT 1) RETURNING id::text`, status).Scan(&id)
			if err != nil {
				t.Fatal(err)
			}
			_, err = anon.GetPublicProject(t.Context(), connect.NewRequest(&projectv1.GetPublicProjectRequest{ProjectId: id}))
			checkErr(t, "GetPublicProject "+status, err, connect.CodeNotFound, "PROJECT_NOT_FOUND")
		}
	})

	t.Run("一个组织的项目", func(t *testing.T) {
		var org string
		if err := pool.QueryRow(t.Context(), `SELECT id::text FROM org.org WHERE name = $1`, demo.OrgXujiahui).Scan(&org); err != nil {
			t.Fatal(err)
		}
		res, err := anon.SearchProjects(t.Context(), connect.NewRequest(&projectv1.SearchProjectsRequest{OrgId: org, PageSize: 50}))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Msg.Projects) == 0 {
			t.Fatalf("%s has no open project in the demo data", demo.OrgXujiahui)
		}
		for _, p := range res.Msg.Projects {
			if p.OrgId != org {
				t.Errorf("%s of org %s in the list of %s", p.Title, p.OrgName, demo.OrgXujiahui)
			}
		}
	})

	t.Run("错误输入", func(t *testing.T) {
		for _, tc := range []struct {
			name, reason string
			req          *projectv1.SearchProjectsRequest
		}{
			{"纬度越界", "LOCATION_INVALID", &projectv1.SearchProjectsRequest{Location: &commonv1.Location{Lat: 95, Lng: 121}}},
			{"按距离无位置", "LOCATION_REQUIRED", &projectv1.SearchProjectsRequest{Sort: projectv1.DiscoverySort_DISCOVERY_SORT_DISTANCE}},
			{"负距离", "DISTANCE_INVALID", &projectv1.SearchProjectsRequest{Location: xujiahui, MaxDistanceKm: -2}},
			{"日期倒置", "DATE_RANGE_INVALID", &projectv1.SearchProjectsRequest{From: timestamppb.Now(), To: timestamppb.New(time.Now().Add(-time.Hour))}},
			{"未知类别", "CATEGORY_INVALID", &projectv1.SearchProjectsRequest{Categories: []string{"不存在"}}},
			{"未知排序", "SORT_INVALID", &projectv1.SearchProjectsRequest{Sort: 99}},
			{"负页长", "PAGE_SIZE_INVALID", &projectv1.SearchProjectsRequest{PageSize: -1}},
			{"坏分页标记", "PAGE_TOKEN_INVALID", &projectv1.SearchProjectsRequest{PageToken: "!!"}},
			{"坏组织ID", "ID_INVALID", &projectv1.SearchProjectsRequest{OrgId: "nope"}},
		} {
			_, err := anon.SearchProjects(t.Context(), connect.NewRequest(tc.req))
			checkErr(t, tc.name, err, connect.CodeInvalidArgument, tc.reason)
		}
		_, err := anon.GetPublicProject(t.Context(), connect.NewRequest(&projectv1.GetPublicProjectRequest{ProjectId: "nope"}))
		checkErr(t, "GetPublicProject bad id", err, connect.CodeInvalidArgument, "ID_INVALID")
	})
}
