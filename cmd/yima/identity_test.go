package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"yima/keyring"
	"yima/natsbus"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/services/identity/idnumber"
	"yima/store/storetest"
)

// citizens makes valid, deterministic ID numbers of Shanghai districts.
type citizens struct{ r *rand.Rand }

func newCitizens(seed uint64) *citizens { return &citizens{r: rand.New(rand.NewPCG(seed, 11643))} }

// next returns a valid number of a current Shanghai district.
func (c *citizens) next() string {
	ds := idnumber.ShanghaiDistricts()
	return c.with(ds[c.r.IntN(len(ds))].Code, time.Date(1960+c.r.IntN(45), time.Month(1+c.r.IntN(12)), 1+c.r.IntN(28), 0, 0, 0, 0, time.UTC))
}

// with returns a number with a correct check digit for region and birth,
// whether or not those are valid.
func (c *citizens) with(region string, birth time.Time) string {
	return idnumber.Generate(c.r, region, birth, c.r.IntN(2) == 0)
}

// rootOrg returns the id of the city root org.
func rootOrg(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(t.Context(), `SELECT id FROM org.org WHERE parent_id IS NULL`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// TestDevLogin runs the sign-in cases of ARCHITECTURE §10 row 1 through
// both the Connect and the gRPC protocol.
func TestDevLogin(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	ids := newCitizens(1)
	valid := ids.next()
	wrongCheck := valid[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", valid[17])+1)%11])
	cases := []struct {
		name       string
		req        *identityv1.DevLoginRequest
		wantCode   connect.Code
		wantReason string
	}{
		{"有效身份证", &identityv1.DevLoginRequest{IdNumber: valid, Name: "张三"}, 0, ""},
		{"已撤销的卢湾区代码", &identityv1.DevLoginRequest{IdNumber: ids.with("310103", time.Date(1975, 3, 9, 0, 0, 0, 0, time.UTC)), Name: "李四"}, 0, ""},
		{"小写x校验位", &identityv1.DevLoginRequest{IdNumber: lowerX(t, ids), Name: "王五"}, 0, ""},
		{"后台admin", &identityv1.DevLoginRequest{Username: "admin"}, 0, ""},
		{"校验位错误", &identityv1.DevLoginRequest{IdNumber: wrongCheck, Name: "张三"}, connect.CodeInvalidArgument, idnumber.ReasonChecksum},
		{"出生日期在未来", &identityv1.DevLoginRequest{IdNumber: ids.with("310104", time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)), Name: "张三"}, connect.CodeInvalidArgument, idnumber.ReasonBirthDate},
		{"出生早于1900", &identityv1.DevLoginRequest{IdNumber: ids.with("310104", time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)), Name: "张三"}, connect.CodeInvalidArgument, idnumber.ReasonBirthDate},
		{"地区代码不存在", &identityv1.DevLoginRequest{IdNumber: ids.with("999999", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)), Name: "张三"}, connect.CodeInvalidArgument, idnumber.ReasonRegion},
		{"17位", &identityv1.DevLoginRequest{IdNumber: valid[:17], Name: "张三"}, connect.CodeInvalidArgument, idnumber.ReasonFormat},
		{"含字母", &identityv1.DevLoginRequest{IdNumber: "31010A199001011234", Name: "张三"}, connect.CodeInvalidArgument, idnumber.ReasonFormat},
		{"缺姓名", &identityv1.DevLoginRequest{IdNumber: valid}, connect.CodeInvalidArgument, "NAME_REQUIRED"},
		{"未知用户名", &identityv1.DevLoginRequest{Username: "nobody"}, connect.CodeInvalidArgument, "USERNAME_UNKNOWN"},
		{"身份证和用户名同时提供", &identityv1.DevLoginRequest{IdNumber: valid, Name: "张三", Username: "admin"}, connect.CodeInvalidArgument, "LOGIN_KIND_INVALID"},
		{"都不提供", &identityv1.DevLoginRequest{}, connect.CodeInvalidArgument, "LOGIN_KIND_INVALID"},
	}
	for _, p := range []struct {
		name string
		api  api
	}{{"connect", s.api("")}, {"grpc", s.grpcAPI(t, "")}} {
		t.Run(p.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					res, err := p.api.identity.DevLogin(t.Context(), connect.NewRequest(tc.req))
					checkErr(t, "DevLogin", err, tc.wantCode, tc.wantReason)
					if err == nil && res.Msg.Token == "" {
						t.Error("DevLogin returned no token")
					}
				})
			}
		})
	}
}

