package checkin

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// Records closes open sessions and credits closed ones (services/record).
type Records interface {
	CloseOpenSessions(ctx context.Context, project uuid.UUID, at time.Time) (int, error)
	GenerateRecords(ctx context.Context, project uuid.UUID) (int, error)
}

// Reloader makes a project's active grain reload (engine/actors).
type Reloader interface {
	RosterChanged(ctx context.Context, project uuid.UUID)
}

// Closer closes projects: no more scans, open sessions closed and flagged
// for review, service records generated. It is idempotent: closing again
// generates the records a failed earlier attempt missed.
type Closer struct {
	Store   *store.Store
	Records Records
	Grains  Reloader
	// Manages checks that p leads or administers the project's org.
	Manages func(ctx context.Context, p *access.Principal, project uuid.UUID) error
	Now     func() time.Time
}

// OverdueGrace is how long after its scan window a project that nobody
// closed is closed automatically: time for staff to settle attendance
// first.
const OverdueGrace = time.Hour

// CloseProject closes project for p and returns how many service records
// this call generated.
func (c *Closer) CloseProject(ctx context.Context, p *access.Principal, project uuid.UUID) (int, error) {
	if err := c.Manages(ctx, p, project); err != nil {
		return 0, err
	}
	return c.close(ctx, project)
}

// CloseOverdue closes the projects whose scan window ended more than
// OverdueGrace before now, as their org would by hand, and returns how many
// it closed. Run it periodically; it is safe on several nodes at once.
func (c *Closer) CloseOverdue(ctx context.Context, now time.Time) (int, error) {
	ids, err := c.Store.Q.ListOverdueProjects(ctx, db.ListOverdueProjectsParams{
		Grace: pgtype.Interval{Microseconds: OverdueGrace.Microseconds(), Valid: true}, Now: now,
	})
	if err != nil {
		return 0, fmt.Errorf("list overdue projects: %w", err)
	}
	for i, id := range ids {
		if _, err := c.close(ctx, id); err != nil {
			return i, fmt.Errorf("close overdue project %s: %w", id, err)
		}
	}
	return len(ids), nil
}

func (c *Closer) close(ctx context.Context, project uuid.UUID) (int, error) {
	closedAt, err := c.Store.Q.MarkProjectClosed(ctx, db.MarkProjectClosedParams{ID: project, At: c.Now()})
	if store.IsNotFound(err) {
		return 0, fault.New(fault.FailedPrecondition, "PROJECT_NOT_RUNNING", "只有招募中或进行中的项目可以结项")
	}
	if err != nil {
		return 0, fmt.Errorf("mark project closed: %w", err)
	}
	// The grain learns the project is closed before sessions are closed, so
	// it accepts no scan that would open a new one.
	c.Grains.RosterChanged(ctx, project)
	if _, err := c.Records.CloseOpenSessions(ctx, project, closedAt.Time); err != nil {
		return 0, err
	}
	c.Grains.RosterChanged(ctx, project)
	return c.Records.GenerateRecords(ctx, project)
}
