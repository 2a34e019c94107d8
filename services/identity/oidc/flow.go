package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/oauth2"
)

// The paths the Flow serves. Mount the Flow at "/auth/"; register
// <public origin> + CallbackPath as the redirect URI at the provider.
const (
	// LoginPath starts a sign-in: GET /auth/login?return=/h5/.
	LoginPath = "/auth/login"
	// CallbackPath is where the provider sends the citizen back: GET /auth/callback?code=&state=.
	CallbackPath = "/auth/callback"
	// DefaultReturn is where a citizen lands when the return path is missing or not local.
	DefaultReturn = "/h5/"
)

const (
	// loginTTL bounds how long a citizen may spend at the provider before the login cookie,
	// and with it the state and verifier, expires.
	loginTTL = 10 * time.Minute
	// cookiePrefix + state names the login cookie: one cookie per login, so two tabs signing in
	// at once do not overwrite each other's state.
	cookiePrefix = "yima_login_"
	// cookiePath limits the login cookie to the Flow's own paths.
	cookiePath = "/auth/"
	// maxReturnLen bounds the return path carried in the cookie.
	maxReturnLen = 1024
	// macLabel separates this MAC from any other use of the key.
	macLabel = "yima oidc login cookie v1\x00"
)

// SignInFunc turns verified claims into a yima session: it finds or creates the person and
// their citizen account and issues a token. r is the callback request, for the client address
// and user agent. A *SignInError refuses the citizen with a message they can read; any other
// error is an internal error.
type SignInFunc func(ctx context.Context, c Claims, r *http.Request) (token string, expiresAt time.Time, err error)

// SignInError is how a SignInFunc refuses a sign-in the citizen can do something about (an
// account that is disabled, say): the Flow answers with Status and shows Message as is. Err,
// if set, is logged and never shown.
type SignInError struct {
	// Status is the HTTP status, a 4xx.
	Status int
	// Message is a Chinese sentence for the citizen.
	Message string
	// Err is the cause, for the log.
	Err error
}

// Error returns the message and the cause.
func (e *SignInError) Error() string {
	if e.Err == nil {
		return "sign-in refused: " + e.Message
	}
	return "sign-in refused: " + e.Message + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *SignInError) Unwrap() error { return e.Err }

// Flow serves the browser side of a sign-in: LoginPath sends the citizen to the provider and
// CallbackPath brings them back with a yima token in the URL fragment of their return path
// (#token=…&expires_at=…), which keeps the token out of server logs and Referer headers.
//
// Between the two, the state, the PKCE verifier and the return path wait in a short-lived
// HttpOnly, SameSite=Lax cookie, authenticated with HMAC-SM3 under the cookie key, so the Flow
// itself keeps no state and any replica can serve the callback.
type Flow struct {
	client *Client
	signIn SignInFunc
	key    []byte
	log    *slog.Logger
	secure bool // the cookie is Secure when yima is served over https
	now    func() time.Time
}

// NewFlow returns a Flow. cookieKey authenticates the login cookie and must be at least 32
// random bytes shared by every replica; NewFlow panics on a shorter key, a programming error.
// log may be nil.
func NewFlow(client *Client, signIn SignInFunc, cookieKey []byte, log *slog.Logger) *Flow {
	if len(cookieKey) < 32 {
		panic(fmt.Sprintf("oidc.NewFlow: cookie key has %d bytes, want at least 32", len(cookieKey)))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "oidc")
	if u, err := url.Parse(client.cfg.RedirectURL); err != nil || u.Path != CallbackPath {
		log.Warn("redirect URL does not end in the callback path", "redirect_url", client.cfg.RedirectURL, "want_path", CallbackPath)
	}
	return &Flow{
		client: client,
		signIn: signIn,
		key:    append([]byte(nil), cookieKey...),
		log:    log,
		secure: strings.HasPrefix(strings.ToLower(client.cfg.RedirectURL), "https://"),
		now:    time.Now,
	}
}

