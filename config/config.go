// Package config holds yima's one typed configuration and how it is read:
// defaults, then a YAML file, then YIMA_* environment variables, then flags.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Mode says how the process runs.
type Mode string

// The modes.
const (
	// ModeDev is `yima dev`: private PostgreSQL, embedded NATS, dev keys,
	// the mock identity provider and DevLogin.
	ModeDev Mode = "dev"
	// ModeServe is `yima serve`: external services, production keys only.
	ModeServe Mode = "serve"
)

// Config is the whole configuration of a yima process.
type Config struct {
	Mode Mode `yaml:"-"`
	// Addr is the HTTP listen address, e.g. "127.0.0.1:8080" or ":0".
	Addr string `yaml:"addr"`
	// PublicURL is how browsers reach this server (for OIDC redirects);
	// empty means http://<Addr>.
	PublicURL string `yaml:"public_url"`
	// DataDir keeps dev state: PostgreSQL data, NATS storage, dev keys.
	DataDir string `yaml:"data_dir"`
	// DatabaseURL is a PostgreSQL DSN; in serve mode a multi-host DSN with
	// target_session_attrs=read-write gives failover. Empty in dev starts a
	// private server under DataDir.
	DatabaseURL string `yaml:"database_url"`
	// NATSURL lists NATS servers; empty in dev runs one in-process.
	NATSURL string `yaml:"nats_url"`
	// Demo loads the demo data set (dev only).
	Demo bool `yaml:"demo"`
	// DemoVolunteers is how many demo volunteers to generate.
	DemoVolunteers int `yaml:"demo_volunteers"`
	// KeysFile is the production key file; keys may also come from
	// YIMA_KEY_* variables. Dev generates keys under DataDir.
	KeysFile string `yaml:"keys_file"`
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// CodeIdleAfter deactivates the code of a volunteer inactive this long
	// (no sign-in, code shown or service); the next sign-in brings it back.
	// 0 turns deactivation off.
	CodeIdleAfter time.Duration `yaml:"code_idle_after"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`

	// LedgerMaxBatch bounds the scans written per transaction; 1 turns group
	// commit off (the benchmark's baseline). 0 keeps the ledger's default.
	LedgerMaxBatch int `yaml:"ledger_max_batch"`
	// LedgerWriters is the number of ledger writer connections; one keeps
	// batches large on a small machine, more overlap commits on big disks.
	LedgerWriters int `yaml:"ledger_writers"`

	// Web is what the pages are told at run time.
	Web     Web     `yaml:"web"`
	OIDC    OIDC    `yaml:"oidc"`
	Cluster Cluster `yaml:"cluster"`
	TLS     TLS     `yaml:"tls"`
	SMS     SMS     `yaml:"sms"`
	// RecordCheck is the department issuing no-criminal-record
	// certificates.
	RecordCheck RecordCheck `yaml:"record_check"`
	// Elicense is the city e-license library (市电子证照库) that takes the
	// volunteer cards.
	Elicense Elicense `yaml:"elicense"`
}

