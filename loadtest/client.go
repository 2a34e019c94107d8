package loadtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
)

// Protocols the driver speaks to the server.
const (
	// HTTP1 is HTTP/1.1 with one keep-alive connection per worker.
	HTTP1 = "http1"
	// H2C is cleartext HTTP/2: every worker's requests multiplexed on one
	// connection.
	H2C = "h2c"
)

// Codecs of the Connect protocol.
const (
	CodecProto = "proto" // application/proto
	CodecJSON  = "json"  // application/json
)

// ClientOptions shape the driver's HTTP client.
type ClientOptions struct {
	Protocol string // HTTP1 (default) or H2C
	Codec    string // CodecProto (default) or CodecJSON
	// Conns bounds the HTTP/1.1 connections (default 64); one per worker
	// keeps every worker's connection alive between requests.
	Conns int
	// NoGzip stops asking for gzipped responses. Connect clients (and
	// browsers) ask by default, and the server then compresses even a
	// 100-byte answer; this shows what that costs.
	NoGzip bool
}

// Client is the generated Connect clients over one HTTP client.
type Client struct {
	Checkin  checkinv1connect.CheckinServiceClient
	Identity identityv1connect.IdentityServiceClient
	http     *http.Client
}

// NewClient returns clients of the server at baseURL.
func NewClient(baseURL string, opt ClientOptions) (*Client, error) {
	if opt.Conns <= 0 {
		opt.Conns = 64
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        opt.Conns,
		MaxIdleConnsPerHost: opt.Conns,
		MaxConnsPerHost:     opt.Conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
	}
	var p http.Protocols
	switch opt.Protocol {
	case "", HTTP1:
		p.SetHTTP1(true)
	case H2C:
		p.SetUnencryptedHTTP2(true)
	default:
		return nil, fmt.Errorf("unknown protocol %q: want %s or %s", opt.Protocol, HTTP1, H2C)
	}
	tr.Protocols = &p
	hc := &http.Client{Transport: tr}
	var copts []connect.ClientOption
	switch opt.Codec {
	case "", CodecProto:
	case CodecJSON:
		copts = append(copts, connect.WithProtoJSON())
	default:
		return nil, fmt.Errorf("unknown codec %q: want %s or %s", opt.Codec, CodecProto, CodecJSON)
	}
	if opt.NoGzip {
		copts = append(copts, connect.WithAcceptCompression("gzip", nil, nil))
	}
	return &Client{
		Checkin:  checkinv1connect.NewCheckinServiceClient(hc, baseURL, copts...),
		Identity: identityv1connect.NewIdentityServiceClient(hc, baseURL, copts...),
		http:     hc,
	}, nil
}

// Close drops the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// request wraps msg with the bearer token.
func request[T any](msg *T, token string) *connect.Request[T] {
	r := connect.NewRequest(msg)
	if token != "" {
		r.Header().Set("Authorization", "Bearer "+token)
	}
	return r
}

// LoginLeader signs l in through the golden path — DevLogin as a citizen,
// then SwitchAccount to the org leader account of org — and returns the
// org leader's token.
func (c *Client) LoginLeader(ctx context.Context, l Leader, org string) (string, error) {
	in, err := c.Identity.DevLogin(ctx, request(&identityv1.DevLoginRequest{IdNumber: l.IDNumber, Name: l.Name}, ""))
	if err != nil {
		return "", fmt.Errorf("dev login %s: %w", l.Name, err)
	}
	citizen := in.Msg.Token
	accts, err := c.Identity.ListAccounts(ctx, request(&identityv1.ListAccountsRequest{}, citizen))
	if err != nil {
		return "", fmt.Errorf("list accounts of %s: %w", l.Name, err)
	}
	for _, a := range accts.Msg.Accounts {
		if a.Kind == identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER && a.OrgId == org {
			sw, err := c.Identity.SwitchAccount(ctx, request(&identityv1.SwitchAccountRequest{AccountId: a.Id}, citizen))
			if err != nil {
				return "", fmt.Errorf("switch %s to org leader: %w", l.Name, err)
			}
			return sw.Msg.Token, nil
		}
	}
	return "", fmt.Errorf("%s has no org leader account for org %s", l.Name, org)
}
