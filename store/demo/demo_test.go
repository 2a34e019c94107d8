package demo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/services/identity/idnumber"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// testNow is the clock every test loads at: 10:27 in Shanghai, so the hour
// truncation matters.
var testNow = time.Date(2026, 5, 18, 10, 27, 13, 0, chinaTime)

// rootID is the root org the tests create, as the bootstrap would.
var rootID = pgtype.UUID{Bytes: [16]byte{0x5e, 0x1c, 0x00, 0x01, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}, Valid: true}

// testSealer stands in for sensitive.Box: the index is an HMAC-SHA256, the
// "ciphertext" the field and plaintext behind a prefix, so tests can read
// values back.
type testSealer struct{}

const sealPrefix = "sealed\x00"

func (testSealer) Seal(field, plaintext string) ([]byte, error) {
	return []byte(sealPrefix + field + "\x00" + plaintext), nil
}

func (testSealer) Index(field, plaintext string) []byte {
	m := hmac.New(sha256.New, []byte("demo test index key"))
	m.Write([]byte(field + "\x00" + plaintext))
	return m.Sum(nil)
}

// open reads back what testSealer sealed for field.
func open(t *testing.T, field string, ct []byte) string {
	t.Helper()
	rest, ok := bytes.CutPrefix(ct, []byte(sealPrefix+field+"\x00"))
	if !ok {
		t.Fatalf("value %q was not sealed for %s", ct, field)
	}
	return string(rest)
}

// mask keeps the first three and last four characters, like the sensitive
// package's masks.
func mask(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

func options(volunteers int) Options {
	return Options{Volunteers: volunteers, Now: testNow, Sealer: testSealer{}, MaskID: mask, MaskPhone: mask}
}

func schema() storetest.Schema {
	return storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}
}

// newDB returns a migrated database holding the root org.
func newDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := storetest.Open(t, schema())
	_, err := pool.Exec(t.Context(), `INSERT INTO org.org (id, parent_id, path, level, name, status)
		VALUES ($1, NULL, ARRAY[$1::uuid], 'city', '上海市志愿者协会', 'active')`, rootID)
	if err != nil {
		t.Fatalf("create root org: %v", err)
	}
	return pool
}

// load loads the demo and fails the test on error.
func load(t *testing.T, pool *pgxpool.Pool, opt Options) Summary {
	t.Helper()
	sum, err := Load(t.Context(), pool, opt)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sum
}

