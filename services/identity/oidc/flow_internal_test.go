package oidc

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestSafeReturn(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"空", "", DefaultReturn},
		{"本站路径", "/org/", "/org/"},
		{"带查询串", "/h5/projects?id=7&tab=a", "/h5/projects?id=7&tab=a"},
		{"去掉片段", "/org/#/members", "/org/"},
		{"中文路径", "/h5/活动", "/h5/%E6%B4%BB%E5%8A%A8"},
		{"协议相对地址", "//evil.example", DefaultReturn},
		{"协议相对地址带路径", "//evil.example/h5/", DefaultReturn},
		{"绝对地址", "https://evil.example/", DefaultReturn},
		{"javascript", "javascript:alert(1)", DefaultReturn},
		{"反斜杠", `/\evil.example`, DefaultReturn},
		{"中间反斜杠", `/h5\..\evil`, DefaultReturn},
		{"相对路径", "h5/", DefaultReturn},
		{"控制字符", "/h5/\r\nSet-Cookie: a=b", DefaultReturn},
		{"制表符", "/\t/evil.example", DefaultReturn},
		{"编码的双斜杠", "/%2F/evil.example", DefaultReturn},
		{"过长", "/" + strings.Repeat("a", maxReturnLen), DefaultReturn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SafeReturn(tt.in); got != tt.want {
				t.Errorf("SafeReturn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/h5/", "//evil", "/\\evil", "https://x", "/a?b#c", "/%2F%2Fx", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeReturn(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\#") {
			t.Fatalf("SafeReturn(%q) = %q: not a local path", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("SafeReturn(%q) = %q: parses as %+v, %v", s, got, u, err)
		}
		if SafeReturn(got) != got {
			t.Fatalf("SafeReturn is not idempotent on %q", got)
		}
	})
}

func TestLoginCookie(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	state := newState()
	c := loginCookie{Verifier: oauth2.GenerateVerifier(), Return: "/org/?a=1", Expires: 1700000000}
	sealed := c.seal(key, state)

	got, err := openCookie(key, state, sealed)
	if err != nil || got != c {
		t.Fatalf("openCookie = %+v, %v; want %+v", got, err, c)
	}
	payload, mac, _ := strings.Cut(sealed, ".")
	forged := loginCookie{Verifier: c.Verifier, Return: "/evil/", Expires: c.Expires}.seal(bytes.Repeat([]byte{8}, 32), state)
	forgedPayload, _, _ := strings.Cut(forged, ".")
	tests := []struct {
		name, state, value string
	}{
		{"另一个 state", newState(), sealed},
		{"另一把密钥", state, forged},
		{"换了内容", state, forgedPayload + "." + mac},
		{"没有 MAC", state, payload},
		{"空值", state, ""},
		{"MAC 不是 base64", state, payload + ".!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := openCookie(key, tt.state, tt.value); err == nil {
				t.Errorf("openCookie accepted %q", tt.value)
			}
		})
	}
}

func FuzzOpenCookie(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	const state = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	f.Add(loginCookie{Verifier: strings.Repeat("v", 43), Return: "/h5/", Expires: 1}.seal(key, state))
	f.Add("x.y")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := openCookie(key, state, v)
		if err == nil && (SafeReturn(c.Return) != c.Return || checkVerifier(c.Verifier) != nil) {
			t.Fatalf("openCookie(%q) accepted %+v", v, c)
		}
	})
}

func TestValidState(t *testing.T) {
	if s := newState(); !validState(s) {
		t.Errorf("validState(newState()) = false for %q", s)
	}
	for _, s := range []string{"", "short", strings.Repeat("a", 42) + ";", strings.Repeat("a", 44)} {
		if validState(s) {
			t.Errorf("validState(%q) = true", s)
		}
	}
}

func TestNonceIsNotTheVerifier(t *testing.T) {
	v := oauth2.GenerateVerifier()
	n := nonceFor(v)
	if n == v || n == oauth2.S256ChallengeFromVerifier(v) || n != nonceFor(v) {
		t.Errorf("nonceFor(%q) = %q: want a stable value distinct from the verifier and the challenge", v, n)
	}
}
