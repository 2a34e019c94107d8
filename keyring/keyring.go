// Package keyring owns the process's secret keys: which keys exist and what
// each is for, where they come from (a dev file generated on first start, a
// production file, or YIMA_KEY_* environment variables), the checks a key must
// pass before the process may use it, and the key id (kid) each key carries so
// that every ciphertext and token names the key that made it.
//
// There is one active key per purpose. Rotating a key means giving the new key
// a new kid; readers that meet an old kid can then say "unknown key" instead of
// "tampered", and a later version can keep old keys around for reading only.
package keyring

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// KeySize is the length in bytes of every symmetric key in the keyring, and
// the least a loaded key may have.
const KeySize = 32

// FileName is the name of the keyring file LoadOrCreateDev keeps in its
// directory.
const FileName = "keys.json"

// Environment variables FromEnv reads. Each symmetric key is base64 (standard
// or URL alphabet, padded or not); the sign key is a PEM block. The optional
// <name>_KID variables give the key id in decimal (1–255) and default to 1.
const (
	EnvToken = "YIMA_KEY_TOKEN"
	EnvData  = "YIMA_KEY_DATA"
	EnvIndex = "YIMA_KEY_INDEX"
	EnvCode  = "YIMA_KEY_CODE"
	EnvSign  = "YIMA_KEY_SIGN"
)

// ErrDevKeys is returned by Load when the keyring file is marked as dev keys:
// those sit unprotected in a data directory and must never sign or encrypt
// production data.
var ErrDevKeys = errors.New("keyring: dev keys refused in production")

// ErrShortKey is returned when a symmetric key has fewer than KeySize bytes.
var ErrShortKey = errors.New("keyring: key shorter than 32 bytes")

// Key is one symmetric secret and its key id. Its String and LogValue name
// only the kid, so printing or logging a Key never reveals the secret.
type Key struct {
	id     byte
	secret []byte
}

// NewKey returns a key with the given id and a copy of secret. It refuses id 0
// (reserved so that a missing kid is caught rather than taken for a real one)
// and, with ErrShortKey, secrets shorter than KeySize.
func NewKey(id byte, secret []byte) (Key, error) {
	if id == 0 {
		return Key{}, errors.New("keyring: key id 0 is reserved")
	}
	if len(secret) < KeySize {
		return Key{}, fmt.Errorf("%w: got %d", ErrShortKey, len(secret))
	}
	return Key{id: id, secret: bytes.Clone(secret)}, nil
}

// ID returns the key id that ciphertexts and tokens made with this key carry.
func (k Key) ID() byte { return k.id }

// Bytes returns a copy of the secret, so callers cannot alter the keyring.
func (k Key) Bytes() []byte { return bytes.Clone(k.secret) }

// Derive returns n bytes derived from the secret by HKDF-SM3 with info as the
// context label. Uses of one key that need different or shorter keys derive
// them under distinct labels instead of slicing the secret, so no two uses
// share key material and all of the secret's entropy counts.
func (k Key) Derive(info string, n int) ([]byte, error) {
	if len(k.secret) == 0 {
		return nil, errors.New("keyring: derive from an empty key")
	}
	out, err := hkdf.Key(sm3.New, k.secret, nil, info, n)
	if err != nil {
		return nil, fmt.Errorf("derive %q: %w", info, err)
	}
	return out, nil
}

// String names the key by its kid only.
func (k Key) String() string { return "key(kid=" + strconv.Itoa(int(k.id)) + ")" }

// GoString is String, so that %#v, which ignores String, shows no secret either.
func (k Key) GoString() string { return k.String() }

// LogValue logs the kid only.
func (k Key) LogValue() slog.Value { return slog.GroupValue(slog.Int("kid", int(k.id))) }

// SignKey is the SM2 private key and its key id, used for signatures that
// others verify with the public key (static codes, certificates). Like Key, it
// prints and logs only its kid.
type SignKey struct {
	id   byte
	priv *sm2.PrivateKey
}

// ID returns the key id that signatures made with this key carry.
func (k SignKey) ID() byte { return k.id }

// PrivateKey returns the SM2 private key; its Public method gives the public
// key to publish.
func (k SignKey) PrivateKey() *sm2.PrivateKey { return k.priv }

// String names the key by its kid only.
func (k SignKey) String() string { return "sm2key(kid=" + strconv.Itoa(int(k.id)) + ")" }

// GoString is String, so that %#v shows no secret either.
func (k SignKey) GoString() string { return k.String() }

// LogValue logs the kid only.
func (k SignKey) LogValue() slog.Value { return slog.GroupValue(slog.Int("kid", int(k.id))) }

// Keyring holds one active key per purpose. It is immutable after loading and
// safe to share. Its methods take a value receiver so that printing a Keyring
// value, not only a pointer, goes through String and shows no secrets.
type Keyring struct {
	dev   bool
	token Key
	data  Key
	index Key
	code  Key
	sign  SignKey
}

