package certificate

import (
	"crypto/ecdsa"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"yima/docsign"
	"yima/keyring"
)

// NumberPrefix starts every certificate number: 沪 (SH), 志愿 (ZY).
const NumberPrefix = "SH-ZY-"

// numberPattern is a certificate number: the prefix, the year of issue and
// the year's sequence in at least six digits.
var numberPattern = regexp.MustCompile(`^SH-ZY-([0-9]{4})-([0-9]{6,12})$`)

// FormatNumber returns the number of the seq-th certificate issued in year,
// e.g. SH-ZY-2026-000123. Sequences past 999999 take more digits.
func FormatNumber(year int, seq int64) string {
	return fmt.Sprintf("%s%04d-%06d", NumberPrefix, year, seq)
}

// ParseNumber splits a number made by FormatNumber into its year and
// sequence; ok is false for anything else, leading zeros beyond six
// digits included, so that each certificate has one spelling.
func ParseNumber(s string) (year int, seq int64, ok bool) {
	m := numberPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(m[1])
	seq, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || seq <= 0 || FormatNumber(year, seq) != s {
		return 0, 0, false
	}
	return year, seq, true
}

// Fields are what a certificate states and its signature covers.
type Fields struct {
	Number         string
	VolunteerName  string
	IDType         string
	IDNumber       string // in full; printed and shown masked
	VolunteerNo    string
	ServiceSeconds int64
	ServiceContent string
	// ServiceFrom and ServiceUntil are days (China time; the clock part
	// is ignored).
	ServiceFrom  time.Time
	ServiceUntil time.Time
	IssuerName   string
	HandlerName  string
	IssuedOn     time.Time // a day, China time
}

// signedLabel starts the signed bytes, binding the signature to this use
// and layout: a signature over a code or token never passes for a
// certificate's, and a new layout gets a new label.
const signedLabel = "yima/certificate/v1"

// Canonical returns the bytes a certificate's signature covers:
// docsign.Canonical of the label and each field in a fixed order. Days are
// YYYY-MM-DD, the seconds decimal.
func (f Fields) Canonical() []byte {
	return docsign.Canonical(signedLabel,
		f.Number, f.VolunteerName, f.IDType, f.IDNumber, f.VolunteerNo,
		strconv.FormatInt(f.ServiceSeconds, 10), f.ServiceContent,
		Day(f.ServiceFrom), Day(f.ServiceUntil), f.IssuerName, f.HandlerName, Day(f.IssuedOn))
}

// chinaTime is the zone certificates are dated in.
var chinaTime = time.FixedZone("CST", 8*3600)

// Day formats t's day in China time as YYYY-MM-DD.
func Day(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

// Signer signs certificates with the platform's SM2 key.
type Signer struct {
	d *docsign.Signer
}

// NewSigner returns a Signer over the keyring's sign key.
func NewSigner(k keyring.SignKey) (*Signer, error) {
	d, err := docsign.NewSigner(k)
	if err != nil {
		return nil, fmt.Errorf("certificate signer: %w", err)
	}
	return &Signer{d: d}, nil
}

// Sign returns the key id and the DER SM2 signature over f.Canonical()
// (see docsign.Signer.Sign).
func (s *Signer) Sign(f Fields) (byte, []byte, error) {
	return s.d.Sign(f.Canonical())
}

// Verifier returns a Verifier of the signer's own signatures.
func (s *Signer) Verifier() *Verifier {
	return &Verifier{d: s.d.Verifier()}
}

// Verifier checks certificate signatures with public keys only.
type Verifier struct {
	d *docsign.Verifier
}

// NewVerifier returns a Verifier accepting signatures under keys, by key
// id.
func NewVerifier(keys map[byte]*ecdsa.PublicKey) *Verifier {
	return &Verifier{d: docsign.NewVerifier(keys)}
}

// Verify reports whether sig is a signature over f under key kid.
func (v *Verifier) Verify(f Fields, kid byte, sig []byte) bool {
	return v.d.Verify(f.Canonical(), kid, sig)
}

// checkCodeLen is the length of a check code in hex digits.
const checkCodeLen = docsign.CheckCodeLen

// CheckCode is the short digest of a signature printed on a certificate
// and carried by its QR code (docsign.CheckCode).
func CheckCode(sig []byte) string { return docsign.CheckCode(sig) }
