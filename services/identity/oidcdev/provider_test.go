package oidcdev

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"yima/services/identity/idnumber"
)

const (
	testClient   = "yima"
	testSecret   = "s3cret/+="
	testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier"
)

// validID returns a valid ID number for a Shanghai district, the same for the same seed.
func validID(seed uint64, male bool) string {
	r := rand.New(rand.NewPCG(seed, 0))
	return idnumber.Generate(r, "310104", time.Date(1990, 5, int(seed%28)+1, 0, 0, 0, 0, time.UTC), male)
}

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// clock is a settable time source; the provider reads it from its handlers' goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	clock    *clock
	p        *Provider
	srv      *httptest.Server
	redirect string
	citizens []Citizen
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, redirect: "https://rp.example/auth/callback?keep=1"}
	f.citizens = []Citizen{
		{Name: "张伟", IDNumber: validID(1, true), Phone: "13800000001"},
		{Name: "王芳", IDNumber: validID(2, false)},
	}
	p, err := New(srv.URL+"/oidc-dev", map[string]Client{
		testClient: {Secret: testSecret, RedirectURIs: []string{f.redirect}},
		"other":    {Secret: "other-secret", RedirectURIs: []string{"https://other.example/cb"}},
	}, f.citizens)
	if err != nil {
		t.Fatal(err)
	}
	f.clock = &clock{t: time.Now()}
	p.now = f.clock.Now
	f.p = p
	mux.Handle("/oidc-dev/", http.StripPrefix("/oidc-dev", p.Handler()))
	return f
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (f *fixture) authParams() url.Values {
	return url.Values{
		"client_id": {testClient}, "redirect_uri": {f.redirect}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {challenge(testVerifier)}, "code_challenge_method": {"S256"},
	}
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (f *fixture) get(t *testing.T, path string, q url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path+"?"+q.Encode(), nil)
	return do(t, req)
}

func (f *fixture) post(t *testing.T, path string, form url.Values, basicID, basicSecret string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	return do(t, req)
}

// code signs in with extra form fields (e.g. citizen=0) and returns the code.
func (f *fixture) code(t *testing.T, extra url.Values) string {
	t.Helper()
	form := f.authParams()
	for k, v := range extra {
		form[k] = v
	}
	resp, body := f.post(t, "/oidc-dev/authorize", form, "", "")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST /authorize: status %d, body %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loc.Query().Get("state"), "st-1"; got != want {
		t.Fatalf("state = %q, want %q", got, want)
	}
	if got, want := loc.Query().Get("keep"), "1"; got != want {
		t.Fatalf("redirect URI query lost: keep = %q", got)
	}
	return loc.Query().Get("code")
}

func (f *fixture) redeemForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect}, "code_verifier": {testVerifier}}
}

func decodeJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return m
}

