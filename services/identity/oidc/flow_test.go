package oidc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"yima/services/identity/idnumber"
	"yima/services/identity/oidc"
	"yima/services/identity/oidcdev"
)

const (
	clientID     = "yima"
	clientSecret = "dev-secret/+="
)

// expiresAt is what the test SignInFunc says its tokens expire at.
var expiresAt = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// validID returns a valid Shanghai ID number, the same for the same seed.
func validID(seed uint64, male bool) string {
	r := rand.New(rand.NewPCG(seed, 42))
	return idnumber.Generate(r, "310115", time.Date(1985, 3, int(seed%28)+1, 0, 0, 0, 0, time.UTC), male)
}

// syncBuffer collects log output written from handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is one server, like `yima dev`: the mock provider at /oidc-dev and the Flow at /auth/.
type harness struct {
	mux      *http.ServeMux
	srv      *httptest.Server
	issuer   string
	provider *oidcdev.Provider
	client   *oidc.Client
	citizens []oidcdev.Citizen
	logs     *syncBuffer

	mu      sync.Mutex
	signIns []oidc.Claims
	tokens  []string
}

type options struct {
	signIn          oidc.SignInFunc // nil: record the claims and return a token
	userInfoOnly    bool
	mountProviderAt bool // false: mount the provider right away
}

func newHarness(t *testing.T, opt options) (*harness, func()) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h := &harness{mux: mux, srv: srv, issuer: srv.URL + "/oidc-dev", logs: &syncBuffer{}}
	h.citizens = []oidcdev.Citizen{
		{Name: "张伟", IDNumber: validID(1, true), Phone: "13800000001"},
		{Name: "王芳", IDNumber: validID(2, false), Phone: "13800000002"},
	}
	p, err := oidcdev.New(h.issuer, map[string]oidcdev.Client{
		clientID: {Secret: clientSecret, RedirectURIs: []string{srv.URL + oidc.CallbackPath}},
	}, h.citizens)
	if err != nil {
		t.Fatal(err)
	}
	p.ClaimsInUserInfoOnly = opt.userInfoOnly
	h.provider = p
	// The client is built before the provider is reachable, as in `yima dev`.
	h.client = oidc.New(oidc.Config{
		Issuer: h.issuer, ClientID: clientID, ClientSecret: clientSecret,
		RedirectURL: srv.URL + oidc.CallbackPath,
	}, srv.Client())
	signIn := opt.signIn
	if signIn == nil {
		signIn = h.recordSignIn
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux.Handle("/auth/", oidc.NewFlow(h.client, signIn, bytes.Repeat([]byte("k"), 32), log))
	mount := func() { mux.Handle("/oidc-dev/", http.StripPrefix("/oidc-dev", p.Handler())) }
	if !opt.mountProviderAt {
		mount()
	}
	return h, mount
}

func (h *harness) recordSignIn(_ context.Context, c oidc.Claims, r *http.Request) (string, time.Time, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.signIns = append(h.signIns, c)
	// Characters that must be escaped in the fragment.
	tok := fmt.Sprintf("tok/%d+%s=", len(h.signIns), c.Subject[:8])
	h.tokens = append(h.tokens, tok)
	return tok, expiresAt, nil
}

func (h *harness) lastSignIn() (oidc.Claims, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.signIns) == 0 {
		return oidc.Claims{}, ""
	}
	return h.signIns[len(h.signIns)-1], h.tokens[len(h.tokens)-1]
}

// browser is a cookie-keeping client that shows every redirect to the test.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type page struct {
	status   int
	location string
	body     string
}

func visit(t *testing.T, b *http.Client, method, u string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

// submit posts the first form of an authorize page with its hidden fields and extra.
func submit(t *testing.T, b *http.Client, p page, extra url.Values) page {
	t.Helper()
	m := actionRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form on the page:\n%s", p.body)
	}
	form := url.Values{}
	for _, f := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		if form.Get(f[1]) == "" {
			form.Set(f[1], html.UnescapeString(f[2]))
		}
	}
	for k, v := range extra {
		form[k] = v
	}
	return visit(t, b, http.MethodPost, html.UnescapeString(m[1]), form)
}

