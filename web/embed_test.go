package web

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

var bigJS = strings.Repeat("console.log('一码做志愿');\n", 200)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"h5/index.html":               {Data: []byte(`<!doctype html><div id="app"></div>`)},
		"h5/favicon.svg":              {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
		"h5/assets/index-AbC123.js":   {Data: []byte(bigJS)},
		"h5/assets/index-AbC123.css":  {Data: []byte(`body{margin:0}`)},
		"admin/index.html":            {Data: []byte(`<!doctype html><title>admin</title>`)},
		"admin/assets/vue-XyZ789.js":  {Data: []byte(`export{}`)},
		"scan/index.html":             {Data: []byte(`scan`)},
		"org/index.html":              {Data: []byte(`org`)},
		"notanapp/index.html":         {Data: []byte(`hidden`)},
		"h5/assets/nested/deep-1.txt": {Data: []byte(`deep`)},
	}
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandler(t *testing.T) {
	h := NewHandler(testFS())
	tests := []struct {
		name         string
		method       string
		target       string
		wantStatus   int
		wantBody     string // substring
		wantCache    string
		wantType     string
		wantLocation string
	}{
		{name: "应用首页", target: "/h5/", wantStatus: 200, wantBody: `<div id="app">`, wantCache: "no-cache", wantType: "text/html; charset=utf-8"},
		{name: "显式 index.html", target: "/h5/index.html", wantStatus: 200, wantBody: `<div id="app">`, wantCache: "no-cache"},
		{name: "哈希资源长期缓存", target: "/admin/assets/vue-XyZ789.js", wantStatus: 200, wantBody: "export{}", wantCache: "public, max-age=31536000, immutable", wantType: "text/javascript; charset=utf-8"},
		{name: "样式资源", target: "/h5/assets/index-AbC123.css", wantStatus: 200, wantCache: "public, max-age=31536000, immutable", wantType: "text/css; charset=utf-8"},
		{name: "非哈希文件需重新验证", target: "/h5/favicon.svg", wantStatus: 200, wantCache: "no-cache", wantType: "image/svg+xml"},
		{name: "SPA 回退", target: "/h5/me/records", wantStatus: 200, wantBody: `<div id="app">`, wantCache: "no-cache"},
		{name: "SPA 回退带查询", target: "/admin/system/role?x=1", wantStatus: 200, wantBody: "<title>admin</title>"},
		{name: "带点的路由仍回退", target: "/admin/monitor/audit/", wantStatus: 200, wantBody: "<title>admin</title>"},
		{name: "缺失资源 404", target: "/h5/assets/index-gone.js", wantStatus: 404},
		{name: "缺失的带扩展名文件 404", target: "/h5/robots.txt", wantStatus: 404},
		{name: "根路径跳转 h5", target: "/", wantStatus: http.StatusFound, wantLocation: "/h5/"},
		{name: "无斜杠跳转", target: "/admin", wantStatus: http.StatusMovedPermanently, wantLocation: "/admin/"},
		{name: "未知前缀 404", target: "/notanapp/index.html", wantStatus: 404},
		{name: "不越出应用目录", target: "/h5/../notanapp/index.html", wantStatus: 404},
		{name: "不越出应用目录（无扩展名）", target: "/h5/../../notanapp", wantStatus: 200, wantBody: `<div id="app">`},
		{name: "目录不列出", target: "/h5/assets/nested", wantStatus: 200, wantBody: `<div id="app">`},
		{name: "嵌套资源", target: "/h5/assets/nested/deep-1.txt", wantStatus: 200, wantBody: "deep", wantCache: "public, max-age=31536000, immutable"},
		{name: "HEAD", method: http.MethodHead, target: "/scan/", wantStatus: 200, wantCache: "no-cache"},
		{name: "POST 不允许", method: http.MethodPost, target: "/h5/", wantStatus: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			res := get(t, h, method, tt.target, nil)
			got := body(t, res)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", res.StatusCode, tt.wantStatus, got)
			}
			if tt.wantBody != "" && !strings.Contains(got, tt.wantBody) {
				t.Errorf("body = %q, want it to contain %q", got, tt.wantBody)
			}
			if tt.wantCache != "" {
				if c := res.Header.Get("Cache-Control"); c != tt.wantCache {
					t.Errorf("Cache-Control = %q, want %q", c, tt.wantCache)
				}
			}
			if tt.wantType != "" {
				if c := res.Header.Get("Content-Type"); c != tt.wantType {
					t.Errorf("Content-Type = %q, want %q", c, tt.wantType)
				}
			}
			if tt.wantLocation != "" {
				if l := res.Header.Get("Location"); l != tt.wantLocation {
					t.Errorf("Location = %q, want %q", l, tt.wantLocation)
				}
			}
			// Every answer, errors included, carries the security headers.
			if csp := res.Header.Get("Content-Security-Policy"); csp != ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if v := res.Header.Get("X-Content-Type-Options"); v != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", v)
			}
		})
	}
}

