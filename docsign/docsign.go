// Package docsign signs the documents the platform issues — service
// certificates, volunteer cards — with the keyring's SM2 key, and checks
// those signatures with public keys only. What a document's signature
// covers is Canonical(label, fields…): the label binds the signature to
// one kind of document and one layout of its fields, so a signature over
// one never passes for another's.
package docsign

import (
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

	"yima/keyring"
)

// Canonical returns the bytes a document's signature covers: the label
// and a zero byte, then each field in order as a 4-byte big-endian length
// and its UTF-8 bytes. Lengths keep field boundaries unambiguous whatever
// the text holds.
func Canonical(label string, fields ...string) []byte {
	n := len(label) + 1
	for _, s := range fields {
		n += 4 + len(s)
	}
	b := make([]byte, 0, n)
	b = append(append(b, label...), 0)
	for _, s := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// Signer signs with the platform's SM2 key.
type Signer struct {
	kid  byte
	priv *sm2.PrivateKey
	opt  *sm2.SM2SignerOption
}

// NewSigner returns a Signer over the keyring's sign key.
func NewSigner(k keyring.SignKey) (*Signer, error) {
	if k.PrivateKey() == nil || k.ID() == 0 {
		return nil, errors.New("document signer: no sign key")
	}
	return &Signer{kid: k.ID(), priv: k.PrivateKey(), opt: sm2.NewSM2SignerOption(true, nil)}, nil
}

// Sign returns the key id and the DER SM2 signature (SM3, the default
// user ID) over payload. Signatures are deterministic (RFC 6979).
func (s *Signer) Sign(payload []byte) (byte, []byte, error) {
	// A nil rand asks gmsm for an RFC 6979 deterministic signature.
	sig, err := s.priv.Sign(nil, payload, s.opt)
	if err != nil {
		return 0, nil, fmt.Errorf("sign document: %w", err)
	}
	return s.kid, sig, nil
}

// Verifier returns a Verifier of the signer's own signatures.
func (s *Signer) Verifier() *Verifier {
	return &Verifier{keys: map[byte]*ecdsa.PublicKey{s.kid: &s.priv.PublicKey}}
}

// Verifier checks signatures with public keys only.
type Verifier struct {
	keys map[byte]*ecdsa.PublicKey
}

// NewVerifier returns a Verifier accepting signatures under keys, by key
// id.
func NewVerifier(keys map[byte]*ecdsa.PublicKey) *Verifier {
	return &Verifier{keys: keys}
}

// Verify reports whether sig is a signature over payload under key kid.
func (v *Verifier) Verify(payload []byte, kid byte, sig []byte) bool {
	pub := v.keys[kid]
	if pub == nil || len(sig) == 0 {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, payload, sig)
}

// CheckCodeLen is the length of a check code in hex digits: 64 bits, too
// many to guess, few enough to type from paper.
const CheckCodeLen = 16

// CheckCode is the short digest of a signature printed on a document and
// carried by its QR code: the first 8 bytes of SM3(signature) in
// lower-case hex. Verification asks for it with the document's number, so
// a register cannot be walked by guessing numbers.
func CheckCode(sig []byte) string {
	sum := sm3.Sum(sig)
	return hex.EncodeToString(sum[:CheckCodeLen/2])
}