// toProvider starts a sign-in and returns the provider's authorize page.
func (h *harness) toProvider(t *testing.T, b *http.Client, ret string) page {
	t.Helper()
	login := visit(t, b, http.MethodGet, h.srv.URL+oidc.LoginPath+"?return="+url.QueryEscape(ret), nil)
	if login.status != http.StatusFound || !strings.HasPrefix(login.location, h.issuer+"/authorize?") {
		t.Fatalf("GET /auth/login: status %d, Location %q", login.status, login.location)
	}
	auth := visit(t, b, http.MethodGet, login.location, nil)
	if auth.status != http.StatusOK {
		t.Fatalf("GET authorize: status %d\n%s", auth.status, auth.body)
	}
	return auth
}

// toCallback picks at the provider and returns the callback URL it redirects to.
func (h *harness) toCallback(t *testing.T, b *http.Client, auth page, choice url.Values) string {
	t.Helper()
	back := submit(t, b, auth, choice)
	if back.status != http.StatusFound || !strings.HasPrefix(back.location, h.srv.URL+oidc.CallbackPath+"?") {
		t.Fatalf("POST authorize: status %d, Location %q\n%s", back.status, back.location, back.body)
	}
	return back.location
}

// signIn runs a whole sign-in and returns the final redirect.
func (h *harness) signIn(t *testing.T, b *http.Client, ret string, choice url.Values) page {
	t.Helper()
	cb := h.toCallback(t, b, h.toProvider(t, b, ret), choice)
	return visit(t, b, http.MethodGet, cb, nil)
}

// fragment splits a final Location into path and fragment values.
func fragment(t *testing.T, loc string) (string, url.Values) {
	t.Helper()
	path, frag, ok := strings.Cut(loc, "#")
	if !ok {
		t.Fatalf("Location %q has no fragment", loc)
	}
	v, err := url.ParseQuery(frag)
	if err != nil {
		t.Fatalf("fragment of %q: %v", loc, err)
	}
	return path, v
}

