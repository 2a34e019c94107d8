package codes

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Prefixes of the static code formats.
const (
	ProjectPrefix = "YP1."
	OrgPrefix     = "YO1."
)

// Layout of the binary body of a static code.
const (
	sOffKID = 0
	sOffID  = sOffKID + 1
	sOffSig = sOffID + 16
	// sigSize is r and s as fixed 32-byte big-endian integers: 64 bytes
	// where the usual ASN.1 form takes 70–72, and with one spelling each.
	sigSize = 64
	sSize   = sOffSig + sigSize // 81 bytes
)

// StaticCodeLen is the length of every project and org code.
const StaticCodeLen = len(ProjectPrefix) + (sSize*8+4)/5 // 134

// StaticClaim is what an authentic project or org code asserts.
type StaticClaim struct {
	// Kind is KindProject or KindOrg.
	Kind Kind
	// ID is the project's or org's UUID as 16 raw bytes.
	ID [16]byte
}

// IssueProjectCode returns the printed code of project id, signed under the
// active sign key. The same id always gives the same payload.
func (c *Codes) IssueProjectCode(id [16]byte) (string, error) {
	p, err := c.issueStatic(ProjectPrefix, id)
	if err != nil {
		return "", fmt.Errorf("issue project code: %w", err)
	}
	return p, nil
}

// IssueOrgCode returns the printed code of org id, signed under the active
// sign key. The same id always gives the same payload.
func (c *Codes) IssueOrgCode(id [16]byte) (string, error) {
	p, err := c.issueStatic(OrgPrefix, id)
	if err != nil {
		return "", fmt.Errorf("issue org code: %w", err)
	}
	return p, nil
}

func (c *Codes) issueStatic(prefix string, id [16]byte) (string, error) {
	var b [sSize]byte
	b[sOffKID] = c.signKID
	copy(b[sOffID:], id[:])
	// A nil rand asks gmsm for an RFC 6979 deterministic signature.
	der, err := c.priv.Sign(nil, signedMessage(prefix, b[:sOffSig]), c.signOpt)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 ||
		sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return "", errors.New("sign: unexpected signature encoding")
	}
	sig.R.FillBytes(b[sOffSig : sOffSig+32])
	sig.S.FillBytes(b[sOffSig+32:])

	var out [StaticCodeLen]byte
	n := copy(out[:], prefix)
	encodeBase32(out[n:], b[:])
	return string(out[:]), nil
}

// signedMessage is what a static code's signature covers: the prefix, so a
// signature binds kind and version, then kid and id.
func signedMessage(prefix string, head []byte) []byte {
	msg := make([]byte, 0, len(prefix)+sOffSig)
	return append(append(msg, prefix...), head...)
}

// VerifyStatic checks a project or org code; see StaticVerifier.Verify.
func (c *Codes) VerifyStatic(payload string) (StaticClaim, error) {
	return c.static.Verify(payload)
}

// VerifyKey is an SM2 public key that verifies static codes, with the key id
// those codes carry.
type VerifyKey struct {
	ID     byte
	Public *ecdsa.PublicKey
}

