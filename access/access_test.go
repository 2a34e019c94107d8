package access

import "testing"

func TestGrantsHas(t *testing.T) {
	tests := []struct {
		name string
		held []string
		want string
		ok   bool
	}{
		{"超级管理员", []string{AllPermissions}, "system:role:add", true},
		{"精确匹配", []string{"system:role:add"}, "system:role:add", true},
		{"不同操作", []string{"system:role:list"}, "system:role:add", false},
		{"段通配", []string{"system:*:list"}, "system:role:list", true},
		{"段通配不跨段数", []string{"system:*"}, "system:role:list", false},
		{"无权限", nil, "system:role:list", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Grants{Permissions: tt.held}
			if got := g.Has(tt.want); got != tt.ok {
				t.Errorf("Has(%q) with %v = %v, want %v", tt.want, tt.held, got, tt.ok)
			}
		})
	}
}

func TestKindRoundTrip(t *testing.T) {
	for _, k := range []Kind{KindCitizen, KindVolunteer, KindOrgLeader, KindOrgAdmin, KindStaff} {
		if got := ParseKind(k.String()); got != k {
			t.Errorf("ParseKind(%q) = %v, want %v", k.String(), got, k)
		}
	}
	if got := ParseKind("nobody"); got != 0 {
		t.Errorf("ParseKind(nobody) = %v, want 0", got)
	}
}