func TestSignIn(t *testing.T) {
	h, _ := newHarness(t, options{})
	b := newBrowser(t)

	auth := h.toProvider(t, b, "/org/")
	for _, c := range h.citizens {
		if !strings.Contains(auth.body, c.Name) || !strings.Contains(auth.body, idnumber.Mask(c.IDNumber)) {
			t.Errorf("authorize page lacks %s and the masked number %s", c.Name, idnumber.Mask(c.IDNumber))
		}
		if strings.Contains(auth.body, c.IDNumber) {
			t.Errorf("authorize page shows the full ID number of %s", c.Name)
		}
	}
	cb := h.toCallback(t, b, auth, url.Values{"citizen": {"1"}})
	final := visit(t, b, http.MethodGet, cb, nil)
	if final.status != http.StatusFound {
		t.Fatalf("callback: status %d\n%s", final.status, final.body)
	}
	path, frag := fragment(t, final.location)
	got, token := h.lastSignIn()
	if path != "/org/" || frag.Get("token") != token || frag.Get("expires_at") != "2030-01-02T03:04:05Z" {
		t.Errorf("final Location = %q; want /org/#token=%s&expires_at=2030-01-02T03:04:05Z", final.location, token)
	}
	want := oidc.Claims{Issuer: h.issuer, Subject: got.Subject, Name: "王芳", IDNumber: h.citizens[1].IDNumber, Phone: "13800000002"}
	if got != want || len(got.Subject) != 64 {
		t.Errorf("SignInFunc got %+v, want %+v with a 64-character sub", got, want)
	}
	for _, c := range b.Jar.Cookies(mustURL(t, h.srv.URL+"/auth/")) {
		if strings.HasPrefix(c.Name, "yima_login_") {
			t.Errorf("login cookie %s left behind", c.Name)
		}
	}

	// The same person typed into the form gets the same sub; another person another.
	h.signIn(t, b, "/h5/", url.Values{"name": {"王芳"}, "id_number": {h.citizens[1].IDNumber}})
	if again, _ := h.lastSignIn(); again.Subject != got.Subject || again.Phone != "" {
		t.Errorf("typed sign-in as the same person: %+v, want sub %s and no phone", again, got.Subject)
	}
	h.signIn(t, b, "/h5/", url.Values{"citizen": {"0"}})
	if other, _ := h.lastSignIn(); other.Subject == got.Subject || other.Name != "张伟" {
		t.Errorf("sign-in as 张伟: %+v", other)
	}

	logs := h.logs.String()
	for _, secret := range []string{token, url.QueryEscape(token), h.citizens[0].IDNumber, h.citizens[1].IDNumber, mustURL(t, cb).Query().Get("code")} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestUserInfoFallback(t *testing.T) {
	h, _ := newHarness(t, options{userInfoOnly: true})
	b := newBrowser(t)
	if final := h.signIn(t, b, "/h5/", url.Values{"citizen": {"0"}}); final.status != http.StatusFound {
		t.Fatalf("callback: status %d\n%s", final.status, final.body)
	}
	got, _ := h.lastSignIn()
	if got.Name != "张伟" || got.IDNumber != h.citizens[0].IDNumber || got.Phone != "13800000001" || got.Subject == "" {
		t.Errorf("claims read through /userinfo = %+v", got)
	}
}

func TestReturnPath(t *testing.T) {
	h, _ := newHarness(t, options{})
	tests := []struct{ name, ret, want string }{
		{"本站路径", "/org/", "/org/"},
		{"带查询串", "/h5/project?id=9", "/h5/project?id=9"},
		{"缺省", "", "/h5/"},
		{"协议相对地址", "//evil.example", "/h5/"},
		{"绝对地址", "https://evil.example/h5/", "/h5/"},
		{"反斜杠", `/\evil.example`, "/h5/"},
		{"原有片段被丢弃", "/org/#/x", "/org/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			final := h.signIn(t, newBrowser(t), tt.ret, url.Values{"citizen": {"0"}})
			if final.status != http.StatusFound {
				t.Fatalf("callback: status %d\n%s", final.status, final.body)
			}
			if path, _ := fragment(t, final.location); path != tt.want {
				t.Errorf("return %q landed on %q, want %q", tt.ret, path, tt.want)
			}
		})
	}
}

