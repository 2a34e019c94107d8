// Package oidcdev is a stand-in for the city's unified identity provider (随申办统一身份认证)
// that `yima dev` serves itself: real OpenID Connect endpoints (discovery, JWKS, authorize,
// token, userinfo) of the shape docs/adapters.md defines, RS256-signed ID tokens, and an
// authorize page where a developer picks a demo citizen or types any name and valid ID number.
// It is for development and tests only: its signing key lives in memory, its subject key is a
// constant, and anyone who reaches the page may sign in as anyone.
package oidcdev

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/go-jose/go-jose/v4"

	"yima/services/identity/idnumber"
)

const (
	// codeTTL is how long an authorization code may wait to be redeemed.
	codeTTL = 60 * time.Second
	// accessTTL is how long an access token opens /userinfo.
	accessTTL = time.Hour
	// idTokenTTL is how long an ID token may be presented; the relying party verifies it at once.
	idTokenTTL = 10 * time.Minute
	// subjectKey keys the HMAC that turns an ID number into a subject. A constant, not a random
	// secret, so a demo citizen keeps their sub across restarts of `yima dev` and the accounts
	// in the dev database stay linked. It protects nothing and must not be reused elsewhere.
	subjectKey = "yima oidcdev subject key v1"
	// maxFormBytes bounds the body of POST /authorize and POST /token.
	maxFormBytes = 64 << 10
)

// Citizen is a demo person the authorize page offers with one click.
type Citizen struct {
	// Name is the legal name, e.g. 张伟.
	Name string
	// IDNumber is a valid resident ID number; the page shows it masked.
	IDNumber string
	// Phone is an 11-digit mobile number, or empty.
	Phone string
}

// Client is a relying party registered with the provider.
type Client struct {
	// Secret authenticates the client at /token (client_secret_basic or client_secret_post).
	Secret string
	// RedirectURIs are the exact redirect URIs the client may use.
	RedirectURIs []string
}

// Provider is the mock identity provider. Its methods are safe for concurrent use.
type Provider struct {
	// ClaimsInUserInfoOnly, when set before the Handler serves, makes ID tokens carry only the
	// registered claims (sub, but no name, id_number or phone_number), as providers that follow
	// OIDC Core §5.4 to the letter do; the relying party must then read /userinfo.
	ClaimsInUserInfoOnly bool

	issuer   string
	clients  map[string]Client
	citizens []person
	signer   jose.Signer
	jwks     jose.JSONWebKeySet
	now      func() time.Time

	mu     sync.Mutex
	codes  map[string]*grant   // by authorization code
	tokens map[string]*session // by access token
}

// person is a signed-in identity: a demo citizen or whoever was typed into the form.
type person struct {
	name, idNumber, phone string // idNumber normalized by idnumber.Parse
	sub                   string
}

// grant is an issued authorization code. A used grant stays until it expires so that a replay
// is recognized and revokes the access token the first redemption produced.
type grant struct {
	clientID, redirectURI string
	challenge, nonce      string
	who                   person
	authTime, expires     time.Time
	used                  bool
	accessToken           string
}

// session is what an access token opens.
type session struct {
	who     person
	expires time.Time
}

// New returns a provider whose issuer URL is issuer (http or https, no query), which knows
// clients (client id → registration) and offers citizens on its authorize page. It generates a
// fresh RSA 2048 signing key. It fails on a malformed issuer, a client without a secret or
// redirect URI, or a citizen without a name or with an invalid ID number.
func New(issuer string, clients map[string]Client, citizens []Citizen) (*Provider, error) {
	issuer = strings.TrimSuffix(issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("check issuer %q: want an http(s) URL without query or fragment", issuer)
	}
	p := &Provider{
		issuer:  issuer,
		clients: make(map[string]Client, len(clients)),
		now:     time.Now,
		codes:   make(map[string]*grant),
		tokens:  make(map[string]*session),
	}
	for id, c := range clients {
		if id == "" || c.Secret == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("check client %q: want an id, a secret and at least one redirect URI", id)
		}
		for _, ru := range c.RedirectURIs {
			if u, err := url.Parse(ru); err != nil || !u.IsAbs() || u.Fragment != "" {
				return nil, fmt.Errorf("check client %q: redirect URI %q is not an absolute URL without fragment", id, ru)
			}
		}
		p.clients[id] = Client{Secret: c.Secret, RedirectURIs: slices.Clone(c.RedirectURIs)}
	}
	for i, c := range citizens {
		who, msg := newPerson(c.Name, c.IDNumber, c.Phone)
		if msg != "" {
			return nil, fmt.Errorf("check citizen %d: %s", i, msg)
		}
		p.citizens = append(p.citizens, who)
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("compute key id: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	p.jwks = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}
	p.signer, err = jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: pub.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("build signer: %w", err)
	}
	return p, nil
}