// Dev reports whether the keys were generated as dev keys by LoadOrCreateDev.
// `yima serve` refuses to start when it is true.
func (r Keyring) Dev() bool { return r.dev }

// Token returns the key that MACs session tokens (HMAC-SM3).
func (r Keyring) Token() Key { return r.token }

// Data returns the key that encrypts sensitive fields. SM4 takes a 16-byte
// key, so users derive one with Derive under their own label (package
// sensitive uses HKDF-SM3) rather than taking the first 16 bytes.
func (r Keyring) Data() Key { return r.data }

// Index returns the key of the HMAC-SM3 blind index over sensitive fields.
// Rotating it means recomputing every stored index, so it rotates rarely.
func (r Keyring) Index() Key { return r.index }

// Code returns the master key from which volunteers' dynamic codes are
// derived.
func (r Keyring) Code() Key { return r.code }

// Sign returns the SM2 signing key.
func (r Keyring) Sign() SignKey { return r.sign }

// String lists the kids and the dev flag, never the secrets.
func (r Keyring) String() string {
	return fmt.Sprintf("keyring(dev=%t token=%d data=%d index=%d code=%d sign=%d)",
		r.dev, r.token.id, r.data.id, r.index.id, r.code.id, r.sign.id)
}

// GoString is String, so that %#v shows no secret either.
func (r Keyring) GoString() string { return r.String() }

// LogValue logs the kids and the dev flag, so a startup log line shows which
// keys are active without revealing them.
func (r Keyring) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("dev", r.dev),
		slog.Int("token_kid", int(r.token.id)),
		slog.Int("data_kid", int(r.data.id)),
		slog.Int("index_kid", int(r.index.id)),
		slog.Int("code_kid", int(r.code.id)),
		slog.Int("sign_kid", int(r.sign.id)),
	)
}

// file is the JSON form of a keyring, shared by the dev file and production
// files. Symmetric secrets are standard base64 (encoding/json's []byte form);
// the sign key is a PKCS#8 or SEC 1 PEM block.
type file struct {
	Dev   bool     `json:"dev"`
	Token fileKey  `json:"token"`
	Data  fileKey  `json:"data"`
	Index fileKey  `json:"index"`
	Code  fileKey  `json:"code"`
	Sign  fileSign `json:"sign"`
}

type fileKey struct {
	KID    byte   `json:"kid"`
	Secret []byte `json:"secret"`
}

type fileSign struct {
	KID byte   `json:"kid"`
	PEM string `json:"pem"`
}

// LoadOrCreateDev returns the dev keyring kept in dir/keys.json, generating it
// with crypto/rand (file mode 0600, directory 0700) on first use so that
// tokens and ciphertexts survive restarts of `yima dev`. A file that is not
// marked dev is loaded as it is; Dev then reports false.
func LoadOrCreateDev(dir string) (*Keyring, error) {
	path := filepath.Join(dir, FileName)
	r, err := readFile(path)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := generate()
	if err != nil {
		return nil, err
	}
	if err := createFile(dir, path, f); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process created it between our read and our write;
			// its keys win so both processes agree.
			return readFile(path)
		}
		return nil, err
	}
	return f.keyring()
}

// CreateProduction writes a new production keyring file at path (mode
// 0600) from crypto/rand, refusing to overwrite an existing file: losing the
// data key loses every encrypted field.
func CreateProduction(path string) error {
	f, err := generate()
	if err != nil {
		return err
	}
	f.Dev = false
	if err := createFile(filepath.Dir(path), path, f); err != nil {
		return fmt.Errorf("create production keyring %s: %w", path, err)
	}
	return nil
}

// Load reads a production keyring file. It refuses a file marked dev
// (ErrDevKeys), short keys (ErrShortKey), missing keys, zero kids, unknown
// JSON fields, a sign key that is not SM2, and two purposes sharing one
// secret. The file looks like this (secrets in standard base64, kids 1–255;
// "dev" true only in files LoadOrCreateDev made):
//
//	{
//	  "dev": false,
//	  "token": {"kid": 1, "secret": "…32 bytes…"},
//	  "data":  {"kid": 1, "secret": "…"},
//	  "index": {"kid": 1, "secret": "…"},
//	  "code":  {"kid": 1, "secret": "…"},
//	  "sign":  {"kid": 1, "pem": "-----BEGIN PRIVATE KEY-----\n…"}
//	}
func Load(path string) (*Keyring, error) {
	r, err := readFile(path)
	if err != nil {
		return nil, err
	}
	if r.dev {
		return nil, fmt.Errorf("load keyring %s: %w", path, ErrDevKeys)
	}
	return r, nil
}

