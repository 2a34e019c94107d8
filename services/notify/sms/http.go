package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"yima/signedhttp"
)

// ClientConfig configures the production client. Its Endpoint is the URL
// of the gateway's send API, e.g. https://sms.example.gov.cn/v1/sms/send.
type ClientConfig = signedhttp.Config

// Client is the production gateway client: JSON over HTTPS, each request
// signed with HMAC-SM3 under the app secret (package signedhttp).
type Client struct {
	c *signedhttp.Client
}

var _ Gateway = (*Client)(nil)

// NewClient returns a client of the gateway at cfg.Endpoint. hc may be nil
// for a client with cfg.Timeout. Errors: a missing or relative endpoint, a
// missing key or secret.
func NewClient(cfg ClientConfig, hc *http.Client) (*Client, error) {
	c, err := signedhttp.New(System, cfg, hc)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// sendRequest is the body of a send request.
type sendRequest struct {
	OutID string `json:"out_id"`
	Phone string `json:"phone"`
	Text  string `json:"text"`
}

// sendAnswer is the body of every answer to a send request, success or
// not.
type sendAnswer struct {
	signedhttp.Answer
	MsgID     string `json:"msg_id"`
	Duplicate bool   `json:"duplicate"`
}

// Complete: an OK without the gateway's id may or may not have sent the
// text; a retry with the same out_id tells.
func (a *sendAnswer) Complete() bool { return a.MsgID != "" }

// Send posts one text. Refusals come back as *Error (signedhttp.Client.Call):
// 429, 5xx and the codes THROTTLED and BUSY are temporary, as is
// AUTH_FAILED (or 401/403 without a code: a configuration fault an
// operator fixes while the dispatcher retries); other codes are permanent.
// Timeouts and transport errors come back as they are (the text's fate is
// unknown; Temporary reports true).
func (c *Client) Send(ctx context.Context, m Message) (Receipt, error) {
	body, err := json.Marshal(sendRequest(m))
	if err != nil {
		return Receipt{}, fmt.Errorf("encode sms request: %w", err)
	}
	var out sendAnswer
	if _, err := c.c.Call(ctx, http.MethodPost, c.c.URL, body, &out, "answer without msg_id"); err != nil {
		return Receipt{}, err
	}
	return Receipt{ID: out.MsgID, Duplicate: out.Duplicate}, nil
}
