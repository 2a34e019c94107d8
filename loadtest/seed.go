package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/engine/ledger"
	"yima/engine/ledger/ledgertest"
	"yima/sensitive"
	"yima/services/identity"
	"yima/services/identity/idnumber"
	"yima/services/org"
	"yima/store"
)

// SeedOptions size the data set of a bench run.
type SeedOptions struct {
	// Orgs to create (default 20), each with ProjectsPerOrg running
	// projects (default 100) and VolunteersPerOrg volunteers hired onto
	// them round robin (default 10,000), and one org leader who scans.
	Orgs             int
	ProjectsPerOrg   int
	VolunteersPerOrg int
	// Parallel seeds that many orgs at once (default 2: one core builds
	// rows while PostgreSQL copies on the other).
	Parallel int
	// Now is the clock the projects' times derive from (default time.Now).
	Now func() time.Time
}

func (o *SeedOptions) defaults() {
	if o.Orgs <= 0 {
		o.Orgs = 20
	}
	if o.ProjectsPerOrg <= 0 {
		o.ProjectsPerOrg = 100
	}
	if o.VolunteersPerOrg <= 0 {
		o.VolunteersPerOrg = 10000
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Fixture is what Seed loaded.
type Fixture struct {
	Orgs     []Org
	Projects int // running projects, in all orgs
}

// Org is a seeded org: its leader, who scans, and its roster.
type Org struct {
	ID uuid.UUID
	// Leader signs in by DevLogin with IDNumber and Name and then switches
	// to their org leader account.
	Leader Leader
	// Members are the org's roster entries, one per volunteer, in seeding
	// order (which alternates between the org's projects).
	Members []ledgertest.Member
}

// Leader is an org leader as the mock identity provider knows them.
type Leader struct {
	IDNumber string
	Name     string
}

// Volunteers counts the volunteers of every org.
func (f *Fixture) Volunteers() int {
	n := 0
	for _, o := range f.Orgs {
		n += len(o.Members)
	}
	return n
}

// Seed loads the data set straight into PostgreSQL, by COPY, not through
// the API: per org, running projects with their roster (ledgertest.Seed)
// and a leader whose ID number is sealed and indexed with box — the box of
// the keyring the server will use, so that DevLogin finds the person.
func Seed(ctx context.Context, pool *pgxpool.Pool, box *sensitive.Box, opt SeedOptions) (*Fixture, error) {
	opt.defaults()
	now := opt.Now()
	// The root org, made as the server makes it, before the orgs under it
	// are seeded in parallel (each would otherwise try to make one).
	if _, err := org.EnsureRoot(ctx, store.New(pool)); err != nil {
		return nil, err
	}
	fx := &Fixture{Orgs: make([]Org, opt.Orgs), Projects: opt.Orgs * opt.ProjectsPerOrg}
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, opt.Parallel)
		errs = make([]error, len(fx.Orgs))
	)
	for i := range fx.Orgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			// Projects started three hours ago and run nine more: every
			// scan of the run falls in their window, and the open sessions
			// ResetCheckins makes (two hours old) stay below the maximum
			// session length the deadline sweep enforces.
			s, err := ledgertest.Seed(ctx, pool, ledgertest.SeedOptions{
				Projects: opt.ProjectsPerOrg, Volunteers: opt.VolunteersPerOrg,
				Start: now.Add(-3 * time.Hour), End: now.Add(9 * time.Hour),
			})
			if err != nil {
				errs[i] = fmt.Errorf("seed org %d: %w", i, err)
				return
			}
			fx.Orgs[i] = Org{ID: s.OrgID, Members: s.Members}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := seedLeaders(ctx, pool, box, fx); err != nil {
		return nil, err
	}
	return fx, nil
}

// seedLeaders gives every org a leader: a person with a sealed, indexed ID
// number, a citizen account and an org leader account.
func seedLeaders(ctx context.Context, pool *pgxpool.Pool, box *sensitive.Box, fx *Fixture) error {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for i := range fx.Orgs {
			// Distinct birth dates keep the ID numbers distinct.
			birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
			n, err := idnumber.Parse(idnumber.Generate(r, "310104", birth, i%2 == 0))
			if err != nil {
				return fmt.Errorf("leader id number: %w", err)
			}
			enc, err := box.Seal(identity.FieldIDNumber, n.String())
			if err != nil {
				return fmt.Errorf("seal leader id number: %w", err)
			}
			l := Leader{IDNumber: n.String(), Name: fmt.Sprintf("压测负责人%d", i)}
			person := uuid.New()
			if _, err := tx.Exec(ctx, `
INSERT INTO identity.person (id, name, id_number_enc, id_number_idx, id_number_masked, birth_date)
VALUES ($1, $2, $3, $4, $5, $6)`, person, l.Name, enc, box.Index(identity.FieldIDNumber, n.String()), n.Masked(), n.BirthDate()); err != nil {
				return fmt.Errorf("insert leader: %w", err)
			}
			if _, err := tx.Exec(ctx, `
INSERT INTO identity.account (person_id, kind, org_id) VALUES ($1, 'citizen', NULL), ($1, 'org_leader', $2)`, person, fx.Orgs[i].ID); err != nil {
				return fmt.Errorf("insert leader accounts: %w", err)
			}
			fx.Orgs[i].Leader = l
		}
		return nil
	})
}

// ResetCheckins empties the check-in tables (scans, scan keys, sessions and
// what derives from them), so that a run starts from the same state as the
// one before, and then opens a session, started two hours before at, for
// about every second volunteer: their first scan of the run signs them
// out, everyone else's signs them in. Run it while no server or engine is
// running on the database: grains hold sessions in memory.
func ResetCheckins(ctx context.Context, pool *pgxpool.Pool, fx *Fixture, at time.Time) (open int, err error) {
	started := at.Add(-2 * time.Hour)
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `TRUNCATE checkin.scan, checkin.scan_key, checkin.session, checkin.code_event, record.service_record`); err != nil {
			return fmt.Errorf("truncate check-in tables: %w", err)
		}
		var rows [][]any
		for _, o := range fx.Orgs {
			for _, m := range o.Members {
				if opensSession(m) {
					rows = append(rows, []any{ledger.NewSessionID(), m.ProjectID, m.PositionID, m.VolunteerID, started, "open"})
				}
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"checkin", "session"},
			[]string{"id", "project_id", "position_id", "volunteer_id", "started_at", "status"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy open sessions: %w", err)
		}
		open = len(rows)
		return nil
	})
	if err != nil {
		return 0, err
	}
	// The truncated tables lost their statistics' meaning; fresh ones keep
	// the planner on the indexes the ledger relies on.
	if _, err := pool.Exec(ctx, `ANALYZE checkin.session, checkin.scan_key`); err != nil {
		return 0, fmt.Errorf("analyze check-in tables: %w", err)
	}
	return open, nil
}

// opensSession picks the volunteers ResetCheckins signs in: half of them,
// by a bit of their random id, so that every worker's share is mixed.
func opensSession(m ledgertest.Member) bool { return m.VolunteerID[15]&1 == 0 }