// newPerson validates what a citizen or the form supplies. On failure it returns a Chinese
// message fit for the page; it never quotes the ID number.
func newPerson(name, id, phone string) (person, string) {
	name, phone = strings.TrimSpace(name), strings.TrimSpace(phone)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return person{}, "请输入姓名。"
	case n > 30:
		return person{}, "姓名不能超过30个字。"
	}
	num, err := idnumber.Parse(id)
	if err != nil {
		if ie, ok := errors.AsType[*idnumber.Error](err); ok {
			return person{}, ie.Message
		}
		return person{}, "身份证号码无效。"
	}
	if phone != "" && !validPhone(phone) {
		return person{}, "手机号码应为以1开头的11位数字。"
	}
	m := hmac.New(sm3.New, []byte(subjectKey))
	m.Write([]byte(num.String()))
	return person{name: name, idNumber: num.String(), phone: phone, sub: hex.EncodeToString(m.Sum(nil))}, ""
}

func validPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Issuer returns the issuer URL, without a trailing slash.
func (p *Provider) Issuer() string { return p.issuer }

// Handler serves the provider's endpoints relative to the issuer's path: mount it with
// http.StripPrefix(<issuer path>, h), e.g. issuer http://127.0.0.1:8080/oidc-dev →
// mux.Handle("/oidc-dev/", http.StripPrefix("/oidc-dev", h)).
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.keys)
	mux.HandleFunc("GET /authorize", p.authorizePage)
	mux.HandleFunc("POST /authorize", p.authorizeSubmit)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	mux.HandleFunc("POST /userinfo", p.userinfo)
	return mux
}

// discovery serves the OpenID Provider metadata.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + "/authorize",
		"token_endpoint":                        p.issuer + "/token",
		"userinfo_endpoint":                     p.issuer + "/userinfo",
		"jwks_uri":                              p.issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(jose.RS256)},
		"scopes_supported":                      []string{"openid", "profile", "phone", "id_number"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "name", "id_number", "phone_number"},
	})
}

// keys serves the JWKS with the public signing key.
func (p *Provider) keys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.jwks)
}

// tokenError is an OAuth 2.0 error response (RFC 6749 §5.2).
type tokenError struct {
	status      int
	code        string
	description string
}