func TestCallbackFailures(t *testing.T) {
	h, _ := newHarness(t, options{})
	otherState := strings.Repeat("A", 43)

	tests := []struct {
		name       string
		callback   func(t *testing.T, b *http.Client) string // the URL to visit
		wantStatus int
		wantBody   string
	}{
		{"state 不符", func(t *testing.T, b *http.Client) string {
			cb := h.toCallback(t, b, h.toProvider(t, b, "/h5/"), url.Values{"citizen": {"0"}})
			u := mustURL(t, cb)
			q := u.Query()
			q.Set("state", otherState)
			u.RawQuery = q.Encode()
			return u.String()
		}, http.StatusBadRequest, "登录请求已过期或与本次登录不符"},
		{"缺少 state", func(t *testing.T, b *http.Client) string {
			h.toProvider(t, b, "/h5/")
			return h.srv.URL + oidc.CallbackPath + "?code=x"
		}, http.StatusBadRequest, "登录请求已过期或与本次登录不符"},
		{"回调重放", func(t *testing.T, b *http.Client) string {
			cb := h.toCallback(t, b, h.toProvider(t, b, "/h5/"), url.Values{"citizen": {"0"}})
			if first := visit(t, b, http.MethodGet, cb, nil); first.status != http.StatusFound {
				t.Fatalf("first callback: status %d", first.status)
			}
			return cb
		}, http.StatusBadRequest, "登录请求已过期或与本次登录不符"},
		{"授权码重放", func(t *testing.T, b *http.Client) string {
			old := h.toCallback(t, b, h.toProvider(t, b, "/h5/"), url.Values{"citizen": {"0"}})
			if first := visit(t, b, http.MethodGet, old, nil); first.status != http.StatusFound {
				t.Fatalf("first callback: status %d", first.status)
			}
			// A fresh login, so the state and cookie are right, but the old code.
			fresh := mustURL(t, h.toCallback(t, b, h.toProvider(t, b, "/h5/"), url.Values{"citizen": {"0"}}))
			q := fresh.Query()
			q.Set("code", mustURL(t, old).Query().Get("code"))
			fresh.RawQuery = q.Encode()
			return fresh.String()
		}, http.StatusBadRequest, "授权码无效、已过期或已被使用"},
		{"缺少授权码", func(t *testing.T, b *http.Client) string {
			u := mustURL(t, h.toCallback(t, b, h.toProvider(t, b, "/h5/"), url.Values{"citizen": {"0"}}))
			u.RawQuery = url.Values{"state": {u.Query().Get("state")}}.Encode()
			return u.String()
		}, http.StatusBadRequest, "缺少授权码"},
		{"用户取消授权", func(t *testing.T, b *http.Client) string {
			back := submit(t, b, h.toProvider(t, b, "/h5/"), url.Values{"action": {"deny"}})
			return back.location
		}, http.StatusForbidden, "您没有同意授权"},
		{"认证服务报错", func(t *testing.T, b *http.Client) string {
			return h.srv.URL + oidc.CallbackPath + "?error=server_error&state=" + otherState
		}, http.StatusBadGateway, "统一身份认证服务返回了错误"},
		{"cookie 被篡改", func(t *testing.T, b *http.Client) string {
			cb := h.toCallback(t, b, h.toProvider(t, b, "/h5/"), url.Values{"citizen": {"0"}})
			authURL := mustURL(t, h.srv.URL+"/auth/")
			var tampered []*http.Cookie
			for _, c := range b.Jar.Cookies(authURL) {
				// Keep the MAC, send the citizen elsewhere.
				payload, mac, _ := strings.Cut(c.Value, ".")
				raw, err := base64.RawURLEncoding.DecodeString(payload)
				if err != nil {
					t.Fatal(err)
				}
				raw = bytes.Replace(raw, []byte(`"/h5/"`), []byte(`"/evil/"`), 1)
				c.Value = base64.RawURLEncoding.EncodeToString(raw) + "." + mac
				c.Path = "/auth/"
				tampered = append(tampered, c)
			}
			if len(tampered) != 1 {
				t.Fatalf("%d login cookies, want 1", len(tampered))
			}
			b.Jar.SetCookies(authURL, tampered)
			return cb
		}, http.StatusBadRequest, "登录请求已过期或与本次登录不符"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			got := visit(t, b, http.MethodGet, tt.callback(t, b), nil)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d\n%s", got.status, tt.wantStatus, got.body)
			}
			for _, want := range []string{"登录失败", tt.wantBody, `href="/auth/login?return=`} {
				if !strings.Contains(got.body, want) {
					t.Errorf("error page lacks %q:\n%s", want, got.body)
				}
			}
			if got.location != "" {
				t.Errorf("error answered with Location %q", got.location)
			}
		})
	}
}

func TestSignInRefused(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
	}{
		{"拒绝登录", &oidc.SignInError{Status: http.StatusForbidden, Message: "您的账号已停用。", Err: errors.New("account 7 disabled")}, http.StatusForbidden, "您的账号已停用。"},
		{"内部错误", errors.New("insert person: connection refused"), http.StatusInternalServerError, "系统内部错误"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHarness(t, options{signIn: func(context.Context, oidc.Claims, *http.Request) (string, time.Time, error) {
				return "", time.Time{}, tt.err
			}})
			got := h.signIn(t, newBrowser(t), "/h5/", url.Values{"citizen": {"0"}})
			if got.status != tt.wantStatus || !strings.Contains(got.body, tt.wantBody) {
				t.Errorf("status %d, body:\n%s\nwant %d with %q", got.status, got.body, tt.wantStatus, tt.wantBody)
			}
			if strings.Contains(got.body, "account 7") || strings.Contains(got.body, "connection refused") {
				t.Errorf("error page shows internal detail:\n%s", got.body)
			}
		})
	}
}

