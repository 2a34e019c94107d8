package docsign_test

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"testing"

	"yima/docsign"
	"yima/keyring"
)

func ExampleCanonical() {
	fmt.Printf("%q\n", docsign.Canonical("yima/example/v1", "SH0000000001", "李晓梅"))
	// Output: "yima/example/v1\x00\x00\x00\x00\fSH0000000001\x00\x00\x00\t李晓梅"
}

// TestCanonicalBoundaries: moving text across a field boundary changes
// the bytes, as does the label.
func TestCanonicalBoundaries(t *testing.T) {
	a := docsign.Canonical("l", "ab", "c")
	for _, other := range [][]byte{docsign.Canonical("l", "a", "bc"), docsign.Canonical("m", "ab", "c"), docsign.Canonical("l", "abc")} {
		if bytes.Equal(a, other) {
			t.Errorf("%q and %q canonicalize alike", a, other)
		}
	}
}

func TestSignVerify(t *testing.T) {
	signer := func() *docsign.Signer {
		keys, err := keyring.LoadOrCreateDev(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s, err := docsign.NewSigner(keys.Sign())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, other := signer(), signer()
	payload := docsign.Canonical("yima/test/v1", "一", "二")
	kid, sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	if _, again, _ := s.Sign(payload); !bytes.Equal(again, sig) {
		t.Error("signatures are not deterministic")
	}
	for _, tc := range []struct {
		name    string
		v       *docsign.Verifier
		payload []byte
		kid     byte
		sig     []byte
		want    bool
	}{
		{"原样", s.Verifier(), payload, kid, sig, true},
		{"内容被改", s.Verifier(), docsign.Canonical("yima/test/v1", "一", "三"), kid, sig, false},
		{"密钥编号不符", s.Verifier(), payload, kid + 1, sig, false},
		{"其他密钥", other.Verifier(), payload, kid, sig, false},
		{"无签名", s.Verifier(), payload, kid, nil, false},
		{"空验证者", docsign.NewVerifier(map[byte]*ecdsa.PublicKey{}), payload, kid, sig, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.Verify(tc.payload, tc.kid, tc.sig); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
	if code := docsign.CheckCode(sig); len(code) != docsign.CheckCodeLen || code == docsign.CheckCode(append(bytes.Clone(sig), 0)) {
		t.Errorf("CheckCode = %q", code)
	}
}
