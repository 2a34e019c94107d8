// Package oidc signs citizens in through the city's unified identity provider (随申办统一身份认证)
// with OpenID Connect: the authorization code flow with PKCE (S256), the ID token verified
// against the provider's published keys. It owns the relying-party side only — the Client that
// talks to the provider and the Flow that serves /auth/login and /auth/callback. What a
// successful sign-in means for yima (which person, which account, which token) belongs to the
// SignInFunc the caller passes in. docs/adapters.md describes the provider's shape.
package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// defaultScopes are requested when Config.Scopes is empty: openid, plus the scopes that release
// the name, the phone number and the resident ID number.
var defaultScopes = []string{oidc.ScopeOpenID, "profile", "phone", "id_number"}

// ErrInvalidGrant is wrapped by Exchange when the provider rejects the authorization code:
// unknown, expired, already used, issued to another client or redirect URI, or the PKCE
// verifier does not match. The citizen should start again; nothing is wrong with the provider.
var ErrInvalidGrant = errors.New("authorization code rejected")

// Config says which provider to use and who yima is to it.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads Issuer + "/.well-known/openid-configuration"
	// and the ID token's iss must equal it exactly.
	Issuer string
	// ClientID and ClientSecret are yima's registration at the provider.
	ClientID     string
	ClientSecret string
	// RedirectURL is yima's callback as registered at the provider, e.g.
	// https://yima.example.gov.cn/auth/callback.
	RedirectURL string
	// Scopes defaults to openid, profile, phone and id_number; openid is added if missing.
	Scopes []string
}

// Claims is what yima takes from a verified sign-in. IDNumber is the resident ID number as the
// provider sent it — personal data: never log it unmasked.
type Claims struct {
	// Issuer is the provider's issuer URL (iss).
	Issuer string
	// Subject is the provider's stable identifier of the person (sub).
	Subject string
	// Name is the person's legal name (name).
	Name string
	// IDNumber is the resident ID number (id_number).
	IDNumber string
	// Phone is the phone number the provider holds (phone_number); it may be empty.
	Phone string
}

// Client is an OpenID Connect relying party for one provider. Discovery is lazy: it happens on
// first use and is cached once it succeeds, and retried on the next call when it fails, because
// in dev the provider is served by the very server that is still being built when the Client
// is. A Client is safe for concurrent use.
type Client struct {
	cfg    Config
	scopes []string
	hc     *http.Client
	now    func() time.Time

	mu   sync.Mutex
	disc *discovered // nil until discovery succeeds
}

// discovered is what discovery yields; it never changes once built.
type discovered struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
}

// New returns a Client for cfg. It makes no request; hc carries every request to the provider
// (nil means a client with a 10 s timeout).
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	scopes := slices.Clone(cfg.Scopes)
	if len(scopes) == 0 {
		scopes = slices.Clone(defaultScopes)
	}
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	return &Client{cfg: cfg, scopes: scopes, hc: hc, now: time.Now}
}

