package dept_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yima/services/recordcheck/dept"
	"yima/signedhttp"
)

const secret = "s3cret"

// department is a fake department of the documented shape; answer writes
// the answer to a request whose signature checked out.
func department(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		want := signedhttp.Sign(secret, r.Method, r.URL.EscapedPath(), r.Header.Get(signedhttp.HeaderTimestamp), r.Header.Get(signedhttp.HeaderNonce), body)
		if r.Header.Get(signedhttp.HeaderSignature) != want || r.Header.Get(signedhttp.HeaderAppKey) != "yima" ||
			r.Header.Get(signedhttp.HeaderSignatureMethod) != signedhttp.SignatureMethod {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":"AUTH_FAILED","message":"bad signature"}`))
			return
		}
		answer(w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func client(t *testing.T, url string, timeout time.Duration) *dept.Client {
	t.Helper()
	c, err := dept.NewClient(dept.ClientConfig{Endpoint: url + "/v1/record-checks", AppKey: "yima", AppSecret: secret, Timeout: timeout}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var sub = dept.Submission{Reference: "0190a0b0-0000-7000-8000-000000000001", Name: "钱志远", IDNumber: "310104198605121236", Purpose: "参加社区服务"}

func TestSubmit(t *testing.T) {
	t.Parallel()
	var got map[string]string
	srv := department(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/record-checks" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Error(err)
		}
		_, _ = w.Write([]byte(`{"code":"OK","case_id":"C-1","duplicate":true}`))
	})
	rc, err := client(t, srv.URL, 0).Submit(t.Context(), sub)
	if err != nil || rc.CaseID != "C-1" || !rc.Duplicate {
		t.Fatalf("Submit = %+v, %v", rc, err)
	}
	want := map[string]string{"reference": sub.Reference, "name": sub.Name, "id_number": sub.IDNumber, "purpose": sub.Purpose}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("body[%s] = %q, want %q", k, got[k], v)
		}
	}
}

func TestSubmitErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		code      string
		temporary bool
	}{
		{"号码无效", 400, `{"code":"INVALID_ID_NUMBER","message":"身份证号码无效"}`, dept.CodeInvalidIDNumber, false},
		{"请求无效", 400, `{"code":"INVALID_REQUEST"}`, dept.CodeInvalidRequest, false},
		{"限流", 429, `{"code":"THROTTLED"}`, dept.CodeThrottled, true},
		{"繁忙", 200, `{"code":"BUSY"}`, dept.CodeBusy, true},
		{"认证失败", 401, `{"code":"AUTH_FAILED"}`, dept.CodeAuthFailed, true},
		{"服务器错误无码", 503, `down`, "HTTP_503", true},
		{"成功无编号", 200, `{"code":"OK"}`, "HTTP_200", true},
		{"拒绝无码", 404, `{}`, "HTTP_404", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := department(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := client(t, srv.URL, 0).Submit(t.Context(), sub)
			var e *dept.Error
			if !errors.As(err, &e) || e.Code != tc.code || dept.Temporary(err) != tc.temporary {
				t.Errorf("Submit = %v, want %s temporary=%v", err, tc.code, tc.temporary)
			}
		})
	}
}

func TestWrongSecretIsAuthFailed(t *testing.T) {
	t.Parallel()
	srv := department(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		t.Error("a request with a wrong signature was let through")
	})
	c, err := dept.NewClient(dept.ClientConfig{Endpoint: srv.URL + "/v1/record-checks", AppKey: "yima", AppSecret: "wrong"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Submit(t.Context(), sub)
	var e *dept.Error
	if !errors.As(err, &e) || e.Code != dept.CodeAuthFailed || !e.Temporary {
		t.Errorf("Submit = %v, want a temporary AUTH_FAILED", err)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		want dept.Result
		code string
	}{
		{"审查中", `{"code":"OK","status":"pending"}`, dept.Result{Outcome: dept.Pending}, ""},
		{"无犯罪记录", `{"code":"OK","status":"clear","decided_at":"2026-06-01T10:00:00+08:00"}`,
			dept.Result{Outcome: dept.Clear, DecidedAt: time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)}, ""},
		{"不予受理", `{"code":"OK","status":"rejected","reason":"用途不符","decided_at":"2026-06-01T10:00:00Z"}`,
			dept.Result{Outcome: dept.Rejected, Reason: "用途不符", DecidedAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}, ""},
		{"未知状态", `{"code":"OK","status":"maybe"}`, dept.Result{}, "HTTP_200"},
		{"缺决定时间", `{"code":"OK","status":"clear"}`, dept.Result{}, "HTTP_200"},
		{"没有这份申请", `{"code":"NOT_FOUND"}`, dept.Result{}, dept.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := department(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if r.Method != http.MethodGet || r.URL.Path != "/v1/record-checks/"+sub.Reference || len(body) != 0 {
					t.Errorf("request %s %s %q", r.Method, r.URL.Path, body)
				}
				if strings.Contains(tc.body, "NOT_FOUND") {
					w.WriteHeader(http.StatusNotFound)
				}
				_, _ = w.Write([]byte(tc.body))
			})
			got, err := client(t, srv.URL, 0).Status(t.Context(), sub.Reference)
			var e *dept.Error
			switch {
			case tc.code == "" && (err != nil || got.Outcome != tc.want.Outcome || got.Reason != tc.want.Reason || !got.DecidedAt.Equal(tc.want.DecidedAt)):
				t.Errorf("Status = %+v, %v; want %+v", got, err, tc.want)
			case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code):
				t.Errorf("Status = %+v, %v; want error %s", got, err, tc.code)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := department(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	_, err := client(t, srv.URL, 50*time.Millisecond).Submit(context.Background(), sub)
	var e *dept.Error
	if err == nil || errors.As(err, &e) || !dept.Temporary(err) {
		t.Errorf("Submit past the timeout = %v, want a transport error that is temporary", err)
	}
}

func TestNewClientRefuses(t *testing.T) {
	t.Parallel()
	for _, cfg := range []dept.ClientConfig{
		{Endpoint: "rc.example/v1", AppKey: "a", AppSecret: "b"},
		{Endpoint: "ftp://rc.example/v1", AppKey: "a", AppSecret: "b"},
		{Endpoint: "https://rc.example/v1", AppKey: "a"},
	} {
		if _, err := dept.NewClient(cfg, nil); err == nil {
			t.Errorf("NewClient(%+v) accepted", cfg)
		}
	}
}
