package codes_test

import (
	"encoding/base32"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"yima/engine/codes"
	"yima/keyring"
)

var (
	t0  = codes.T0
	b32 = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// body and withBody split a payload into its prefix and decoded body and
// put it back together, using encoding/base32 as an independent codec.
func body(t *testing.T, payload string) []byte {
	t.Helper()
	b, err := b32.DecodeString(payload[4:])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withBody(payload string, b []byte) string { return payload[:4] + b32.EncodeToString(b) }

// flip changes the character at i to another base32 character.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func issue(t *testing.T, c *codes.Codes, v [16]byte, epoch uint32, now time.Time) string {
	t.Helper()
	p, exp := c.Issue(v, epoch, now)
	if len(p) != codes.VolunteerCodeLen || !strings.HasPrefix(p, codes.VolunteerPrefix) {
		t.Fatalf("Issue = %q: want %d characters starting %q", p, codes.VolunteerCodeLen, codes.VolunteerPrefix)
	}
	if want := time.Unix((now.Unix()/30+2)*30, 0).UTC(); !exp.Equal(want) {
		t.Fatalf("expiresAt = %v, want %v", exp, want)
	}
	return p
}

func TestVolunteerVerify(t *testing.T) {
	c := codes.FixtureCodes(t)
	valid := issue(t, c, codes.Volunteer1, 7, t0.Add(10*time.Second))
	other := issue(t, c, codes.Volunteer2, 7, t0.Add(10*time.Second))

	// Another volunteer's MAC on this volunteer's body.
	b := body(t, valid)
	copy(b[25:], body(t, other)[25:])
	spliced := withBody(valid, b)
	// The epoch changed under an intact MAC.
	b = body(t, valid)
	b[20] ^= 1
	epochChanged := withBody(valid, b)

	r2 := codes.FixtureKeys(t, 2, 0x43, 1, 0x11)
	c2, err := codes.New(r2.Code(), r2.Sign())
	if err != nil {
		t.Fatal(err)
	}
	// Same kid, different secret: what a forger guessing the key makes.
	r3 := codes.FixtureKeys(t, 1, 0x44, 1, 0x11)
	c3, err := codes.New(r3.Code(), r3.Sign())
	if err != nil {
		t.Fatal(err)
	}
	project, err := c.IssueProjectCode(codes.Project1)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		payload string
		now     time.Time
		want    error
	}{
		{"有效", valid, t0, nil},
		{"valid at the end of its step", valid, t0.Add(29 * time.Second), nil},
		{"valid one step later", valid, t0.Add(30 * time.Second), nil},
		{"valid one step later, last second", valid, t0.Add(59 * time.Second), nil},
		{"valid when the verifier's clock is a step behind", valid, t0.Add(-1 * time.Second), nil},
		{"valid, verifier a full step behind", valid, t0.Add(-30 * time.Second), nil},
		{"expired two steps later", valid, t0.Add(60 * time.Second), codes.ErrExpired},
		{"expired long after", valid, t0.Add(24 * time.Hour), codes.ErrExpired},
		{"future beyond skew", valid, t0.Add(-31 * time.Second), codes.ErrInvalid},
		{"future beyond skew, far", valid, t0.Add(-24 * time.Hour), codes.ErrInvalid},
		{"tampered MAC", flip(valid, len(valid)-1), t0, codes.ErrInvalid},
		{"tampered volunteer id", flip(valid, 10), t0, codes.ErrInvalid},
		{"tampered epoch", epochChanged, t0, codes.ErrInvalid},
		{"other volunteer's MAC", spliced, t0, codes.ErrInvalid},
		{"unknown kid", issue(t, c2, codes.Volunteer1, 7, t0), t0, codes.ErrInvalid},
		{"wrong key, same kid", issue(t, c3, codes.Volunteer1, 7, t0), t0, codes.ErrInvalid},
		{"kid 0", withBody(valid, append([]byte{0}, body(t, valid)[1:]...)), t0, codes.ErrInvalid},
		{"lowercase", strings.ToLower(valid), t0, codes.ErrInvalid},
		{"lowercase body", valid[:4] + strings.ToLower(valid[4:]), t0, codes.ErrInvalid},
		{"lowercase prefix", "yv1." + valid[4:], t0, codes.ErrInvalid},
		{"truncated", valid[:len(valid)-1], t0, codes.ErrInvalid},
		{"truncated to prefix", codes.VolunteerPrefix, t0, codes.ErrInvalid},
		{"one character more", valid + "A", t0, codes.ErrInvalid},
		{"extra dot", valid[:30] + "." + valid[30:], t0, codes.ErrInvalid},
		{"extra dot replacing a character", valid[:30] + "." + valid[31:], t0, codes.ErrInvalid},
		{"double dot prefix", "YV1.." + valid[5:], t0, codes.ErrInvalid},
		{"padding", valid[:len(valid)-4] + "====", t0, codes.ErrInvalid},
		{"trailing newline", valid[:len(valid)-1] + "\n", t0, codes.ErrInvalid},
		{"other version", "YV2." + valid[4:], t0, codes.ErrInvalid},
		{"empty", "", t0, codes.ErrInvalid},
		{"binary", string([]byte{0, 0xff, 0xfe, 0x80}) + valid[4:], t0, codes.ErrInvalid},
		{"huge", strings.Repeat("A", 1<<20), t0, codes.ErrInvalid},
		{"project code", project, t0, codes.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Verify(tt.payload, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if err != nil {
				if got != (codes.VolunteerClaim{}) {
					t.Errorf("claim on error = %+v, want zero", got)
				}
				return
			}
			want := codes.VolunteerClaim{VolunteerID: codes.Volunteer1, Epoch: 7, Step: uint32(t0.Unix() / 30)}
			if got != want {
				t.Errorf("claim = %+v, want %+v", got, want)
			}
		})
	}
}