// queryInt runs a query returning one integer.
func queryInt(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestLoad(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	const n = DefaultVolunteers
	sum := load(t, pool, options(n))
	t.Logf("first load: %+v", sum)
	if !sum.Loaded {
		t.Fatal("first Load reported Loaded = false")
	}
	fixedVolunteers := 0
	for _, c := range Citizens() {
		if slices.Contains(c.Accounts, Account{Kind: KindVolunteer}) {
			fixedVolunteers++
		}
	}
	if got, want := sum.Volunteers, n+fixedVolunteers; got != want {
		t.Errorf("Volunteers = %d, want %d", got, want)
	}
	if got, want := sum.Projects, projectCount; got != want {
		t.Errorf("Projects = %d, want %d", got, want)
	}
	if sum.Streets < 3*16 || sum.Streets > 6*16 || sum.Communities == 0 {
		t.Errorf("Streets = %d, Communities = %d; want 48-96 streets and some communities", sum.Streets, sum.Communities)
	}

	t.Run("districts", func(t *testing.T) {
		rows, err := pool.Query(t.Context(), `SELECT district_code, name FROM org.org
			WHERE level = 'district' AND parent_id = $1 ORDER BY district_code`, rootID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[idnumber.District])
		if err != nil {
			t.Fatal(err)
		}
		var want []idnumber.District
		for _, d := range idnumber.ShanghaiDistricts() {
			want = append(want, idnumber.District{Code: d.Code, Name: d.Name + "志愿者协会"})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("districts = %v, want %v", got, want)
		}
	})

	t.Run("id numbers and phones", func(t *testing.T) {
		rows, err := pool.Query(t.Context(), `SELECT id_number_enc, id_number_idx, id_number_masked,
			phone_enc, phone_idx, phone_masked, birth_date FROM identity.person`)
		if err != nil {
			t.Fatal(err)
		}
		phone := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
		var count int
		var idEnc, idIdx, phoneEnc, phoneIdx []byte
		var idMasked, phoneMasked string
		var birth time.Time
		_, err = pgx.ForEachRow(rows, []any{&idEnc, &idIdx, &idMasked, &phoneEnc, &phoneIdx, &phoneMasked, &birth}, func() error {
			count++
			id := open(t, fieldIDNumber, idEnc)
			num, err := idnumber.ParseAt(id, testNow)
			if err != nil {
				return fmt.Errorf("id number %s: %w", mask(id), err)
			}
			if !strings.HasPrefix(num.Region(), "310") {
				return fmt.Errorf("id number %s: region %s is not in Shanghai", mask(id), num.Region())
			}
			if y := num.BirthDate().Year(); y < 1950 || y > 2006 {
				return fmt.Errorf("id number %s: born %d, want 1950-2006", mask(id), y)
			}
			if !num.BirthDate().Equal(time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, chinaTime)) {
				return fmt.Errorf("id number %s: birth_date %s disagrees", mask(id), birth.Format(time.DateOnly))
			}
			p := open(t, fieldPhone, phoneEnc)
			switch {
			case !phone.MatchString(p):
				return fmt.Errorf("phone %s is not a mainland mobile number", mask(p))
			case !bytes.Equal(idIdx, testSealer{}.Index(fieldIDNumber, id)) || !bytes.Equal(phoneIdx, testSealer{}.Index(fieldPhone, p)):
				return fmt.Errorf("person %s: blind index does not match", mask(id))
			case idMasked != mask(id) || phoneMasked != mask(p):
				return fmt.Errorf("person %s: masked forms %q, %q are wrong", mask(id), idMasked, phoneMasked)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if count != sum.Persons {
			t.Errorf("checked %d persons, Summary has %d", count, sum.Persons)
		}
	})

	// Each check counts violations of one invariant; all must be zero.
	checks := []struct {
		name string
		sql  string
	}{
		{"hired never exceeds quota", `SELECT count(*) FROM project.position p
			WHERE p.quota < (SELECT count(*) FROM project.sign_up s WHERE s.position_id = p.id AND s.status = 'hired')`},
		{"one sign-up per volunteer and project", `SELECT count(*) FROM (SELECT 1 FROM project.sign_up
			GROUP BY project_id, volunteer_id HAVING count(*) > 1) d`},
		{"sign-up position belongs to its project", `SELECT count(*) FROM project.sign_up s
			JOIN project.position p ON p.id = s.position_id WHERE p.project_id <> s.project_id`},
		{"no sign-ups on draft or pending projects", `SELECT count(*) FROM project.sign_up s
			JOIN project.project p ON p.id = s.project_id WHERE p.status IN ('draft', 'pending_review')`},
		{"nobody hired on two running projects", `SELECT count(*) FROM (SELECT s.volunteer_id FROM project.sign_up s
			JOIN project.project p ON p.id = s.project_id WHERE p.status = 'running' AND s.status = 'hired'
			GROUP BY s.volunteer_id HAVING count(*) > 1) d`},
		{"path is the parent's path and the id", `SELECT count(*) FROM org.org c JOIN org.org p ON p.id = c.parent_id
			WHERE c.path <> p.path || c.id`},
		{"levels nest", `SELECT count(*) FROM org.org c JOIN org.org p ON p.id = c.parent_id
			WHERE (c.level, p.level) NOT IN (('district', 'city'), ('street', 'district'), ('community', 'street'))`},
		{"every org active with one status change", `SELECT count(*) FROM org.org o WHERE o.parent_id IS NOT NULL
			AND (o.status <> 'active' OR (SELECT count(*) FROM org.status_change s
				WHERE s.org_id = o.id AND s.from_status IS NULL AND s.to_status = 'active' AND s.reason = '演示数据') <> 1)`},
		{"orgs and projects are in Shanghai", `SELECT count(*) FROM (SELECT lat, lng FROM org.org WHERE parent_id IS NOT NULL
			UNION ALL SELECT lat, lng FROM project.project UNION ALL SELECT lat, lng FROM volunteer.volunteer) x
			WHERE lat NOT BETWEEN 30.65 AND 31.9 OR lng NOT BETWEEN 120.85 AND 122.0`},
		{"communities within 1 km of their street", `SELECT count(*) FROM org.org c JOIN org.org s ON s.id = c.parent_id
			WHERE c.level = 'community' AND sqrt(power((c.lat - s.lat) * 111.32, 2)
				+ power((c.lng - s.lng) * 111.32 * cos(radians(s.lat)), 2)) > 1.0001`},
		{"district codes inherited", `SELECT count(*) FROM org.org c JOIN org.org d ON d.id = c.path[2]
			WHERE c.level IN ('street', 'community') AND c.district_code <> d.district_code`},
		{"volunteer numbers are SH and ten digits", `SELECT count(*) FROM volunteer.volunteer WHERE volunteer_no !~ '^SH[0-9]{10}$'`},
		{"every volunteer in 1-3 orgs", `SELECT count(*) FROM volunteer.volunteer v
			WHERE (SELECT count(*) FROM volunteer.membership m WHERE m.volunteer_id = v.id AND m.status = 'member') NOT BETWEEN 1 AND 3`},
		{"every volunteer has citizen and volunteer accounts", `SELECT count(*) FROM volunteer.volunteer v
			WHERE NOT EXISTS (SELECT 1 FROM identity.account a WHERE a.person_id = v.person_id AND a.kind = 'citizen')
			   OR NOT EXISTS (SELECT 1 FROM identity.account a WHERE a.person_id = v.person_id AND a.kind = 'volunteer')`},
		{"every district org has a leader", `SELECT count(*) FROM org.org o WHERE o.level = 'district'
			AND NOT EXISTS (SELECT 1 FROM identity.account a WHERE a.org_id = o.id AND a.kind = 'org_leader')`},
		{"admins hold a term that has begun and not ended", `SELECT count(*) FROM identity.account
			WHERE kind = 'org_admin' AND NOT (valid_from <= $1 AND valid_until > $1)`},
		{"running projects are on now", `SELECT count(*) FROM project.project
			WHERE status = 'running' AND NOT (start_time <= $1 AND end_time > $1)`},
		{"recruiting projects start in 1-14 days", `SELECT count(*) FROM project.project
			WHERE status = 'recruiting' AND start_time NOT BETWEEN $1 AND $1::timestamptz + interval '15 days'`},
		{"closed projects ended and were closed", `SELECT count(*) FROM project.project
			WHERE status = 'closed' AND (end_time > $1 OR closed_at IS NULL OR closed_at < end_time)`},
		{"categories from the fixed list", `SELECT count(*) FROM project.project
			WHERE NOT service_categories <@ ARRAY['社区服务','文明交通','环境保护','助老助残','文化教育','大型赛会','应急救援','医疗卫生']
			   OR cardinality(service_categories) = 0`},
		{"1-4 positions with quotas 5-50", `SELECT count(*) FROM project.project p
			WHERE (SELECT count(*) FROM project.position q WHERE q.project_id = p.id) NOT BETWEEN 1 AND 4
			   OR EXISTS (SELECT 1 FROM project.position q WHERE q.project_id = p.id AND q.quota NOT BETWEEN 5 AND 50)`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var args []any
			if strings.Contains(c.sql, "$1") {
				args = append(args, testNow.Truncate(time.Hour))
			}
			if got := queryInt(t, pool, c.sql, args...); got != 0 {
				t.Errorf("%d violations", got)
			}
		})
	}

	t.Run("statuses mixed", func(t *testing.T) {
		for _, c := range []struct {
			status   string
			min, max int
		}{
			{"recruiting", 50, 120},
			{"running", 40, 100},
			{"closed", 10, 50},
			{"draft", 1, 20},
			{"pending_review", 1, 20},
		} {
			got := queryInt(t, pool, `SELECT count(*) FROM project.project WHERE status = $1`, c.status)
			if got < c.min || got > c.max {
				t.Errorf("%s projects: %d, want %d-%d", c.status, got, c.min, c.max)
			}
		}
		if got := queryInt(t, pool, `SELECT count(*) FROM project.sign_up WHERE status = 'hired'`); got*2 < sum.SignUps {
			t.Errorf("%d of %d sign-ups hired, want most", got, sum.SignUps)
		}
	})

	t.Run("closed projects served", func(t *testing.T) {
		// Every service record comes from its closed session, with the same
		// times, on a closed project the volunteer was hired on.
		records := queryInt(t, pool, `SELECT count(*) FROM record.service_record`)
		matched := queryInt(t, pool, `SELECT count(*) FROM record.service_record r
			JOIN checkin.session s ON s.id = r.session_id AND s.status = 'closed'
				AND s.started_at = r.started_at AND s.ended_at = r.ended_at AND s.duration_seconds = r.duration_seconds
			JOIN project.project p ON p.id = r.project_id AND p.status = 'closed'
			JOIN project.sign_up u ON u.project_id = r.project_id AND u.volunteer_id = r.volunteer_id AND u.status = 'hired'`)
		if records < 100 || matched != records {
			t.Errorf("%d service records, %d matching their sessions and hires; want ≥ 100, all matching", records, matched)
		}
		featured := queryInt(t, pool, `SELECT count(*) FROM record.service_record r JOIN project.project p ON p.id = r.project_id
			WHERE p.status = 'closed' AND p.org_id = (SELECT id FROM org.org WHERE name = $1) AND r.duration_seconds > 7200`, OrgXujiahui)
		if featured < 2 {
			t.Errorf("%s's closed projects have %d records over 2 h, want the featured project's roster", OrgXujiahui, featured)
		}
	})

	t.Run("second load is a no-op", func(t *testing.T) {
		before := checksum(t, pool)
		again := load(t, pool, options(n))
		t.Logf("second load: %v", again.Elapsed)
		if again.Loaded {
			t.Error("second Load reported Loaded = true")
		}
		sum.Loaded, sum.Elapsed, again.Elapsed = false, 0, 0
		if again != sum {
			t.Errorf("second Load = %+v, want %+v", again, sum)
		}
		if after := checksum(t, pool); after != before {
			t.Error("second Load changed the data")
		}
	})
}

func TestFixedCitizens(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	load(t, pool, options(50))
	for _, c := range Citizens() {
		t.Run(c.Role, func(t *testing.T) {
			var person pgtype.UUID
			var name, phoneMasked string
			err := pool.QueryRow(t.Context(), `SELECT id, name, phone_masked FROM identity.person WHERE id_number_idx = $1`,
				testSealer{}.Index(fieldIDNumber, c.IDNumber)).Scan(&person, &name, &phoneMasked)
			if err != nil {
				t.Fatalf("find person by ID number: %v", err)
			}
			if name != c.Name || phoneMasked != mask(c.Phone) {
				t.Errorf("person = %s %s, want %s %s", name, phoneMasked, c.Name, mask(c.Phone))
			}
			rows, err := pool.Query(t.Context(), `SELECT a.kind, coalesce(o.name, '') FROM identity.account a
				LEFT JOIN org.org o ON o.id = a.org_id WHERE a.person_id = $1 ORDER BY a.kind, o.name`, person)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Account])
			if err != nil {
				t.Fatal(err)
			}
			want := slices.SortedFunc(slices.Values(c.Accounts), func(a, b Account) int {
				return strings.Compare(a.Kind+"\x00"+a.OrgName, b.Kind+"\x00"+b.OrgName)
			})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("accounts = %v, want %v", got, want)
			}
		})
	}

	t.Run("volunteer hired on a running project of the street leader's org", func(t *testing.T) {
		got := queryInt(t, pool, `SELECT count(*) FROM project.sign_up s
			JOIN project.project p ON p.id = s.project_id
			JOIN org.org o ON o.id = p.org_id
			JOIN volunteer.volunteer v ON v.id = s.volunteer_id
			JOIN identity.person pe ON pe.id = v.person_id
			WHERE pe.name = '李晓梅' AND s.status = 'hired' AND p.status = 'running'
			  AND o.name = $1 AND p.start_time <= $2 AND p.end_time > $2`, OrgXujiahui, testNow)
		if got != 1 {
			t.Errorf("李晓梅 is hired on %d running projects of %s, want 1", got, OrgXujiahui)
		}
	})
	t.Run("street project waiting for the district leader's review", func(t *testing.T) {
		got := queryInt(t, pool, `SELECT count(*) FROM project.project p JOIN org.org o ON o.id = p.org_id
			JOIN org.org d ON d.id = o.parent_id WHERE p.status = 'pending_review' AND d.name = $1`, OrgXuhui)
		if got == 0 {
			t.Errorf("no pending_review project under %s", OrgXuhui)
		}
	})
}

