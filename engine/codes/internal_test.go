package codes

import (
	"bytes"
	"crypto/hmac"
	"encoding/base32"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

var stdB32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// The hand-written codec agrees with encoding/base32 on every length, and
// refuses the non-canonical spellings encoding/base32 lets through.
func TestBase32AgainstStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lenientStd := 0
	defer func() {
		t.Logf("encoding/base32 took %d non-canonical spellings that decodeBase32 refused", lenientStd)
	}()
	for n := range 90 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		want := stdB32.EncodeToString(src)
		got := make([]byte, base32Len(n))
		encodeBase32(got, src)
		if string(got) != want {
			t.Fatalf("encode %d bytes = %q, want %q", n, got, want)
		}
		dst := make([]byte, n)
		if !decodeBase32(dst, want) || !bytes.Equal(dst, src) {
			t.Fatalf("decode %q = %x, want %x", want, dst, src)
		}
		if n == 0 || (n*8)%5 == 0 {
			continue
		}
		// Set a padding bit in the last character.
		last := base32Value(want[len(want)-1]) | 1
		lenient := want[:len(want)-1] + string(base32Alphabet[last])
		if lenient == want {
			continue
		}
		if b, err := stdB32.DecodeString(lenient); err == nil && bytes.Equal(b, src) {
			lenientStd++
		}
		if decodeBase32(dst, lenient) {
			t.Fatalf("decodeBase32 accepted non-zero padding bits in %q", lenient)
		}
	}
	for _, bad := range []string{"", "A", "AAAAAAA", "aaaaaaaa", "AAAAAAA=", "AAAA AAA", "AAAAAAA1", "AAAAAAA8", "AAAAAAA\x00"} {
		if decodeBase32(make([]byte, 5), bad) {
			t.Errorf("decodeBase32(%q) accepted it", bad)
		}
	}
}

// The hand-rolled HMAC equals crypto/hmac over the documented inputs.
func TestMACIsHMACSM3(t *testing.T) {
	c := FixtureCodes(t)
	kc, err := FixtureKeys(t, 1, 0x42, 1, 0x11).Code().Derive("yima/code/v1/volunteer", 32)
	if err != nil {
		t.Fatal(err)
	}
	var body [vOffMAC]byte
	for i := range body {
		body[i] = byte(i * 7)
	}
	h := hmac.New(sm3.New, kc)
	h.Write(body[vOffID:vOffStep])
	kv := h.Sum(nil)
	h = hmac.New(sm3.New, kv)
	h.Write([]byte(VolunteerPrefix))
	h.Write(body[:])
	want := h.Sum(nil)
	// Twice, so the pooled deriver's reset path is covered too.
	for range 2 {
		if got := c.codeKeys[1].mac(body[:]); !bytes.Equal(got[:], want) {
			t.Fatalf("mac = %x, want %x", got, want)
		}
	}
}

func TestStepAt(t *testing.T) {
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {-1, -1}, {-30, -1}, {-31, -2}, {1741167000, 58038900},
	}
	for _, tt := range tests {
		if got := stepAt(time.Unix(tt.unix, 999)); got != tt.want {
			t.Errorf("stepAt(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

// Verify allocates nothing, so scanning at full rate adds no GC work.
func TestVerifyAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	c := FixtureCodes(t)
	p, _ := c.Issue(Volunteer1, 1, T0)
	if _, err := c.Verify(p, T0); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.Verify(p, T0) }); n > 0 {
		t.Errorf("Verify allocates %.0f times, want 0", n)
	}
	project, _ := c.IssueProjectCode(Project1)
	_, _ = c.VerifyStatic(project)
	if n := testing.AllocsPerRun(100, func() { _, _ = c.VerifyStatic(project) }); n > 0 {
		t.Errorf("cached VerifyStatic allocates %.0f times, want 0", n)
	}
}

func TestStaticCacheGenerations(t *testing.T) {
	c := newStaticCache(4) // two generations of two
	put := func(s string) { c.put(s, StaticClaim{Kind: KindOrg, ID: [16]byte{s[0]}}) }
	put("a")
	put("b")
	put("c") // a and b become the previous generation
	if _, ok := c.get("a"); !ok {
		t.Fatal("a lost one generation early")
	}
	// a was promoted, so the next rollover keeps it and drops b.
	put("d")
	put("e")
	if _, ok := c.get("a"); !ok {
		t.Error("recently used a was evicted")
	}
	if _, ok := c.get("b"); ok {
		t.Error("b survived two rollovers unused")
	}
	if n := c.len(); n > 4 {
		t.Errorf("len = %d, bound 4", n)
	}
}

// How much of Verify deriving K_v takes, which is what a cache of derived
// keys could save.
func BenchmarkDeriveVolunteerKey(b *testing.B) {
	k := FixtureCodes(b).codeKeys[1]
	var in [vOffStep - vOffID]byte
	b.ReportAllocs()
	for b.Loop() {
		d := k.derive.Get().(*deriver)
		copy(d.in[:], in[:])
		d.h.Reset()
		d.h.Write(d.in[:])
		d.h.Sum(d.sum[:0])
		k.derive.Put(d)
	}
}