func TestVolunteerCodesRotate(t *testing.T) {
	c := codes.FixtureCodes(t)
	seen := map[string]bool{}
	for i := range 4 {
		p := issue(t, c, codes.Volunteer1, 1, t0.Add(time.Duration(i)*codes.StepSeconds*time.Second))
		if seen[p] {
			t.Fatalf("step %d repeats an earlier code", i)
		}
		seen[p] = true
	}
	a := issue(t, c, codes.Volunteer1, 1, t0)
	if b := issue(t, c, codes.Volunteer1, 1, t0.Add(29*time.Second)); a != b {
		t.Error("two codes within one step differ; the page would flicker")
	}
	if b := issue(t, c, codes.Volunteer1, 2, t0); a == b {
		t.Error("bumping the epoch did not change the code")
	}
}

func TestCheckEpoch(t *testing.T) {
	c := codes.FixtureCodes(t)
	claim, err := c.Verify(issue(t, c, codes.Volunteer1, 5, t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		current uint32
		want    error
		reason  string
	}{
		{"same epoch", 5, nil, ""},
		{"deactivated since", 6, codes.ErrRevoked, codes.ReasonRevoked},
		{"caller's copy stale", 4, codes.ErrEpochAhead, codes.ReasonInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := claim.CheckEpoch(tt.current)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CheckEpoch(%d) = %v, want %v", tt.current, err, tt.want)
			}
			if got := codes.Reason(err); got != tt.reason {
				t.Errorf("Reason = %q, want %q", got, tt.reason)
			}
		})
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{codes.ErrInvalid, "CODE_INVALID"},
		{codes.ErrExpired, "CODE_EXPIRED"},
		{codes.ErrRevoked, "CODE_REVOKED"},
		{fmt.Errorf("scan: %w", codes.ErrExpired), "CODE_EXPIRED"},
	}
	for _, tt := range tests {
		if got := codes.Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	// Every rejection names a reason the pages can translate.
	c := codes.FixtureCodes(t)
	valid := issue(t, c, codes.Volunteer1, 1, t0)
	for _, p := range []string{"", "junk", flip(valid, 59), strings.ToLower(valid)} {
		_, err := c.Verify(p, t0)
		if codes.Reason(err) != codes.ReasonInvalid {
			t.Errorf("Verify(%q): Reason(%v) = %q, want CODE_INVALID", p, err, codes.Reason(err))
		}
		_, err = c.VerifyStatic(p)
		if codes.Reason(err) != codes.ReasonInvalid {
			t.Errorf("VerifyStatic(%q): Reason(%v) = %q, want CODE_INVALID", p, err, codes.Reason(err))
		}
	}
	if _, err := c.Verify(valid, t0.Add(time.Hour)); codes.Reason(err) != codes.ReasonExpired {
		t.Errorf("Reason(%v) = %q, want CODE_EXPIRED", err, codes.Reason(err))
	}
}