// lowerX returns a valid number whose check character is X, written as a
// lowercase x as some keyboards type it.
func lowerX(t testing.TB, ids *citizens) string {
	for range 1000 {
		if n := ids.next(); n[17] == 'X' {
			return n[:17] + "x"
		}
	}
	t.Fatal("no number with check character X in 1000 tries")
	return ""
}

// TestCitizenAndStaffIdentity covers who a token says the caller is: the
// masked ID number, the accounts, the admin's org, the same person across
// sign-ins, and tokens that must not work.
func TestCitizenAndStaffIdentity(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	pool := s.pool(t)
	anon := s.api("")
	ids := newCitizens(2)
	idNumber := ids.next()

	t.Run("登录选项无需令牌", func(t *testing.T) {
		res, err := anon.identity.GetLoginOptions(t.Context(), connect.NewRequest(&identityv1.GetLoginOptionsRequest{}))
		checkErr(t, "GetLoginOptions", err, 0, "")
		if !res.Msg.DevLogin || !slices.Contains(res.Msg.DemoUsernames, "admin") || res.Msg.LoginUrl == "" {
			t.Errorf("GetLoginOptions = %v, want dev_login, admin among demo usernames and a login URL", res.Msg)
		}
	})

	var personID string
	t.Run("市民", func(t *testing.T) {
		tok := anon.login(t, &identityv1.DevLoginRequest{IdNumber: idNumber, Name: "陈静"})
		c := s.api(tok)
		me := c.me(t)
		if got, want := me.Person.IdNumberMasked, idnumber.Mask(idNumber); got != want || !strings.Contains(got, "*") {
			t.Errorf("masked ID number = %q, want %q", got, want)
		}
		if me.Person.Name != "陈静" || me.Account.Kind != identityv1.AccountKind_ACCOUNT_KIND_CITIZEN || !me.Account.Active {
			t.Errorf("GetMe = %v, want the active citizen account of 陈静", me)
		}
		accts, err := c.identity.ListAccounts(t.Context(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
		checkErr(t, "ListAccounts", err, 0, "")
		if len(accts.Msg.Accounts) != 1 || accts.Msg.Accounts[0].Kind != identityv1.AccountKind_ACCOUNT_KIND_CITIZEN ||
			accts.Msg.Accounts[0].Id != me.Account.Id || !accts.Msg.Accounts[0].Active || accts.Msg.Accounts[0].OrgId != "" {
			t.Errorf("ListAccounts = %v, want one active citizen account", accts.Msg.Accounts)
		}
		// The full number appears in no answer, in any encoding.
		for _, m := range []proto.Message{me, accts.Msg} {
			js, _ := protojson.Marshal(m)
			bin, _ := proto.Marshal(m)
			if bytes.Contains(js, []byte(idNumber)) || bytes.Contains(bin, []byte(idNumber)) {
				t.Errorf("%T carries the full ID number: %s", m, js)
			}
		}
		personID = me.Person.Id

		// A second sign-in, even with the number typed in lowercase or
		// with spaces, is the same person.
		again := s.api(anon.login(t, &identityv1.DevLoginRequest{IdNumber: " " + strings.ToLower(idNumber) + " ", Name: "陈静"}))
		if got := again.me(t).Person.Id; got != personID {
			t.Errorf("second sign-in person = %s, want %s", got, personID)
		}
		var n int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM identity.account WHERE person_id = $1`, personID).Scan(&n); err != nil || n != 1 {
			t.Errorf("accounts of the person = %d (%v), want 1", n, err)
		}
	})

	t.Run("admin属于根组织", func(t *testing.T) {
		c := s.api(anon.login(t, &identityv1.DevLoginRequest{Username: "admin"}))
		me := c.me(t)
		root := rootOrg(t, pool)
		if me.Account.Kind != identityv1.AccountKind_ACCOUNT_KIND_STAFF || me.Account.OrgId != root {
			t.Errorf("admin account = %v, want a staff account of the root org %s", me.Account, root)
		}
		if !slices.Contains(me.Permissions, "*:*:*") {
			t.Errorf("admin permissions = %v, want *:*:*", me.Permissions)
		}
		accts, err := c.identity.ListAccounts(t.Context(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
		checkErr(t, "ListAccounts", err, 0, "")
		if len(accts.Msg.Accounts) != 1 || accts.Msg.Accounts[0].OrgId != root {
			t.Errorf("admin ListAccounts = %v, want one account of the root org", accts.Msg.Accounts)
		}
	})

	t.Run("令牌", func(t *testing.T) {
		tok := anon.login(t, &identityv1.DevLoginRequest{IdNumber: idNumber, Name: "陈静"})
		cases := []struct {
			name       string
			api        api
			wantCode   connect.Code
			wantReason string
		}{
			{"无令牌", s.api(""), connect.CodeUnauthenticated, "TOKEN_MISSING"},
			{"乱码令牌", s.api("garbage"), connect.CodeUnauthenticated, "TOKEN_INVALID"},
			{"篡改令牌", s.api(tok[:len(tok)-2] + flip(tok[len(tok)-2:])), connect.CodeUnauthenticated, "TOKEN_INVALID"},
			{"有效令牌", s.api(tok), 0, ""},
			{"gRPC无令牌", s.grpcAPI(t, ""), connect.CodeUnauthenticated, "TOKEN_MISSING"},
			{"gRPC有效令牌", s.grpcAPI(t, tok), 0, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.api.identity.GetMe(t.Context(), connect.NewRequest(&identityv1.GetMeRequest{}))
				checkErr(t, "GetMe", err, tc.wantCode, tc.wantReason)
			})
		}

		c := s.api(tok)
		_, err := c.identity.Logout(t.Context(), connect.NewRequest(&identityv1.LogoutRequest{}))
		checkErr(t, "Logout", err, 0, "")
		for _, call := range []struct {
			name string
			err  func() error
		}{
			{"GetMe", func() error {
				_, err := c.identity.GetMe(t.Context(), connect.NewRequest(&identityv1.GetMeRequest{}))
				return err
			}},
			{"ListAccounts", func() error {
				_, err := c.identity.ListAccounts(t.Context(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
				return err
			}},
			{"Logout again", func() error {
				_, err := c.identity.Logout(t.Context(), connect.NewRequest(&identityv1.LogoutRequest{}))
				return err
			}},
		} {
			checkErr(t, call.name+" after logout", call.err(), connect.CodeUnauthenticated, "TOKEN_REVOKED")
		}
		// A stale token does not block a public call.
		_, err = c.identity.GetLoginOptions(t.Context(), connect.NewRequest(&identityv1.GetLoginOptionsRequest{}))
		checkErr(t, "GetLoginOptions with a revoked token", err, 0, "")
		// Other sessions of the person are untouched.
		if got := s.api(anon.login(t, &identityv1.DevLoginRequest{IdNumber: idNumber, Name: "陈静"})).me(t).Person.Id; got != personID {
			t.Errorf("sign-in after logout person = %s, want %s", got, personID)
		}
	})
}

// flip changes a token's characters so that it no longer verifies but still
// looks like a token.
func flip(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

// TestSwitchAccount covers ARCHITECTURE §10 row 2: a person's accounts, a
// switch to each, someone else's account, and org admin validity.
func TestSwitchAccount(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	pool := s.pool(t)
	anon := s.api("")
	ids := newCitizens(3)
	root := rootOrg(t, pool)

	alice := s.api(anon.login(t, &identityv1.DevLoginRequest{IdNumber: ids.next(), Name: "刘芳"}))
	aliceMe := alice.me(t)
	bob := s.api(anon.login(t, &identityv1.DevLoginRequest{IdNumber: ids.next(), Name: "赵强"}))
	bobMe := bob.me(t)

	insertAccount := func(t *testing.T, sql string, args ...any) string {
		t.Helper()
		var id uuid.UUID
		if err := pool.QueryRow(t.Context(), sql, args...).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id.String()
	}
	if _, err := pool.Exec(t.Context(), `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, 'V-TEST-0001')`, aliceMe.Person.Id); err != nil {
		t.Fatal(err)
	}
	volunteer := insertAccount(t, `INSERT INTO identity.account (person_id, kind) VALUES ($1, 'volunteer') RETURNING id`, aliceMe.Person.Id)
	leader := insertAccount(t, `INSERT INTO identity.account (person_id, kind, org_id) VALUES ($1, 'org_leader', $2) RETURNING id`, aliceMe.Person.Id, root)
	expired := insertAccount(t, `INSERT INTO identity.account (person_id, kind, org_id, valid_from, valid_until)
		VALUES ($1, 'org_admin', $2, now() - interval '30 days', now() - interval '1 hour') RETURNING id`, aliceMe.Person.Id, root)

	t.Run("账号列表", func(t *testing.T) {
		res, err := alice.identity.ListAccounts(t.Context(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
		checkErr(t, "ListAccounts", err, 0, "")
		got := map[identityv1.AccountKind]*identityv1.Account{}
		for _, a := range res.Msg.Accounts {
			got[a.Kind] = a
		}
		if a := got[identityv1.AccountKind_ACCOUNT_KIND_CITIZEN]; a == nil || !a.Active || a.Id != aliceMe.Account.Id {
			t.Errorf("citizen account = %v, want the active one %s", a, aliceMe.Account.Id)
		}
		if a := got[identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER]; a == nil || a.Active || a.Id != volunteer {
			t.Errorf("volunteer account = %v, want %s, not active", a, volunteer)
		}
		if a := got[identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER]; a == nil || a.Id != leader || a.OrgId != root || !strings.Contains(a.DisplayName, "负责人") {
			t.Errorf("org leader account = %v, want %s of the root org", a, leader)
		}
	})

	for _, tc := range []struct {
		name    string
		account string
		kind    identityv1.AccountKind
		org     string
	}{
		{"切换为志愿者", volunteer, identityv1.AccountKind_ACCOUNT_KIND_VOLUNTEER, ""},
		{"切换为组织负责人", leader, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, root},
		{"切换回市民", aliceMe.Account.Id, identityv1.AccountKind_ACCOUNT_KIND_CITIZEN, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := alice.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: tc.account}))
			checkErr(t, "SwitchAccount", err, 0, "")
			if res.Msg.Account.Id != tc.account || res.Msg.Account.Kind != tc.kind || !res.Msg.Account.Active {
				t.Errorf("SwitchAccount account = %v, want active %v %s", res.Msg.Account, tc.kind, tc.account)
			}
			c := s.api(res.Msg.Token)
			me := c.me(t)
			if me.Person.Id != aliceMe.Person.Id || me.Account.Id != tc.account || me.Account.Kind != tc.kind || me.Account.OrgId != tc.org {
				t.Errorf("GetMe after switch = %v, want person %s acting as %v %s (org %q)", me, aliceMe.Person.Id, tc.kind, tc.account, tc.org)
			}
			accts, err := c.identity.ListAccounts(t.Context(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
			checkErr(t, "ListAccounts", err, 0, "")
			var active []string
			for _, a := range accts.Msg.Accounts {
				if a.Active {
					active = append(active, a.Id)
				}
			}
			if !slices.Equal(active, []string{tc.account}) {
				t.Errorf("active accounts = %v, want only %s", active, tc.account)
			}
		})
	}

	t.Run("切换失败", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			account    string
			wantCode   connect.Code
			wantReason string
		}{
			{"他人的账号", bobMe.Account.Id, connect.CodeNotFound, "ACCOUNT_NOT_FOUND"},
			{"不存在的账号", uuid.NewString(), connect.CodeNotFound, "ACCOUNT_NOT_FOUND"},
			{"过期的组织管理员", expired, connect.CodeFailedPrecondition, "ACCOUNT_EXPIRED"},
			{"格式错误", "not-a-uuid", connect.CodeInvalidArgument, "ID_INVALID"},
			{"空", "", connect.CodeInvalidArgument, "ID_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := alice.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: tc.account}))
				checkErr(t, "SwitchAccount", err, tc.wantCode, tc.wantReason)
			})
		}
		// Bob cannot take Alice's volunteer account either.
		_, err := bob.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: volunteer}))
		checkErr(t, "Bob switching to Alice's account", err, connect.CodeNotFound, "ACCOUNT_NOT_FOUND")
	})

	t.Run("组织管理员授权到期后令牌失效", func(t *testing.T) {
		admin := insertAccount(t, `INSERT INTO identity.account (person_id, kind, org_id, valid_from, valid_until)
			VALUES ($1, 'org_admin', $2, now() - interval '1 day', now() + interval '2 seconds') RETURNING id`, bobMe.Person.Id, root)
		res, err := bob.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: admin}))
		checkErr(t, "SwitchAccount while valid", err, 0, "")
		if res.Msg.Account.ValidUntil == nil || res.Msg.ExpiresAt.AsTime().After(res.Msg.Account.ValidUntil.AsTime()) {
			t.Errorf("token expires %v after the delegation ends %v", res.Msg.ExpiresAt.AsTime(), res.Msg.Account.ValidUntil)
		}
		c := s.api(res.Msg.Token)
		eventually(t, 15*time.Second, func() error {
			_, err := c.identity.GetMe(t.Context(), connect.NewRequest(&identityv1.GetMeRequest{}))
			if err == nil {
				return errors.New("GetMe still works")
			}
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Fatalf("GetMe after expiry: %v, want unauthenticated", err)
			}
			return nil
		})
		_, err = bob.identity.SwitchAccount(t.Context(), connect.NewRequest(&identityv1.SwitchAccountRequest{AccountId: admin}))
		checkErr(t, "SwitchAccount after expiry", err, connect.CodeFailedPrecondition, "ACCOUNT_EXPIRED")
		// Bob's citizen token is unaffected.
		if got := bob.me(t).Account.Id; got != bobMe.Account.Id {
			t.Errorf("Bob's citizen token acts as %s, want %s", got, bobMe.Account.Id)
		}
	})
}

// TestServeConfiguration checks that `yima serve` refuses what only dev may
// use: missing external services and identity provider, demo data, and dev
// keys.
func TestServeConfiguration(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	full := map[string]string{
		"YIMA_DATABASE_URL":            "postgres://yima@127.0.0.1:1/yima",
		"YIMA_NATS_URL":                "nats://127.0.0.1:1",
		"YIMA_OIDC_ISSUER":             "https://id.example.gov.cn",
		"YIMA_OIDC_CLIENT_ID":          "yima",
		"YIMA_OIDC_CLIENT_SECRET":      "secret",
		"YIMA_SMS_ENDPOINT":            "https://sms.example.gov.cn/v1/sms/send",
		"YIMA_SMS_APP_KEY":             "yima",
		"YIMA_SMS_APP_SECRET":          "secret",
		"YIMA_RECORD_CHECK_ENDPOINT":   "https://rc.example.gov.cn/v1/record-checks",
		"YIMA_RECORD_CHECK_APP_KEY":    "yima",
		"YIMA_RECORD_CHECK_APP_SECRET": "secret",
		"YIMA_ELICENSE_ENDPOINT":       "https://zzk.example.gov.cn/v1/licenses",
		"YIMA_ELICENSE_APP_KEY":        "yima",
		"YIMA_ELICENSE_APP_SECRET":     "secret",
	}
	without := func(keys ...string) map[string]string {
		out := map[string]string{}
		for k, v := range full {
			if !slices.Contains(keys, k) {
				out[k] = v
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // substrings of the error; none means no error
	}{
		{"全部缺失", nil, nil, []string{"database_url", "nats_url", "oidc"}},
		{"缺数据库", without("YIMA_DATABASE_URL"), nil, []string{"database_url"}},
		{"缺NATS", without("YIMA_NATS_URL"), nil, []string{"nats_url"}},
		{"缺OIDC密钥", without("YIMA_OIDC_CLIENT_SECRET"), nil, []string{"oidc"}},
		{"缺短信网关", without("YIMA_SMS_ENDPOINT"), nil, []string{"sms"}},
		{"缺审查部门", without("YIMA_RECORD_CHECK_ENDPOINT"), nil, []string{"record_check"}},
		{"缺电子证照库", without("YIMA_ELICENSE_APP_SECRET"), nil, []string{"elicense"}},
		{"拒绝演示数据", full, []string{"--demo"}, []string{"demo"}},
		{"拒绝本地集群", full, []string{"--config", writeFile(t, "cluster:\n  provider: local\n")}, []string{"cluster.provider local"}},
		{"完整配置", full, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain(io.Discard, io.Discard, env(tc.env))
			err := m.ParseFlags("serve", tc.args)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("ParseFlags: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseFlags succeeded, want an error naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseFlags error %q does not name %q", err, w)
				}
			}
		})
	}

	t.Run("拒绝开发密钥", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := keyring.LoadOrCreateDev(dir); err != nil {
			t.Fatal(err)
		}
		bus, err := natsbus.Embedded("", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(bus.Close)
		vars := without() // a copy
		vars["YIMA_DATABASE_URL"] = storetest.NewDatabase(t, schema)
		vars["YIMA_NATS_URL"] = bus.URL()
		vars["YIMA_KEYS_FILE"] = filepath.Join(dir, keyring.FileName)
		logs := &syncBuffer{}
		m := NewMain(logs, logs, env(vars))
		if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:0"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		err = m.Run(ctx)
		if cerr := m.Close(); cerr != nil {
			t.Errorf("Close: %v", cerr)
		}
		if !errors.Is(err, keyring.ErrDevKeys) {
			t.Fatalf("serve with dev keys: Run = %v, want keyring.ErrDevKeys\n%s", err, logs.String())
		}
	})
}

// writeFile writes content to a new file and returns its path.
func writeFile(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "yima.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
