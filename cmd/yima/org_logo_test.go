package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"yima/config"
	auditv1 "yima/rpc/gen/yima/audit/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/store/demo"
)

// TestOrgLogo runs org logos (V4) through the API on the demo data: 王建国
// uploads his centre's logo, audited; 陈思远, admin of the sibling 天平路,
// may not; anyone then finds logo_url on the org's public views and loads
// it from a cacheable route that revalidates with its ETag; removed, it
// is gone from both.
func TestOrgLogo(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	wang := s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui)
	chenTianping := s.demoCitizen(t, demo.RoleLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianpinglu)
	anon := orgv1connect.NewOrgDiscoveryServiceClient(s.client(""), s.URL)
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 800, 400))
	for y := range 400 {
		for x := range 800 {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 128, A: 255})
		}
	}
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	logo := b.Bytes()

	_, err := chenTianping.org.SetOrgLogo(t.Context(), connect.NewRequest(&orgv1.SetOrgLogoRequest{OrgId: xujiahui, Image: logo}))
	checkErr(t, "SetOrgLogo by a sibling org's admin", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
	_, err = wang.org.SetOrgLogo(t.Context(), connect.NewRequest(&orgv1.SetOrgLogoRequest{OrgId: xujiahui, Image: []byte("GIF89a")}))
	checkErr(t, "SetOrgLogo with a GIF header", err, connect.CodeInvalidArgument, "LOGO_TYPE_INVALID")

	res, err := wang.org.SetOrgLogo(t.Context(), connect.NewRequest(&orgv1.SetOrgLogoRequest{OrgId: xujiahui, Image: logo}))
	checkErr(t, "SetOrgLogo", err, 0, "")
	url := res.Msg.Org.LogoUrl
	if !strings.HasPrefix(url, "/logos/org/"+xujiahui+".png?v=") {
		t.Fatalf("logo_url = %q", url)
	}
	got, err := wang.org.GetOrg(t.Context(), connect.NewRequest(&orgv1.GetOrgRequest{OrgId: xujiahui}))
	checkErr(t, "GetOrg", err, 0, "")
	if got.Msg.Org.LogoUrl != url {
		t.Errorf("GetOrg logo_url = %q, want %q", got.Msg.Org.LogoUrl, url)
	}
	pub, err := anon.GetPublicOrg(t.Context(), connect.NewRequest(&orgv1.GetPublicOrgRequest{OrgId: xujiahui}))
	checkErr(t, "GetPublicOrg", err, 0, "")
	if pub.Msg.Org.LogoUrl != url {
		t.Errorf("GetPublicOrg logo_url = %q, want %q", pub.Msg.Org.LogoUrl, url)
	}
	found, err := anon.SearchOrgs(t.Context(), connect.NewRequest(&orgv1.SearchOrgsRequest{NameContains: "街道", PageSize: 50}))
	checkErr(t, "SearchOrgs", err, 0, "")
	for _, o := range found.Msg.Orgs {
		if want := map[bool]string{true: url}[o.Id == xujiahui]; o.LogoUrl != want {
			t.Errorf("SearchOrgs row %s: logo_url %q, want %q", o.Name, o.LogoUrl, want)
		}
	}
	audited := s.api(s.staff(t, "admin").token).entries(t, &auditv1.ListEntriesRequest{Procedure: orgv1connect.OrgServiceSetOrgLogoProcedure})
	var results []string
	for _, e := range audited {
		if e.Target != xujiahui {
			t.Errorf("audit entry %d targets %q, want the org %s", e.Seq, e.Target, xujiahui)
		}
		results = append(results, e.Result)
	}
	if want := []string{"ok", "invalid_argument", "permission_denied"}; !slices.Equal(results, want) {
		t.Errorf("SetOrgLogo audit results (newest first) = %v, want %v", results, want)
	}

	t.Run("公开地址", func(t *testing.T) {
		for _, tc := range []struct {
			name, path string
			status     int
			cache      string
		}{
			{"带版本长期缓存", url, http.StatusOK, "public, max-age=31536000, immutable"},
			{"无版本须验证", "/logos/org/" + xujiahui + ".png", http.StatusOK, "public, no-cache"},
			{"没有标志的组织", "/logos/org/" + tianpinglu + ".png", http.StatusNotFound, ""},
			{"不是 png", "/logos/org/" + xujiahui + ".jpg", http.StatusNotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, err := http.Get(s.URL + tc.path)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				if r.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
				}
				if tc.cache != "" && r.Header.Get("Cache-Control") != tc.cache {
					t.Errorf("Cache-Control %q, want %q", r.Header.Get("Cache-Control"), tc.cache)
				}
				if r.StatusCode != http.StatusOK {
					return
				}
				again, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+tc.path, nil)
				again.Header.Set("If-None-Match", r.Header.Get("ETag"))
				r2, err := http.DefaultClient.Do(again)
				if err != nil {
					t.Fatal(err)
				}
				r2.Body.Close()
				if r2.StatusCode != http.StatusNotModified {
					t.Errorf("revalidation with the ETag: status %d, want 304", r2.StatusCode)
				}
				stored, err := png.DecodeConfig(r.Body)
				if err != nil || stored.Width != 512 || stored.Height != 256 {
					t.Errorf("served logo %dx%d (%v), want the upload scaled to 512x256", stored.Width, stored.Height, err)
				}
			})
		}
	})

	t.Run("移除", func(t *testing.T) {
		res, err := wang.org.SetOrgLogo(t.Context(), connect.NewRequest(&orgv1.SetOrgLogoRequest{OrgId: xujiahui}))
		checkErr(t, "SetOrgLogo without an image", err, 0, "")
		if res.Msg.Org.LogoUrl != "" {
			t.Errorf("logo_url after removal = %q", res.Msg.Org.LogoUrl)
		}
		r, err := http.Get(s.URL + url)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("removed logo: status %d, want 404", r.StatusCode)
		}
	})
}

// TestMapOptions: the 找项目 map is told the tiles configured under
// web.map_tile_url, to anyone.
func TestMapOptions(t *testing.T) {
	t.Parallel()
	s := startServerAloneWith(t, func(m *Main) {
		m.Config.Web = config.Web{MapTileURL: "/tiles/{z}/{x}/{y}.png", MapTileAttribution: "天地图"}
	})
	res, err := s.api("").discovery.GetMapOptions(t.Context(), connect.NewRequest(&projectv1.GetMapOptionsRequest{}))
	checkErr(t, "GetMapOptions", err, 0, "")
	if res.Msg.TileUrl != "/tiles/{z}/{x}/{y}.png" || res.Msg.TileAttribution != "天地图" {
		t.Errorf("GetMapOptions = %v", res.Msg)
	}
}
