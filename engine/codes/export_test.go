package codes

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"strconv"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"yima/keyring"
)

// T0 is the fixed clock of the tests: a step boundary (Unix 1741167000 is
// 30 × 58038900).
var T0 = time.Date(2025, 3, 5, 9, 30, 0, 0, time.UTC)

// Fixed IDs the tests issue codes for.
var (
	Volunteer1 = [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	Volunteer2 = [16]byte{0xaa, 15: 0xbb}
	Project1   = [16]byte{0x50, 0x72, 0x6f, 0x6a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	Org1       = [16]byte{0x4f, 0x72, 0x67, 0x21, 15: 1}
)

// FixtureKeys is a keyring made from fixed secrets, so payloads are the same
// on every run: the code key is 32 bytes of codeFill under codeKID; the SM2
// key's scalar is 32 bytes of signFill under signKID.
func FixtureKeys(tb testing.TB, codeKID, codeFill, signKID, signFill byte) *keyring.Keyring {
	tb.Helper()
	priv, err := sm2.NewPrivateKey(bytes.Repeat([]byte{signFill}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	secret := func(fill byte) string {
		return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, keyring.KeySize))
	}
	env := map[string]string{
		// The keyring refuses one secret for two purposes; these fills
		// differ from every codeFill the tests use.
		keyring.EnvToken:         secret(0xf1),
		keyring.EnvData:          secret(0xf2),
		keyring.EnvIndex:         secret(0xf3),
		keyring.EnvCode:          secret(codeFill),
		keyring.EnvCode + "_KID": strconv.Itoa(int(codeKID)),
		keyring.EnvSign:          string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		keyring.EnvSign + "_KID": strconv.Itoa(int(signKID)),
	}
	r, err := keyring.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// FixtureCodes is Codes over FixtureKeys(1, 0x42, 1, 0x11).
func FixtureCodes(tb testing.TB, opts ...Option) *Codes {
	tb.Helper()
	r := FixtureKeys(tb, 1, 0x42, 1, 0x11)
	c, err := New(r.Code(), r.Sign(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// CacheLen reports how many payloads v's cache holds.
func (v *StaticVerifier) CacheLen() int {
	if v.cache == nil {
		return 0
	}
	return v.cache.len()
}
