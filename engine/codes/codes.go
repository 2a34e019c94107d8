// Package codes owns yima's scannable codes: the rotating volunteer code a
// volunteer's phone shows to staff, the static project and org codes that are
// printed and scanned by volunteers' phones, their text formats, issuing and
// verifying them, and rendering any payload as a QR code (PNG or SVG).
//
// Every payload is short ASCII: a four-character prefix naming the kind and
// the format version, then one block of RFC 4648 base32 (upper case, no
// padding). Upper-case letters, digits and "." are all in the QR code's
// alphanumeric set, which packs 5.5 bits per character where byte mode,
// which base64 would force, needs 8; a code therefore needs fewer modules and
// scans faster. A new layout gets a new prefix, so readers can tell formats
// apart and old printed codes keep working while new ones differ.
//
// Volunteer code, "YV1." + base32 of 35 bytes, 60 characters:
//
//	kid (1) | volunteer id (16) | epoch (4, big-endian) | step (4, big-endian) | MAC (10)
//
// step is Unix time / StepSeconds. The MAC is the first 10 bytes of
// HMAC-SM3(K_v, "YV1." | kid | volunteer id | epoch | step), where the
// volunteer's key K_v = HMAC-SM3(K_c, volunteer id | epoch) and K_c is derived
// by HKDF-SM3 from the keyring's code key under the label
// "yima/code/v1/volunteer". Verifying is a handful of SM3 blocks (no SM2, no
// I/O); the epoch is checked by the caller against the volunteer's current
// epoch (see VolunteerClaim.CheckEpoch), and bumping it revokes every code
// already shown.
//
// Project code "YP1." and org code "YO1." + base32 of 81 bytes, 134
// characters:
//
//	kid (1) | project or org id (16) | SM2 signature r | s (32 + 32)
//
// The signature is SM2 (GB/T 32918.2, SM3, default user ID
// "1234567812345678") over the 21 bytes "YP1." (or "YO1.") | kid | id, so a
// project code's signature can never pass for an org code's. Signatures are
// deterministic (RFC 6979 with SM3): issuing the same code twice gives the
// same payload, so reprints match and verified-payload caches stay warm.
//
// Anyone holding the published public key (Codes.PublicKeyPEM) can check a
// printed code offline with a StaticVerifier or any GB/T 32918
// implementation. With OpenSSL 3, for instance, after base32-decoding the
// body into the 21 signed bytes (msg) and r, s as an ASN.1 SEQUENCE of two
// INTEGERs (sig.der):
//
//	openssl dgst -sm3 -verify pub.pem -signature sig.der -sigopt distid:1234567812345678 msg
//
// Rejections carry a stable reason (see Reason): CODE_INVALID, CODE_EXPIRED,
// CODE_REVOKED.
package codes

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

	"yima/keyring"
)

// Kind tells which kind of code a payload is.
type Kind uint8

// The kinds of code. KindUnknown is what Parse returns with its error.
const (
	KindUnknown Kind = iota
	KindVolunteer
	KindProject
	KindOrg
)

// String names the kind in lower case, for logs.
func (k Kind) String() string {
	switch k {
	case KindVolunteer:
		return "volunteer"
	case KindProject:
		return "project"
	case KindOrg:
		return "org"
	}
	return "unknown"
}

// Stable reason codes that pages translate; see Reason.
const (
	ReasonInvalid = "CODE_INVALID"
	ReasonExpired = "CODE_EXPIRED"
	ReasonRevoked = "CODE_REVOKED"
)

// Error is a rejected code. The package rejects codes only with ErrInvalid,
// ErrExpired, ErrRevoked and ErrEpochAhead, possibly wrapped with a detail
// for the log; compare with errors.Is and read the client-facing reason with
// Reason.
type Error struct {
	reason string
	msg    string
}

// Error returns the message for operators.
func (e *Error) Error() string { return e.msg }

// Reason returns the stable UPPER_SNAKE reason code.
func (e *Error) Reason() string { return e.reason }