// discover returns the provider's configuration, fetching it on first use.
func (c *Client) discover(ctx context.Context) (*discovered, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disc != nil {
		return c.disc, nil
	}
	ctx = oidc.ClientContext(ctx, c.hc)
	p, err := oidc.NewProvider(ctx, c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover provider %s: %w", c.cfg.Issuer, err)
	}
	var meta struct {
		AuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
		ChallengeMethods []string `json:"code_challenge_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("read provider metadata: %w", err)
	}
	if len(meta.ChallengeMethods) > 0 && !slices.Contains(meta.ChallengeMethods, "S256") {
		return nil, fmt.Errorf("check provider metadata: PKCE S256 not supported (%v)", meta.ChallengeMethods)
	}
	ep := p.Endpoint()
	// OIDC Discovery: an absent list means client_secret_basic. Only a provider that lists post
	// alone gets the secret in the body; naming the style avoids oauth2's trial-and-error.
	ep.AuthStyle = oauth2.AuthStyleInHeader
	if len(meta.AuthMethods) > 0 && !slices.Contains(meta.AuthMethods, "client_secret_basic") &&
		slices.Contains(meta.AuthMethods, "client_secret_post") {
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	c.disc = &discovered{
		provider: p,
		// The key set lives as long as the Client, so it gets a context without the request's
		// cancellation, carrying only the HTTP client.
		verifier: p.VerifierContext(oidc.ClientContext(context.Background(), c.hc), &oidc.Config{
			ClientID: c.cfg.ClientID,
			Now:      c.now,
		}),
		oauth: oauth2.Config{
			ClientID:     c.cfg.ClientID,
			ClientSecret: c.cfg.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  c.cfg.RedirectURL,
			Scopes:       c.scopes,
		},
	}
	return c.disc, nil
}

// AuthCodeURL returns the provider URL to send the citizen to. state is echoed back to the
// callback; verifier is the PKCE code verifier (43–128 characters, see oauth2.GenerateVerifier)
// that Exchange must be given again. The nonce is derived from verifier, so the caller keeps one
// secret, not two. It fails only when discovery fails.
func (c *Client) AuthCodeURL(ctx context.Context, state, verifier string) (string, error) {
	if err := checkVerifier(verifier); err != nil {
		return "", err
	}
	d, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return d.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonceFor(verifier))), nil
}

// Exchange redeems code, verifies the ID token (signature, issuer, audience, expiry, nonce and,
// when present, at_hash) and returns the claims, reading /userinfo when the ID token lacks name,
// id_number or phone_number. It wraps ErrInvalidGrant when the provider rejects the code;
// other errors mean the provider is unreachable or misbehaving, or its answer lacks sub, name
// or id_number.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (Claims, error) {
	if err := checkVerifier(verifier); err != nil {
		return Claims{}, err
	}
	d, err := c.discover(ctx)
	if err != nil {
		return Claims{}, err
	}
	ctx = oidc.ClientContext(ctx, c.hc)
	tok, err := d.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok && re.ErrorCode == "invalid_grant" {
			return Claims{}, fmt.Errorf("exchange code: %w: %w", ErrInvalidGrant, err)
		}
		return Claims{}, fmt.Errorf("exchange code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Claims{}, errors.New("exchange code: token response has no id_token")
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return Claims{}, fmt.Errorf("verify id token: %w", err)
	}
	if idt.Nonce != nonceFor(verifier) {
		return Claims{}, errors.New("verify id token: nonce does not match")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Claims{}, fmt.Errorf("verify id token: %w", err)
		}
	}
	var tc tokenClaims
	if err := idt.Claims(&tc); err != nil {
		return Claims{}, fmt.Errorf("decode id token claims: %w", err)
	}
	out := Claims{Issuer: idt.Issuer, Subject: idt.Subject, Name: tc.Name, IDNumber: tc.IDNumber, Phone: tc.Phone}
	if out.Name == "" || out.IDNumber == "" || out.Phone == "" {
		if err := c.fillFromUserInfo(ctx, d, tok, &out); err != nil {
			return Claims{}, err
		}
	}
	if out.Subject == "" || out.Name == "" || out.IDNumber == "" {
		return Claims{}, errors.New("read claims: provider sent no sub, name or id_number")
	}
	return out, nil
}

// tokenClaims are yima's claims beyond the registered ones, in both the ID token and /userinfo.
type tokenClaims struct {
	Subject  string `json:"sub"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone_number"`
}

// fillFromUserInfo completes out from /userinfo. A provider without the endpoint is not an
// error here: Exchange then judges whether what the ID token held is enough.
func (c *Client) fillFromUserInfo(ctx context.Context, d *discovered, tok *oauth2.Token, out *Claims) error {
	if d.provider.UserInfoEndpoint() == "" {
		return nil
	}
	ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("fetch userinfo: %w", err)
	}
	// OIDC Core §5.3.2: userinfo for another subject must not be used.
	if ui.Subject != out.Subject {
		return errors.New("fetch userinfo: sub does not match the id token")
	}
	var uc tokenClaims
	if err := ui.Claims(&uc); err != nil {
		return fmt.Errorf("decode userinfo: %w", err)
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&out.Name, uc.Name}, {&out.IDNumber, uc.IDNumber}, {&out.Phone, uc.Phone},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	return nil
}

// nonceFor derives the OIDC nonce from the PKCE verifier. The verifier is already a per-login
// secret kept by the browser's cookie only; hashing it under a label gives a value that binds the
// ID token to this login without revealing the verifier.
func nonceFor(verifier string) string {
	sum := sha256.Sum256([]byte("yima oidc nonce\x00" + verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkVerifier enforces RFC 7636 §4.1 on a code verifier.
func checkVerifier(v string) error {
	if len(v) < 43 || len(v) > 128 {
		return fmt.Errorf("check code verifier: length %d, want 43–128", len(v))
	}
	for i := range len(v) {
		switch b := v[i]; {
		case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '-', b == '.', b == '_', b == '~':
		default:
			return errors.New("check code verifier: character outside [A-Za-z0-9-._~]")
		}
	}
	return nil
}
