package certificate_test

import (
	"bytes"
	"crypto/ecdsa"
	"regexp"
	"testing"
	"time"

	"yima/keyring"
	"yima/services/certificate"
	"yima/services/identity"
)

func TestFormatAndParseNumber(t *testing.T) {
	for _, tc := range []struct {
		year int
		seq  int64
		want string
	}{
		{2026, 1, "SH-ZY-2026-000001"},
		{2026, 123, "SH-ZY-2026-000123"},
		{2027, 999999, "SH-ZY-2027-999999"},
		{2027, 1000000, "SH-ZY-2027-1000000"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			got := certificate.FormatNumber(tc.year, tc.seq)
			if got != tc.want {
				t.Fatalf("FormatNumber(%d, %d) = %q, want %q", tc.year, tc.seq, got, tc.want)
			}
			year, seq, ok := certificate.ParseNumber(got)
			if !ok || year != tc.year || seq != tc.seq {
				t.Errorf("ParseNumber(%q) = %d, %d, %v", got, year, seq, ok)
			}
		})
	}
	for _, bad := range []string{
		"", "SH-ZY-2026-00001", "SH-ZY-2026-0000001", "SH-ZY-2026-000000", "sh-zy-2026-000001",
		"SH-ZY-26-000001", "SH-ZY-2026-000001 ", "沪志证〔2026〕000001", "SH-ZY-2026-00000A",
	} {
		if _, _, ok := certificate.ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) ok, want refused", bad)
		}
	}
}

func fields() certificate.Fields {
	return certificate.Fields{
		Number: "SH-ZY-2026-000123", VolunteerName: "李晓梅", IDType: "居民身份证", IDNumber: "310104199509231421",
		VolunteerNo: "SH0000012345", ServiceSeconds: 5400, ServiceContent: "参加“社区垃圾分类指导”志愿服务项目，担任岗位A",
		ServiceFrom:  time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		ServiceUntil: time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC),
		IssuerName:   "徐家汇街道志愿者服务中心", HandlerName: "王建国",
		IssuedOn: time.Date(2026, 5, 6, 0, 0, 0, 0, time.UTC),
	}
}

func signer(t *testing.T) *certificate.Signer {
	t.Helper()
	keys, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := certificate.NewSigner(keys.Sign())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignAndVerify(t *testing.T) {
	s := signer(t)
	kid, sig, err := s.Sign(fields())
	if err != nil {
		t.Fatal(err)
	}
	v := s.Verifier()
	if !v.Verify(fields(), kid, sig) {
		t.Fatal("Verify of an untouched certificate = false")
	}
	// Deterministic: the same fields give the same signature.
	if _, again, _ := s.Sign(fields()); !bytes.Equal(again, sig) {
		t.Error("signing twice gave two signatures")
	}
	other := signer(t) // another key
	tampered := func(f func(*certificate.Fields)) certificate.Fields {
		x := fields()
		f(&x)
		return x
	}
	for _, tc := range []struct {
		name   string
		fields certificate.Fields
		kid    byte
		sig    []byte
		v      *certificate.Verifier
	}{
		{"编号被改", tampered(func(f *certificate.Fields) { f.Number = "SH-ZY-2026-000124" }), kid, sig, v},
		{"姓名被改", tampered(func(f *certificate.Fields) { f.VolunteerName = "李晓" }), kid, sig, v},
		{"证件号被改", tampered(func(f *certificate.Fields) { f.IDNumber = "310104199509231422" }), kid, sig, v},
		{"志愿者编号被改", tampered(func(f *certificate.Fields) { f.VolunteerNo = "SH0000012346" }), kid, sig, v},
		{"时长被改", tampered(func(f *certificate.Fields) { f.ServiceSeconds = 54000 }), kid, sig, v},
		{"内容被改", tampered(func(f *certificate.Fields) { f.ServiceContent += "、岗位B" }), kid, sig, v},
		{"服务日期被改", tampered(func(f *certificate.Fields) { f.ServiceFrom = f.ServiceFrom.AddDate(0, 0, -1) }), kid, sig, v},
		{"出具组织被改", tampered(func(f *certificate.Fields) { f.IssuerName = "徐汇区志愿者协会" }), kid, sig, v},
		{"经办人被改", tampered(func(f *certificate.Fields) { f.HandlerName = "陈思远" }), kid, sig, v},
		{"出具日期被改", tampered(func(f *certificate.Fields) { f.IssuedOn = f.IssuedOn.AddDate(1, 0, 0) }), kid, sig, v},
		{"字段边界移动", tampered(func(f *certificate.Fields) { f.VolunteerName, f.IDType = "李晓梅居民", "身份证" }), kid, sig, v},
		{"密钥编号不符", fields(), kid + 1, sig, v},
		{"签名被截断", fields(), kid, sig[:len(sig)-1], v},
		{"没有签名", fields(), kid, nil, v},
		{"其他密钥的验证者", fields(), kid, sig, other.Verifier()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.v.Verify(tc.fields, tc.kid, tc.sig) {
				t.Error("Verify = true, want false")
			}
		})
	}
}

