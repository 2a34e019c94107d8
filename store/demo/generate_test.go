package demo

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"yima/services/identity/idnumber"
)

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a := generate(300, testNow)
	b := generate(300, testNow.Add(30*time.Minute)) // same hour after truncation
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations at the same hour differ")
	}
}

// The org tree and projects do not depend on the number of volunteers, and
// the first volunteers are the same whatever their number.
func TestGeneratePrefixStable(t *testing.T) {
	t.Parallel()
	small, large := generate(100, testNow), generate(400, testNow)
	for _, c := range []struct {
		name         string
		small, large any
	}{
		{"orgs", small.orgs, large.orgs},
		{"projects", small.projects, large.projects},
		{"positions", small.positions, large.positions},
		{"first persons", small.persons, large.persons[:len(small.persons)]},
		{"first volunteers", small.volunteers, large.volunteers[:len(small.volunteers)]},
	} {
		if !reflect.DeepEqual(c.small, c.large) {
			t.Errorf("%s differ between 100 and 400 volunteers", c.name)
		}
	}
}

func TestGenerateInvariants(t *testing.T) {
	t.Parallel()
	ds := generate(1000, testNow)
	now := testNow.Truncate(time.Hour)

	t.Run("unique ids", func(t *testing.T) {
		seen := map[uuid]string{}
		add := func(kind string, id uuid) {
			if prev, dup := seen[id]; dup {
				t.Errorf("%s id %x also used by %s", kind, id, prev)
			}
			seen[id] = kind
		}
		for _, o := range ds.orgs {
			add("org", o.id)
		}
		for _, p := range ds.persons {
			add("person", p.id)
		}
		for _, a := range ds.accounts {
			add("account", a.id)
		}
		for _, v := range ds.volunteers {
			add("volunteer", v.id)
		}
		for _, p := range ds.projects {
			add("project", p.id)
		}
		for _, p := range ds.positions {
			add("position", p.id)
		}
		for _, s := range ds.signUps {
			add("sign-up", s.id)
		}
	})

	t.Run("persons", func(t *testing.T) {
		ids, phones := map[string]bool{}, map[string]bool{}
		phone := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
		for _, p := range ds.persons {
			n, err := idnumber.ParseAt(p.idNumber, now)
			if err != nil {
				t.Errorf("%s: %v", p.name, err)
				continue
			}
			if _, ok := districtByCode(n.Region()); !ok {
				t.Errorf("%s: region %s is not a Shanghai district", p.name, n.Region())
			}
			if ids[p.idNumber] || phones[p.phone] {
				t.Errorf("%s: duplicate ID number or phone", p.name)
			}
			ids[p.idNumber], phones[p.phone] = true, true
			if !phone.MatchString(p.phone) {
				t.Errorf("%s: phone %q", p.name, p.phone)
			}
			if n := len([]rune(p.name)); n < 2 || n > 4 {
				t.Errorf("name %q has %d characters", p.name, n)
			}
		}
	})

	t.Run("quotas", func(t *testing.T) {
		hired := map[int]int{}
		live := map[[2]int]bool{}
		for _, s := range ds.signUps {
			if s.status == signUpHired {
				hired[s.position]++
			}
			k := [2]int{s.project, s.volunteer}
			if live[k] {
				t.Errorf("volunteer %d signed up twice for project %d", s.volunteer, s.project)
			}
			live[k] = true
		}
		for i, p := range ds.positions {
			if hired[i] > p.quota {
				t.Errorf("position %q of %q: %d hired, quota %d", p.name, ds.projects[p.project].title, hired[i], p.quota)
			}
		}
	})

	t.Run("titles unique", func(t *testing.T) {
		seen := map[string]bool{}
		for _, p := range ds.projects {
			if seen[p.title] {
				t.Errorf("title %q twice", p.title)
			}
			seen[p.title] = true
			if strings.Contains(p.title, "{") || strings.Contains(p.description, "{") || strings.Contains(p.address, "{") {
				t.Errorf("unexpanded placeholder in %q", p.title)
			}
		}
	})
}

func districtByCode(code string) (district, bool) {
	for _, d := range districts {
		if d.code == code {
			return d, true
		}
	}
	return district{}, false
}

func TestDistrictsTable(t *testing.T) {
	t.Parallel()
	want := idnumber.ShanghaiDistricts()
	if len(districts) != len(want) {
		t.Fatalf("%d districts, want %d", len(districts), len(want))
	}
	streets := map[string]bool{}
	for i, d := range districts {
		if d.code != want[i].Code || d.name != want[i].Name {
			t.Errorf("district %d = %s %s, want %s %s", i, d.code, d.name, want[i].Code, want[i].Name)
		}
		if n := len(d.streets); n < 3 || n > 6 {
			t.Errorf("%s has %d streets, want 3-6", d.name, n)
		}
		if !strings.HasPrefix(d.address, "上海市"+d.name) {
			t.Errorf("%s address %q", d.name, d.address)
		}
		for _, s := range d.streets {
			if !strings.HasSuffix(s.name, "街道") && !strings.HasSuffix(s.name, "镇") {
				t.Errorf("%s: %q is neither 街道 nor 镇", d.name, s.name)
			}
			if streets[s.name] {
				t.Errorf("street %s twice", s.name)
			}
			streets[s.name] = true
			// Every street office lies within 50 km of its district's seat
			// (崇明 is the widest district).
			if d2 := distance2(s.lat, s.lng, d.seat.lat, d.seat.lng); d2 > (50/111.32)*(50/111.32) {
				t.Errorf("%s %s is far from the district seat", d.name, s.name)
			}
		}
	}
}

func TestCitizens(t *testing.T) {
	t.Parallel()
	roles := map[string]bool{}
	for _, c := range Citizens() {
		t.Run(c.Role, func(t *testing.T) {
			if roles[c.Role] {
				t.Errorf("role %s twice", c.Role)
			}
			roles[c.Role] = true
			n, err := idnumber.Parse(c.IDNumber)
			if err != nil {
				t.Fatalf("ID number: %v", err)
			}
			if !strings.HasPrefix(n.Region(), "310") {
				t.Errorf("region %s is not in Shanghai", n.Region())
			}
			if len(c.Accounts) == 0 || c.Accounts[0].Kind != KindCitizen {
				t.Errorf("accounts %v do not start with the citizen account", c.Accounts)
			}
			if !regexp.MustCompile(`^1[3-9][0-9]{9}$`).MatchString(c.Phone) {
				t.Errorf("phone %q", c.Phone)
			}
		})
	}
	for _, r := range []string{RoleLeader, RoleVolunteer, RoleCitizen, RoleStreetLeader} {
		if !roles[r] {
			t.Errorf("no citizen with role %s", r)
		}
	}
}

func TestIDForIsVersion5(t *testing.T) {
	t.Parallel()
	u := idFor("org/310104")
	if u[6]>>4 != 5 || u[8]>>6 != 2 {
		t.Errorf("idFor = %x: not a version 5, RFC 4122 UUID", u)
	}
	if idFor("org/310104") != u || idFor("org/310105") == u {
		t.Error("idFor is not a function of its key")
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		generate(DefaultVolunteers, testNow)
	}
}