// ServeHTTP serves GET LoginPath and GET CallbackPath; anything else gets a 404 or 405 page.
// Failures answer with a short Chinese page (登录失败) and the matching status: 400 for an
// expired or mismatched login, a missing or rejected code; 403 when the citizen declined at the
// provider; 502 when the provider is unreachable or misbehaves; 500 for an internal error in
// the SignInFunc.
func (f *Flow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Every answer here carries a state, a code or a token in a URL: none may be cached or
	// leak through Referer.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	var handle func(http.ResponseWriter, *http.Request)
	switch r.URL.Path {
	case LoginPath:
		handle = f.login
	case CallbackPath:
		handle = f.callback
	default:
		f.fail(w, r, failure{status: http.StatusNotFound, message: "页面不存在。", reason: "not_found"})
		return
	}
	// Not even HEAD: a callback consumes its cookie, and a prefetcher must not.
	if r.Method != http.MethodGet {
		h.Set("Allow", "GET")
		f.fail(w, r, failure{status: http.StatusMethodNotAllowed, message: "请求方式不正确。", reason: "method"})
		return
	}
	handle(w, r)
}

// login starts a sign-in.
func (f *Flow) login(w http.ResponseWriter, r *http.Request) {
	ret := SafeReturn(r.URL.Query().Get("return"))
	state := newState()
	verifier := oauth2.GenerateVerifier()
	to, err := f.client.AuthCodeURL(r.Context(), state, verifier)
	if err != nil {
		f.fail(w, r, failure{status: http.StatusBadGateway, message: "暂时无法连接统一身份认证服务，请稍后再试。",
			reason: "discovery", err: err, ret: ret})
		return
	}
	c := loginCookie{Verifier: verifier, Return: ret, Expires: f.now().Add(loginTTL).Unix()}
	http.SetCookie(w, &http.Cookie{
		Name:     cookiePrefix + state,
		Value:    c.seal(f.key, state),
		Path:     cookiePath,
		MaxAge:   int(loginTTL / time.Second),
		HttpOnly: true,
		Secure:   f.secure,
		SameSite: http.SameSiteLaxMode,
	})
	redirect(w, to)
}

// callback finishes a sign-in.
func (f *Flow) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	lc, ok := f.takeCookie(w, r, state)
	ret := DefaultReturn
	if ok {
		ret = lc.Return
	}
	if e := q.Get("error"); e != "" {
		fl := failure{status: http.StatusBadGateway, message: "统一身份认证服务返回了错误，请稍后再试。",
			reason: "provider_error", ret: ret}
		if e == "access_denied" {
			fl.status, fl.message = http.StatusForbidden, "您没有同意授权，未能登录。"
		}
		fl.attrs = []any{"provider_error", loggable(e)}
		f.fail(w, r, fl)
		return
	}
	if !ok {
		f.fail(w, r, failure{status: http.StatusBadRequest, message: "登录请求已过期或与本次登录不符，请重新登录。",
			reason: "state"})
		return
	}
	code := q.Get("code")
	if code == "" {
		f.fail(w, r, failure{status: http.StatusBadRequest, message: "缺少授权码，请重新登录。", reason: "no_code", ret: ret})
		return
	}
	claims, err := f.client.Exchange(r.Context(), code, lc.Verifier)
	if err != nil {
		fl := failure{status: http.StatusBadGateway, message: "统一身份认证服务暂时不可用，请稍后再试。",
			reason: "exchange", err: err, ret: ret}
		if errors.Is(err, ErrInvalidGrant) {
			fl.status, fl.message, fl.reason = http.StatusBadRequest, "授权码无效、已过期或已被使用，请重新登录。", "invalid_grant"
		}
		f.fail(w, r, fl)
		return
	}
	token, expires, err := f.signIn(r.Context(), claims, r)
	if err != nil {
		fl := failure{status: http.StatusInternalServerError, message: "系统内部错误，请稍后再试。",
			reason: "sign_in", err: err, ret: ret}
		if se, ok := errors.AsType[*SignInError](err); ok && se.Status >= 400 && se.Status < 500 {
			fl.status, fl.message, fl.reason = se.Status, se.Message, "sign_in_refused"
		}
		f.fail(w, r, fl)
		return
	}
	f.log.LogAttrs(r.Context(), slog.LevelInfo, "signed in", slog.String("issuer", claims.Issuer))
	redirect(w, ret+"#token="+url.QueryEscape(token)+"&expires_at="+url.QueryEscape(expires.UTC().Format(time.RFC3339)))
}