func TestCanonicalIgnoresClockAndZone(t *testing.T) {
	a := fields()
	b := fields()
	china := time.FixedZone("CST", 8*3600)
	// The same days, given in China time with a clock part.
	b.ServiceFrom = time.Date(2026, 5, 1, 7, 30, 0, 0, china)
	b.ServiceUntil = time.Date(2026, 5, 2, 23, 59, 0, 0, china)
	b.IssuedOn = time.Date(2026, 5, 6, 12, 0, 0, 0, china)
	if !bytes.Equal(a.Canonical(), b.Canonical()) {
		t.Errorf("canonical bytes differ:\n%q\n%q", a.Canonical(), b.Canonical())
	}
	if !bytes.HasPrefix(a.Canonical(), []byte("yima/certificate/v1\x00")) {
		t.Errorf("canonical bytes start %q", a.Canonical()[:24])
	}
}

func TestCheckCode(t *testing.T) {
	_, sig, err := signer(t).Sign(fields())
	if err != nil {
		t.Fatal(err)
	}
	code := certificate.CheckCode(sig)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(code) {
		t.Errorf("CheckCode = %q, want 16 hex digits", code)
	}
	if certificate.CheckCode(append(bytes.Clone(sig), 0)) == code {
		t.Error("another signature has the same check code")
	}
}

func TestNewVerifier(t *testing.T) {
	keys, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := certificate.NewSigner(keys.Sign())
	if err != nil {
		t.Fatal(err)
	}
	kid, sig, err := s.Sign(fields())
	if err != nil {
		t.Fatal(err)
	}
	pub := &keys.Sign().PrivateKey().PublicKey
	v := certificate.NewVerifier(map[byte]*ecdsa.PublicKey{kid: pub})
	if !v.Verify(fields(), kid, sig) {
		t.Error("a verifier from the public key refuses a good signature")
	}
}

func TestServiceContent(t *testing.T) {
	for _, tc := range []struct {
		positions []string
		want      string
	}{
		{nil, "参加“文明引导”志愿服务项目"},
		{[]string{"引导员"}, "参加“文明引导”志愿服务项目，担任引导员"},
		{[]string{"A", "B"}, "参加“文明引导”志愿服务项目，担任A、B"},
		{[]string{"A", "B", "C", "D", "E", "F", "G"}, "参加“文明引导”志愿服务项目，担任A、B、C、D、E等7个岗位"},
	} {
		if got := certificate.ServiceContent("文明引导", tc.positions); got != tc.want {
			t.Errorf("ServiceContent(%v) = %q, want %q", tc.positions, got, tc.want)
		}
	}
}

// The certificate service opens persons' ID numbers under the field name
// identity seals them with.
func TestPersonIDField(t *testing.T) {
	if got := certificate.PersonIDField; got != identity.FieldIDNumber {
		t.Errorf("person ID field = %q, want identity's %q", got, identity.FieldIDNumber)
	}
}
