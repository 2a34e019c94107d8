package signedhttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"yima/signedhttp"
	"yima/signedhttp/signedhttptest"
)

// idAnswer is the answer of a system whose success carries an id.
type idAnswer struct {
	signedhttp.Answer
	ID string `json:"id"`
}

func (a *idAnswer) Complete() bool { return a.ID != "" }

// call posts {} through a client configured by cfg, and reads an
// idAnswer.
func call(t *testing.T, cfg signedhttp.Config) (idAnswer, error) {
	t.Helper()
	c, err := signedhttp.New("test system", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out idAnswer
	_, err = c.Call(t.Context(), http.MethodPost, c.URL, []byte(`{}`), &out, "answer without id")
	return out, err
}

// TestCall: a signed JSON request goes out, and a success comes back
// decoded.
func TestCall(t *testing.T) {
	t.Parallel()
	srv, got := signedhttptest.Answering(t, http.StatusOK, `{"code":"OK","id":"x-1"}`)
	out, err := call(t, signedhttptest.Config(srv, "/v1/send", 0))
	if err != nil || out.ID != "x-1" {
		t.Fatalf("Call = %+v, %v; want x-1", out, err)
	}
	if got.Method != http.MethodPost || got.Path != "/v1/send" || got.Header.Get("Content-Type") != "application/json" || string(got.Body) != `{}` {
		t.Errorf("request %s %s %s %q", got.Method, got.Path, got.Header.Get("Content-Type"), got.Body)
	}
}

// TestCallRefusals: every answer but a success is an *Error with the
// system's code, or HTTP_<status> when it gave none that reads, temporary
// or not as docs/adapters.md says.
func TestCallRefusals(t *testing.T) {
	t.Parallel()
	signedhttptest.CheckRefusals(t, []signedhttptest.Refusal{
		{Name: "拒绝", Status: 400, Body: `{"code":"INVALID_PHONE","message":"号码格式错误"}`, Text: "test system: INVALID_PHONE: 号码格式错误"},
		{Name: "成功应答里的拒绝", Status: 200, Body: `{"code":"CONTENT_REJECTED"}`, Text: "test system: CONTENT_REJECTED"},
		{Name: "未知错误码", Status: 404, Body: `{"code":"NOT_FOUND"}`, Text: "test system: NOT_FOUND"},
		{Name: "鉴权失败", Status: 401, Body: `{"code":"AUTH_FAILED"}`, Text: "test system: AUTH_FAILED", Temporary: true},
		{Name: "未授权无代码", Status: 403, Body: ``, Text: "test system: HTTP_403: unreadable answer", Temporary: true},
		{Name: "限流", Status: 429, Body: `{"code":"THROTTLED","message":"slow down"}`, Text: "test system: THROTTLED: slow down", Temporary: true},
		{Name: "繁忙", Status: 200, Body: `{"code":"BUSY"}`, Text: "test system: BUSY", Temporary: true},
		{Name: "服务器错误有码", Status: 500, Body: `{"code":"INVALID_REQUEST"}`, Text: "test system: INVALID_REQUEST", Temporary: true},
		{Name: "网关故障", Status: 503, Body: `upstream down`, Text: "test system: HTTP_503: unreadable answer", Temporary: true},
		{Name: "无法解析的成功应答", Status: 200, Body: `<html>`, Text: "test system: HTTP_200: unreadable answer", Temporary: true},
		{Name: "成功但缺少编号", Status: 200, Body: `{"code":"OK"}`, Text: "test system: HTTP_200: answer without id", Temporary: true},
		{Name: "成功但缺少编号有说明", Status: 200, Body: `{"code":"OK","message":"queued"}`, Text: "test system: HTTP_200: queued", Temporary: true},
		{Name: "拒绝无码", Status: 404, Body: `{}`, Text: "test system: HTTP_404: answer without id"},
		{Name: "非成功状态的OK", Status: 400, Body: `{"code":"OK","id":"x-1"}`, Text: "test system: OK"},
	}, func(t *testing.T, srv *httptest.Server) error {
		_, err := call(t, signedhttptest.Config(srv, "/v1/send", 0))
		return err
	})
}

// TestCallWrongSecret: a system that cannot check the signature refuses
// with AUTH_FAILED, which waits for an operator and so is temporary.
func TestCallWrongSecret(t *testing.T) {
	t.Parallel()
	srv := signedhttptest.NewServer(t, func(http.ResponseWriter, *http.Request, []byte) {
		t.Error("a request with a wrong signature was let through")
	})
	cfg := signedhttptest.Config(srv, "/v1/send", 0)
	cfg.AppSecret = "wrong"
	_, err := call(t, cfg)
	var e *signedhttp.Error
	if !errors.As(err, &e) || e.Code != "AUTH_FAILED" || !e.Temporary {
		t.Fatalf("Call with a wrong secret = %v, want a temporary AUTH_FAILED", err)
	}
}

// TestCallTimeout: a system that does not answer in time leaves the
// outcome unknown, so the error is temporary and not an *Error.
func TestCallTimeout(t *testing.T) {
	t.Parallel()
	srv := signedhttptest.NewServer(t, func(_ http.ResponseWriter, r *http.Request, _ []byte) { <-r.Context().Done() })
	_, err := call(t, signedhttptest.Config(srv, "/v1/send", 50*time.Millisecond))
	var e *signedhttp.Error
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &e) || !signedhttp.Temporary(err) {
		t.Fatalf("Call past the timeout = %v, want a temporary deadline error", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []signedhttp.Config{
		{Endpoint: "sms.example/v1", AppKey: "a", AppSecret: "b"},
		{Endpoint: "ftp://sms.example/v1", AppKey: "a", AppSecret: "b"},
		{Endpoint: "https://sms.example/v1", AppSecret: "b"},
		{Endpoint: "https://sms.example/v1", AppKey: "a"},
	} {
		if _, err := signedhttp.New("test system", cfg, nil); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}
