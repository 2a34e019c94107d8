package signedhttp_test

import (
	"testing"

	"yima/signedhttp"
)

// TestSign: the signature is 64 hex characters, the same for the same
// request, and different when any signed part changes.
func TestSign(t *testing.T) {
	type req struct {
		secret, method, path, ts, nonce, body string
	}
	base := req{"s3cret", "POST", "/v1/sms/send", "1700000000", "00112233445566778899aabbccddeeff", `{"out_id":"o"}`}
	sign := func(r req) string { return signedhttp.Sign(r.secret, r.method, r.path, r.ts, r.nonce, []byte(r.body)) }
	want := sign(base)
	if len(want) != 64 {
		t.Fatalf("Sign = %q, want 64 hex characters", want)
	}
	if again := sign(base); again != want {
		t.Fatalf("Sign is not deterministic: %q then %q", want, again)
	}
	for _, tc := range []struct {
		name   string
		change func(*req)
	}{
		{"secret", func(r *req) { r.secret = "other" }},
		{"method", func(r *req) { r.method = "GET" }},
		{"path", func(r *req) { r.path = "/v1/sms/send2" }},
		{"timestamp", func(r *req) { r.ts = "1700000001" }},
		{"nonce", func(r *req) { r.nonce = "ffeeddccbbaa99887766554433221100" }},
		{"body", func(r *req) { r.body = `{"out_id":"p"}` }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.change(&r)
			if sign(r) == want {
				t.Errorf("Sign ignores the %s", tc.name)
			}
		})
	}
}

// TestSignIsStable pins the signature of a known request, so a change to
// the string to sign is a visible, deliberate break of the systems' shape.
func TestSignIsStable(t *testing.T) {
	const want = "59393cfb6621fe3ebe2f29179ab3c56b68f3f1d0d73c8fb1ea938ea6a6dd7256"
	if got := signedhttp.Sign("s3cret", "POST", "/v1/sms/send", "1700000000", "00112233445566778899aabbccddeeff", []byte(`{"out_id":"o"}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
