package config

import (
	"strings"
	"testing"
	"time"
)

func TestDeployExampleParsesAndValidates(t *testing.T) {
	c := Default(ModeServe)
	if err := c.LoadFile("../deploy/systemd/yima.yaml.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("example config invalid: %v", err)
	}
	if c.Cluster.Provider != "automanaged" || len(c.Cluster.Hosts) != 3 || c.SessionTTL != 12*time.Hour {
		t.Errorf("example config read as %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	c := Default(ModeDev)
	env := map[string]string{"YIMA_ADDR": "127.0.0.1:9999", "YIMA_CLUSTER_HOSTS": "a:1,b:2", "YIMA_SESSION_TTL": "30m"}
	if err := c.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || len(c.Cluster.Hosts) != 2 || c.SessionTTL != 30*time.Minute {
		t.Errorf("env not applied: %+v", c)
	}
	if c.DataDir != ".data" {
		t.Errorf("default data dir lost: %q", c.DataDir)
	}
}

func TestValidateServe(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"缺数据库", func(c *Config) { c.DatabaseURL = "" }, "database_url"},
		{"缺NATS", func(c *Config) { c.NATSURL = "" }, "nats_url"},
		{"演示数据", func(c *Config) { c.Demo = true }, "demo"},
		{"缺身份认证", func(c *Config) { c.OIDC.ClientSecret = "" }, "oidc"},
		{"缺短信网关", func(c *Config) { c.SMS = SMS{} }, "sms"},
		{"短信网关缺密钥", func(c *Config) { c.SMS.AppSecret = "" }, "app_secret"},
		{"短信网关地址无效", func(c *Config) { c.SMS.Endpoint = "sms.example" }, "sms.endpoint"},
		{"缺审查部门", func(c *Config) { c.RecordCheck = RecordCheck{} }, "record_check"},
		{"审查部门缺密钥", func(c *Config) { c.RecordCheck.AppKey = "" }, "app_key"},
		{"审查部门地址无效", func(c *Config) { c.RecordCheck.Endpoint = "rc.example" }, "record_check.endpoint"},
		{"审查部门超时为负", func(c *Config) { c.RecordCheck.Timeout = -time.Second }, "record_check.timeout"},
		{"缺电子证照库", func(c *Config) { c.Elicense = Elicense{} }, "elicense"},
		{"电子证照库缺密钥", func(c *Config) { c.Elicense.AppSecret = "" }, "app_key and app_secret"},
		{"电子证照库地址无效", func(c *Config) { c.Elicense.Endpoint = "zzk.example" }, "elicense.endpoint"},
		{"电子证照库超时为负", func(c *Config) { c.Elicense.Timeout = -time.Second }, "elicense.timeout"},
		{"半套TLS", func(c *Config) { c.TLS.CertFile = "x.pem" }, "tls"},
		{"本地集群", func(c *Config) { c.Cluster.Provider = "local" }, "local"},
		{"未知集群", func(c *Config) { c.Cluster.Provider = "zk" }, "cluster.provider"},
		{"会话太短", func(c *Config) { c.SessionTTL = time.Second }, "session_ttl"},
		{"地图瓦片在别的站点", func(c *Config) { c.Web.MapTileURL = "https://tiles.example/{z}/{x}/{y}.png" }, "web.map_tile_url"},
		{"地图瓦片缺坐标", func(c *Config) { c.Web.MapTileURL = "/tiles/{z}.png" }, "web.map_tile_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default(ModeServe)
			c.DatabaseURL, c.NATSURL = "postgres://x/y", "nats://x"
			c.OIDC = OIDC{Issuer: "https://id", ClientID: "a", ClientSecret: "b"}
			c.SMS = SMS{Endpoint: "https://sms.example/v1/sms/send", AppKey: "a", AppSecret: "b"}
			c.RecordCheck = RecordCheck{Endpoint: "https://rc.example/v1/record-checks", AppKey: "a", AppSecret: "b"}
			c.Elicense = Elicense{Endpoint: "https://zzk.example/v1/licenses", AppKey: "a", AppSecret: "b"}
			c.Cluster.Hosts = []string{"a:1"}
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}