func TestRetiredCodeKey(t *testing.T) {
	old := codes.FixtureKeys(t, 1, 0x42, 1, 0x11)
	cur := codes.FixtureKeys(t, 2, 0x43, 1, 0x11)
	oldCodes, err := codes.New(old.Code(), old.Sign())
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := codes.New(cur.Code(), cur.Sign(), codes.WithRetiredCodeKeys(old.Code()))
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{
		"old key": issue(t, oldCodes, codes.Volunteer1, 1, t0),
		"new key": issue(t, rotated, codes.Volunteer1, 1, t0),
	} {
		if _, err := rotated.Verify(p, t0); err != nil {
			t.Errorf("%s: Verify = %v", name, err)
		}
	}
	if _, err := codes.New(cur.Code(), cur.Sign(), codes.WithRetiredCodeKeys(cur.Code())); err == nil {
		t.Error("New accepted one kid twice")
	}
}

func TestStaticVerify(t *testing.T) {
	c := codes.FixtureCodes(t)
	project, err := c.IssueProjectCode(codes.Project1)
	if err != nil {
		t.Fatal(err)
	}
	org, err := c.IssueOrgCode(codes.Org1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.IssueProjectCode(codes.Project1)
	if again != project {
		t.Error("IssueProjectCode is not deterministic; reprints would differ")
	}
	volunteer := issue(t, c, codes.Volunteer1, 1, t0)

	// Another signer under the same kid, and one under an unknown kid.
	rOther := codes.FixtureKeys(t, 1, 0x42, 1, 0x22)
	other, _ := codes.New(rOther.Code(), rOther.Sign())
	forged, _ := other.IssueProjectCode(codes.Project1)
	rKid := codes.FixtureKeys(t, 1, 0x42, 9, 0x11)
	kid9, _ := codes.New(rKid.Code(), rKid.Sign())
	unknownKid, _ := kid9.IssueProjectCode(codes.Project1)

	b := body(t, project)
	b[1] ^= 1
	idChanged := withBody(project, b)
	b = body(t, project)
	b[40] ^= 0x80
	sigChanged := withBody(project, b)
	// The last character carries 3 data bits and 2 padding bits; "4" and
	// "5" differ only in the lowest (padding) bit, so this string decodes to
	// the same bytes under a lenient decoder.
	last := project[len(project)-1]
	padBit := project[:len(project)-1] + string(base32Flip(last))

	tests := []struct {
		name    string
		payload string
		want    codes.StaticClaim
		err     error
	}{
		{"项目码", project, codes.StaticClaim{Kind: codes.KindProject, ID: codes.Project1}, nil},
		{"组织码", org, codes.StaticClaim{Kind: codes.KindOrg, ID: codes.Org1}, nil},
		{"project code relabelled as org", codes.OrgPrefix + project[4:], codes.StaticClaim{}, codes.ErrInvalid},
		{"org code relabelled as project", codes.ProjectPrefix + org[4:], codes.StaticClaim{}, codes.ErrInvalid},
		{"tampered id", idChanged, codes.StaticClaim{}, codes.ErrInvalid},
		{"tampered signature", sigChanged, codes.StaticClaim{}, codes.ErrInvalid},
		{"tampered last character", flip(project, len(project)-1), codes.StaticClaim{}, codes.ErrInvalid},
		{"non-zero padding bits", padBit, codes.StaticClaim{}, codes.ErrInvalid},
		{"other signer, same kid", forged, codes.StaticClaim{}, codes.ErrInvalid},
		{"unknown kid", unknownKid, codes.StaticClaim{}, codes.ErrInvalid},
		{"volunteer code", volunteer, codes.StaticClaim{}, codes.ErrInvalid},
		{"lowercase", strings.ToLower(project), codes.StaticClaim{}, codes.ErrInvalid},
		{"truncated", project[:len(project)-1], codes.StaticClaim{}, codes.ErrInvalid},
		{"extra dot", project[:50] + "." + project[51:], codes.StaticClaim{}, codes.ErrInvalid},
		{"other version", "YP2." + project[4:], codes.StaticClaim{}, codes.ErrInvalid},
		{"zero signature", withBody(project, append(body(t, project)[:17], make([]byte, 64)...)), codes.StaticClaim{}, codes.ErrInvalid},
		{"empty", "", codes.StaticClaim{}, codes.ErrInvalid},
		{"huge", strings.Repeat("YP1.", 1<<18), codes.StaticClaim{}, codes.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Twice: the second call must give the same answer from the
			// cache (or, for rejections, not have been cached).
			for range 2 {
				got, err := c.VerifyStatic(tt.payload)
				if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
					t.Fatalf("VerifyStatic error = %v, want %v", err, tt.err)
				}
				if got != tt.want {
					t.Fatalf("claim = %+v, want %+v", got, tt.want)
				}
			}
		})
	}
	if n := c.Static().CacheLen(); n != 2 {
		t.Errorf("cache holds %d payloads, want 2 (only the valid ones)", n)
	}
}

