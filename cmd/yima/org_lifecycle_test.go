package main

import (
	"slices"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	commonv1 "yima/rpc/gen/yima/common/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/store/demo"
)

// TestOrgLifecycle runs the org tree, edit, deactivate / reactivate and
// status history (O1, O9, S2, S3, O11) through the API on the demo data:
// 陈思远 leads 徐汇区志愿者协会, above 王建国's 徐家汇街道志愿者服务中心.
func TestOrgLifecycle(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	huangpu := s.orgByName(t, "黄浦区志愿者协会")
	chen := s.demoCitizen(t, demo.RoleLeader)
	chenXuhui := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	chenTianping := chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianpinglu)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	admin := s.staff(t, "admin")
	missing := uuid.NewString()

	ids := func(orgs []*orgv1.OrgSummary) []string {
		var out []string
		for _, o := range orgs {
			out = append(out, o.Org.Id)
		}
		return out
	}

	t.Run("组织列表", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			as          golden
			req         *orgv1.ListOrgsRequest
			want, never []string
			wantCode    connect.Code
			wantReason  string
		}{
			{name: "区级负责人看下级", as: chenXuhui, req: &orgv1.ListOrgsRequest{ParentOrgId: xuhui},
				want: []string{xujiahui, tianpinglu}, never: []string{xuhui, huangpu}},
			{name: "区级负责人看不到其他区", as: chenXuhui, req: &orgv1.ListOrgsRequest{Level: orgv1.OrgLevel_ORG_LEVEL_DISTRICT},
				want: []string{xuhui}, never: []string{huangpu}},
			{name: "街道只看本组织", as: wang, req: &orgv1.ListOrgsRequest{ParentOrgId: xuhui},
				want: []string{xujiahui}, never: []string{tianpinglu}},
			{name: "超级管理员按层级", as: admin, req: &orgv1.ListOrgsRequest{Level: orgv1.OrgLevel_ORG_LEVEL_DISTRICT},
				want: []string{xuhui, huangpu}},
			{name: "按名称", as: admin, req: &orgv1.ListOrgsRequest{NameContains: "徐家汇"},
				want: []string{xujiahui}, never: []string{xuhui}},
			{name: "分页标记无效", as: admin, req: &orgv1.ListOrgsRequest{PageToken: "!!"},
				wantCode: connect.CodeInvalidArgument, wantReason: "PAGE_TOKEN_INVALID"},
			{name: "上级编号无效", as: admin, req: &orgv1.ListOrgsRequest{ParentOrgId: "x"},
				wantCode: connect.CodeInvalidArgument, wantReason: "ID_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.as.org.ListOrgs(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "ListOrgs", err, tc.wantCode, tc.wantReason)
				if err != nil {
					return
				}
				got := ids(res.Msg.Orgs)
				for _, w := range tc.want {
					if !slices.Contains(got, w) {
						t.Errorf("ListOrgs = %v, want %s in it", got, w)
					}
				}
				for _, n := range tc.never {
					if slices.Contains(got, n) {
						t.Errorf("ListOrgs = %v, want no %s", got, n)
					}
				}
			})
		}
		// Counts: 徐家汇 has the demo's running project and its volunteer.
		res, err := admin.org.ListOrgs(t.Context(), connect.NewRequest(&orgv1.ListOrgsRequest{NameContains: demo.OrgXujiahui}))
		checkErr(t, "ListOrgs counts", err, 0, "")
		if len(res.Msg.Orgs) != 1 || res.Msg.Orgs[0].ProjectCount < 1 {
			t.Errorf("ListOrgs %s = %v, want one org with projects", demo.OrgXujiahui, res.Msg.Orgs)
		}
		// Paging walks every district once.
		var seen []string
		tok := ""
		for range 20 {
			res, err := admin.org.ListOrgs(t.Context(), connect.NewRequest(&orgv1.ListOrgsRequest{Level: orgv1.OrgLevel_ORG_LEVEL_DISTRICT, PageSize: 3, PageToken: tok}))
			checkErr(t, "ListOrgs page", err, 0, "")
			seen = append(seen, ids(res.Msg.Orgs)...)
			if tok = res.Msg.NextPageToken; tok == "" {
				break
			}
		}
		all, err := admin.org.ListOrgs(t.Context(), connect.NewRequest(&orgv1.ListOrgsRequest{Level: orgv1.OrgLevel_ORG_LEVEL_DISTRICT}))
		checkErr(t, "ListOrgs all", err, 0, "")
		if got, want := seen, ids(all.Msg.Orgs); !slices.Equal(got, want) {
			t.Errorf("paged districts = %v, want %v", got, want)
		}
	})

	t.Run("组织树", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			as         golden
			root       string
			depth      int32
			wantChild  string
			wantCode   connect.Code
			wantReason string
		}{
			{name: "区级负责人", as: chenXuhui, root: xuhui, depth: 1, wantChild: xujiahui},
			{name: "默认一层", as: admin, root: xuhui, wantChild: tianpinglu},
			{name: "下级看不到上级", as: wang, root: xuhui, wantCode: connect.CodePermissionDenied, wantReason: "NOT_IN_SCOPE"},
			{name: "层级过深", as: admin, root: xuhui, depth: 4, wantCode: connect.CodeInvalidArgument, wantReason: "DEPTH_INVALID"},
			{name: "组织不存在", as: admin, root: missing, wantCode: connect.CodeNotFound, wantReason: "ORG_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.as.org.GetOrgTree(t.Context(), connect.NewRequest(&orgv1.GetOrgTreeRequest{RootOrgId: tc.root, Depth: tc.depth}))
				checkErr(t, "GetOrgTree", err, tc.wantCode, tc.wantReason)
				if err != nil {
					return
				}
				if res.Msg.Root.Org.Id != tc.root {
					t.Errorf("root = %s, want %s", res.Msg.Root.Org.Id, tc.root)
				}
				var kids []string
				for _, c := range res.Msg.Root.Children {
					kids = append(kids, c.Org.Id)
					if len(c.Children) != 0 && tc.depth <= 1 {
						t.Errorf("depth %d: grandchildren %v", tc.depth, c.Children)
					}
				}
				if !slices.Contains(kids, tc.wantChild) {
					t.Errorf("children = %v, want %s", kids, tc.wantChild)
				}
			})
		}
		res, err := admin.org.GetOrgTree(t.Context(), connect.NewRequest(&orgv1.GetOrgTreeRequest{RootOrgId: s.rootOrg(t), Depth: 2}))
		checkErr(t, "GetOrgTree city", err, 0, "")
		found := false
		for _, d := range res.Msg.Root.Children {
			for _, st := range d.Children {
				found = found || st.Org.Id == xujiahui
			}
		}
		if !found {
			t.Errorf("city tree at depth 2 lacks %s", demo.OrgXujiahui)
		}
	})

	t.Run("编辑组织", func(t *testing.T) {
		edit := func(org, name string) *orgv1.UpdateOrgRequest {
			return &orgv1.UpdateOrgRequest{
				OrgId: org, Name: name, SupervisingUnit: "徐汇区民政局", Address: "上海市徐汇区漕溪北路336号",
				Location: &commonv1.Location{Lat: 31.1880, Lng: 121.4365}, ServiceCategories: []string{"社区服务"},
				Intro: "服务徐家汇街道居民", ContactName: "王建国",
			}
		}
		for _, tc := range []struct {
			name       string
			as         golden
			req        *orgv1.UpdateOrgRequest
			wantCode   connect.Code
			wantReason string
		}{
			{name: "本组织负责人", as: wang, req: edit(xujiahui, demo.OrgXujiahui)},
			{name: "上级组织", as: chenXuhui, req: edit(xujiahui, demo.OrgXujiahui)},
			{name: "超级管理员", as: admin, req: edit(xujiahui, demo.OrgXujiahui)},
			{name: "下级不能改上级", as: wang, req: edit(xuhui, demo.OrgXuhui), wantCode: connect.CodePermissionDenied, wantReason: "NOT_IN_SCOPE"},
			{name: "平级不能改", as: chenTianping, req: edit(xujiahui, demo.OrgXujiahui), wantCode: connect.CodePermissionDenied, wantReason: "NOT_IN_SCOPE"},
			{name: "名称为空", as: wang, req: edit(xujiahui, " "), wantCode: connect.CodeInvalidArgument, wantReason: "NAME_REQUIRED"},
			{name: "同名", as: wang, req: edit(xujiahui, demo.OrgTianpinglu), wantCode: connect.CodeAlreadyExists, wantReason: "ORG_NAME_TAKEN"},
			{name: "位置无效", as: wang, req: func() *orgv1.UpdateOrgRequest {
				r := edit(xujiahui, demo.OrgXujiahui)
				r.Location = nil
				return r
			}(), wantCode: connect.CodeInvalidArgument, wantReason: "LOCATION_INVALID"},
			{name: "组织不存在", as: admin, req: edit(missing, "某组织"), wantCode: connect.CodeNotFound, wantReason: "ORG_NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.as.org.UpdateOrg(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "UpdateOrg", err, tc.wantCode, tc.wantReason)
				if err == nil && (res.Msg.Org.Intro != tc.req.Intro || res.Msg.Org.ContactName != tc.req.ContactName) {
					t.Errorf("UpdateOrg = %v, want intro and contact saved", res.Msg.Org)
				}
			})
		}
	})

	t.Run("停用与恢复", func(t *testing.T) {
		deactivate := func(as golden, org, why string) error {
			_, err := as.org.DeactivateOrg(t.Context(), connect.NewRequest(&orgv1.DeactivateOrgRequest{OrgId: org, Reason: why}))
			return err
		}
		reactivate := func(as golden, org, why string) error {
			_, err := as.org.ReactivateOrg(t.Context(), connect.NewRequest(&orgv1.ReactivateOrgRequest{OrgId: org, Reason: why}))
			return err
		}
		for _, tc := range []struct {
			name       string
			call       func() error
			wantCode   connect.Code
			wantReason string
		}{
			{"本组织不能停用自己", func() error { return deactivate(wang, xujiahui, "自行停用") }, connect.CodePermissionDenied, "NOT_PARENT"},
			{"上级不能停用自己", func() error { return deactivate(chenXuhui, xuhui, "自行停用") }, connect.CodePermissionDenied, "NOT_PARENT"},
			{"平级不能停用", func() error { return deactivate(chenTianping, xujiahui, "越权") }, connect.CodePermissionDenied, "NOT_PARENT"},
			{"下级不能停用上级", func() error { return deactivate(wang, xuhui, "越权") }, connect.CodePermissionDenied, "NOT_PARENT"},
			{"原因必填", func() error { return deactivate(chenXuhui, xujiahui, "  ") }, connect.CodeInvalidArgument, "REASON_REQUIRED"},
			{"组织不存在", func() error { return deactivate(admin, missing, "不存在") }, connect.CodeNotFound, "ORG_NOT_FOUND"},
			{"未停用不能恢复", func() error { return reactivate(chenXuhui, xujiahui, "恢复") }, connect.CodeFailedPrecondition, "ORG_NOT_DEACTIVATED"},
			{"上级停用", func() error { return deactivate(chenXuhui, xujiahui, "年度考核不合格") }, 0, ""},
			{"已停用不能再停用", func() error { return deactivate(admin, xujiahui, "再次停用") }, connect.CodeFailedPrecondition, "ORG_NOT_ACTIVE"},
			{"停用后负责人账号立即失效", func() error {
				_, err := wang.org.GetOrg(t.Context(), connect.NewRequest(&orgv1.GetOrgRequest{OrgId: xujiahui}))
				return err
			}, connect.CodeUnauthenticated, "ACCOUNT_INACTIVE"},
			{"停用组织不能自己恢复", func() error { return reactivate(wang, xujiahui, "恢复") }, connect.CodeUnauthenticated, "ACCOUNT_INACTIVE"},
			{"恢复原因必填", func() error { return reactivate(admin, xujiahui, "") }, connect.CodeInvalidArgument, "REASON_REQUIRED"},
		} {
			t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.name, tc.call(), tc.wantCode, tc.wantReason) })
		}

		arch, err := chenXuhui.org.ListOrgs(t.Context(), connect.NewRequest(&orgv1.ListOrgsRequest{Status: orgv1.OrgStatus_ORG_STATUS_DEACTIVATED}))
		checkErr(t, "ListOrgs archive", err, 0, "")
		if got := ids(arch.Msg.Orgs); !slices.Equal(got, []string{xujiahui}) {
			t.Errorf("archive = %v, want [%s]", got, xujiahui)
		}

		checkErr(t, "ReactivateOrg", reactivate(admin, xujiahui, "整改完成"), 0, "")
		if _, err := wang.org.GetOrg(t.Context(), connect.NewRequest(&orgv1.GetOrgRequest{OrgId: xujiahui})); err != nil {
			t.Errorf("leader after reactivation: %v", err)
		}

		for _, tc := range []struct {
			name       string
			as         golden
			org        string
			wantCode   connect.Code
			wantReason string
		}{
			{"本组织", wang, xujiahui, 0, ""},
			{"上级", chenXuhui, xujiahui, 0, ""},
			{"其他区", chenXuhui, huangpu, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"不存在", admin, missing, connect.CodeNotFound, "ORG_NOT_FOUND"},
		} {
			t.Run("历史/"+tc.name, func(t *testing.T) {
				res, err := tc.as.org.ListOrgStatusHistory(t.Context(), connect.NewRequest(&orgv1.ListOrgStatusHistoryRequest{OrgId: tc.org}))
				checkErr(t, "ListOrgStatusHistory", err, tc.wantCode, tc.wantReason)
				if err != nil {
					return
				}
				ch := res.Msg.Changes
				if len(ch) < 2 {
					t.Fatalf("history = %v, want the deactivation and reactivation", ch)
				}
				d, r := ch[len(ch)-2], ch[len(ch)-1]
				if d.FromStatus != orgv1.OrgStatus_ORG_STATUS_ACTIVE || d.ToStatus != orgv1.OrgStatus_ORG_STATUS_DEACTIVATED || d.Reason != "年度考核不合格" || d.ByPersonId == "" {
					t.Errorf("deactivation = %v", d)
				}
				if r.FromStatus != orgv1.OrgStatus_ORG_STATUS_DEACTIVATED || r.ToStatus != orgv1.OrgStatus_ORG_STATUS_ACTIVE || r.Reason != "整改完成" {
					t.Errorf("reactivation = %v", r)
				}
			})
		}
	})
}

// rootOrg returns the id of the city org.
func (s *testServer) rootOrg(t testing.TB) string {
	t.Helper()
	var id uuid.UUID
	if err := s.pool(t).QueryRow(t.Context(), `SELECT id FROM org.org WHERE parent_id IS NULL`).Scan(&id); err != nil {
		t.Fatalf("root org: %v", err)
	}
	return id.String()
}
