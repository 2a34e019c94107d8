// Package signedhttptest is a fake outside system for the tests of yima's
// adapters: an HTTP server that authenticates each request as the shape in
// docs/adapters.md asks, and answers the ones that pass as the test says.
package signedhttptest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"yima/signedhttp"
)

// The credentials the fake expects.
const (
	AppKey = "yima"
	Secret = "s3cret"
)

// NewServer starts a fake system, closed when t ends. A request with
// another app key or signature method, a wrong signature, a nonce that is
// not 32 characters or a timestamp more than 5 minutes off is answered 401
// AUTH_FAILED; answer answers the others, given the request's body.
func NewServer(t testing.TB, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, nonce := r.Header.Get(signedhttp.HeaderTimestamp), r.Header.Get(signedhttp.HeaderNonce)
		unix, _ := strconv.ParseInt(ts, 10, 64)
		if r.Header.Get(signedhttp.HeaderAppKey) != AppKey || r.Header.Get(signedhttp.HeaderSignatureMethod) != signedhttp.SignatureMethod ||
			r.Header.Get(signedhttp.HeaderSignature) != signedhttp.Sign(Secret, r.Method, r.URL.EscapedPath(), ts, nonce, body) ||
			len(nonce) != 32 || time.Since(time.Unix(unix, 0)).Abs() > 5*time.Minute {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":"AUTH_FAILED","message":"bad signature"}`))
			return
		}
		answer(w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Config is the configuration of a client of srv whose endpoint is path,
// e.g. /v1/sms/send; timeout 0 is the default.
func Config(srv *httptest.Server, path string, timeout time.Duration) signedhttp.Config {
	return signedhttp.Config{Endpoint: srv.URL + path, AppKey: AppKey, AppSecret: Secret, Timeout: timeout}
}

// Request is a request the fake let through.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Answering starts a fake system that answers every request it lets
// through with status and body, and keeps the last such request in the
// Request it returns, to be read once the client has its answer.
func Answering(t testing.TB, status int, body string) (*httptest.Server, *Request) {
	t.Helper()
	got := &Request{}
	srv := NewServer(t, func(w http.ResponseWriter, r *http.Request, b []byte) {
		*got = Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: b}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	return srv, got
}

// Refusal is an answer a system may give and the error an adapter reads
// from it.
type Refusal struct {
	Name   string
	Status int
	Body   string
	// Text is the error's text, the system's name first.
	Text      string
	Temporary bool
}

// CheckRefusals checks, in parallel subtests, that call, talking to a
// fake giving one refusal's answer, returns a *signedhttp.Error of the
// refusal's text that is temporary or not as the refusal says.
func CheckRefusals(t *testing.T, refusals []Refusal, call func(t *testing.T, srv *httptest.Server) error) {
	t.Helper()
	for _, rf := range refusals {
		t.Run(rf.Name, func(t *testing.T) {
			t.Parallel()
			srv, _ := Answering(t, rf.Status, rf.Body)
			err := call(t, srv)
			var e *signedhttp.Error
			if !errors.As(err, &e) || e.Error() != rf.Text || signedhttp.Temporary(err) != rf.Temporary {
				t.Errorf("error = %v, want %q temporary %v", err, rf.Text, rf.Temporary)
			}
		})
	}
}
