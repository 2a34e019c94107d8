// Package signedhttp is what yima's adapters to outside systems share —
// the SMS gateway, the record-check department, the e-license library:
// JSON over HTTPS, yima named by an app key, each request signed with
// HMAC-SM3 under the app secret, each answer an envelope with a code, read
// into an Error the same way (docs/adapters.md).
package signedhttp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// The headers of a signed request.
const (
	HeaderAppKey          = "X-App-Key"
	HeaderTimestamp       = "X-Timestamp"
	HeaderNonce           = "X-Nonce"
	HeaderSignature       = "X-Signature"
	HeaderSignatureMethod = "X-Signature-Method"
	SignatureMethod       = "HMAC-SM3"
)

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 64 << 10

// Config configures a client.
type Config struct {
	// Endpoint is the absolute http(s) URL of the outside system's API.
	Endpoint string
	// AppKey names yima to the system.
	AppKey string
	// AppSecret keys the request signature.
	AppSecret string
	// Timeout bounds one request (10 s when 0).
	Timeout time.Duration
}

// Client sends signed requests.
type Client struct {
	cfg    Config
	system string
	// URL is the endpoint, without a trailing slash.
	URL  *url.URL
	http *http.Client
	now  func() time.Time
}

// New returns a client of the system (its name, for errors) at
// cfg.Endpoint. hc may be nil for a client with cfg.Timeout. Errors: a
// missing or relative endpoint, a missing key or secret.
func New(system string, cfg Config, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s endpoint %q is not an absolute http(s) URL", system, cfg.Endpoint)
	}
	if cfg.AppKey == "" || cfg.AppSecret == "" {
		return nil, errors.New(system + ": app key and app secret are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, system: system, URL: u, http: hc, now: time.Now}, nil
}

// Do sends one signed request with a JSON body (none when nil) to u, within
// the timeout, and returns the answer's status and up to 64 KiB of its
// body. Errors: transport failures and timeouts, wrapped with the system's
// name — the request's fate is then unknown.
func (c *Client) Do(ctx context.Context, method string, u *url.URL, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("build %s request: %w", c.system, err)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	ts := strconv.FormatInt(c.now().Unix(), 10)
	n := hex.EncodeToString(nonce[:])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(HeaderAppKey, c.cfg.AppKey)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, n)
	req.Header.Set(HeaderSignatureMethod, SignatureMethod)
	req.Header.Set(HeaderSignature, Sign(c.cfg.AppSecret, method, u.EscapedPath(), ts, n, body))
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", c.system, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: read answer: %w", c.system, err)
	}
	return res.StatusCode, raw, nil
}

// Sign is the request signature: hex HMAC-SM3 under secret of
//
//	METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SM3(body))
//
// Outside systems recompute it to authenticate yima; tests use it to check.
func Sign(secret, method, path, timestamp, nonce string, body []byte) string {
	digest := sm3.Sum(body)
	mac := hmac.New(sm3.New, []byte(secret))
	fmt.Fprintf(mac, "%s\n%s\n%s\n%s\n%s", method, path, timestamp, nonce, hex.EncodeToString(digest[:]))
	return hex.EncodeToString(mac.Sum(nil))
}
