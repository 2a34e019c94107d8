package keyring_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"yima/keyring"
)

func TestLoadOrCreateDev(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not there yet: LoadOrCreateDev makes it
	first, err := keyring.LoadOrCreateDev(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Dev() {
		t.Error("Dev() = false for generated keys, want true")
	}
	for name, k := range map[string]keyring.Key{
		"token": first.Token(), "data": first.Data(), "index": first.Index(), "code": first.Code(),
	} {
		if got := len(k.Bytes()); got != keyring.KeySize {
			t.Errorf("%s: len = %d, want %d", name, got, keyring.KeySize)
		}
		if k.ID() != 1 {
			t.Errorf("%s: kid = %d, want 1", name, k.ID())
		}
	}
	if first.Sign().PrivateKey() == nil || first.Sign().ID() != 1 {
		t.Errorf("sign key = %v, want an SM2 key with kid 1", first.Sign())
	}

	info, err := os.Stat(filepath.Join(dir, keyring.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %o, want 600", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".keys-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	second, err := keyring.LoadOrCreateDev(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Token().Bytes(), second.Token().Bytes()) ||
		!first.Sign().PrivateKey().Equal(second.Sign().PrivateKey()) {
		t.Error("second LoadOrCreateDev returned different keys; want the stored ones")
	}
}

// Two processes starting `yima dev` on one data directory must end up with
// the same keys.
func TestLoadOrCreateDevConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	got := make([]*keyring.Keyring, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = keyring.LoadOrCreateDev(dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(got[i].Data().Bytes(), got[0].Data().Bytes()) {
			t.Fatalf("caller %d got different keys from caller 0", i)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	dev, err := keyring.LoadOrCreateDev(dir)
	if err != nil {
		t.Fatal(err)
	}
	devPath := filepath.Join(dir, keyring.FileName)
	if _, err := keyring.Load(devPath); !errors.Is(err, keyring.ErrDevKeys) {
		t.Fatalf("Load(dev file) error = %v, want ErrDevKeys", err)
	}

	prodPath := writeJSON(t, editFile(t, devPath, func(m map[string]any) { m["dev"] = false }))
	prod, err := keyring.Load(prodPath)
	if err != nil {
		t.Fatal(err)
	}
	if prod.Dev() {
		t.Error("Dev() = true for a production file")
	}
	if !bytes.Equal(prod.Index().Bytes(), dev.Index().Bytes()) {
		t.Error("index key differs from the file's")
	}
}

func TestLoadRefuses(t *testing.T) {
	devPath := filepath.Join(t.TempDir(), keyring.FileName)
	if _, err := keyring.LoadOrCreateDev(filepath.Dir(devPath)); err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256DER, err := x509.MarshalPKCS8PrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	p256PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p256DER}))

	tests := []struct {
		name    string
		edit    func(m map[string]any)
		wantErr error // nil: any error
	}{
		{"短密钥", func(m map[string]any) { key(m, "data")["secret"] = b64(16) }, keyring.ErrShortKey},
		{"缺少密钥", func(m map[string]any) { delete(m, "code") }, nil},
		{"kid 为 0", func(m map[string]any) { key(m, "token")["kid"] = 0 }, nil},
		{"kid 超出一字节", func(m map[string]any) { key(m, "token")["kid"] = 256 }, nil},
		{"两个用途共用密钥", func(m map[string]any) { key(m, "index")["secret"] = key(m, "token")["secret"] }, nil},
		{"未知字段", func(m map[string]any) { m["tokn"] = key(m, "token") }, nil},
		{"签名密钥不是 PEM", func(m map[string]any) { key(m, "sign")["pem"] = "not pem" }, nil},
		{"签名密钥不是 SM2", func(m map[string]any) { key(m, "sign")["pem"] = p256PEM }, nil},
		{"签名密钥 kid 为 0", func(m map[string]any) { key(m, "sign")["kid"] = 0 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeJSON(t, editFile(t, devPath, func(m map[string]any) {
				m["dev"] = false
				tt.edit(m)
			}))
			_, err := keyring.Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	sign, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := smx509.MarshalSM2PrivateKey(sign)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		keyring.EnvToken: b64(32),
		keyring.EnvData:  base64.RawURLEncoding.EncodeToString(random(48)), // longer keys are fine
		keyring.EnvIndex: b64(32),
		keyring.EnvCode:  b64(32),
		keyring.EnvSign:  string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})),
	}
	with := func(k, v string) func(string) string {
		return func(name string) string {
			if name == k {
				return v
			}
			return env[name]
		}
	}

	r, err := keyring.FromEnv(with(keyring.EnvData+"_KID", "7"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dev() {
		t.Error("Dev() = true for env keys")
	}
	if r.Data().ID() != 7 || r.Token().ID() != 1 {
		t.Errorf("kids: data %d token %d, want 7 and 1", r.Data().ID(), r.Token().ID())
	}
	if len(r.Data().Bytes()) != 48 {
		t.Errorf("data key len = %d, want 48", len(r.Data().Bytes()))
	}
	if !r.Sign().PrivateKey().Equal(sign) {
		t.Error("sign key differs from the env's")
	}

	tests := []struct {
		name, key, value string
		wantErr          error
	}{
		{"缺少令牌密钥", keyring.EnvToken, "", nil},
		{"缺少签名密钥", keyring.EnvSign, "", nil},
		{"不是 base64", keyring.EnvCode, "!!!", nil},
		{"短密钥", keyring.EnvIndex, b64(31), keyring.ErrShortKey},
		{"kid 不是数字", keyring.EnvToken + "_KID", "one", nil},
		{"kid 为 0", keyring.EnvSign + "_KID", "0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keyring.FromEnv(with(tt.key, tt.value))
			if err == nil {
				t.Fatal("FromEnv succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	if _, err := keyring.NewKey(0, random(32)); err == nil {
		t.Error("NewKey(kid 0) succeeded, want an error")
	}
	if _, err := keyring.NewKey(1, random(31)); !errors.Is(err, keyring.ErrShortKey) {
		t.Errorf("NewKey(31 bytes) error = %v, want ErrShortKey", err)
	}
	secret := random(32)
	k, err := keyring.NewKey(3, secret)
	if err != nil {
		t.Fatal(err)
	}
	secret[0] ^= 1
	k.Bytes()[1] ^= 1
	if bytes.Equal(k.Bytes(), secret) || k.Bytes()[1] != secret[1] {
		t.Error("Key shares memory with its caller; want copies in and out")
	}
}

func TestDerive(t *testing.T) {
	k, err := keyring.NewKey(1, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Derive("a", 16)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := k.Derive("a", 16)
	b, _ := k.Derive("b", 16)
	if len(a) != 16 || !bytes.Equal(a, a2) || bytes.Equal(a, b) {
		t.Errorf("Derive: a=%x a again=%x b=%x; want 16 bytes, deterministic, label-separated", a, a2, b)
	}
	if _, err := (keyring.Key{}).Derive("a", 16); err == nil {
		t.Error("Derive on the zero Key succeeded, want an error")
	}
}

// Printing or logging a keyring must never reveal a secret, whatever verb a
// careless caller picks.
func TestNoSecretsInOutput(t *testing.T) {
	r, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("keys", "keyring", r, "token", r.Token(), "sign", r.Sign())
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v %v %#v",
		r, *r, *r, r.Data(), r.Index(), r.Code(), r.Token(), r.Sign(), r.Sign()) + logs.String()

	for _, secret := range [][]byte{r.Token().Bytes(), r.Data().Bytes(), r.Index().Bytes(), r.Code().Bytes()} {
		for _, form := range []string{
			base64.StdEncoding.EncodeToString(secret),
			fmt.Sprintf("%x", secret[:8]),
			fmt.Sprint(secret[:4])[1:], // "12 34 56 78]" as %v prints a []byte
			fmt.Sprintf("%#x", secret[0]) + ", " + fmt.Sprintf("%#x", secret[1]),
		} {
			if strings.Contains(out, strings.TrimSuffix(form, "]")) {
				t.Fatalf("output contains a secret (%q):\n%s", form, out)
			}
		}
	}
	if d := r.Sign().PrivateKey().D.String(); strings.Contains(out, d) {
		t.Fatalf("output contains the SM2 private scalar:\n%s", out)
	}
	if !strings.Contains(logs.String(), `"token_kid":1`) {
		t.Errorf("log lacks the kids: %s", logs.String())
	}
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func b64(n int) string { return base64.StdEncoding.EncodeToString(random(n)) }

func key(m map[string]any, name string) map[string]any { return m[name].(map[string]any) }

func editFile(t *testing.T, path string, edit func(map[string]any)) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	return m
}

func writeJSON(t *testing.T, m map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
