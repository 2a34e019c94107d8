package main

import (
	"slices"
	"testing"

	"connectrpc.com/connect"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/services/org"
	"yima/store/demo"
)

// TestOrgChoices runs the registrant's parent picker (O1): a citizen, who
// holds no org scope, browses the active orgs from the root down and by
// name; a pending org is offered only once it is admitted.
func TestOrgChoices(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	citizen := s.demoCitizen(t, demo.RoleCitizen)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)

	list := func(t *testing.T, req *orgv1.ListOrgChoicesRequest) *orgv1.ListOrgChoicesResponse {
		t.Helper()
		res, err := citizen.org.ListOrgChoices(t.Context(), connect.NewRequest(req))
		checkErr(t, "ListOrgChoices", err, 0, "")
		return res.Msg
	}
	find := func(cs []*orgv1.OrgChoice, id string) *orgv1.OrgChoice {
		i := slices.IndexFunc(cs, func(c *orgv1.OrgChoice) bool { return c.Id == id })
		if i < 0 {
			return nil
		}
		return cs[i]
	}

	t.Run("从根组织往下选", func(t *testing.T) {
		root := list(t, &orgv1.ListOrgChoicesRequest{}).Orgs
		if len(root) != 1 || root[0].Name != org.RootName || !root[0].HasChildren || root[0].ParentOrgId != "" {
			t.Fatalf("root choices = %v, want %s alone, with children", root, org.RootName)
		}
		districts := list(t, &orgv1.ListOrgChoicesRequest{ParentOrgId: root[0].Id, PageSize: 200}).Orgs
		got := find(districts, xuhui)
		if got == nil || got.Level != orgv1.OrgLevel_ORG_LEVEL_DISTRICT || got.ParentName != org.RootName || !got.HasChildren {
			t.Fatalf("children of the root = %v, want %s (district, below %s, with children)", districts, demo.OrgXuhui, org.RootName)
		}
		streets := list(t, &orgv1.ListOrgChoicesRequest{ParentOrgId: xuhui, PageSize: 200}).Orgs
		if find(streets, xujiahui) == nil || find(streets, xuhui) != nil {
			t.Errorf("children of %s = %v, want %s and not itself", demo.OrgXuhui, streets, demo.OrgXujiahui)
		}
	})

	t.Run("按名称搜索", func(t *testing.T) {
		got := find(list(t, &orgv1.ListOrgChoicesRequest{NameContains: " 徐家汇街道 "}).Orgs, xujiahui)
		if got == nil || got.ParentName != demo.OrgXuhui {
			t.Fatalf("search 徐家汇街道 found %v, want %s below %s", got, demo.OrgXujiahui, demo.OrgXuhui)
		}
	})

	t.Run("分页", func(t *testing.T) {
		first := list(t, &orgv1.ListOrgChoicesRequest{ParentOrgId: xuhui, PageSize: 1})
		if len(first.Orgs) != 1 || first.NextPageToken == "" {
			t.Fatalf("first page = %d orgs, token %q; want 1 and a token", len(first.Orgs), first.NextPageToken)
		}
		second := list(t, &orgv1.ListOrgChoicesRequest{ParentOrgId: xuhui, PageSize: 1, PageToken: first.NextPageToken})
		if len(second.Orgs) != 1 || second.Orgs[0].Id == first.Orgs[0].Id {
			t.Errorf("second page = %v, want another org than %v", second.Orgs, first.Orgs)
		}
	})

	t.Run("待审核组织通过后才可选", func(t *testing.T) {
		pending := citizen.registerOrg(t, "天钥桥社区志愿服务队", xujiahui)
		offered := func() bool {
			return find(list(t, &orgv1.ListOrgChoicesRequest{ParentOrgId: xujiahui, PageSize: 200}).Orgs, pending.Id) != nil
		}
		if offered() {
			t.Fatal("a pending org is offered as a parent")
		}
		if got := find(list(t, &orgv1.ListOrgChoicesRequest{NameContains: "天钥桥社区志愿服务队"}).Orgs, pending.Id); got != nil {
			t.Fatal("a pending org is found by name")
		}
		wang.reviewOrg(t, pending.Id, true, "")
		if !offered() {
			t.Error("an admitted org is not offered as a parent")
		}
	})

	t.Run("参数错误", func(t *testing.T) {
		for _, tc := range []struct {
			name, reason string
			req          *orgv1.ListOrgChoicesRequest
		}{
			{"上级编号无效", "ID_INVALID", &orgv1.ListOrgChoicesRequest{ParentOrgId: "x"}},
			{"分页标记无效", "PAGE_TOKEN_INVALID", &orgv1.ListOrgChoicesRequest{PageToken: "!!"}},
			{"每页条数为负", "PAGE_SIZE_INVALID", &orgv1.ListOrgChoicesRequest{PageSize: -1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := citizen.org.ListOrgChoices(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "ListOrgChoices", err, connect.CodeInvalidArgument, tc.reason)
			})
		}
	})
}