// base32Flip returns the base32 character whose value differs from c's in
// the lowest bit.
func base32Flip(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}

// A third party verifies with nothing but the published PEM and kid, and
// any GB/T 32918 implementation agrees with the signature form.
func TestStaticVerifierFromPEM(t *testing.T) {
	c := codes.FixtureCodes(t)
	project, _ := c.IssueProjectCode(codes.Project1)

	pemBytes := c.PublicKeyPEM()
	if !strings.HasPrefix(string(pemBytes), "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("PublicKeyPEM = %q", pemBytes)
	}
	key, err := codes.ParsePublicKeyPEM(1, pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	v, err := codes.NewStaticVerifier([]codes.VerifyKey{key}, codes.WithStaticCacheSize(0))
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(project)
	if err != nil || got != (codes.StaticClaim{Kind: codes.KindProject, ID: codes.Project1}) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}

	// Independent check: gmsm with the user ID spelled out, over the
	// documented message, with the signature in its usual ASN.1 form.
	b := body(t, project)
	msg := append([]byte(codes.ProjectPrefix), b[:17]...)
	der := asn1Sig(b[17:49], b[49:81])
	if !sm2.VerifyASN1WithSM2(key.Public, []byte("1234567812345678"), msg, der) {
		t.Error("signature does not verify as SM2 with the default user ID")
	}

	for name, in := range map[string][]byte{
		"empty":       nil,
		"private key": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
		"garbage der": []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
	} {
		if _, err := codes.ParsePublicKeyPEM(1, in); err == nil {
			t.Errorf("ParsePublicKeyPEM(%s) accepted it", name)
		}
	}
	if _, err := codes.ParsePublicKeyPEM(0, pemBytes); err == nil {
		t.Error("ParsePublicKeyPEM accepted kid 0")
	}
	if _, err := codes.NewStaticVerifier(nil); err == nil {
		t.Error("NewStaticVerifier accepted no keys")
	}
	if _, err := codes.NewStaticVerifier([]codes.VerifyKey{key, key}); err == nil {
		t.Error("NewStaticVerifier accepted one kid twice")
	}
}

