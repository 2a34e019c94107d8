package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

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
	c, err := signedhttp.New("sms gateway", cfg, hc)
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
	status, raw, err := c.c.Do(ctx, http.MethodPost, c.c.URL, body)
	if err != nil {
		return Receipt{}, err
	}
	var out sendResponse
	decodeErr := json.Unmarshal(raw, &out)
	if status/100 == 2 && decodeErr == nil && out.Code == CodeOK && out.MsgID != "" {
		return Receipt{ID: out.MsgID, Duplicate: out.Duplicate}, nil
	}
	return Receipt{}, refusal(status, out, decodeErr)
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