// checksum digests the demo's rows (ids, names, the values that matter), not
// the ciphertexts.
func checksum(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var sum string
	err := pool.QueryRow(t.Context(), `SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
		SELECT concat_ws(',', 'o', id, name, path, level, lat, lng, district_code, service_categories, contact_name, contact_phone_masked, founded_on, address) FROM org.org
		UNION ALL SELECT concat_ws(',', 's', org_id, from_status, to_status, reason, extract(epoch FROM at)) FROM org.status_change
		UNION ALL SELECT concat_ws(',', 'l', org_id, hash) FROM org.logo
		UNION ALL SELECT concat_ws(',', 'p', id, name, encode(id_number_idx, 'hex'), id_number_masked, encode(phone_idx, 'hex'), birth_date) FROM identity.person
		UNION ALL SELECT concat_ws(',', 'a', id, person_id, kind, org_id, extract(epoch FROM valid_from), extract(epoch FROM valid_until)) FROM identity.account
		UNION ALL SELECT concat_ws(',', 'v', id, person_id, volunteer_no, political_status, service_categories, district_code, lat, lng, extract(epoch FROM registered_at)) FROM volunteer.volunteer
		UNION ALL SELECT concat_ws(',', 'm', org_id, volunteer_id, status, extract(epoch FROM joined_at)) FROM volunteer.membership
		UNION ALL SELECT concat_ws(',', 'j', id, org_id, title, status, extract(epoch FROM start_time), extract(epoch FROM end_time), address, lat, lng) FROM project.project
		UNION ALL SELECT concat_ws(',', 'q', id, project_id, name, quota, sign_in_methods) FROM project.position
		UNION ALL SELECT concat_ws(',', 'u', id, project_id, position_id, volunteer_id, status, extract(epoch FROM created_at)) FROM project.sign_up
	) t(x)`).Scan(&sum)
	if err != nil {
		t.Fatalf("checksum: %v", err)
	}
	return sum
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, b := newDB(t), newDB(t)
	load(t, a, options(500))
	opt := options(500)
	opt.Now = testNow.Add(20 * time.Minute) // same hour
	load(t, b, opt)
	if ca, cb := checksum(t, a), checksum(t, b); ca != cb {
		t.Errorf("two loads differ: checksums %s and %s", ca, cb)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(t *testing.T, pool *pgxpool.Pool)
		opt     func(*Options)
		want    error  // matched with errors.Is when set
		wantMsg string // else a substring of the message
	}{
		{
			name:  "无根组织",
			setup: func(t *testing.T, pool *pgxpool.Pool) {},
			want:  ErrNoRoot,
		},
		{
			name: "部分存在",
			setup: func(t *testing.T, pool *pgxpool.Pool) {
				createRoot(t, pool)
				id := pgID(idFor("org/310101"))
				_, err := pool.Exec(t.Context(), `INSERT INTO org.org (id, parent_id, path, level, name, status)
					VALUES ($1, $2, ARRAY[$2::uuid, $1::uuid], 'district', '黄浦区志愿者协会', 'active')`, id, rootID)
				if err != nil {
					t.Fatal(err)
				}
			},
			want: ErrPartial,
		},
		{
			name:    "缺少Sealer",
			setup:   createRoot,
			opt:     func(o *Options) { o.Sealer = nil },
			wantMsg: "Sealer is required",
		},
		{
			name:    "缺少掩码函数",
			setup:   createRoot,
			opt:     func(o *Options) { o.MaskPhone = nil },
			wantMsg: "MaskPhone are required",
		},
		{
			name:    "志愿者数为负",
			setup:   createRoot,
			opt:     func(o *Options) { o.Volunteers = -1 },
			wantMsg: "Volunteers is -1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := storetest.Open(t, schema())
			tt.setup(t, pool)
			opt := options(10)
			if tt.opt != nil {
				tt.opt(&opt)
			}
			_, err := Load(t.Context(), pool, opt)
			switch {
			case err == nil:
				t.Fatal("Load succeeded, want an error")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("Load error = %v, want %v", err, tt.want)
			case tt.want == nil && !strings.Contains(err.Error(), tt.wantMsg):
				t.Errorf("Load error = %v, want it to mention %q", err, tt.wantMsg)
			}
			if got := queryInt(t, pool, `SELECT count(*) FROM identity.person`); got != 0 {
				t.Errorf("a failed Load left %d persons", got)
			}
		})
	}
}