// token redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	body, te := p.redeem(r)
	if te != nil {
		if te.status == http.StatusUnauthorized {
			if _, _, basic := r.BasicAuth(); basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="oidc-dev"`)
			}
		}
		writeJSON(w, te.status, map[string]string{"error": te.code, "error_description": te.description})
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// redeem checks a token request and returns the response body.
func (p *Provider) redeem(r *http.Request) (map[string]any, *tokenError) {
	if err := r.ParseForm(); err != nil {
		return nil, &tokenError{http.StatusBadRequest, "invalid_request", "malformed form body"}
	}
	form := r.PostForm
	clientID, te := p.authenticate(r)
	if te != nil {
		return nil, te
	}
	if gt := form.Get("grant_type"); gt != "authorization_code" {
		return nil, &tokenError{http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported"}
	}
	now := p.now()
	accessToken := randomToken()

	p.mu.Lock()
	g := p.codes[form.Get("code")]
	var refused *tokenError
	switch {
	case g == nil || now.After(g.expires):
		refused = &tokenError{http.StatusBadRequest, "invalid_grant", "unknown or expired code"}
	case g.used:
		// RFC 6749 §4.1.2: a replayed code revokes what the first redemption issued.
		delete(p.tokens, g.accessToken)
		refused = &tokenError{http.StatusBadRequest, "invalid_grant", "code already used"}
	default:
		// The first presentation consumes the code even if it then fails a check, so a
		// stolen code cannot be tried again with other guesses.
		g.used = true
		switch {
		case g.clientID != clientID:
			refused = &tokenError{http.StatusBadRequest, "invalid_grant", "code was issued to another client"}
		case form.Get("redirect_uri") != g.redirectURI:
			refused = &tokenError{http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request"}
		case !verifierMatches(form.Get("code_verifier"), g.challenge):
			refused = &tokenError{http.StatusBadRequest, "invalid_grant", "PKCE verification failed"}
		default:
			g.accessToken = accessToken
			p.sweepTokens(now)
			p.tokens[accessToken] = &session{who: g.who, expires: now.Add(accessTTL)}
		}
	}
	var snapshot grant
	if g != nil {
		snapshot = *g
	}
	p.mu.Unlock()
	if refused != nil {
		return nil, refused
	}

	idToken, err := p.idToken(snapshot, clientID, accessToken, now)
	if err != nil {
		return nil, &tokenError{http.StatusInternalServerError, "server_error", "could not sign the ID token"}
	}
	return map[string]any{
		"access_token": accessToken,
		"token_type":   "Bearer",
		"expires_in":   int(accessTTL / time.Second),
		"id_token":     idToken,
		"scope":        "openid profile phone id_number",
	}, nil
}

// authenticate identifies the client by client_secret_basic or client_secret_post, not both.
func (p *Provider) authenticate(r *http.Request) (string, *tokenError) {
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return "", &tokenError{http.StatusUnauthorized, "invalid_client", "malformed Basic credentials"}
		}
		if formSecret != "" || (formID != "" && formID != id) {
			return "", &tokenError{http.StatusBadRequest, "invalid_request", "use one client authentication method"}
		}
	} else {
		id, secret = formID, formSecret
	}
	c, ok := p.clients[id]
	if !ok || secret == "" || !hmac.Equal([]byte(secret), []byte(c.Secret)) {
		return "", &tokenError{http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret"}
	}
	return id, nil
}

// verifierMatches checks a PKCE S256 verifier against the challenge (RFC 7636 §4.6).
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return hmac.Equal([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge))
}

// idToken signs the ID token for a redeemed grant.
func (p *Provider) idToken(g grant, clientID, accessToken string, now time.Time) (string, error) {
	atHash := sha256.Sum256([]byte(accessToken))
	claims := map[string]any{
		"iss":       p.issuer,
		"sub":       g.who.sub,
		"aud":       clientID,
		"exp":       now.Add(idTokenTTL).Unix(),
		"iat":       now.Unix(),
		"auth_time": g.authTime.Unix(),
		"at_hash":   base64.RawURLEncoding.EncodeToString(atHash[:len(atHash)/2]),
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if !p.ClaimsInUserInfoOnly {
		addIdentity(claims, g.who)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode id token: %w", err)
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign id token: %w", err)
	}
	return jws.CompactSerialize()
}

// addIdentity adds who's identity claims to claims.
func addIdentity(claims map[string]any, who person) {
	claims["name"] = who.name
	claims["id_number"] = who.idNumber
	if who.phone != "" {
		claims["phone_number"] = who.phone
	}
}

// userinfo serves the claims of the bearer of an access token (OIDC Core §5.3).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	p.mu.Lock()
	s := p.tokens[tok]
	if s != nil && p.now().After(s.expires) {
		delete(p.tokens, tok)
		s = nil
	}
	p.mu.Unlock()
	if !strings.EqualFold(scheme, "Bearer") || s == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	claims := map[string]any{"sub": s.who.sub}
	addIdentity(claims, s.who)
	writeJSON(w, http.StatusOK, claims)
}

// issueCode records a grant and returns its code.
func (p *Provider) issueCode(g *grant) string {
	code := randomToken()
	now := p.now()
	g.authTime, g.expires = now, now.Add(codeTTL)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, old := range p.codes {
		if now.After(old.expires) {
			delete(p.codes, c)
		}
	}
	p.codes[code] = g
	return code
}

// sweepTokens drops expired access tokens; the caller holds p.mu.
func (p *Provider) sweepTokens(now time.Time) {
	for t, s := range p.tokens {
		if now.After(s.expires) {
			delete(p.tokens, t)
		}
	}
}

// randomToken returns 32 random bytes in base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // documented never to return an error
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