func TestNew(t *testing.T) {
	good := map[string]Client{"c": {Secret: "s", RedirectURIs: []string{"http://x/cb"}}}
	tests := []struct {
		name     string
		issuer   string
		clients  map[string]Client
		citizens []Citizen
		wantErr  string
	}{
		{"有效配置", "http://127.0.0.1:8080/oidc-dev/", good, []Citizen{{Name: "张伟", IDNumber: validID(1, true)}}, ""},
		{"签发者不是URL", "127.0.0.1/oidc-dev", good, nil, "check issuer"},
		{"签发者带查询串", "http://x/?a=1", good, nil, "check issuer"},
		{"客户端无密钥", "http://x", map[string]Client{"c": {RedirectURIs: []string{"http://x/cb"}}}, nil, "check client"},
		{"客户端无回调", "http://x", map[string]Client{"c": {Secret: "s"}}, nil, "check client"},
		{"回调地址相对", "http://x", map[string]Client{"c": {Secret: "s", RedirectURIs: []string{"/cb"}}}, nil, "check client"},
		{"身份证号无效", "http://x", good, []Citizen{{Name: "张伟", IDNumber: "310104199001010000"}}, "check citizen 0"},
		{"姓名为空", "http://x", good, []Citizen{{IDNumber: validID(1, true)}}, "check citizen 0"},
		{"手机号无效", "http://x", good, []Citizen{{Name: "张伟", IDNumber: validID(1, true), Phone: "12345"}}, "check citizen 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.issuer, tt.clients, tt.citizens)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if got, want := p.Issuer(), "http://127.0.0.1:8080/oidc-dev"; got != want {
					t.Errorf("Issuer() = %q, want %q", got, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/oidc-dev/.well-known/openid-configuration", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	m := decodeJSON(t, body)
	for k, want := range map[string]string{
		"issuer":                 f.srv.URL + "/oidc-dev",
		"authorization_endpoint": f.srv.URL + "/oidc-dev/authorize",
		"token_endpoint":         f.srv.URL + "/oidc-dev/token",
		"userinfo_endpoint":      f.srv.URL + "/oidc-dev/userinfo",
		"jwks_uri":               f.srv.URL + "/oidc-dev/jwks",
	} {
		if got := m[k]; got != want {
			t.Errorf("%s = %v, want %s", k, got, want)
		}
	}
	resp, body = f.get(t, "/oidc-dev/jwks", nil)
	keys, _ := decodeJSON(t, body)["keys"].([]any)
	if resp.StatusCode != http.StatusOK || len(keys) != 1 {
		t.Fatalf("jwks: status %d, %d keys", resp.StatusCode, len(keys))
	}
	if k := keys[0].(map[string]any); k["kty"] != "RSA" || k["alg"] != "RS256" || k["kid"] == "" || k["d"] != nil {
		t.Errorf("jwks key = %v, want a public RS256 key with kid", k)
	}
}

func TestAuthorizePage(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/oidc-dev/authorize", f.authParams())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{"随申办统一身份认证（开发模拟）", "张伟", "王芳", idnumber.Mask(f.citizens[0].IDNumber), idnumber.Mask(f.citizens[1].IDNumber)} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, c := range f.citizens {
		if strings.Contains(body, c.IDNumber) {
			t.Errorf("page shows the full ID number of %s", c.Name)
		}
	}
}

func TestAuthorizeRequestErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		change     func(url.Values)
		wantStatus int
		wantError  string // OAuth error sent to the redirect URI; empty: an error page
	}{
		{"未知应用", func(v url.Values) { v.Set("client_id", "nobody") }, http.StatusBadRequest, ""},
		{"回调地址未登记", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, http.StatusBadRequest, ""},
		{"回调地址属于另一应用", func(v url.Values) { v.Set("redirect_uri", "https://other.example/cb") }, http.StatusBadRequest, ""},
		{"隐式模式", func(v url.Values) { v.Set("response_type", "token") }, http.StatusFound, "unsupported_response_type"},
		{"缺少 openid", func(v url.Values) { v.Set("scope", "profile") }, http.StatusFound, "invalid_scope"},
		{"缺少 PKCE", func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, http.StatusFound, "invalid_request"},
		{"PKCE plain", func(v url.Values) { v.Set("code_challenge_method", "plain") }, http.StatusFound, "invalid_request"},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				v := f.authParams()
				tt.change(v)
				v.Set("citizen", "0")
				var resp *http.Response
				var body string
				if method == http.MethodGet {
					resp, body = f.get(t, "/oidc-dev/authorize", v)
				} else {
					resp, body = f.post(t, "/oidc-dev/authorize", v, "", "")
				}
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
				}
				if tt.wantError == "" {
					if loc := resp.Header.Get("Location"); loc != "" {
						t.Fatalf("redirected to %s, want an error page", loc)
					}
					return
				}
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if got := loc.Query().Get("error"); got != tt.wantError {
					t.Errorf("error = %q, want %q", got, tt.wantError)
				}
				if got := loc.Query().Get("state"); got != "st-1" {
					t.Errorf("state = %q, want st-1", got)
				}
				if loc.Query().Get("code") != "" {
					t.Error("a code was issued")
				}
			})
		}
	}
}