// Elicense configures the client of the city e-license library
// (docs/adapters.md). In dev an empty endpoint submits to the dev library
// instead.
type Elicense struct {
	// Endpoint is the URL of the library's license collection.
	Endpoint string `yaml:"endpoint"`
	// AppKey names yima to the library; AppSecret keys the HMAC-SM3
	// request signature.
	AppKey    string `yaml:"app_key"`
	AppSecret string `yaml:"app_secret"`
	// Timeout bounds one request; 0 means 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// Web configures what the pages are told at run time (docs/adapters.md,
// "Map tiles").
type Web struct {
	// MapTileURL is a Leaflet URL template of base map tiles under the 找项目
	// map, e.g. "/tiles/{z}/{x}/{y}.png": a path on this server's origin,
	// where a tile server or proxy in front of yima answers (the pages'
	// Content-Security-Policy admits images from their own origin only).
	// Tiles must be WGS-84 / CGCS2000, as project places are. Empty: the
	// map draws the bundled district outlines only.
	MapTileURL string `yaml:"map_tile_url"`
	// MapTileAttribution credits the tiles' source on the map.
	MapTileAttribution string `yaml:"map_tile_attribution"`
}

// RecordCheck configures the client of the department that issues
// no-criminal-record certificates (docs/adapters.md). In dev an empty
// endpoint submits to the dev department instead.
type RecordCheck struct {
	// Endpoint is the URL of the department's record-check collection.
	Endpoint string `yaml:"endpoint"`
	// AppKey names yima to the department; AppSecret keys the HMAC-SM3
	// request signature.
	AppKey    string `yaml:"app_key"`
	AppSecret string `yaml:"app_secret"`
	// Timeout bounds one request; 0 means 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// OIDC configures the client of the city identity provider.
type OIDC struct {
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
}

// SMS configures the client of the SMS gateway (docs/adapters.md). In dev
// an empty endpoint sends through the dev gateway instead.
type SMS struct {
	// Endpoint is the URL of the gateway's send API.
	Endpoint string `yaml:"endpoint"`
	// AppKey names yima to the gateway; AppSecret keys the HMAC-SM3
	// request signature.
	AppKey    string `yaml:"app_key"`
	AppSecret string `yaml:"app_secret"`
	// Timeout bounds one request; 0 means 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// Cluster configures actor cluster membership.
type Cluster struct {
	// Name of the cluster; nodes with the same name join each other.
	Name string `yaml:"name"`
	// Provider is "local" (one node, dev), "automanaged" (static host list)
	// or "k8s" (built with -tags k8s).
	Provider string `yaml:"provider"`
	// Host and Port the actor remote listens on; port 0 picks a free one.
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// AutoManagePort is the automanaged provider's HTTP port.
	AutoManagePort int `yaml:"automanage_port"`
	// Hosts lists every node's "host:automanage_port" for automanaged.
	Hosts []string `yaml:"hosts"`
}

// TLS configures HTTPS; both empty serves plain HTTP (with h2c).
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Default returns the defaults for a mode.
func Default(mode Mode) Config {
	c := Config{
		Mode:           mode,
		Addr:           "127.0.0.1:8080",
		DemoVolunteers: 3000,
		LedgerWriters:  1,
		SessionTTL:     12 * time.Hour,
		CodeIdleAfter:  180 * 24 * time.Hour,
		LogLevel:       "info",
		Cluster: Cluster{
			Name:           "yima",
			Provider:       "automanaged",
			Host:           "127.0.0.1",
			AutoManagePort: 6330,
		},
	}
	if mode == ModeDev {
		c.DataDir = ".data"
		c.Cluster.Provider = "local"
	}
	return c
}

// LoadFile merges a YAML file over c. A missing path is an error; an empty
// path does nothing.
func (c *Config) LoadFile(path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if err := yaml.Unmarshal(b, c); err != nil {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	return nil
}

// LoadEnv merges YIMA_* variables over c, looked up with getenv.
func (c *Config) LoadEnv(getenv func(string) string) error {
	str := map[string]*string{
		"YIMA_ADDR":                     &c.Addr,
		"YIMA_PUBLIC_URL":               &c.PublicURL,
		"YIMA_DATA_DIR":                 &c.DataDir,
		"YIMA_DATABASE_URL":             &c.DatabaseURL,
		"YIMA_NATS_URL":                 &c.NATSURL,
		"YIMA_KEYS_FILE":                &c.KeysFile,
		"YIMA_LOG_LEVEL":                &c.LogLevel,
		"YIMA_OIDC_ISSUER":              &c.OIDC.Issuer,
		"YIMA_OIDC_CLIENT_ID":           &c.OIDC.ClientID,
		"YIMA_OIDC_CLIENT_SECRET":       &c.OIDC.ClientSecret,
		"YIMA_CLUSTER_NAME":             &c.Cluster.Name,
		"YIMA_CLUSTER_PROVIDER":         &c.Cluster.Provider,
		"YIMA_CLUSTER_HOST":             &c.Cluster.Host,
		"YIMA_TLS_CERT_FILE":            &c.TLS.CertFile,
		"YIMA_TLS_KEY_FILE":             &c.TLS.KeyFile,
		"YIMA_SMS_ENDPOINT":             &c.SMS.Endpoint,
		"YIMA_SMS_APP_KEY":              &c.SMS.AppKey,
		"YIMA_SMS_APP_SECRET":           &c.SMS.AppSecret,
		"YIMA_WEB_MAP_TILE_URL":         &c.Web.MapTileURL,
		"YIMA_WEB_MAP_TILE_ATTRIBUTION": &c.Web.MapTileAttribution,
		"YIMA_RECORD_CHECK_ENDPOINT":    &c.RecordCheck.Endpoint,
		"YIMA_RECORD_CHECK_APP_KEY":     &c.RecordCheck.AppKey,
		"YIMA_RECORD_CHECK_APP_SECRET":  &c.RecordCheck.AppSecret,
		"YIMA_ELICENSE_ENDPOINT":        &c.Elicense.Endpoint,
		"YIMA_ELICENSE_APP_KEY":         &c.Elicense.AppKey,
		"YIMA_ELICENSE_APP_SECRET":      &c.Elicense.AppSecret,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	ints := map[string]*int{
		"YIMA_CLUSTER_PORT":            &c.Cluster.Port,
		"YIMA_CLUSTER_AUTOMANAGE_PORT": &c.Cluster.AutoManagePort,
		"YIMA_LEDGER_MAX_BATCH":        &c.LedgerMaxBatch,
		"YIMA_LEDGER_WRITERS":          &c.LedgerWriters,
	}
	for k, p := range ints {
		if v := getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			*p = n
		}
	}
	if v := getenv("YIMA_CLUSTER_HOSTS"); v != "" {
		c.Cluster.Hosts = strings.Split(v, ",")
	}
	if v := getenv("YIMA_SESSION_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("YIMA_SESSION_TTL: %w", err)
		}
		c.SessionTTL = d
	}
	if v := getenv("YIMA_SMS_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("YIMA_SMS_TIMEOUT: %w", err)
		}
		c.SMS.Timeout = d
	}
	if v := getenv("YIMA_RECORD_CHECK_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("YIMA_RECORD_CHECK_TIMEOUT: %w", err)
		}
		c.RecordCheck.Timeout = d
	}
	if v := getenv("YIMA_ELICENSE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("YIMA_ELICENSE_TIMEOUT: %w", err)
		}
		c.Elicense.Timeout = d
	}
	if v := getenv("YIMA_CODE_IDLE_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("YIMA_CODE_IDLE_AFTER: %w", err)
		}
		c.CodeIdleAfter = d
	}
	return nil
}

