package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"connectrpc.com/connect"

	"yima/keyring"
	"yima/natsbus"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
	"yima/store/storetest"
)

// TestServeRunsWithProductionSettings starts `yima serve` the way a VM
// node runs it: external PostgreSQL and NATS, a production key file, an
// automanaged actor cluster. DevLogin must not exist there.
func TestServeRunsWithProductionSettings(t *testing.T) {
	dsn := storetest.NewDatabase(t, schema)
	bus, err := natsbus.Embedded("", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	keys := filepath.Join(t.TempDir(), "keys.json")
	if err := keyring.CreateProduction(keys); err != nil {
		t.Fatal(err)
	}
	amPort := freePort(t)
	env := map[string]string{
		"YIMA_DATABASE_URL":            dsn,
		"YIMA_NATS_URL":                bus.URL(),
		"YIMA_KEYS_FILE":               keys,
		"YIMA_OIDC_ISSUER":             "https://id.example.invalid",
		"YIMA_OIDC_CLIENT_ID":          "yima",
		"YIMA_OIDC_CLIENT_SECRET":      "secret",
		"YIMA_SMS_ENDPOINT":            "https://sms.example.invalid/v1/sms/send",
		"YIMA_SMS_APP_KEY":             "yima",
		"YIMA_SMS_APP_SECRET":          "secret",
		"YIMA_RECORD_CHECK_ENDPOINT":   "https://rc.example.invalid/v1/record-checks",
		"YIMA_RECORD_CHECK_APP_KEY":    "yima",
		"YIMA_RECORD_CHECK_APP_SECRET": "secret",
		"YIMA_ELICENSE_ENDPOINT":       "https://zzk.example.invalid/v1/licenses",
		"YIMA_ELICENSE_APP_KEY":        "yima",
		"YIMA_ELICENSE_APP_SECRET":     "secret",
		"YIMA_CLUSTER_PROVIDER":        "automanaged",
		"YIMA_CLUSTER_AUTOMANAGE_PORT": strconv.Itoa(amPort),
		"YIMA_CLUSTER_HOSTS":           "127.0.0.1:" + strconv.Itoa(amPort),
	}
	logs := &syncBuffer{}
	m := NewMain(logs, logs, func(k string) string { return env[k] })
	if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Run(ctx); err != nil {
		m.Close()
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	defer m.Close()

	res, err := http.Get(m.BaseURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("readyz = %d, want 200", res.StatusCode)
	}
	ic := identityv1connect.NewIdentityServiceClient(http.DefaultClient, m.BaseURL)
	_, err = ic.DevLogin(ctx, connect.NewRequest(&identityv1.DevLoginRequest{Username: "admin"}))
	if got := connect.CodeOf(err); got != connect.CodeUnimplemented {
		t.Errorf("DevLogin in serve: code %v (%v), want unimplemented", got, err)
	}
	opts, err := ic.GetLoginOptions(ctx, connect.NewRequest(&identityv1.GetLoginOptionsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Msg.DevLogin || len(opts.Msg.DemoUsernames) > 0 {
		t.Errorf("serve login options = %v, want no dev login and no demo users", opts.Msg)
	}
}

func TestServeRefusesDevKeys(t *testing.T) {
	dir := t.TempDir()
	if _, err := keyring.LoadOrCreateDev(dir); err != nil {
		t.Fatal(err)
	}
	m := NewMain(&syncBuffer{}, &syncBuffer{}, func(string) string { return "" })
	m.Config.KeysFile = filepath.Join(dir, keyring.FileName)
	_, err := m.loadKeys("")
	if !errors.Is(err, keyring.ErrDevKeys) {
		t.Fatalf("loadKeys(dev file) in serve = %v, want ErrDevKeys", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
