package token_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"yima/keyring"
	"yima/services/identity/token"
)

var t0 = time.Date(2025, 3, 5, 9, 30, 0, 0, time.UTC)

func newSigner(t testing.TB, kid, fill byte) *token.Signer {
	t.Helper()
	key, err := keyring.NewKey(kid, bytes.Repeat([]byte{fill}, keyring.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s, err := token.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claims() token.Claims {
	return token.Claims{
		SessionID:   [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		PersonID:    [16]byte{0xaa, 15: 0xbb},
		AccountID:   [16]byte{0xcc, 15: 0xdd},
		AccountKind: 2,
		IssuedAt:    t0,
		ExpiresAt:   t0.Add(2 * time.Hour),
	}
}

func TestSignVerify(t *testing.T) {
	s := newSigner(t, 1, 0x42)
	want := claims()
	tok, err := s.Sign(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != token.Size || !strings.HasPrefix(tok, token.Prefix) {
		t.Fatalf("token %q: want %d characters starting %q", tok, token.Size, token.Prefix)
	}
	got, err := s.Verify(tok, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Verify = %+v, want %+v", got, want)
	}
	again, _ := s.Sign(want)
	if again != tok {
		t.Error("Sign is not deterministic; the fuzz oracle relies on it")
	}
}

// Claims keep whole seconds only; Verify returns them in UTC.
func TestSignTruncatesToSeconds(t *testing.T) {
	s := newSigner(t, 1, 0x42)
	c := claims()
	shanghai := time.FixedZone("CST", 8*3600)
	c.IssuedAt = t0.Add(900 * time.Millisecond).In(shanghai)
	tok, err := s.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.IssuedAt != t0 {
		t.Errorf("IssuedAt = %v, want %v", got.IssuedAt, t0)
	}
}

func TestSignRefuses(t *testing.T) {
	s := newSigner(t, 1, 0x42)
	tests := []struct {
		name string
		edit func(*token.Claims)
	}{
		{"签发时间为零", func(c *token.Claims) { c.IssuedAt = time.Time{} }},
		{"到期等于签发", func(c *token.Claims) { c.ExpiresAt = c.IssuedAt }},
		{"到期早于签发", func(c *token.Claims) { c.ExpiresAt = c.IssuedAt.Add(-time.Hour) }},
		{"不足一秒", func(c *token.Claims) { c.ExpiresAt = c.IssuedAt.Add(500 * time.Millisecond) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claims()
			tt.edit(&c)
			if tok, err := s.Sign(c); err == nil {
				t.Fatalf("Sign = %q, want an error", tok)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	s := newSigner(t, 1, 0x42)
	tok, err := s.Sign(claims())
	if err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndexByte(tok, '.')
	payload, mac := tok[len(token.Prefix):dot], tok[dot+1:]
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	reencode := func(edit func([]byte)) string {
		p := bytes.Clone(raw)
		edit(p)
		return token.Prefix + base64.RawURLEncoding.EncodeToString(p) + "." + mac
	}
	// The MAC's last character carries 4 unused bits; only the canonical
	// spelling may verify.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, mac[len(mac)-1])
	sloppyMAC := tok[:len(tok)-1] + string(alphabet[last^1])

	tests := []struct {
		name   string
		signer *token.Signer
		tok    string
		now    time.Time
		want   error
	}{
		{"空串", s, "", t0, token.ErrMalformed},
		{"前缀不对", s, "y2" + tok[2:], t0, token.ErrMalformed},
		{"缺点号", s, tok[:dot] + "A" + tok[dot+1:], t0, token.ErrMalformed},
		{"多一个字符", s, tok + "A", t0, token.ErrMalformed},
		{"少一个字符", s, tok[:len(tok)-1], t0, token.ErrMalformed},
		{"非 base64 字符", s, tok[:10] + "*" + tok[11:], t0, token.ErrMalformed},
		{"标准 base64 字符", s, tok[:10] + "+" + tok[11:], t0, token.ErrMalformed},
		{"MAC 填充位不为零", s, sloppyMAC, t0, token.ErrMalformed},
		{"JWT", s, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", t0, token.ErrMalformed},
		{"改账号类型", s, reencode(func(p []byte) { p[49] = 5 }), t0, token.ErrBadSignature},
		{"延长有效期", s, reencode(func(p []byte) { p[60]++ }), t0, token.ErrBadSignature},
		{"换人", s, reencode(func(p []byte) { p[17] ^= 1 }), t0, token.ErrBadSignature},
		{"换密钥编号", s, reencode(func(p []byte) { p[0] = 2 }), t0, token.ErrBadSignature},
		{"别的密钥", newSigner(t, 1, 0x43), tok, t0, token.ErrBadSignature},
		{"新密钥编号的签名者", newSigner(t, 2, 0x42), tok, t0, token.ErrBadSignature},
		{"到期那一刻", s, tok, t0.Add(2 * time.Hour), token.ErrExpired},
		{"已过期", s, tok, t0.Add(3 * time.Hour), token.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.signer.Verify(tt.tok, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify(%q) error = %v, want %v", tt.tok, err, tt.want)
			}
			if got != (token.Claims{}) {
				t.Errorf("Verify returned claims %+v with an error, want zero", got)
			}
		})
	}
}

func TestNewSignerRefusesZeroKey(t *testing.T) {
	if _, err := token.NewSigner(keyring.Key{}); err == nil {
		t.Error("NewSigner(zero Key) succeeded, want an error")
	}
}

func TestID(t *testing.T) {
	id := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	const s = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	if got := token.FormatID(id); got != s {
		t.Errorf("FormatID = %q, want %q", got, s)
	}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"小写", s, true},
		{"大写", strings.ToUpper(s), true},
		{"无连字符", strings.ReplaceAll(s, "-", ""), false},
		{"带花括号", "{" + s + "}", false},
		{"非十六进制", "6ba7b810-9dad-11d1-80b4-00c04fd430cg", false},
		{"连字符错位", "6ba7b8109-dad-11d1-80b4-00c04fd430c8", false},
		{"空", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.ParseID(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseID(%q) error = %v, want ok=%t", tt.in, err, tt.ok)
			}
			if tt.ok && got != id {
				t.Errorf("ParseID(%q) = %x, want %x", tt.in, got, id)
			}
		})
	}
}

// FuzzVerify feeds Verify arbitrary strings and altered valid tokens. Verify
// must never panic, must fail only with its three errors, and may accept only
// a token byte-identical to what Sign makes for the claims it returns (Sign is
// deterministic, so that is exactly "a token this Signer signed").
func FuzzVerify(f *testing.F) {
	s := newSigner(f, 1, 0x42)
	valid, err := s.Sign(claims())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, []byte{1, 2, 3}, int64(t0.Unix()), uint16(5), byte(1))
	f.Add(valid[:len(valid)-1]+"B", []byte{}, int64(0), uint16(113), byte(0x80))
	f.Add("y1..", []byte("session-person-account"), int64(1<<33), uint16(0), byte(0xff))
	f.Add(strings.Repeat("A", token.Size), []byte{}, int64(-1), uint16(91), byte(2))

	f.Fuzz(func(t *testing.T, raw string, ids []byte, iat int64, pos uint16, delta byte) {
		now := t0
		if c, err := s.Verify(raw, now); err == nil {
			if resigned, _ := s.Sign(c); resigned != raw {
				t.Fatalf("Verify accepted %q, which Sign never made (it makes %q)", raw, resigned)
			}
		} else if !errors.Is(err, token.ErrMalformed) && !errors.Is(err, token.ErrBadSignature) && !errors.Is(err, token.ErrExpired) {
			t.Fatalf("Verify(%q) error = %v, want one of the package's errors", raw, err)
		}

		// Sign claims built from the input, check they verify, then alter
		// one byte of the token and require failure.
		var c token.Claims
		buf := make([]byte, 49)
		copy(buf, ids)
		c.SessionID, c.PersonID, c.AccountID = [16]byte(buf[0:16]), [16]byte(buf[16:32]), [16]byte(buf[32:48])
		c.AccountKind = buf[48]
		c.IssuedAt = time.Unix(iat%(1<<40), 0).UTC() // within the years time.Time round-trips
		c.ExpiresAt = c.IssuedAt.Add(time.Duration(pos)*time.Second + time.Second)
		tok, err := s.Sign(c)
		if err != nil {
			t.Fatalf("Sign(%+v): %v", c, err)
		}
		if got, err := s.Verify(tok, c.IssuedAt); err != nil || got != c {
			t.Fatalf("Verify(own token) = %+v, %v; want %+v", got, err, c)
		}
		if delta == 0 {
			delta = 1
		}
		b := []byte(tok)
		b[int(pos)%len(b)] ^= delta
		if got, err := s.Verify(string(b), c.IssuedAt); err == nil {
			t.Fatalf("Verify accepted altered token %q (from %q) as %+v", b, tok, got)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	s := newSigner(b, 1, 0x42)
	c := claims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	s := newSigner(b, 1, 0x42)
	tok, err := s.Sign(claims())
	if err != nil {
		b.Fatal(err)
	}
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel is the shape of real traffic: every handler
// goroutine verifying at once through one Signer.
func BenchmarkVerifyParallel(b *testing.B) {
	s := newSigner(b, 1, 0x42)
	tok, err := s.Sign(claims())
	if err != nil {
		b.Fatal(err)
	}
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Verify(tok, now); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// FuzzParseID: IDs arrive in requests. ParseID must never panic, and what it
// accepts must format back to the same text, lower-cased.
func FuzzParseID(f *testing.F) {
	f.Add("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	f.Add("6BA7B810-9DAD-11D1-80B4-00C04FD430C8")
	f.Add("{6ba7b810-9dad-11d1-80b4-00c04fd430c8}")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := token.ParseID(s)
		if err != nil {
			return
		}
		if got := token.FormatID(id); got != strings.ToLower(s) {
			t.Fatalf("FormatID(ParseID(%q)) = %q", s, got)
		}
	})
}