// TestLazyDiscovery builds the Client while the provider is not served yet: login fails with a
// 502 page, and once the provider is up the same Client works.
func TestLazyDiscovery(t *testing.T) {
	h, mount := newHarness(t, options{mountProviderAt: true})
	b := newBrowser(t)
	down := visit(t, b, http.MethodGet, h.srv.URL+oidc.LoginPath, nil)
	if down.status != http.StatusBadGateway || !strings.Contains(down.body, "暂时无法连接统一身份认证服务") {
		t.Fatalf("login before the provider is up: status %d\n%s", down.status, down.body)
	}
	mount()
	if final := h.signIn(t, b, "/h5/", url.Values{"citizen": {"0"}}); final.status != http.StatusFound {
		t.Fatalf("sign-in after the provider is up: status %d\n%s", final.status, final.body)
	}
}

// TestExchange drives the Client directly: a wrong verifier and a replayed code are
// ErrInvalidGrant.
func TestExchange(t *testing.T) {
	h, _ := newHarness(t, options{})
	ctx := t.Context()
	code := func(t *testing.T, verifier string) string {
		t.Helper()
		u, err := h.client.AuthCodeURL(ctx, strings.Repeat("s", 43), verifier)
		if err != nil {
			t.Fatal(err)
		}
		q := mustURL(t, u).Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) || q.Get("nonce") == "" {
			t.Fatalf("authorize URL %s lacks PKCE S256 or a nonce", u)
		}
		if !strings.Contains(q.Get("scope"), "openid") || !strings.Contains(q.Get("scope"), "id_number") {
			t.Fatalf("scope = %q", q.Get("scope"))
		}
		b := newBrowser(t)
		auth := visit(t, b, http.MethodGet, u, nil)
		return mustURL(t, h.toCallback(t, b, auth, url.Values{"citizen": {"0"}})).Query().Get("code")
	}

	v := oauth2.GenerateVerifier()
	c := code(t, v)
	if _, err := h.client.Exchange(ctx, c, oauth2.GenerateVerifier()); !errors.Is(err, oidc.ErrInvalidGrant) {
		t.Errorf("Exchange with another verifier: %v, want ErrInvalidGrant", err)
	}
	v = oauth2.GenerateVerifier()
	c = code(t, v)
	claims, err := h.client.Exchange(ctx, c, v)
	if err != nil || claims.Name != "张伟" {
		t.Fatalf("Exchange = %+v, %v", claims, err)
	}
	if _, err := h.client.Exchange(ctx, c, v); !errors.Is(err, oidc.ErrInvalidGrant) {
		t.Errorf("Exchange of a used code: %v, want ErrInvalidGrant", err)
	}
	if _, err := h.client.Exchange(ctx, c, "short"); err == nil || errors.Is(err, oidc.ErrInvalidGrant) {
		t.Errorf("Exchange with a malformed verifier: %v, want a local error", err)
	}
}

// TestWrongIssuer checks that discovery refuses a provider whose issuer is not the configured
// one.
func TestWrongIssuer(t *testing.T) {
	h, _ := newHarness(t, options{})
	// The same provider reached under another path announces an issuer that is not the one
	// configured.
	h.mux.Handle("/alias/", http.StripPrefix("/alias", h.provider.Handler()))
	c := oidc.New(oidc.Config{
		Issuer: h.srv.URL + "/alias", ClientID: clientID, ClientSecret: clientSecret,
		RedirectURL: h.srv.URL + oidc.CallbackPath,
	}, h.srv.Client())
	_, err := c.AuthCodeURL(t.Context(), "s", oauth2.GenerateVerifier())
	if _, ok := errors.AsType[*gooidc.IssuerMismatchError](err); !ok {
		t.Errorf("AuthCodeURL with a mismatched issuer: %v, want an IssuerMismatchError", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
