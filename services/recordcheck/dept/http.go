package dept

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
	"strings"
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

// maxResponse bounds how much of an answer is read.
const maxResponse = 64 << 10

// ClientConfig configures the production client.
type ClientConfig struct {
	// Endpoint is the URL of the department's record-check collection,
	// e.g. https://rc.example.gov.cn/v1/record-checks: submissions are
	// POSTed to it, a status is read at Endpoint/{reference}.
	Endpoint string
	// AppKey names yima to the department.
	AppKey string
	// AppSecret keys the HMAC-SM3 request signature.
	AppSecret string
	// Timeout bounds one request (10 s when 0).
	Timeout time.Duration
}

// Client is the production department client: JSON over HTTPS, each
// request signed with HMAC-SM3 under the app secret.
type Client struct {
	cfg  ClientConfig
	url  *url.URL
	http *http.Client
	now  func() time.Time
}

var _ Department = (*Client)(nil)

// NewClient returns a client of the department at cfg.Endpoint. hc may be
// nil for a client with cfg.Timeout. Errors: a missing or relative
// endpoint, a missing key or secret.
func NewClient(cfg ClientConfig, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("record-check endpoint %q is not an absolute http(s) URL", cfg.Endpoint)
	}
	if cfg.AppKey == "" || cfg.AppSecret == "" {
		return nil, errors.New("record-check department: app key and app secret are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, url: u, http: hc, now: time.Now}, nil
}

// submitRequest is the body of a submission.
type submitRequest struct {
	Reference string `json:"reference"`
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"`
	Purpose   string `json:"purpose"`
}

// answer is the body of every answer, success or not.
type answer struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	CaseID    string `json:"case_id"`
	Duplicate bool   `json:"duplicate"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	DecidedAt string `json:"decided_at"`
}

// Submit posts one application. Refusals come back as *Error: 429, 5xx
// and the codes THROTTLED, BUSY and AUTH_FAILED (a configuration fault an
// operator fixes while the sweeper retries) are temporary; other codes are
// permanent. Timeouts and transport errors come back as they are.
func (c *Client) Submit(ctx context.Context, s Submission) (Receipt, error) {
	body, err := json.Marshal(submitRequest(s))
	if err != nil {
		return Receipt{}, fmt.Errorf("encode record-check submission: %w", err)
	}
	r, err := c.do(ctx, http.MethodPost, c.url, body)
	if err != nil {
		return Receipt{}, err
	}
	status, out, decodeErr := r.status, r.out, r.decodeErr
	if status/100 == 2 && decodeErr == nil && out.Code == CodeOK && out.CaseID != "" {
		return Receipt{CaseID: out.CaseID, Duplicate: out.Duplicate}, nil
	}
	return Receipt{}, refusal(status, out, decodeErr, "answer without case_id")
}

// Status reads a case. An answer with an unknown status or a decided case
// without a readable decided_at is a temporary error.
func (c *Client) Status(ctx context.Context, reference string) (Result, error) {
	u := c.url.JoinPath(reference)
	rep, err := c.do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Result{}, err
	}
	status, out, decodeErr := rep.status, rep.out, rep.decodeErr
	o := Outcome(out.Status)
	if status/100 != 2 || decodeErr != nil || out.Code != CodeOK || !o.Valid() {
		return Result{}, refusal(status, out, decodeErr, "answer without a known status")
	}
	r := Result{Outcome: o, Reason: out.Reason}
	if o != Pending {
		at, err := time.Parse(time.RFC3339, out.DecidedAt)
		if err != nil {
			return Result{}, &Error{Code: "HTTP_" + strconv.Itoa(status), Message: "decided_at unreadable", Temporary: true}
		}
		r.DecidedAt = at
	}
	return r, nil
}

// reply is an HTTP answer: its status, its body and whether the body was
// readable JSON.
type reply struct {
	status    int
	out       answer
	decodeErr error
}

// do sends one signed request and reads its answer.
func (c *Client) do(ctx context.Context, method string, u *url.URL, body []byte) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return reply{}, fmt.Errorf("build record-check request: %w", err)
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
		return reply{}, fmt.Errorf("record-check department: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return reply{}, fmt.Errorf("record-check department: read answer: %w", err)
	}
	var out answer
	decodeErr := json.Unmarshal(raw, &out)
	return reply{status: res.StatusCode, out: out, decodeErr: decodeErr}, nil
}

// refusal maps an answer that is not a success to an *Error.
func refusal(status int, out answer, decodeErr error, noID string) *Error {
	e := &Error{Code: out.Code, Message: out.Message}
	if decodeErr != nil || e.Code == "" || (status/100 == 2 && e.Code == CodeOK) {
		e.Code = "HTTP_" + strconv.Itoa(status)
		switch {
		case decodeErr != nil:
			e.Message = "unreadable answer"
		case e.Message == "":
			e.Message = noID
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
// where a GET has an empty body. Departments recompute it to authenticate
// yima; tests use it to check.
func Sign(secret, method, path, timestamp, nonce string, body []byte) string {
	digest := sm3.Sum(body)
	mac := hmac.New(sm3.New, []byte(secret))
	fmt.Fprintf(mac, "%s\n%s\n%s\n%s\n%s", method, path, timestamp, nonce, hex.EncodeToString(digest[:]))
	return hex.EncodeToString(mac.Sum(nil))
}