func asn1Sig(r, s []byte) []byte {
	integer := func(b []byte) []byte {
		for len(b) > 1 && b[0] == 0 {
			b = b[1:]
		}
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	seq := append(integer(r), integer(s)...)
	return append([]byte{0x30, byte(len(seq))}, seq...)
}

// Printed codes outlive sign-key rotations.
func TestRetiredSignKey(t *testing.T) {
	old := codes.FixtureCodes(t)
	printed, _ := old.IssueProjectCode(codes.Project1)
	r := codes.FixtureKeys(t, 1, 0x42, 2, 0x33)
	c, err := codes.New(r.Code(), r.Sign(), codes.WithRetiredSignKeys(old.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := c.IssueProjectCode(codes.Project1)
	if fresh == printed {
		t.Fatal("a new sign key gave the same payload")
	}
	for name, p := range map[string]string{"printed under the old key": printed, "new key": fresh} {
		if got, err := c.VerifyStatic(p); err != nil || got.ID != codes.Project1 {
			t.Errorf("%s: VerifyStatic = %+v, %v", name, got, err)
		}
	}
}

func TestStaticCacheBounded(t *testing.T) {
	c := codes.FixtureCodes(t, codes.WithStaticCacheSize(8))
	var payloads []string
	for i := range 20 {
		p, err := c.IssueOrgCode([16]byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, p)
		if _, err := c.VerifyStatic(p); err != nil {
			t.Fatal(err)
		}
		if n := c.Static().CacheLen(); n > 8 {
			t.Fatalf("cache holds %d payloads, bound is 8", n)
		}
	}
	// Evicted payloads verify again (through SM2) with the same answer.
	for i, p := range payloads {
		got, err := c.VerifyStatic(p)
		if err != nil || got.ID != [16]byte{byte(i)} || got.Kind != codes.KindOrg {
			t.Errorf("payload %d: VerifyStatic = %+v, %v", i, got, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := codes.FixtureCodes(t, codes.WithStaticCacheSize(4))
	var statics []string
	for i := range 6 {
		p, _ := c.IssueProjectCode([16]byte{byte(i)})
		statics = append(statics, p)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				v := [16]byte{byte(g), byte(i)}
				p, _ := c.Issue(v, uint32(i), t0)
				if claim, err := c.Verify(p, t0); err != nil || claim.VolunteerID != v {
					t.Errorf("Verify = %+v, %v", claim, err)
				}
				s := statics[(g+i)%len(statics)]
				if _, err := c.VerifyStatic(s); err != nil {
					t.Errorf("VerifyStatic = %v", err)
				}
			}
		})
	}
	wg.Wait()
}

func TestParse(t *testing.T) {
	c := codes.FixtureCodes(t)
	volunteer := issue(t, c, codes.Volunteer1, 1, t0)
	project, _ := c.IssueProjectCode(codes.Project1)
	org, _ := c.IssueOrgCode(codes.Org1)
	tests := []struct {
		name    string
		payload string
		want    codes.Kind
	}{
		{"volunteer", volunteer, codes.KindVolunteer},
		{"project", project, codes.KindProject},
		{"org", org, codes.KindOrg},
		// Parse checks syntax only: a bad MAC still parses.
		{"volunteer, bad MAC", flip(volunteer, 59), codes.KindVolunteer},
		{"empty", "", codes.KindUnknown},
		{"prefix only", "YV1.", codes.KindUnknown},
		{"lowercase", strings.ToLower(volunteer), codes.KindUnknown},
		{"volunteer body with project prefix", codes.ProjectPrefix + volunteer[4:], codes.KindUnknown},
		{"project body with volunteer prefix", codes.VolunteerPrefix + project[4:], codes.KindUnknown},
		{"unknown prefix", "YX1." + project[4:], codes.KindUnknown},
		{"extra dot", volunteer[:20] + "." + volunteer[21:], codes.KindUnknown},
		{"non-ASCII", "YV1." + strings.Repeat("码", 18) + "AA", codes.KindUnknown},
		{"huge", strings.Repeat("A", 10<<20), codes.KindUnknown},
		{"kid 0", withBody(volunteer, append([]byte{0}, body(t, volunteer)[1:]...)), codes.KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := codes.Parse(tt.payload)
			if got != tt.want || (tt.want == codes.KindUnknown) != (err != nil) {
				t.Fatalf("Parse = %v, %v; want %v", got, err, tt.want)
			}
			if err != nil && !errors.Is(err, codes.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	r := codes.FixtureKeys(t, 1, 0x42, 1, 0x11)
	if _, err := codes.New(r.Code(), r.Sign()); err != nil {
		t.Fatal(err)
	}
	if _, err := codes.New(keyring.Key{}, r.Sign()); err == nil {
		t.Error("New accepted a zero code key")
	}
	if _, err := codes.New(r.Code(), keyring.SignKey{}); err == nil {
		t.Error("New accepted a zero sign key")
	}
	if _, err := codes.New(r.Code(), r.Sign(), codes.WithRetiredSignKeys(codes.VerifyKey{ID: 3})); err == nil {
		t.Error("New accepted a retired sign key with no public key")
	}
	if _, err := codes.New(r.Code(), r.Sign(), codes.WithRetiredSignKeys(codes.VerifyKey{ID: 1, Public: &r.Sign().PrivateKey().PublicKey})); err == nil {
		t.Error("New accepted one sign kid twice")
	}
}

func TestStringHidesSecrets(t *testing.T) {
	c := codes.FixtureCodes(t)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%#v", c)} {
		if s != "codes(code kid=1 sign kid=1)" {
			t.Errorf("printed Codes = %q", s)
		}
	}
}

// A third party with OpenSSL 3 verifies a printed code as the package doc
// says. Skipped where openssl is not installed.
func TestStaticCodeVerifiesWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	c := codes.FixtureCodes(t)
	project, _ := c.IssueProjectCode(codes.Project1)
	b := body(t, project)
	dir := t.TempDir()
	files := map[string][]byte{
		"pub.pem": c.PublicKeyPEM(),
		"msg":     append([]byte(codes.ProjectPrefix), b[:17]...),
		"sig.der": asn1Sig(b[17:49], b[49:81]),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(msg string) ([]byte, error) {
		cmd := exec.Command(openssl, "dgst", "-sm3", "-verify", "pub.pem", "-signature", "sig.der",
			"-sigopt", "distid:1234567812345678", msg)
		cmd.Dir = dir
		return cmd.CombinedOutput()
	}
	if out, err := verify("msg"); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	// And it rejects the same signature over the org form of the message.
	files["msg"][1] = 'O'
	if err := os.WriteFile(filepath.Join(dir, "org-msg"), files["msg"], 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := verify("org-msg"); err == nil {
		t.Fatalf("openssl accepted the signature for another kind:\n%s", out)
	}
}
