package sms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"yima/signedhttp"
)

// fakeGateway is a gateway of the documented shape: it checks the app key
// and signature, deduplicates by out_id, and answers what the test asks.
type fakeGateway struct {
	t      *testing.T
	secret string

	mu     sync.Mutex
	sent   map[string]string // out_id → msg_id
	answer func(req sendRequest) (status int, body string)
	delay  time.Duration
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/sms/send" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"code":"INVALID_REQUEST","message":"bad method, path or type"}`, http.StatusBadRequest)
		return
	}
	want := signedhttp.Sign(g.secret, r.Method, r.URL.Path, r.Header.Get(signedhttp.HeaderTimestamp), r.Header.Get(signedhttp.HeaderNonce), body)
	ts, _ := strconv.ParseInt(r.Header.Get(signedhttp.HeaderTimestamp), 10, 64)
	if r.Header.Get(signedhttp.HeaderAppKey) != "yima" || r.Header.Get(signedhttp.HeaderSignature) != want ||
		r.Header.Get(signedhttp.HeaderSignatureMethod) != signedhttp.SignatureMethod || len(r.Header.Get(signedhttp.HeaderNonce)) != 32 ||
		time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code":"AUTH_FAILED","message":"signature mismatch"}`))
		return
	}
	var req sendRequest
	if err := json.Unmarshal(body, &req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if g.delay > 0 {
		time.Sleep(g.delay)
	}
	if g.answer != nil {
		status, body := g.answer(req)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if id, ok := g.sent[req.OutID]; ok {
		_, _ = w.Write([]byte(`{"code":"OK","msg_id":"` + id + `","duplicate":true}`))
		return
	}
	id := "gw-" + strconv.Itoa(len(g.sent)+1)
	g.sent[req.OutID] = id
	_, _ = w.Write([]byte(`{"code":"OK","msg_id":"` + id + `"}`))
}

func newFake(t *testing.T) (*fakeGateway, *Client) {
	t.Helper()
	g := &fakeGateway{t: t, secret: "s3cret", sent: map[string]string{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{Endpoint: srv.URL + "/v1/sms/send", AppKey: "yima", AppSecret: "s3cret", Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}

func TestClientSendsSignedAndDeduplicated(t *testing.T) {
	t.Parallel()
	_, c := newFake(t)
	m := Message{OutID: "out-1", Phone: "13916880002", Text: "【一码做志愿】明早8点集合"}
	first, err := c.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if first.ID != "gw-1" || first.Duplicate {
		t.Errorf("first receipt = %+v, want gw-1, not duplicate", first)
	}
	again, err := c.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send again: %v", err)
	}
	if again.ID != "gw-1" || !again.Duplicate {
		t.Errorf("repeated receipt = %+v, want gw-1 duplicate", again)
	}
}

func TestClientWrongSecretIsRefused(t *testing.T) {
	t.Parallel()
	g, _ := newFake(t)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{Endpoint: srv.URL + "/v1/sms/send", AppKey: "yima", AppSecret: "wrong"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(t.Context(), Message{OutID: "x", Phone: "13916880002", Text: "t"})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeAuthFailed || !e.Temporary {
		t.Fatalf("Send with a wrong secret = %v, want a temporary AUTH_FAILED", err)
	}
}

func TestClientErrorMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		code      string
		temporary bool
	}{
		{"号码无效", 400, `{"code":"INVALID_PHONE","message":"号码格式错误"}`, CodeInvalidPhone, false},
		{"内容被拒", 200, `{"code":"CONTENT_REJECTED","message":"含敏感词"}`, CodeContentRejected, false},
		{"号码黑名单", 403, `{"code":"PHONE_BLOCKED","message":"用户已退订"}`, CodePhoneBlocked, false},
		{"未授权无代码", 401, ``, "HTTP_401", true},
		{"限流", 429, `{"code":"THROTTLED","message":"slow down"}`, CodeThrottled, true},
		{"网关繁忙", 200, `{"code":"BUSY"}`, CodeBusy, true},
		{"网关故障", 503, `upstream down`, "HTTP_503", true},
		{"无法解析的成功应答", 200, `<html>`, "HTTP_200", true},
		{"成功但缺少编号", 200, `{"code":"OK"}`, "HTTP_200", true},
		{"其他客户端错误", 404, `{"code":"NOT_FOUND"}`, "NOT_FOUND", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, c := newFake(t)
			g.answer = func(sendRequest) (int, string) { return tc.status, tc.body }
			_, err := c.Send(t.Context(), Message{OutID: "o", Phone: "13916880002", Text: "t"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send = %v, want *Error", err)
			}
			if e.Code != tc.code || e.Temporary != tc.temporary {
				t.Errorf("Send = %+v, want code %s temporary %v", e, tc.code, tc.temporary)
			}
			if got := Temporary(err); got != tc.temporary {
				t.Errorf("Temporary = %v, want %v", got, tc.temporary)
			}
		})
	}
}

func TestClientTimeoutIsTemporary(t *testing.T) {
	t.Parallel()
	g, _ := newFake(t)
	g.delay = 300 * time.Millisecond
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{Endpoint: srv.URL + "/v1/sms/send", AppKey: "yima", AppSecret: "s3cret", Timeout: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(t.Context(), Message{OutID: "slow", Phone: "13916880002", Text: "t"})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !Temporary(err) {
		t.Fatalf("Send to a slow gateway = %v, want a temporary deadline error", err)
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []ClientConfig{
		{Endpoint: "sms.example/v1", AppKey: "a", AppSecret: "b"},
		{Endpoint: "https://sms.example/v1", AppSecret: "b"},
		{Endpoint: "https://sms.example/v1", AppKey: "a"},
	} {
		if _, err := NewClient(cfg, nil); err == nil {
			t.Errorf("NewClient(%+v) succeeded, want an error", cfg)
		}
	}
}

// TestSignIsStable pins the signature of a known request, so a change to
// the string to sign is a visible, deliberate break of the gateway shape.
