package realtime

import (
	"context"

	"github.com/google/uuid"

	"yima/access"
	"yima/directory"
	"yima/fault"
	"yima/services/project"
	"yima/services/volunteer"
)

// Authenticator verifies bearer tokens (identity.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*access.Principal, error)
}

// Granter resolves what an authenticated account may do (rbac.Service).
type Granter interface {
	Grants(ctx context.Context, p *access.Principal) (*access.Grants, error)
}

// Access decides who may watch what.
type Access interface {
	// WatchProject returns nil when p may watch the project's scans, else a
	// fault (permission_denied, not_found).
	WatchProject(ctx context.Context, p *access.Principal, project uuid.UUID) error
	// VolunteerOf returns the volunteer p's person is; a fault (not_found
	// NOT_A_VOLUNTEER) when none.
	VolunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error)
}

// ServiceAccess answers Access with the domains' own rules: a project's
// scans are for those who manage it (leaders and admins of its org) and
// those who oversee its org (leaders and admins of an org above, staff
// whose scope covers it).
type ServiceAccess struct {
	Projects interface {
		Manages(ctx context.Context, p *access.Principal, id uuid.UUID) (project.Project, error)
		Get(ctx context.Context, id uuid.UUID) (project.Project, error)
	}
	Orgs interface {
		Oversees(ctx context.Context, p *access.Principal, org uuid.UUID) error
	}
	Volunteers interface {
		Mine(ctx context.Context, p *access.Principal) (volunteer.Volunteer, error)
	}
}

// WatchProject implements Access.
func (a ServiceAccess) WatchProject(ctx context.Context, p *access.Principal, id uuid.UUID) error {
	_, err := a.Projects.Manages(ctx, p, id)
	if err == nil || fault.KindOf(err) != fault.PermissionDenied {
		return err
	}
	pr, gerr := a.Projects.Get(ctx, id)
	if gerr != nil {
		return gerr
	}
	oerr := a.Orgs.Oversees(ctx, p, pr.OrgID)
	if oerr == nil {
		return nil
	}
	if fault.KindOf(oerr) != fault.PermissionDenied {
		return oerr
	}
	return err // the project's own refusal says it best
}

// VolunteerOf implements Access.
func (a ServiceAccess) VolunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	v, err := a.Volunteers.Mine(ctx, p)
	return v.ID, err
}

// Directory names what an event only identifies; *directory.Directory,
// shared with the check-in service, is the one the program passes.
type Directory interface {
	// VolunteerName returns the volunteer's name, masked.
	VolunteerName(ctx context.Context, volunteer uuid.UUID) (string, error)
	// Position returns a position's name and its project's title.
	Position(ctx context.Context, position uuid.UUID) (directory.PositionLabel, error)
}