func createRoot(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	_, err := pool.Exec(t.Context(), `INSERT INTO org.org (id, parent_id, path, level, name, status)
		VALUES ($1, NULL, ARRAY[$1::uuid], 'city', '上海市志愿者协会', 'active')`, rootID)
	if err != nil {
		t.Fatalf("create root org: %v", err)
	}
}

// A fixed citizen who signed in (and registered) before the demo was loaded
// keeps their person row; the demo attaches its accounts and roster to it.
func TestLoadKeepsExistingPerson(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	c := Citizens()[0]
	ctx := t.Context()
	var person, volunteer pgtype.UUID
	err := pool.QueryRow(ctx, `INSERT INTO identity.person (name, id_number_idx) VALUES ($1, $2) RETURNING id`,
		c.Name, testSealer{}.Index(fieldIDNumber, c.IDNumber)).Scan(&person)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO identity.account (person_id, kind) VALUES ($1, 'citizen'), ($1, 'volunteer')`, person); err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, 'SH0000000001') RETURNING id`, person).Scan(&volunteer)
	if err != nil {
		t.Fatal(err)
	}

	load(t, pool, options(20))

	if got := queryInt(t, pool, `SELECT count(*) FROM identity.account WHERE person_id = $1`, person); got != len(c.Accounts) {
		t.Errorf("existing person has %d accounts, want %d", got, len(c.Accounts))
	}
	if got := queryInt(t, pool, `SELECT count(*) FROM project.sign_up WHERE volunteer_id = $1 AND status = 'hired'`, volunteer); got != 1 {
		t.Errorf("existing volunteer is hired on %d projects, want 1", got)
	}
	if got := queryInt(t, pool, `SELECT count(*) FROM volunteer.volunteer WHERE person_id = $1`, person); got != 1 {
		t.Errorf("existing person has %d volunteer rows, want 1", got)
	}
}

func TestConcurrentLoads(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	errs := make(chan error, 2)
	loaded := make(chan bool, 2)
	for range 2 {
		go func() {
			sum, err := Load(context.WithoutCancel(t.Context()), pool, options(100))
			errs <- err
			loaded <- sum.Loaded
		}()
	}
	n := 0
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Load: %v", err)
		}
		if <-loaded {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of 2 concurrent loads wrote the data, want 1", n)
	}
}
