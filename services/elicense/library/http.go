package library

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"yima/signedhttp"
)

// ClientConfig configures the production client. Its Endpoint is the URL
// of the library's license collection, e.g.
// https://zzk.example.gov.cn/v1/licenses: cards are POSTed to it.
type ClientConfig = signedhttp.Config

// Client is the production library client: JSON over HTTPS, each request
// signed with HMAC-SM3 under the app secret (package signedhttp).
type Client struct {
	c *signedhttp.Client
}

var _ Library = (*Client)(nil)

// NewClient returns a client of the library at cfg.Endpoint. hc may be nil
// for a client with cfg.Timeout. Errors: a missing or relative endpoint, a
// missing key or secret.
func NewClient(cfg ClientConfig, hc *http.Client) (*Client, error) {
	c, err := signedhttp.New(System, cfg, hc)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// holder is the card's holder in a submission.
type holder struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Gender   string `json:"gender"`
	// BirthDate is YYYY-MM-DD.
	BirthDate string `json:"birth_date"`
}

// submitRequest is the body of a submission; []byte fields travel as
// standard base64.
type submitRequest struct {
	Reference   string `json:"reference"`
	LicenseType string `json:"license_type"`
	LicenseNo   string `json:"license_no"`
	Holder      holder `json:"holder"`
	Issuer      string `json:"issuer"`
	IssuedAt    string `json:"issued_at"`
	Payload     []byte `json:"payload"`
	Signature   []byte `json:"signature"`
	KeyID       string `json:"key_id"`
}

// answer is the body of every answer, success or not.
type answer struct {
	signedhttp.Answer
	LicenseID string `json:"license_id"`
	Duplicate bool   `json:"duplicate"`
}

// Complete: an OK without a license id may or may not have filed the card;
// a retry with the same reference tells.
func (a *answer) Complete() bool { return a.LicenseID != "" }

// Submit posts one card. Refusals come back as *Error
// (signedhttp.Client.Call): 429, 5xx, 401/403 without a code, and the codes
// THROTTLED, BUSY and AUTH_FAILED (a configuration fault an operator fixes
// while the sweeper retries) are temporary; other codes are permanent.
// Timeouts and transport errors come back as they are.
func (c *Client) Submit(ctx context.Context, s Submission) (Receipt, error) {
	body, err := json.Marshal(submitRequest{
		Reference: s.Reference, LicenseType: LicenseType, LicenseNo: s.VolunteerNo,
		Holder: holder{Name: s.Name, IDNumber: s.IDNumber, Gender: s.Gender, BirthDate: s.BirthDate.Format(time.DateOnly)},
		Issuer: s.Issuer, IssuedAt: s.IssuedAt.Format(time.RFC3339),
		Payload: s.Payload, Signature: s.Signature, KeyID: s.KeyID,
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("encode e-license submission: %w", err)
	}
	var out answer
	if _, err := c.c.Call(ctx, http.MethodPost, c.c.URL, body, &out, "answer without license_id"); err != nil {
		return Receipt{}, err
	}
	return Receipt{LicenseID: out.LicenseID, Duplicate: out.Duplicate}, nil
}