// Errors returned by this package.
var (
	// ErrInvalid means the payload is not a code this package issued: wrong
	// length, prefix or alphabet, an unknown key id, a MAC or signature that
	// does not match, a step too far in the future, or the wrong kind of
	// code for the call. Reason CODE_INVALID.
	ErrInvalid = &Error{ReasonInvalid, "codes: invalid code"}
	// ErrExpired means an authentic volunteer code whose time step has left
	// the accepted window. Reason CODE_EXPIRED.
	ErrExpired = &Error{ReasonExpired, "codes: code expired"}
	// ErrRevoked means an authentic volunteer code from an epoch older than
	// the volunteer's current one (see VolunteerClaim.CheckEpoch). Reason
	// CODE_REVOKED.
	ErrRevoked = &Error{ReasonRevoked, "codes: code revoked"}
	// ErrEpochAhead means a code's epoch is newer than the epoch the caller
	// compared it with: the caller's copy of the volunteer's epoch is stale
	// (an epoch only grows, and only this server issues codes). Reload it
	// and check again; if it is still ahead, reject with CODE_INVALID.
	ErrEpochAhead = &Error{ReasonInvalid, "codes: code epoch ahead of the volunteer's"}
)

// The details below wrap ErrInvalid. They are built once so that rejecting
// garbage, which anyone can send at scan rate, allocates nothing.
var (
	errMalformed  = fmt.Errorf("%w: malformed payload", ErrInvalid)
	errWrongKind  = fmt.Errorf("%w: wrong kind of code", ErrInvalid)
	errUnknownKID = fmt.Errorf("%w: unknown key id", ErrInvalid)
	errBadMAC     = fmt.Errorf("%w: MAC mismatch", ErrInvalid)
	errBadSig     = fmt.Errorf("%w: signature mismatch", ErrInvalid)
	errFuture     = fmt.Errorf("%w: time step ahead of the clock beyond the allowed skew", ErrInvalid)
)

// Reason returns the stable reason code of err (CODE_INVALID, CODE_EXPIRED,
// CODE_REVOKED), or "" when err is nil or not from this package.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.reason
	}
	return ""
}

// DefaultStaticCacheSize is how many verified static payloads a verifier
// remembers unless WithStaticCacheSize says otherwise. Only payloads that
// passed SM2 verification enter the cache, so its population is bounded by
// the genuine codes in circulation, not by what attackers send; 8192 covers
// every project and org active at once in a city with room to spare, at
// a few hundred bytes an entry.
const DefaultStaticCacheSize = 8192

// Option adjusts New or NewStaticVerifier.
type Option func(*config)

type config struct {
	cacheSize   int
	retiredCode []keyring.Key
	retiredSign []VerifyKey
}

// WithStaticCacheSize bounds the cache of verified static payloads at n
// entries; 0 turns the cache off (every check then costs an SM2 verify).
func WithStaticCacheSize(n int) Option {
	return func(c *config) { c.cacheSize = max(n, 0) }
}

// WithRetiredCodeKeys lets Verify accept volunteer codes MACed under older
// code keys. A volunteer code lives about a minute, so this is needed only
// while a key rotation rolls across the nodes of a cluster; drop the old key
// once every node issues under the new one. Ignored by NewStaticVerifier.
func WithRetiredCodeKeys(keys ...keyring.Key) Option {
	return func(c *config) { c.retiredCode = append(c.retiredCode, keys...) }
}

// WithRetiredSignKeys lets VerifyStatic accept static codes signed under
// older sign keys. Printed codes outlive key rotations by years, so every
// sign key that ever signed a code still on a wall belongs here.
func WithRetiredSignKeys(keys ...VerifyKey) Option {
	return func(c *config) { c.retiredSign = append(c.retiredSign, keys...) }
}

// Codes issues and verifies volunteer codes and static codes under the
// keyring's code and sign keys. It is safe for concurrent use. Its String
// names only the key ids.
type Codes struct {
	codeKID byte
	// codeKeys is indexed by kid; nil means a kid this process does not hold.
	codeKeys [256]*codeKey

	signKID byte
	priv    *sm2.PrivateKey
	signOpt *sm2.SM2SignerOption
	pubPEM  []byte
	static  *StaticVerifier
}

