package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// The headers of a signed request (docs/adapters.md).
const (
	HeaderAppKey          = "X-App-Key"
	HeaderTimestamp       = "X-Timestamp"
	HeaderNonce           = "X-Nonce"
	HeaderSignature       = "X-Signature"
	HeaderSignatureMethod = "X-Signature-Method"
	SignatureMethod       = "HMAC-SM3"
)

// maxResponse bounds how much of a gateway's answer is read.
const maxResponse = 64 << 10

// ClientConfig configures the production client.
type ClientConfig struct {
	// Endpoint is the URL of the gateway's send API, e.g.
	// https://sms.example.gov.cn/v1/sms/send.
	Endpoint string
	// AppKey names yima to the gateway.
	AppKey string
	// AppSecret keys the HMAC-SM3 request signature.
	AppSecret string
	// Timeout bounds one request (10 s when 0).
	Timeout time.Duration
}

// Client is the production gateway client: JSON over HTTPS, each request
// signed with HMAC-SM3 under the app secret.
type Client struct {
	cfg  ClientConfig
	url  *url.URL
	http *http.Client
	now  func() time.Time
}

var _ Gateway = (*Client)(nil)

// NewClient returns a client of the gateway at cfg.Endpoint. hc may be nil
// for a client with cfg.Timeout. Errors: a missing or relative endpoint, a
// missing key or secret.
func NewClient(cfg ClientConfig, hc *http.Client) (*Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sms gateway endpoint %q is not an absolute http(s) URL", cfg.Endpoint)
	}
	if cfg.AppKey == "" || cfg.AppSecret == "" {
		return nil, errors.New("sms gateway: app key and app secret are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, url: u, http: hc, now: time.Now}, nil
}

// sendRequest is the body of a send request.
type sendRequest struct {
	OutID string `json:"out_id"`
	Phone string `json:"phone"`
	Text  string `json:"text"`
}

// sendResponse is the body of every answer, success or not.
type sendResponse struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MsgID     string `json:"msg_id"`
	Duplicate bool   `json:"duplicate"`
}

// Send posts one text. Refusals come back as *Error: 429, 5xx and the codes
// THROTTLED and BUSY are temporary, as is AUTH_FAILED (or 401/403 without a
// code: a configuration fault an operator fixes while the dispatcher
// retries); other codes are permanent. Timeouts and transport errors come back as they are (the
// text's fate is unknown; Temporary reports true).
func (c *Client) Send(ctx context.Context, m Message) (Receipt, error) {
	body, err := json.Marshal(sendRequest(m))
	if err != nil {
		return Receipt{}, fmt.Errorf("encode sms request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url.String(), bytes.NewReader(body))
	if err != nil {
		return Receipt{}, fmt.Errorf("build sms request: %w", err)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	ts := strconv.FormatInt(c.now().Unix(), 10)
	n := hex.EncodeToString(nonce[:])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAppKey, c.cfg.AppKey)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, n)
	req.Header.Set(HeaderSignatureMethod, SignatureMethod)
	req.Header.Set(HeaderSignature, Sign(c.cfg.AppSecret, http.MethodPost, c.url.EscapedPath(), ts, n, body))
	res, err := c.http.Do(req)
	if err != nil {
		return Receipt{}, fmt.Errorf("sms gateway: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return Receipt{}, fmt.Errorf("sms gateway: read answer: %w", err)
	}
	var out sendResponse
	decodeErr := json.Unmarshal(raw, &out)
	if res.StatusCode/100 == 2 && decodeErr == nil && out.Code == CodeOK && out.MsgID != "" {
		return Receipt{ID: out.MsgID, Duplicate: out.Duplicate}, nil
	}
	return Receipt{}, refusal(res.StatusCode, out, decodeErr)
}

// refusal maps an answer that is not a success to an *Error.
func refusal(status int, out sendResponse, decodeErr error) *Error {
	e := &Error{Code: out.Code, Message: out.Message}
	if decodeErr != nil || e.Code == "" || (status/100 == 2 && e.Code == CodeOK) {
		// No usable code, or "OK" without an id: the gateway may have
		// taken the text; a retry with the same out_id tells.
		e.Code = "HTTP_" + strconv.Itoa(status)
		if decodeErr != nil {
			e.Message = "unreadable answer"
		} else if e.Message == "" {
			e.Message = "answer without msg_id"
		}
		e.Temporary = status/100 == 2 || status == http.StatusTooManyRequests || status >= 500 ||
			status == http.StatusUnauthorized || status == http.StatusForbidden
		return e
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500,
		e.Code == CodeThrottled || e.Code == CodeBusy || e.Code == CodeAuthFailed:
		e.Temporary = true
	}
	return e
}

// Sign is the request signature: hex HMAC-SM3 under secret of
//
//	METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SM3(body))
//
// Gateways recompute it to authenticate yima; tests use it to check.
func Sign(secret, method, path, timestamp, nonce string, body []byte) string {
	digest := sm3.Sum(body)
	mac := hmac.New(sm3.New, []byte(secret))
	fmt.Fprintf(mac, "%s\n%s\n%s\n%s\n%s", method, path, timestamp, nonce, hex.EncodeToString(digest[:]))
	return hex.EncodeToString(mac.Sum(nil))
}
