// Package sensitive owns how personal data such as resident ID numbers and
// phone numbers is kept at rest and shown: SM4-GCM encryption bound to the
// column a value lives in, an HMAC-SM3 blind index for exact-match lookups,
// the normalized forms those lookups need, and the masks used wherever such
// data is displayed or logged.
package sensitive

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"

	"yima/keyring"
)

// Layout of a sealed value: kid | nonce | SM4-GCM ciphertext and tag.
const (
	nonceSize  = 12
	tagSize    = 16
	headerSize = 1 + nonceSize
	// Overhead is how many bytes Seal adds to the plaintext.
	Overhead = headerSize + tagSize
)

// IndexSize is the length of a blind index in bytes.
const IndexSize = sm3.Size

// sm4Label is the HKDF-SM3 label under which the 16-byte SM4 key is derived
// from the keyring's 32-byte data key. Changing it makes every stored
// ciphertext unreadable.
const sm4Label = "yima/sensitive/sm4-gcm/v1"

// ErrUnknownKey is returned by Open for a ciphertext made under a key id the
// Box does not hold, typically one sealed before a key rotation.
var ErrUnknownKey = errors.New("sensitive: ciphertext made with an unknown key")

// ErrInvalidCiphertext is returned by Open when a ciphertext is truncated,
// altered, or sealed for another field.
var ErrInvalidCiphertext = errors.New("sensitive: invalid ciphertext")

// Box seals and opens sensitive values and computes their blind indexes. It is
// safe for concurrent use.
//
// A sealed value is 1 byte of data-key id, a 12-byte random nonce, and the
// SM4-GCM ciphertext with its 16-byte tag. The associated data is the key id
// followed by the field name, so a value copied into another column, or
// relabelled with another key id, fails to open. Random 96-bit nonces allow
// about 2³² seals per key before the collision risk matters, far more than
// the city's population times its sensitive columns.
type Box struct {
	kid   byte
	aead  cipher.AEAD
	macs  sync.Pool // of hash.Hash: HMAC-SM3 under the index key
	index []byte
}

// NewBox returns a Box that encrypts under data and indexes under index
// (keyring.Keyring's Data and Index keys).
func NewBox(data, index keyring.Key) (*Box, error) {
	key, err := data.Derive(sm4Label, 16)
	if err != nil {
		return nil, fmt.Errorf("derive sm4 key: %w", err)
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create sm4 cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create sm4-gcm: %w", err)
	}
	idx := index.Bytes()
	if len(idx) == 0 {
		return nil, errors.New("create box: empty index key")
	}
	b := &Box{kid: data.ID(), aead: aead, index: idx}
	// HMAC setup hashes the key into two pads; pooling keeps that work (and
	// the allocation) out of every Index call.
	b.macs.New = func() any { return hmac.New(sm3.New, b.index) }
	return b, nil
}

// Seal encrypts plaintext for the column named field (such as
// "person.id_number"). It returns a fresh random ciphertext on every call;
// equal plaintexts do not produce equal ciphertexts (use Index for lookups).
// It fails only for an empty field, which would bind the value to nothing.
func (b *Box) Seal(field, plaintext string) ([]byte, error) {
	if field == "" {
		return nil, errors.New("seal: empty field")
	}
	out := make([]byte, headerSize, Overhead+len(plaintext))
	out[0] = b.kid
	// crypto/rand.Read never fails on supported platforms; it crashes the
	// program instead.
	_, _ = rand.Read(out[1:headerSize])
	nonce := out[1:headerSize]
	return b.aead.Seal(out, nonce, []byte(plaintext), b.ad(field)), nil
}

// Open decrypts a value Seal made for the same field. It returns
// ErrUnknownKey for a ciphertext from another data key id and
// ErrInvalidCiphertext for anything truncated, altered or sealed for another
// field.
func (b *Box) Open(field string, ct []byte) (string, error) {
	if len(ct) < Overhead {
		return "", fmt.Errorf("open %s: %w: %d bytes", field, ErrInvalidCiphertext, len(ct))
	}
	if ct[0] != b.kid {
		return "", fmt.Errorf("open %s: %w: kid %d", field, ErrUnknownKey, ct[0])
	}
	pt, err := b.aead.Open(nil, ct[1:headerSize], ct[headerSize:], b.ad(field))
	if err != nil {
		return "", fmt.Errorf("open %s: %w", field, ErrInvalidCiphertext)
	}
	return string(pt), nil
}

func (b *Box) ad(field string) []byte {
	ad := make([]byte, 0, 1+len(field))
	return append(append(ad, b.kid), field...)
}

// Index returns the blind index of plaintext in the column named field:
// HMAC-SM3(index key, field || 0x00 || plaintext), IndexSize bytes. It is
// deterministic, so a unique column of indexes supports exact-match lookups
// without decrypting; the field name keeps equal values in different columns
// from sharing an index. Field names are program constants and must not
// contain 0x00.
//
// Index hashes plaintext exactly as given. Normalize it first with the
// field's normalizer (NormalizeIDNumber, NormalizePhone), both when storing
// and when looking up, or "310…x" and "310…X" will not find each other.
func (b *Box) Index(field, plaintext string) []byte {
	mac := b.macs.Get().(hash.Hash)
	mac.Write([]byte(field))
	mac.Write([]byte{0})
	mac.Write([]byte(plaintext))
	sum := mac.Sum(make([]byte, 0, IndexSize))
	mac.Reset()
	b.macs.Put(mac)
	return sum
}
