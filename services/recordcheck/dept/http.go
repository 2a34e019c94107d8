package dept

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	c, err := signedhttp.New(System, cfg, hc)
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

// submitAnswer is the body of every answer to a submission, success or
// not.
type submitAnswer struct {
	signedhttp.Answer
	CaseID    string `json:"case_id"`
	Duplicate bool   `json:"duplicate"`
}

// Complete: an OK without a case id may or may not have filed the case; a
// retry with the same reference tells.
func (a *submitAnswer) Complete() bool { return a.CaseID != "" }

// statusAnswer is the body of every answer to a status read.
type statusAnswer struct {
	signedhttp.Answer
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	DecidedAt string `json:"decided_at"`
}

// Complete: a status yima does not know is read again later.
func (a *statusAnswer) Complete() bool { return Outcome(a.Status).Valid() }

// Submit posts one application. Refusals come back as *Error
// (signedhttp.Client.Call): 429, 5xx and the codes THROTTLED, BUSY and
// AUTH_FAILED (a configuration fault an operator fixes while the sweeper
// retries) are temporary; other codes are permanent. Timeouts and
// transport errors come back as they are.
func (c *Client) Submit(ctx context.Context, s Submission) (Receipt, error) {
	body, err := json.Marshal(submitRequest(s))
	if err != nil {
		return Receipt{}, fmt.Errorf("encode record-check submission: %w", err)
	}
	var out submitAnswer
	if _, err := c.c.Call(ctx, http.MethodPost, c.c.URL, body, &out, "answer without case_id"); err != nil {
		return Receipt{}, err
	}
	return Receipt{CaseID: out.CaseID, Duplicate: out.Duplicate}, nil
}

// Status reads a case. An answer with an unknown status or a decided case
// without a readable decided_at is a temporary error.
func (c *Client) Status(ctx context.Context, reference string) (Result, error) {
	var out statusAnswer
	status, err := c.c.Call(ctx, http.MethodGet, c.c.URL.JoinPath(reference), nil, &out, "answer without a known status")
	if err != nil {
		return Result{}, err
	}
	r := Result{Outcome: Outcome(out.Status), Reason: out.Reason}
	if r.Outcome != Pending {
		at, err := time.Parse(time.RFC3339, out.DecidedAt)
		if err != nil {
			return Result{}, &Error{System: System, Code: "HTTP_" + strconv.Itoa(status), Message: "decided_at unreadable", Temporary: true}
		}
		r.DecidedAt = at
	}
	return r, nil
}
