package codes

import (
	"errors"
	"strings"
	"testing"
)

func fuzzSeeds(tb testing.TB) (c *Codes, volunteer, project, org string) {
	c = FixtureCodes(tb)
	volunteer, _ = c.Issue(Volunteer1, 7, T0)
	project, err := c.IssueProjectCode(Project1)
	if err != nil {
		tb.Fatal(err)
	}
	org, err = c.IssueOrgCode(Org1)
	if err != nil {
		tb.Fatal(err)
	}
	return c, volunteer, project, org
}

// Parse is total, and whatever it accepts has exactly one spelling: the
// body re-encodes to the input.
func FuzzParse(f *testing.F) {
	_, volunteer, project, org := fuzzSeeds(f)
	for _, s := range []string{
		volunteer, project, org, "", "YV1.", "YP1.", "yv1." + volunteer[4:], volunteer[:59] + "B",
		project[:133] + "R", "\x00\xff", strings.Repeat(".", 60), strings.Repeat("A", 134),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, err := Parse(s)
		if err != nil {
			if kind != KindUnknown || !errors.Is(err, ErrInvalid) || Reason(err) != ReasonInvalid {
				t.Fatalf("Parse(%q) = %v, %v", s, kind, err)
			}
			return
		}
		var body []byte
		switch kind {
		case KindVolunteer:
			body = make([]byte, vSize)
		case KindProject, KindOrg:
			body = make([]byte, sSize)
		default:
			t.Fatalf("Parse(%q) = %v with no error", s, kind)
		}
		if !decodeBase32(body, s[4:]) {
			t.Fatalf("Parse accepted %q, which does not decode", s)
		}
		again := make([]byte, len(s)-4)
		encodeBase32(again, body)
		if s[4:] != string(again) {
			t.Fatalf("Parse accepted %q, a second spelling of %q", s, s[:4]+string(again))
		}
	})
}

// Verify and VerifyStatic never panic and accept nothing but the exact
// payloads issued: not arbitrary input s, and not a valid payload with one
// byte changed (at index i to x).
func FuzzVerify(f *testing.F) {
	c, volunteer, project, org := fuzzSeeds(f)
	f.Add(volunteer, uint16(0), byte('Y'))
	f.Add(project, uint16(133), byte('B'))
	f.Add(org, uint16(3), byte(':'))
	f.Add(volunteer[:59]+"F", uint16(59), byte('F'))
	f.Add(strings.ToLower(project), uint16(70), byte('a'))
	f.Add("", uint16(1000), byte(0))
	valid := []string{volunteer, project, org}
	f.Fuzz(func(t *testing.T, s string, i uint16, x byte) {
		check(t, c, s, volunteer, project, org)
		p := valid[int(i)%len(valid)]
		at := int(i) % len(p)
		if p[at] != x {
			check(t, c, p[:at]+string(x)+p[at+1:], volunteer, project, org)
		}
	})
}

func check(t *testing.T, c *Codes, s, volunteer, project, org string) {
	claim, err := c.Verify(s, T0)
	switch {
	case err == nil && s != volunteer:
		t.Fatalf("Verify accepted %q (claim %+v)", s, claim)
	case err != nil && Reason(err) == "":
		t.Fatalf("Verify(%q) error %v has no reason", s, err)
	case err != nil && claim != (VolunteerClaim{}):
		t.Fatalf("Verify(%q) returned claim %+v with error %v", s, claim, err)
	}
	sc, err := c.VerifyStatic(s)
	switch {
	case err == nil && s != project && s != org:
		t.Fatalf("VerifyStatic accepted %q (claim %+v)", s, sc)
	case err != nil && Reason(err) == "":
		t.Fatalf("VerifyStatic(%q) error %v has no reason", s, err)
	}
}