// takeCookie reads, deletes and checks the login cookie for state. Deleting comes first, so a
// cookie serves one callback whatever the outcome.
func (f *Flow) takeCookie(w http.ResponseWriter, r *http.Request, state string) (loginCookie, bool) {
	if !validState(state) {
		return loginCookie{}, false
	}
	ck, err := r.Cookie(cookiePrefix + state)
	if err != nil {
		return loginCookie{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: ck.Name, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteLaxMode})
	lc, err := openCookie(f.key, state, ck.Value)
	if err != nil || f.now().Unix() > lc.Expires {
		return loginCookie{}, false
	}
	return lc, true
}

// loginCookie is what waits in the browser between login and callback. The state is the
// cookie's name, covered by the MAC.
type loginCookie struct {
	Verifier string `json:"v"`
	Return   string `json:"r"`
	Expires  int64  `json:"x"` // Unix seconds; the MAC makes it trustworthy, unlike Max-Age
}

// seal encodes c as base64url(JSON) "." base64url(HMAC-SM3).
func (c loginCookie) seal(key []byte, state string) string {
	b, _ := json.Marshal(c) // strings and an int: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(cookieMAC(key, state, payload))
}

// openCookie checks the MAC of a sealed cookie for state and decodes it.
func openCookie(key []byte, state, value string) (loginCookie, error) {
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return loginCookie{}, errors.New("open login cookie: no MAC")
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, cookieMAC(key, state, payload)) {
		return loginCookie{}, errors.New("open login cookie: bad MAC")
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return loginCookie{}, fmt.Errorf("open login cookie: %w", err)
	}
	var c loginCookie
	if err := json.Unmarshal(b, &c); err != nil {
		return loginCookie{}, fmt.Errorf("open login cookie: %w", err)
	}
	if checkVerifier(c.Verifier) != nil || SafeReturn(c.Return) != c.Return {
		return loginCookie{}, errors.New("open login cookie: malformed content")
	}
	return c, nil
}

func cookieMAC(key []byte, state, payload string) []byte {
	m := hmac.New(sm3.New, key)
	m.Write([]byte(macLabel))
	m.Write([]byte(state))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// newState returns 32 random bytes in base64url: 43 characters.
func newState() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// randomBytes panics only if the system's randomness source fails, as crypto/rand does.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // documented never to return an error
	return b
}

// validState reports whether s could be a state newState made; only such a state may name a
// cookie.
func validState(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := range len(s) {
		switch b := s[i]; {
		case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '-', b == '_':
		default:
			return false
		}
	}
	return true
}

// SafeReturn returns s if it is a local path yima may send a citizen to after sign-in, and
// DefaultReturn otherwise. Local means: starts with a single "/", no scheme or host, no
// backslash (browsers read "/\evil" as "//evil"), no control characters, at most 1024 bytes
// before and after escaping. A fragment is dropped, because the Flow puts the token in the
// fragment. SafeReturn(SafeReturn(s)) == SafeReturn(s).
func SafeReturn(s string) string {
	if s == "" || len(s) > maxReturnLen || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return DefaultReturn
	}
	for i := range len(s) {
		if s[i] < 0x20 || s[i] == 0x7f {
			return DefaultReturn
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return DefaultReturn
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	// Escaping may lengthen it; the bound holds for what the cookie carries.
	if len(out) > maxReturnLen || strings.HasPrefix(out, "//") || strings.ContainsRune(out, '\\') {
		return DefaultReturn
	}
	return out
}

// redirect answers 302 to loc as given. http.Redirect would clean the path, and with it the
// fragment that carries the token.
func redirect(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// loggable keeps an error code from the provider's query string fit for a log line.
func loggable(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '?'
	}, s)
}