// FromEnv builds a production keyring from EnvToken, EnvData, EnvIndex,
// EnvCode and EnvSign, read through lookup (os.Getenv in main, a map in
// tests), with the same checks as Load. Every key is required.
func FromEnv(lookup func(string) string) (*Keyring, error) {
	var f file
	for _, k := range []struct {
		name string
		dst  *fileKey
	}{
		{EnvToken, &f.Token}, {EnvData, &f.Data}, {EnvIndex, &f.Index}, {EnvCode, &f.Code},
	} {
		v := lookup(k.name)
		if v == "" {
			return nil, fmt.Errorf("read keyring from env: %s not set", k.name)
		}
		secret, err := decodeBase64(v)
		if err != nil {
			return nil, fmt.Errorf("read keyring from env: decode %s: %w", k.name, err)
		}
		kid, err := envKID(lookup, k.name)
		if err != nil {
			return nil, err
		}
		*k.dst = fileKey{KID: kid, Secret: secret}
	}
	f.Sign.PEM = lookup(EnvSign)
	if f.Sign.PEM == "" {
		return nil, fmt.Errorf("read keyring from env: %s not set", EnvSign)
	}
	kid, err := envKID(lookup, EnvSign)
	if err != nil {
		return nil, err
	}
	f.Sign.KID = kid
	r, err := f.keyring()
	if err != nil {
		return nil, fmt.Errorf("read keyring from env: %w", err)
	}
	return r, nil
}

func envKID(lookup func(string) string, name string) (byte, error) {
	v := lookup(name + "_KID")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.ParseUint(v, 10, 8)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("read keyring from env: %s_KID=%q is not a key id in 1–255", name, v)
	}
	return byte(n), nil
}

// decodeBase64 accepts the alphabets and padding that `openssl rand -base64`
// and friends produce, so operators need not care which one they used.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

func readFile(path string) (*Keyring, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keyring: %w", err)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse keyring %s: %w", path, err)
	}
	r, err := f.keyring()
	if err != nil {
		return nil, fmt.Errorf("load keyring %s: %w", path, err)
	}
	return r, nil
}

// keyring checks f and turns it into a Keyring.
func (f *file) keyring() (*Keyring, error) {
	r := &Keyring{dev: f.Dev}
	named := []struct {
		name string
		src  fileKey
		dst  *Key
	}{
		{"token", f.Token, &r.token}, {"data", f.Data, &r.data},
		{"index", f.Index, &r.index}, {"code", f.Code, &r.code},
	}
	for i, k := range named {
		if len(k.src.Secret) == 0 {
			return nil, fmt.Errorf("key %s missing", k.name)
		}
		key, err := NewKey(k.src.KID, k.src.Secret)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.name, err)
		}
		// One secret serving two purposes would let, say, a token MAC stand in
		// for a blind index; a copy-paste slip in a secret store is the
		// usual cause.
		for _, prev := range named[:i] {
			if bytes.Equal(prev.dst.secret, key.secret) {
				return nil, fmt.Errorf("keys %s and %s share one secret", prev.name, k.name)
			}
		}
		*k.dst = key
	}
	sign, err := parseSignKey(f.Sign)
	if err != nil {
		return nil, fmt.Errorf("key sign: %w", err)
	}
	r.sign = sign
	return r, nil
}

func parseSignKey(s fileSign) (SignKey, error) {
	if s.KID == 0 {
		return SignKey{}, errors.New("keyring: key id 0 is reserved")
	}
	block, _ := pem.Decode([]byte(s.PEM))
	if block == nil {
		return SignKey{}, errors.New("no PEM block")
	}
	var priv *sm2.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return SignKey{}, fmt.Errorf("parse PKCS#8: %w", err)
		}
		var ok bool
		if priv, ok = k.(*sm2.PrivateKey); !ok {
			return SignKey{}, fmt.Errorf("PKCS#8 key is %T, not SM2", k)
		}
	case "EC PRIVATE KEY":
		k, err := smx509.ParseSM2PrivateKey(block.Bytes)
		if err != nil {
			return SignKey{}, fmt.Errorf("parse SEC 1: %w", err)
		}
		priv = k
	default:
		return SignKey{}, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	return SignKey{id: s.KID, priv: priv}, nil
}

// generate makes a fresh dev keyring file with kid 1 everywhere.
func generate() (*file, error) {
	f := &file{Dev: true}
	for _, k := range []*fileKey{&f.Token, &f.Data, &f.Index, &f.Code} {
		k.KID = 1
		k.Secret = make([]byte, KeySize)
		// crypto/rand.Read never fails on supported platforms; it crashes
		// the program instead.
		_, _ = rand.Read(k.Secret)
	}
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate sm2 key: %w", err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal sm2 key: %w", err)
	}
	f.Sign = fileSign{KID: 1, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
	return f, nil
}

// createFile writes f to path only if path does not exist yet (fs.ErrExist
// otherwise). It writes a temporary file and hard-links it into place, so a
// concurrent reader sees either no file or a complete one.
func createFile(dir, path string, f *file) error {
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode keyring: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create keyring dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".keys-*.json") // mode 0600
	if err != nil {
		return fmt.Errorf("create keyring: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write keyring: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync keyring: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close keyring: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("install keyring: %w", err)
	}
	return nil
}