func TestAuthorizeForm(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantBody   string
	}{
		{"选择演示市民", url.Values{"citizen": {"1"}}, http.StatusFound, ""},
		{"输入任意身份", url.Values{"name": {" 李娜 "}, "id_number": {validID(7, false)}, "phone": {"13912345678"}}, http.StatusFound, ""},
		{"校验位错误", url.Values{"name": {"李娜"}, "id_number": {"310104199001010001"}}, http.StatusBadRequest, "身份证号码校验位错误"},
		{"号码位数不对", url.Values{"name": {"李娜"}, "id_number": {"31010419900101"}}, http.StatusBadRequest, "身份证号码格式错误"},
		{"姓名为空", url.Values{"name": {"  "}, "id_number": {validID(7, false)}}, http.StatusBadRequest, "请输入姓名"},
		{"手机号无效", url.Values{"name": {"李娜"}, "id_number": {validID(7, false)}, "phone": {"2345"}}, http.StatusBadRequest, "手机号码应为以1开头的11位数字"},
		{"市民序号越界", url.Values{"citizen": {"9"}}, http.StatusBadRequest, "请选择列表中的市民"},
		{"取消授权", url.Values{"action": {"deny"}}, http.StatusFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := f.authParams()
			for k, v := range tt.form {
				form[k] = v
			}
			resp, body := f.post(t, "/oidc-dev/authorize", form, "", "")
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body lacks %q:\n%s", tt.wantBody, body)
			}
			if tt.wantStatus == http.StatusBadRequest {
				// The form stays usable: the request is carried on, the citizens still offered.
				if !strings.Contains(body, `name="code_challenge" value="`+challenge(testVerifier)+`"`) || !strings.Contains(body, "张伟") {
					t.Errorf("re-rendered form lost the request or the citizens:\n%s", body)
				}
			}
		})
	}
}

