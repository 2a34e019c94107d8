// Package token owns yima's session tokens: the claims they carry, their
// fixed binary layout and text form, signing and verifying them with
// HMAC-SM3 under the keyring's token key, and an in-memory set of revoked
// sessions. Which sessions are revoked is decided elsewhere: callers fill a
// Revocations from PostgreSQL and NATS and check it after Verify.
package token

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"yima/keyring"
)

// Prefix starts every token of this format; a new layout gets a new prefix.
const Prefix = "y1."

// Layout of the binary payload; every field is fixed-size, so a payload has
// exactly one valid length and needs no parser beyond slicing.
const (
	offKID       = 0
	offSession   = offKID + 1
	offPerson    = offSession + 16
	offAccount   = offPerson + 16
	offKind      = offAccount + 16
	offIssued    = offKind + 1
	offExpires   = offIssued + 8
	payloadSize  = offExpires + 8 // 66 bytes
	payloadChars = (payloadSize*8 + 5) / 6
)

const (
	// macSize is the MAC length kept in a token. 16 bytes of HMAC-SM3 leave
	// a forger 2⁻¹²⁸ per guess, and every guess costs a request we can see
	// and rate-limit; the other 16 bytes would add 22 characters to every
	// request header and no security anyone could use (NIST SP 800-107
	// allows truncating HMAC well below this).
	macSize  = 16
	macChars = (macSize*8 + 5) / 6
)

// Size is the length in bytes of every token this package makes.
const Size = len(Prefix) + payloadChars + 1 + macChars

// Errors returned by Verify; tell them apart with errors.Is.
var (
	// ErrMalformed means the string is not a token of this format.
	ErrMalformed = errors.New("token: malformed")
	// ErrBadSignature means the MAC does not match or the token was made
	// under a key id this Signer does not hold: it was forged, altered, or
	// signed before a key rotation.
	ErrBadSignature = errors.New("token: bad signature")
	// ErrExpired means an authentic token whose ExpiresAt has passed.
	ErrExpired = errors.New("token: expired")
)

// Claims is what a session token asserts. IDs are UUIDs as 16 raw bytes
// (pgtype.UUID's Bytes); see ParseID and FormatID. Times travel as whole Unix
// seconds.
type Claims struct {
	SessionID   [16]byte
	PersonID    [16]byte
	AccountID   [16]byte
	AccountKind uint8
	IssuedAt    time.Time
	ExpiresAt   time.Time
}

// Signer signs and verifies session tokens under one token key. It is safe
// for concurrent use.
//
// A token is Prefix, the base64url (unpadded) payload, ".", and the base64url
// first 16 bytes of HMAC-SM3(key, Prefix + payload part). The payload is kid
// (1 byte), SessionID, PersonID, AccountID (16 bytes each), AccountKind
// (1 byte), IssuedAt and ExpiresAt (int64 Unix seconds, big-endian): 114
// characters in all.
type Signer struct {
	kid  byte
	key  []byte
	b64  *base64.Encoding
	macs sync.Pool // of hash.Hash: HMAC-SM3 under key
}

// NewSigner returns a Signer for key, normally keyring.Keyring's Token key.
// It fails for the zero Key.
func NewSigner(key keyring.Key) (*Signer, error) {
	secret := key.Bytes()
	if len(secret) == 0 {
		return nil, errors.New("create token signer: empty key")
	}
	s := &Signer{
		kid: key.ID(),
		key: secret,
		// Strict decoding rejects non-zero padding bits, so each MAC and
		// payload has exactly one spelling and no altered token verifies.
		b64: base64.RawURLEncoding.Strict(),
	}
	// HMAC setup hashes the key into two pads; pooling keeps that work and
	// the allocations off the per-request path.
	s.macs.New = func() any { return hmac.New(sm3.New, s.key) }
	return s, nil
}

// Sign returns the token for c. It fails when IssuedAt is zero or ExpiresAt
// is not at least a second after it.
func (s *Signer) Sign(c Claims) (string, error) {
	iat, exp := c.IssuedAt.Unix(), c.ExpiresAt.Unix()
	if c.IssuedAt.IsZero() {
		return "", errors.New("sign token: zero IssuedAt")
	}
	if exp <= iat {
		return "", fmt.Errorf("sign token: ExpiresAt %v not after IssuedAt %v", c.ExpiresAt, c.IssuedAt)
	}
	var p [payloadSize]byte
	p[offKID] = s.kid
	copy(p[offSession:], c.SessionID[:])
	copy(p[offPerson:], c.PersonID[:])
	copy(p[offAccount:], c.AccountID[:])
	p[offKind] = c.AccountKind
	binary.BigEndian.PutUint64(p[offIssued:], uint64(iat))
	binary.BigEndian.PutUint64(p[offExpires:], uint64(exp))

	tok := make([]byte, Size)
	n := copy(tok, Prefix)
	s.b64.Encode(tok[n:], p[:])
	n += payloadChars
	tok[n] = '.'
	mac := s.mac(tok[:n])
	s.b64.Encode(tok[n+1:], mac[:macSize])
	return string(tok), nil
}

// Verify checks tok and returns its claims. It returns ErrMalformed for
// anything that is not a token of this format, ErrBadSignature for a MAC
// that does not match or a key id this Signer does not hold, and ErrExpired
// once now has reached ExpiresAt. It does not consult revocations. On error
// the claims are zero.
func (s *Signer) Verify(tok string, now time.Time) (Claims, error) {
	if len(tok) != Size || tok[:len(Prefix)] != Prefix || tok[Size-macChars-1] != '.' {
		return Claims{}, ErrMalformed
	}
	signed := tok[:Size-macChars-1]
	var p [payloadSize]byte
	if n, err := s.b64.Decode(p[:], []byte(signed[len(Prefix):])); err != nil || n != payloadSize {
		return Claims{}, ErrMalformed
	}
	var got [macSize]byte
	if n, err := s.b64.Decode(got[:], []byte(tok[len(signed)+1:])); err != nil || n != macSize {
		return Claims{}, ErrMalformed
	}
	if p[offKID] != s.kid {
		return Claims{}, fmt.Errorf("%w: key id %d not active", ErrBadSignature, p[offKID])
	}
	want := s.mac([]byte(signed))
	if !hmac.Equal(got[:], want[:macSize]) {
		return Claims{}, ErrBadSignature
	}

	c := Claims{
		SessionID:   [16]byte(p[offSession:offPerson]),
		PersonID:    [16]byte(p[offPerson:offAccount]),
		AccountID:   [16]byte(p[offAccount:offKind]),
		AccountKind: p[offKind],
		IssuedAt:    time.Unix(int64(binary.BigEndian.Uint64(p[offIssued:])), 0).UTC(),
		ExpiresAt:   time.Unix(int64(binary.BigEndian.Uint64(p[offExpires:])), 0).UTC(),
	}
	if !now.Before(c.ExpiresAt) {
		return Claims{}, ErrExpired
	}
	return c, nil
}

func (s *Signer) mac(msg []byte) [sm3.Size]byte {
	h := s.macs.Get().(hash.Hash)
	h.Write(msg)
	var sum [sm3.Size]byte
	h.Sum(sum[:0])
	h.Reset()
	s.macs.Put(h)
	return sum
}