func TestCSPIsStrict(t *testing.T) {
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "img-src 'self' data: blob:", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	for _, bad := range []string{"unsafe-eval", "*", "http:", "https:"} {
		if strings.Contains(ContentSecurityPolicy, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
}

func TestGzip(t *testing.T) {
	h := NewHandler(testFS())
	const target = "/h5/assets/index-AbC123.js"

	plain := get(t, h, http.MethodGet, target, nil)
	if enc := plain.Header.Get("Content-Encoding"); enc != "" {
		t.Fatalf("Content-Encoding without Accept-Encoding = %q", enc)
	}
	if got := body(t, plain); got != bigJS {
		t.Fatalf("plain body differs")
	}
	if v := plain.Header.Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding", v)
	}

	res := get(t, h, http.MethodGet, target, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if enc := res.Header.Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", enc)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(unz) != bigJS {
		t.Fatalf("gunzipped body differs")
	}
	if cl := res.Header.Get("Content-Length"); cl == "" || cl == strconv.Itoa(len(bigJS)) {
		t.Errorf("gzip Content-Length = %q, want the compressed size", cl)
	}
	if plain.Header.Get("ETag") == res.Header.Get("ETag") {
		t.Errorf("gzip and identity share ETag %s", res.Header.Get("ETag"))
	}

	refused := get(t, h, http.MethodGet, target, map[string]string{"Accept-Encoding": "gzip;q=0, *"})
	if enc := refused.Header.Get("Content-Encoding"); enc != "" {
		t.Errorf("gzip;q=0 still got Content-Encoding %q", enc)
	}

	small := get(t, h, http.MethodGet, "/admin/assets/vue-XyZ789.js", map[string]string{"Accept-Encoding": "gzip"})
	if enc := small.Header.Get("Content-Encoding"); enc != "" {
		t.Errorf("tiny file compressed: Content-Encoding %q", enc)
	}
}

func TestConditionalGet(t *testing.T) {
	h := NewHandler(testFS())
	first := get(t, h, http.MethodGet, "/h5/", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on index.html")
	}
	again := get(t, h, http.MethodGet, "/h5/some/route", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("status = %d, want 304", again.StatusCode)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"br", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"x-gzip", true},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// TestEmbeddedDist checks the committed build: every app has its index.html
// referencing hashed assets that are themselves served.
func TestEmbeddedDist(t *testing.T) {
	h := Handler()
	for _, app := range Apps() {
		t.Run(app, func(t *testing.T) {
			if _, err := fs.Stat(dist, "dist/"+app+"/index.html"); err != nil {
				t.Fatalf("dist/%s/index.html missing: run npm run build in web/", app)
			}
			res := get(t, h, http.MethodGet, "/"+app+"/", nil)
			html := body(t, res)
			if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("index: status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
			}
			i := strings.Index(html, `src="/`+app+`/assets/`)
			if i < 0 {
				t.Fatalf("index.html has no script under /%s/assets/", app)
			}
			src := html[i+len(`src="`):]
			src = src[:strings.IndexByte(src, '"')]
			asset := get(t, h, http.MethodGet, src, map[string]string{"Accept-Encoding": "gzip"})
			if asset.StatusCode != 200 {
				t.Fatalf("%s: status %d", src, asset.StatusCode)
			}
			if c := asset.Header.Get("Cache-Control"); c != cacheImmutable {
				t.Errorf("%s: Cache-Control = %q", src, c)
			}
			if asset.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("%s: not gzipped", src)
			}
			if strings.Contains(html, ".map") {
				t.Errorf("index.html references a source map")
			}
		})
	}
	// No source maps are shipped.
	_ = fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".map") {
			t.Errorf("source map in dist: %s", p)
		}
		return nil
	})
}
