package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/sensitive"
	"yima/services/project"
	"yima/services/volunteer"
	"yima/store/db"
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

// Directory names what an event only identifies.
type Directory interface {
	// VolunteerName returns the volunteer's name, masked.
	VolunteerName(ctx context.Context, volunteer uuid.UUID) (string, error)
	// Position returns a position's name and its project's title.
	Position(ctx context.Context, position uuid.UUID) (PositionLabel, error)
}

// PositionLabel names a position.
type PositionLabel struct {
	Name         string
	ProjectTitle string
}

// Names is the queries a StoreDirectory runs (*db.Queries).
type Names interface {
	GetVolunteerName(ctx context.Context, id uuid.UUID) (string, error)
	GetPositionLabel(ctx context.Context, id uuid.UUID) (db.GetPositionLabelRow, error)
}

// Directory cache bounds: names barely change, and a live page shows a
// volunteer many times.
const (
	directoryTTL  = 10 * time.Minute
	directorySize = 50_000
)

// StoreDirectory is a Directory over the database with a bounded cache.
type StoreDirectory struct {
	q   Names
	now func() time.Time

	mu         sync.Mutex
	volunteers map[uuid.UUID]cached[string]
	positions  map[uuid.UUID]cached[PositionLabel]
}

type cached[T any] struct {
	v  T
	at time.Time
}

// NewStoreDirectory returns a StoreDirectory over q.
func NewStoreDirectory(q Names) *StoreDirectory {
	return &StoreDirectory{
		q: q, now: time.Now,
		volunteers: map[uuid.UUID]cached[string]{},
		positions:  map[uuid.UUID]cached[PositionLabel]{},
	}
}

// VolunteerName implements Directory; the name is masked with
// sensitive.MaskName before it is cached.
func (d *StoreDirectory) VolunteerName(ctx context.Context, id uuid.UUID) (string, error) {
	return lookup(d, d.volunteers, id, func() (string, error) {
		name, err := d.q.GetVolunteerName(ctx, id)
		return sensitive.MaskName(name), err
	})
}

// Position implements Directory.
func (d *StoreDirectory) Position(ctx context.Context, id uuid.UUID) (PositionLabel, error) {
	return lookup(d, d.positions, id, func() (PositionLabel, error) {
		r, err := d.q.GetPositionLabel(ctx, id)
		return PositionLabel{Name: r.PositionName, ProjectTitle: r.ProjectTitle}, err
	})
}

func lookup[T any](d *StoreDirectory, m map[uuid.UUID]cached[T], id uuid.UUID, load func() (T, error)) (T, error) {
	now := d.now()
	d.mu.Lock()
	c, ok := m[id]
	d.mu.Unlock()
	if ok && now.Sub(c.at) < directoryTTL {
		return c.v, nil
	}
	v, err := load()
	if err != nil {
		var zero T
		return zero, err
	}
	d.mu.Lock()
	if len(m) >= directorySize {
		clear(m) // crude but bounded; the next events refill what is live
	}
	m[id] = cached[T]{v: v, at: now}
	d.mu.Unlock()
	return v, nil
}
