package dept

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"yima/signedhttp"
)

// ClientConfig configures the production client. Its Endpoint is the URL
// of the department's record-check collection, e.g.
// https://rc.example.gov.cn/v1/record-checks: submissions are POSTed to it,
// a status is read at Endpoint/{reference}.
type ClientConfig = signedhttp.Config

// Client is the production department client: JSON over HTTPS, each
// request signed with HMAC-SM3 under the app secret (package signedhttp).
type Client struct {
	c *signedhttp.Client
}

var _ Department = (*Client)(nil)

// NewClient returns a client of the department at cfg.Endpoint. hc may be
// nil for a client with cfg.Timeout. Errors: a missing or relative
// endpoint, a missing key or secret.
func NewClient(cfg ClientConfig, hc *http.Client) (*Client, error) {
	c, err := signedhttp.New("record-check department", cfg, hc)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
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
	r, err := c.do(ctx, http.MethodPost, c.c.URL, body)
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
	u := c.c.URL.JoinPath(reference)
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
	status, raw, err := c.c.Do(ctx, method, u, body)
	if err != nil {
		return reply{}, err
	}
	var out answer
	decodeErr := json.Unmarshal(raw, &out)
	return reply{status: status, out: out, decodeErr: decodeErr}, nil
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
