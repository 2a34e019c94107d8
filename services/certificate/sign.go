package certificate

import (
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

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

// Canonical returns the bytes a certificate's signature covers: the label,
// then each field in a fixed order as a 4-byte big-endian length and its
// UTF-8 bytes. Days are YYYY-MM-DD, the seconds decimal. Lengths keep
// field boundaries unambiguous whatever the text holds.
func (f Fields) Canonical() []byte {
	fields := []string{
		f.Number, f.VolunteerName, f.IDType, f.IDNumber, f.VolunteerNo,
		strconv.FormatInt(f.ServiceSeconds, 10), f.ServiceContent,
		Day(f.ServiceFrom), Day(f.ServiceUntil), f.IssuerName, f.HandlerName, Day(f.IssuedOn),
	}
	n := len(signedLabel) + 1
	for _, s := range fields {
		n += 4 + len(s)
	}
	b := make([]byte, 0, n)
	b = append(append(b, signedLabel...), 0)
	for _, s := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// chinaTime is the zone certificates are dated in.
var chinaTime = time.FixedZone("CST", 8*3600)

// Day formats t's day in China time as YYYY-MM-DD.
func Day(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

// Signer signs certificates with the platform's SM2 key.
type Signer struct {
	kid  byte
	priv *sm2.PrivateKey
	opt  *sm2.SM2SignerOption
}

// NewSigner returns a Signer over the keyring's sign key.
func NewSigner(k keyring.SignKey) (*Signer, error) {
	if k.PrivateKey() == nil || k.ID() == 0 {
		return nil, errors.New("certificate signer: no sign key")
	}
	return &Signer{kid: k.ID(), priv: k.PrivateKey(), opt: sm2.NewSM2SignerOption(true, nil)}, nil
}

// Sign returns the key id and the DER SM2 signature (SM3, the default
// user ID) over f.Canonical(). Signatures are deterministic (RFC 6979).
func (s *Signer) Sign(f Fields) (byte, []byte, error) {
	// A nil rand asks gmsm for an RFC 6979 deterministic signature.
	sig, err := s.priv.Sign(nil, f.Canonical(), s.opt)
	if err != nil {
		return 0, nil, fmt.Errorf("sign certificate: %w", err)
	}
	return s.kid, sig, nil
}

// Verifier returns a Verifier of the signer's own signatures.
func (s *Signer) Verifier() *Verifier {
	return &Verifier{keys: map[byte]*ecdsa.PublicKey{s.kid: &s.priv.PublicKey}}
}

// Verifier checks certificate signatures with public keys only.
type Verifier struct {
	keys map[byte]*ecdsa.PublicKey
}

// NewVerifier returns a Verifier accepting signatures under keys, by key
// id.
func NewVerifier(keys map[byte]*ecdsa.PublicKey) *Verifier {
	return &Verifier{keys: keys}
}

// Verify reports whether sig is a signature over f under key kid.
func (v *Verifier) Verify(f Fields, kid byte, sig []byte) bool {
	pub := v.keys[kid]
	if pub == nil || len(sig) == 0 {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, f.Canonical(), sig)
}

// checkCodeLen is the length of a check code in hex digits: 64 bits, too
// many to guess, few enough to type from paper.
const checkCodeLen = 16

// CheckCode is the short digest of a signature printed on a certificate
// and carried by its QR code: the first 8 bytes of SM3(signature) in
// lower-case hex. Verification asks for it with the number, so the
// register cannot be walked by guessing numbers.
func CheckCode(sig []byte) string {
	sum := sm3.Sum(sig)
	return hex.EncodeToString(sum[:checkCodeLen/2])
}