// New returns Codes that issue volunteer codes under code (normally
// keyring.Keyring's Code key) and static codes under sign (its Sign key),
// and verify codes made under those keys and any retired keys given as
// options. It fails for a zero key, a key id used twice, or a sign key that
// is not SM2.
func New(code keyring.Key, sign keyring.SignKey, opts ...Option) (*Codes, error) {
	cfg := config{cacheSize: DefaultStaticCacheSize}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Codes{codeKID: code.ID(), signKID: sign.ID(), priv: sign.PrivateKey()}
	for _, k := range append([]keyring.Key{code}, cfg.retiredCode...) {
		ck, err := newCodeKey(k)
		if err != nil {
			return nil, fmt.Errorf("create codes: %w", err)
		}
		if c.codeKeys[k.ID()] != nil {
			return nil, fmt.Errorf("create codes: code key id %d given twice", k.ID())
		}
		c.codeKeys[k.ID()] = ck
	}
	if c.priv == nil || sign.ID() == 0 {
		return nil, errors.New("create codes: no sign key")
	}
	pub := VerifyKey{ID: sign.ID(), Public: &c.priv.PublicKey}
	static, err := newStaticVerifier(append([]VerifyKey{pub}, cfg.retiredSign...), cfg.cacheSize)
	if err != nil {
		return nil, fmt.Errorf("create codes: %w", err)
	}
	c.static = static
	if c.pubPEM, err = pub.MarshalPEM(); err != nil {
		return nil, fmt.Errorf("create codes: %w", err)
	}
	// Forcing the GB/T 32918 mode makes gmsm hash ZA (with the default
	// user ID) and the message itself, the form other SM2 tools verify.
	c.signOpt = sm2.NewSM2SignerOption(true, nil)
	return c, nil
}

// String names the key ids only, so printing Codes never shows a secret.
func (c *Codes) String() string {
	return "codes(code kid=" + strconv.Itoa(int(c.codeKID)) + " sign kid=" + strconv.Itoa(int(c.signKID)) + ")"
}

// GoString is String, so that %#v shows no secret either.
func (c *Codes) GoString() string { return c.String() }

// PublicKeyPEM returns the SM2 public key that verifies static codes, as a
// PEM "PUBLIC KEY" block (SubjectPublicKeyInfo), for publishing next to its
// key id. Third parties load it with ParsePublicKeyPEM.
func (c *Codes) PublicKeyPEM() []byte { return append([]byte(nil), c.pubPEM...) }

// PublicKey returns the active sign key's id and public key.
func (c *Codes) PublicKey() VerifyKey {
	return VerifyKey{ID: c.signKID, Public: &c.priv.PublicKey}
}

// Static returns the verifier VerifyStatic uses, with its cache.
func (c *Codes) Static() *StaticVerifier { return c.static }

// codeKey is one code key in the form Verify needs: K_c, the HKDF-SM3
// subkey for volunteer keys, held as pooled HMAC states.
type codeKey struct {
	derive sync.Pool // of *deriver
}

type deriver struct {
	h   hash.Hash // HMAC-SM3 under K_c
	in  [vOffStep - vOffID]byte
	sum [sm3.Size]byte
}

func newCodeKey(k keyring.Key) (*codeKey, error) {
	if k.ID() == 0 {
		return nil, errors.New("zero code key")
	}
	// A labelled subkey keeps volunteer keys apart from anything else a
	// later version may derive from the code key.
	kc, err := k.Derive("yima/code/v1/volunteer", sm3.Size)
	if err != nil {
		return nil, fmt.Errorf("derive volunteer code key: %w", err)
	}
	ck := &codeKey{}
	// A pooled HMAC keeps its keyed inner and outer states (crypto/hmac
	// restores them on Reset), so deriving K_v costs two SM3 blocks and no
	// allocation instead of four blocks and six allocations.
	ck.derive.New = func() any { return &deriver{h: hmac.New(sm3.New, kc)} }
	return ck, nil
}
