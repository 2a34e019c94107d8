// Package access describes who is calling and what they may do: the
// principal an authenticated request carries through the context, with the
// permission strings and data scope its account grants. It holds no rules of
// its own beyond matching permissions; identity and rbac fill it in.
package access

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Kind is what an account acts as. The values equal the proto AccountKind
// numbers.
type Kind uint8

// The account kinds.
const (
	KindCitizen   Kind = 1
	KindVolunteer Kind = 2
	KindOrgLeader Kind = 3
	KindOrgAdmin  Kind = 4
	KindStaff     Kind = 5
)

var kindNames = map[Kind]string{
	KindCitizen: "citizen", KindVolunteer: "volunteer", KindOrgLeader: "org_leader",
	KindOrgAdmin: "org_admin", KindStaff: "staff",
}

// String returns the database name of the kind, e.g. "org_leader".
func (k Kind) String() string { return kindNames[k] }

// ParseKind maps a database name to a Kind; 0 when unknown.
func ParseKind(s string) Kind {
	for k, n := range kindNames {
		if n == s {
			return k
		}
	}
	return 0
}

// Scope is a role's data scope, as RuoYi names them.
type Scope string

// The data scopes, from widest to narrowest.
const (
	ScopeAll                Scope = "all"
	ScopeCustom             Scope = "custom"
	ScopeDepartmentAndBelow Scope = "department_and_below"
	ScopeDepartment         Scope = "department"
	ScopeSelf               Scope = "self"
)

// AllPermissions is the permission string of the super administrator.
const AllPermissions = "*:*:*"

// Grants is what an account's roles allow.
type Grants struct {
	// Permissions held, sorted; AllPermissions grants everything.
	Permissions []string
	// MenuIDs visible in the console.
	MenuIDs []string
	// Scopes of the account's active roles.
	Scopes []Scope
	// Departments listed by custom-scope roles.
	Departments []uuid.UUID
}

// Has reports whether the grants include perm. A held permission may use "*"
// for any one segment, as in "system:*:list".
func (g *Grants) Has(perm string) bool {
	for _, p := range g.Permissions {
		if p == AllPermissions || p == perm || wildcard(p, perm) {
			return true
		}
	}
	return false
}

// HasScope reports whether any role grants scope s.
func (g *Grants) HasScope(s Scope) bool { return slices.Contains(g.Scopes, s) }

func wildcard(held, want string) bool {
	if !strings.Contains(held, "*") {
		return false
	}
	hs, ws := strings.Split(held, ":"), strings.Split(want, ":")
	if len(hs) != len(ws) {
		return false
	}
	for i := range hs {
		if hs[i] != "*" && hs[i] != ws[i] {
			return false
		}
	}
	return true
}

// Principal is the authenticated caller of a request.
type Principal struct {
	SessionID    uuid.UUID
	PersonID     uuid.UUID
	AccountID    uuid.UUID
	Kind         Kind
	OrgID        uuid.UUID // org accounts, and staff mapped to an org
	DepartmentID uuid.UUID // staff
	ExpiresAt    time.Time
	Grants       *Grants
}

// Can reports whether the principal holds perm.
func (p *Principal) Can(perm string) bool {
	return p != nil && p.Grants != nil && p.Grants.Has(perm)
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx, or nil for an anonymous call.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