// MarshalPEM returns the key as a PEM "PUBLIC KEY" block
// (SubjectPublicKeyInfo with the SM2 curve), the form openssl and gmsm read.
func (k VerifyKey) MarshalPEM() ([]byte, error) {
	der, err := smx509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM reads a published SM2 public key (a PEM "PUBLIC KEY"
// block, as PublicKeyPEM writes) and pairs it with its key id, published
// alongside it. It refuses key id 0 and keys that are not SM2.
func ParsePublicKeyPEM(kid byte, data []byte) (VerifyKey, error) {
	if kid == 0 {
		return VerifyKey{}, errors.New("parse public key: key id 0 is reserved")
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return VerifyKey{}, errors.New("parse public key: no PEM PUBLIC KEY block")
	}
	k, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return VerifyKey{}, fmt.Errorf("parse public key: %w", err)
	}
	if !sm2.IsSM2PublicKey(k) {
		return VerifyKey{}, fmt.Errorf("parse public key: %T is not an SM2 key", k)
	}
	return VerifyKey{ID: kid, Public: k.(*ecdsa.PublicKey)}, nil
}

// StaticVerifier checks project and org codes with public keys only, as a
// third party or a scanner without secrets would. An SM2 verify costs tens
// of microseconds (45–90 µs measured here, over 1000 times a map lookup) and
// the same printed code is scanned over and over, so it remembers payloads it
// has verified, up to the cache size, dropping roughly the least recently
// used half when full. It is safe for concurrent use.
type StaticVerifier struct {
	keys  [256]*ecdsa.PublicKey // by kid
	cache *staticCache          // nil when off
}

// NewStaticVerifier returns a verifier that accepts static codes signed
// under any of keys. Of the options only WithStaticCacheSize applies. It
// fails with no keys, a key id used twice or 0, or a key that is not SM2.
func NewStaticVerifier(keys []VerifyKey, opts ...Option) (*StaticVerifier, error) {
	cfg := config{cacheSize: DefaultStaticCacheSize}
	for _, o := range opts {
		o(&cfg)
	}
	v, err := newStaticVerifier(keys, cfg.cacheSize)
	if err != nil {
		return nil, fmt.Errorf("create static verifier: %w", err)
	}
	return v, nil
}

func newStaticVerifier(keys []VerifyKey, cacheSize int) (*StaticVerifier, error) {
	if len(keys) == 0 {
		return nil, errors.New("no verify keys")
	}
	v := &StaticVerifier{}
	for _, k := range keys {
		switch {
		case k.ID == 0:
			return nil, errors.New("verify key id 0 is reserved")
		case k.Public == nil || !sm2.IsSM2PublicKey(k.Public):
			return nil, fmt.Errorf("verify key %d is not an SM2 public key", k.ID)
		case v.keys[k.ID] != nil:
			return nil, fmt.Errorf("verify key id %d given twice", k.ID)
		}
		v.keys[k.ID] = k.Public
	}
	if cacheSize > 0 {
		v.cache = newStaticCache(cacheSize)
	}
	return v, nil
}

// Verify checks a project or org code and returns what it asserts. It
// returns ErrInvalid for anything that is not a static code signed under one
// of the verifier's keys. Static codes do not expire; whether the project or
// org still accepts scans is the caller's to decide. On error the claim is
// zero.
func (v *StaticVerifier) Verify(payload string) (StaticClaim, error) {
	// The length check comes first so that no input, however long, costs
	// more than a comparison before it is refused.
	if len(payload) != StaticCodeLen {
		return StaticClaim{}, shapeError(payload)
	}
	if v.cache != nil {
		if c, ok := v.cache.get(payload); ok {
			return c, nil
		}
	}
	var kind Kind
	switch payload[:len(ProjectPrefix)] {
	case ProjectPrefix:
		kind = KindProject
	case OrgPrefix:
		kind = KindOrg
	default:
		return StaticClaim{}, errMalformed
	}
	var b [sSize]byte
	if !decodeBase32(b[:], payload[len(ProjectPrefix):]) {
		return StaticClaim{}, errMalformed
	}
	pub := v.keys[b[sOffKID]]
	if pub == nil {
		return StaticClaim{}, errUnknownKID
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(b[sOffSig : sOffSig+32]),
		new(big.Int).SetBytes(b[sOffSig+32:]),
	})
	// gmsm refuses r or s outside [1, n-1], so each valid signature has one
	// spelling here as well.
	if err != nil || !sm2.VerifyASN1WithSM2(pub, nil, signedMessage(payload[:len(ProjectPrefix)], b[:sOffSig]), der) {
		return StaticClaim{}, errBadSig
	}
	c := StaticClaim{Kind: kind, ID: [16]byte(b[sOffID:sOffSig])}
	if v.cache != nil {
		v.cache.put(payload, c)
	}
	return c, nil
}

// staticCache maps verified payloads to their claims. It keeps two
// generations: lookups search the current one, then the previous one
// (promoting a hit); when the current one is full the previous one is
// dropped. Codes scanned within the last generation survive, so it behaves
// like an LRU cache without the list, and a hit in the common case takes
// only a read lock.
type staticCache struct {
	half      int
	mu        sync.RWMutex
	cur, prev map[string]StaticClaim
}

func newStaticCache(size int) *staticCache {
	half := max(size/2, 1)
	return &staticCache{half: half, cur: make(map[string]StaticClaim, half)}
}

func (c *staticCache) get(payload string) (StaticClaim, bool) {
	c.mu.RLock()
	v, ok := c.cur[payload]
	promote := false
	if !ok {
		v, ok = c.prev[payload]
		promote = ok
	}
	c.mu.RUnlock()
	if promote {
		c.put(payload, v)
	}
	return v, ok
}

func (c *staticCache) put(payload string, v StaticClaim) {
	// The caller's string may share memory with a larger request buffer;
	// a copy keeps the cache from pinning it.
	payload = strings.Clone(payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[payload]; ok {
		return
	}
	if len(c.cur) >= c.half {
		c.prev, c.cur = c.cur, make(map[string]StaticClaim, c.half)
	}
	c.cur[payload] = v
}

// len returns the number of cached payloads, for tests.
func (c *staticCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := len(c.cur)
	for p := range c.prev {
		if _, ok := c.cur[p]; !ok {
			n++
		}
	}
	return n
}
