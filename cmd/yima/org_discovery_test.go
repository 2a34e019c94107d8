package main

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	commonv1 "yima/rpc/gen/yima/common/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	"yima/store/demo"
)

// TestOrgDiscovery finds formal orgs without signing in (V4) on the demo
// data: nearest first from 徐家汇, by district and founding date, with
// counts that match the database; a deactivated org has no public page;
// bad input is refused.
func TestOrgDiscovery(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	anon := orgv1connect.NewOrgDiscoveryServiceClient(s.client(""), s.URL)
	pool := s.pool(t)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	here := &commonv1.Location{Lat: 31.1946, Lng: 121.4370}
	search := func(t *testing.T, req *orgv1.SearchOrgsRequest) []*orgv1.PublicOrg {
		t.Helper()
		res, err := anon.SearchOrgs(t.Context(), connect.NewRequest(req))
		checkErr(t, "SearchOrgs", err, 0, "")
		return res.Msg.Orgs
	}

	t.Run("离我最近", func(t *testing.T) {
		orgs := search(t, &orgv1.SearchOrgsRequest{Location: here, PageSize: 10})
		if len(orgs) != 10 {
			t.Fatalf("got %d orgs, want a full page of 10", len(orgs))
		}
		for i := 1; i < len(orgs); i++ {
			if orgs[i-1].DistanceKm > orgs[i].DistanceKm {
				t.Fatalf("not nearest first: %v km before %v km", orgs[i-1].DistanceKm, orgs[i].DistanceKm)
			}
		}
		if orgs[0].DistanceKm > 3 {
			t.Errorf("nearest org %s is %.1f km away, want one near 徐家汇", orgs[0].Name, orgs[0].DistanceKm)
		}
		if orgs[0].ContactPhoneMasked != "" || orgs[0].Intro != "" {
			t.Error("the list carries the contact and intro, which only the org's page shows")
		}
	})

	t.Run("按区和成立时间", func(t *testing.T) {
		orgs := search(t, &orgv1.SearchOrgsRequest{DistrictCode: "310104", Sort: orgv1.OrgSort_ORG_SORT_FOUNDED_OLDEST, PageSize: 50})
		if len(orgs) == 0 {
			t.Fatal("no orgs in 徐汇")
		}
		for i, o := range orgs {
			if o.DistrictCode != "310104" {
				t.Errorf("%s is in %s, not 310104", o.Name, o.DistrictCode)
			}
			if i > 0 && orgs[i-1].FoundedOn != "" && o.FoundedOn != "" && orgs[i-1].FoundedOn > o.FoundedOn {
				t.Errorf("not oldest first: %s before %s", orgs[i-1].FoundedOn, o.FoundedOn)
			}
		}
		var want int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM org.org WHERE status = 'active' AND district_code = '310104' AND parent_id IS NOT NULL`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if len(orgs) != want {
			t.Errorf("got %d orgs of 徐汇, the database has %d active", len(orgs), want)
		}
	})

	t.Run("组织主页", func(t *testing.T) {
		res, err := anon.GetPublicOrg(t.Context(), connect.NewRequest(&orgv1.GetPublicOrgRequest{OrgId: xujiahui, Location: here}))
		checkErr(t, "GetPublicOrg", err, 0, "")
		o := res.Msg.Org
		var members, projects, seconds int64
		if err := pool.QueryRow(t.Context(), `SELECT
			(SELECT count(*) FROM volunteer.membership WHERE org_id = $1 AND status = 'member'),
			(SELECT count(*) FROM project.project WHERE org_id = $1 AND status IN ('recruiting', 'running', 'closed')),
			(SELECT coalesce(sum(r.duration_seconds), 0) FROM record.service_record r JOIN project.project p ON p.id = r.project_id WHERE p.org_id = $1)`,
			xujiahui).Scan(&members, &projects, &seconds); err != nil {
			t.Fatal(err)
		}
		if o.Name != demo.OrgXujiahui || o.MemberCount != members || o.ProjectCount != projects || o.ServiceSeconds != seconds ||
			o.ParentName != demo.OrgXuhui || o.Intro == "" || o.FoundedOn == "" {
			t.Errorf("GetPublicOrg = %v, want %s with %d members, %d projects, %d s", o, demo.OrgXujiahui, members, projects, seconds)
		}
		if seconds == 0 {
			t.Error("the demo org has no service hours; the closed projects' records are missing")
		}
	})

	t.Run("停用的组织没有主页", func(t *testing.T) {
		tianping := s.orgByName(t, demo.OrgTianpinglu)
		if _, err := pool.Exec(t.Context(), `UPDATE org.org SET status = 'deactivated' WHERE id = $1`, tianping); err != nil {
			t.Fatal(err)
		}
		_, err := anon.GetPublicOrg(t.Context(), connect.NewRequest(&orgv1.GetPublicOrgRequest{OrgId: tianping}))
		checkErr(t, "GetPublicOrg deactivated", err, connect.CodeNotFound, "ORG_NOT_FOUND")
		for _, o := range search(t, &orgv1.SearchOrgsRequest{NameContains: "天平路"}) {
			if o.Id == tianping {
				t.Error("a deactivated org is listed")
			}
		}
	})

	t.Run("无效输入", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			req    *orgv1.SearchOrgsRequest
			reason string
		}{
			{"按距离须有位置", &orgv1.SearchOrgsRequest{Sort: orgv1.OrgSort_ORG_SORT_DISTANCE}, "LOCATION_REQUIRED"},
			{"位置无效", &orgv1.SearchOrgsRequest{Location: &commonv1.Location{Lat: 91}}, "LOCATION_INVALID"},
			{"区县代码无效", &orgv1.SearchOrgsRequest{DistrictCode: "xuhui"}, "DISTRICT_INVALID"},
			{"服务类别无效", &orgv1.SearchOrgsRequest{Category: "不存在的类别"}, "CATEGORY_INVALID"},
			{"排序无效", &orgv1.SearchOrgsRequest{Sort: 99}, "SORT_INVALID"},
			{"每页条数为负", &orgv1.SearchOrgsRequest{PageSize: -1}, "PAGE_SIZE_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := anon.SearchOrgs(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, tc.name, err, connect.CodeInvalidArgument, tc.reason)
			})
		}
		_, err := anon.GetPublicOrg(t.Context(), connect.NewRequest(&orgv1.GetPublicOrgRequest{OrgId: uuid.NewString()}))
		checkErr(t, "GetPublicOrg unknown", err, connect.CodeNotFound, "ORG_NOT_FOUND")
	})
}