// Validate checks the configuration for its mode. Serve mode refuses what
// only dev may use.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr is required"))
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, errors.New("session_ttl must be at least 1m"))
	}
	if c.CodeIdleAfter != 0 && c.CodeIdleAfter < 24*time.Hour {
		errs = append(errs, errors.New("code_idle_after must be 0 (off) or at least 24h"))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("public_url %q is not an absolute URL", c.PublicURL))
		}
	}
	errs = append(errs, checkAdapter("sms", c.SMS.Endpoint, c.SMS.AppKey, c.SMS.AppSecret, c.SMS.Timeout)...)
	errs = append(errs, checkAdapter("record_check", c.RecordCheck.Endpoint, c.RecordCheck.AppKey, c.RecordCheck.AppSecret, c.RecordCheck.Timeout)...)
	errs = append(errs, checkAdapter("elicense", c.Elicense.Endpoint, c.Elicense.AppKey, c.Elicense.AppSecret, c.Elicense.Timeout)...)
	if t := c.Web.MapTileURL; t != "" {
		if !strings.HasPrefix(t, "/") || strings.HasPrefix(t, "//") ||
			!strings.Contains(t, "{z}") || !strings.Contains(t, "{x}") || !strings.Contains(t, "{y}") {
			errs = append(errs, fmt.Errorf("web.map_tile_url %q: want a path on this origin with {z}, {x} and {y}, e.g. /tiles/{z}/{x}/{y}.png", t))
		}
	}
	switch c.Cluster.Provider {
	case "local", "automanaged", "k8s":
	default:
		errs = append(errs, fmt.Errorf("cluster.provider %q: want local, automanaged or k8s", c.Cluster.Provider))
	}
	if c.Mode == ModeServe {
		if c.DatabaseURL == "" {
			errs = append(errs, errors.New("serve: database_url is required"))
		}
		if c.NATSURL == "" {
			errs = append(errs, errors.New("serve: nats_url is required"))
		}
		if c.Demo {
			errs = append(errs, errors.New("serve: demo data is for dev only"))
		}
		if c.OIDC.Issuer == "" || c.OIDC.ClientID == "" || c.OIDC.ClientSecret == "" {
			errs = append(errs, errors.New("serve: oidc issuer, client_id and client_secret are required"))
		}
		if c.SMS.Endpoint == "" {
			errs = append(errs, errors.New("serve: sms endpoint, app_key and app_secret are required (the dev SMS gateway is for dev only)"))
		}
		if c.RecordCheck.Endpoint == "" {
			errs = append(errs, errors.New("serve: record_check endpoint, app_key and app_secret are required (the dev record-check department is for dev only)"))
		}
		if c.Elicense.Endpoint == "" {
			errs = append(errs, errors.New("serve: elicense endpoint, app_key and app_secret are required (the dev e-license library is for dev only)"))
		}
		if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
			errs = append(errs, errors.New("serve: tls needs both cert_file and key_file"))
		}
		if c.Cluster.Provider == "local" {
			errs = append(errs, errors.New("serve: cluster.provider local is for dev only"))
		}
	}
	return errors.Join(errs...)
}

// checkAdapter checks the client settings of an outside system (the
// section name): an absolute http(s) endpoint with a key and secret, or
// none (dev stand-in); a timeout not negative.
func checkAdapter(name, endpoint, appKey, appSecret string, timeout time.Duration) []error {
	var errs []error
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			errs = append(errs, fmt.Errorf("%s.endpoint %q is not an absolute http(s) URL", name, endpoint))
		}
		if appKey == "" || appSecret == "" {
			errs = append(errs, fmt.Errorf("%s: app_key and app_secret are required with an endpoint", name))
		}
	}
	if timeout < 0 {
		errs = append(errs, fmt.Errorf("%s.timeout must not be negative", name))
	}
	return errs
}

// BaseURL is the external base URL of the server, without a trailing slash.
func (c *Config) BaseURL(listenAddr string) string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	scheme := "http"
	if c.TLS.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + listenAddr
}

// AbsDataDir returns DataDir as an absolute path.
func (c *Config) AbsDataDir() (string, error) {
	p, err := filepath.Abs(c.DataDir)
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	return p, nil
}
