package library_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"yima/services/elicense/library"
	"yima/signedhttp"
)

const secret = "s3cret"

// city is a library of the documented shape; answer writes the answer to
// a request whose signature checked out.
func city(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *httptest.Server {
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

func client(t *testing.T, url string, timeout time.Duration) *library.Client {
	t.Helper()
	c, err := library.NewClient(library.ClientConfig{Endpoint: url + "/v1/licenses", AppKey: "yima", AppSecret: secret, Timeout: timeout}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var sub = library.Submission{
	Reference: "0190a0b0-0000-7000-8000-000000000001", VolunteerNo: "31010420260001", Name: "李晓梅",
	IDNumber: "310104199509231421", Gender: "女", BirthDate: time.Date(1995, 9, 23, 0, 0, 0, 0, time.UTC),
	IssuedAt: time.Date(2026, 12, 7, 13, 40, 0, 0, time.UTC), Issuer: "上海市志愿者协会",
	Payload: []byte("card"), Signature: []byte{1, 2, 3}, KeyID: "1",
}

// TestSubmit: the body is the documented one, and the answer's license id
// and duplicate flag come back.
func TestSubmit(t *testing.T) {
	t.Parallel()
	var got map[string]any
	srv := city(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/licenses" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Error(err)
		}
		_, _ = w.Write([]byte(`{"code":"OK","license_id":"ZZ-1","duplicate":true}`))
	})
	rc, err := client(t, srv.URL, 0).Submit(t.Context(), sub)
	if err != nil || rc.LicenseID != "ZZ-1" || !rc.Duplicate {
		t.Fatalf("Submit = %+v, %v", rc, err)
	}
	holder, _ := got["holder"].(map[string]any)
	for _, tc := range []struct{ field, got, want string }{
		{"reference", str(got["reference"]), sub.Reference},
		{"license_type", str(got["license_type"]), library.LicenseType},
		{"license_no", str(got["license_no"]), sub.VolunteerNo},
		{"holder.name", str(holder["name"]), sub.Name},
		{"holder.id_number", str(holder["id_number"]), sub.IDNumber},
		{"holder.gender", str(holder["gender"]), "女"},
		{"holder.birth_date", str(holder["birth_date"]), "1995-09-23"},
		{"issuer", str(got["issuer"]), sub.Issuer},
		{"issued_at", str(got["issued_at"]), "2026-12-07T13:40:00Z"},
		{"payload", str(got["payload"]), "Y2FyZA=="},
		{"signature", str(got["signature"]), "AQID"},
		{"key_id", str(got["key_id"]), "1"},
	} {
		if tc.got != tc.want {
			t.Errorf("body %s = %q, want %q", tc.field, tc.got, tc.want)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

// TestSubmitErrors: each documented answer maps to a refusal, temporary
// or not.
func TestSubmitErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		code      string
		temporary bool
	}{
		{"身份证号无效", 400, `{"code":"INVALID_ID_NUMBER","message":"身份证号码无效"}`, library.CodeInvalidIDNumber, false},
		{"签名无效", 422, `{"code":"INVALID_SIGNATURE"}`, library.CodeInvalidSignature, false},
		{"鉴权失败", 401, `{"code":"AUTH_FAILED"}`, library.CodeAuthFailed, true},
		{"未授权无代码", 403, ``, "HTTP_403", true},
		{"限流", 429, `{"code":"THROTTLED"}`, library.CodeThrottled, true},
		{"繁忙", 200, `{"code":"BUSY"}`, library.CodeBusy, true},
		{"网关故障", 502, `upstream down`, "HTTP_502", true},
		{"无法解析的成功应答", 200, `<html>`, "HTTP_200", true},
		{"成功但缺少证照编号", 200, `{"code":"OK"}`, "HTTP_200", true},
		{"未知错误码", 400, `{"code":"LICENSE_TYPE_UNKNOWN"}`, "LICENSE_TYPE_UNKNOWN", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := city(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := client(t, srv.URL, 0).Submit(t.Context(), sub)
			var e *library.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Temporary != tc.temporary {
				t.Fatalf("Submit error = %#v, want code %s temporary %v", err, tc.code, tc.temporary)
			}
			if got := library.Temporary(err); got != tc.temporary {
				t.Errorf("Temporary = %v, want %v", got, tc.temporary)
			}
		})
	}
}

// TestSubmitTimeoutIsTemporary: a library that does not answer in time
// leaves the outcome unknown, so the sweeper retries.
func TestSubmitTimeoutIsTemporary(t *testing.T) {
	t.Parallel()
	srv := city(t, func(_ http.ResponseWriter, r *http.Request, _ []byte) { <-r.Context().Done() })
	_, err := client(t, srv.URL, 50*time.Millisecond).Submit(t.Context(), sub)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !library.Temporary(err) {
		t.Fatalf("Submit = %v, want a temporary deadline error", err)
	}
}