func TestToken(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		change     func(form url.Values) (basicID, basicSecret string)
		advance    time.Duration
		wantStatus int
		wantError  string
	}{
		{"client_secret_basic", func(url.Values) (string, string) { return testClient, testSecret }, 0, http.StatusOK, ""},
		{"client_secret_post", func(v url.Values) (string, string) {
			v.Set("client_id", testClient)
			v.Set("client_secret", testSecret)
			return "", ""
		}, 0, http.StatusOK, ""},
		{"密钥错误", func(url.Values) (string, string) { return testClient, "wrong" }, 0, http.StatusUnauthorized, "invalid_client"},
		{"没有客户端认证", func(v url.Values) (string, string) { v.Set("client_id", testClient); return "", "" }, 0, http.StatusUnauthorized, "invalid_client"},
		{"两种认证同时使用", func(v url.Values) (string, string) {
			v.Set("client_secret", testSecret)
			return testClient, testSecret
		}, 0, http.StatusBadRequest, "invalid_request"},
		{"PKCE 校验码错误", func(v url.Values) (string, string) {
			v.Set("code_verifier", strings.Repeat("x", 43))
			return testClient, testSecret
		}, 0, http.StatusBadRequest, "invalid_grant"},
		{"缺少 PKCE 校验码", func(v url.Values) (string, string) { v.Del("code_verifier"); return testClient, testSecret }, 0, http.StatusBadRequest, "invalid_grant"},
		{"回调地址不符", func(v url.Values) (string, string) {
			v.Set("redirect_uri", "https://rp.example/auth/callback")
			return testClient, testSecret
		}, 0, http.StatusBadRequest, "invalid_grant"},
		{"授权码属于另一应用", func(url.Values) (string, string) { return "other", "other-secret" }, 0, http.StatusBadRequest, "invalid_grant"},
		{"未知授权码", func(v url.Values) (string, string) { v.Set("code", "nope"); return testClient, testSecret }, 0, http.StatusBadRequest, "invalid_grant"},
		{"授权码过期", func(url.Values) (string, string) { return testClient, testSecret }, codeTTL + time.Second, http.StatusBadRequest, "invalid_grant"},
		{"授权码未过期", func(url.Values) (string, string) { return testClient, testSecret }, codeTTL - time.Second, http.StatusOK, ""},
		{"不支持的授权类型", func(v url.Values) (string, string) {
			v.Set("grant_type", "password")
			return testClient, testSecret
		}, 0, http.StatusBadRequest, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := time.Now()
			f.clock.Set(base)
			code := f.code(t, url.Values{"citizen": {"0"}})
			form := f.redeemForm(code)
			id, secret := tt.change(form)
			f.clock.Set(base.Add(tt.advance))
			resp, body := f.post(t, "/oidc-dev/token", form, id, secret)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			m := decodeJSON(t, body)
			if tt.wantError != "" {
				if got := m["error"]; got != tt.wantError {
					t.Errorf("error = %v, want %s", got, tt.wantError)
				}
				return
			}
			if m["id_token"] == nil || m["access_token"] == nil || m["token_type"] != "Bearer" {
				t.Errorf("token response = %v", m)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

func TestCodeReplayRevokesAccessToken(t *testing.T) {
	f := newFixture(t)
	form := f.redeemForm(f.code(t, url.Values{"citizen": {"0"}}))
	resp, body := f.post(t, "/oidc-dev/token", form, testClient, testSecret)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first redemption: status %d, %s", resp.StatusCode, body)
	}
	at, _ := decodeJSON(t, body)["access_token"].(string)
	userinfo := func() int {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/oidc-dev/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+at)
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	if got := userinfo(); got != http.StatusOK {
		t.Fatalf("userinfo before replay: status %d", got)
	}
	resp, body = f.post(t, "/oidc-dev/token", form, testClient, testSecret)
	if resp.StatusCode != http.StatusBadRequest || decodeJSON(t, body)["error"] != "invalid_grant" {
		t.Fatalf("replay: status %d, %s; want 400 invalid_grant", resp.StatusCode, body)
	}
	if got := userinfo(); got != http.StatusUnauthorized {
		t.Errorf("userinfo after replay: status %d, want 401", got)
	}
}

// TestSubject checks that a person's sub depends on the ID number only: the same for a demo
// citizen and for the same number typed in (any case of X), different for another number.
func TestSubject(t *testing.T) {
	f := newFixture(t)
	sub := func(extra url.Values) (sub string, claims map[string]any) {
		t.Helper()
		resp, body := f.post(t, "/oidc-dev/token", f.redeemForm(f.code(t, extra)), testClient, testSecret)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("token: status %d, %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/oidc-dev/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+decodeJSON(t, body)["access_token"].(string))
		_, body = do(t, req)
		m := decodeJSON(t, body)
		return m["sub"].(string), m
	}
	first, claims := sub(url.Values{"citizen": {"0"}})
	if claims["name"] != "张伟" || claims["id_number"] != f.citizens[0].IDNumber || claims["phone_number"] != "13800000001" {
		t.Errorf("userinfo = %v", claims)
	}
	if len(first) != 64 {
		t.Errorf("sub %q: want 64 hex characters (HMAC-SM3)", first)
	}
	typed, _ := sub(url.Values{"name": {"张伟"}, "id_number": {strings.ToLower(f.citizens[0].IDNumber)}})
	other, _ := sub(url.Values{"citizen": {"1"}})
	if typed != first {
		t.Errorf("same ID number, different sub: %s, %s", first, typed)
	}
	if other == first {
		t.Errorf("different ID numbers, same sub %s", first)
	}
}

func TestUserinfoRejects(t *testing.T) {
	f := newFixture(t)
	for _, auth := range []string{"", "Bearer nope", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/oidc-dev/userinfo", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, _ := do(t, req)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("Authorization %q: status %d, WWW-Authenticate %q", auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}
