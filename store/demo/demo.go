// Package demo owns the demo data set that `yima dev --demo` loads: under the
// city root org, Shanghai's 16 district volunteer associations, a selection of
// their streets and towns and some of their communities, at their real places;
// about two hundred projects with positions; thousands of synthetic volunteers
// with valid resident ID numbers, their accounts, memberships and sign-ups;
// org leaders and admins; and a few fixed demo logins (Citizens) that tests,
// the README and the dev banner can name.
//
// The data is deterministic: fixed PCG seeds, ids computed from what a row is,
// and times relative to the load's clock truncated to the hour, so two loads
// at the same hour produce the same rows with the same ids. Only ciphertexts
// differ, as encryption draws fresh nonces.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultVolunteers is how many synthetic volunteers Load makes when
// Options.Volunteers is zero.
const DefaultVolunteers = 3000

// Sealer encrypts sensitive values and computes their blind indexes;
// *sensitive.Box is the one the program passes. Field names are
// "person.id_number", "person.phone" and "org.contact_phone".
type Sealer interface {
	// Seal encrypts plaintext for the column named field.
	Seal(field, plaintext string) ([]byte, error)
	// Index returns the blind index of plaintext in the column named field.
	Index(field, plaintext string) []byte
}

// Options configure Load.
type Options struct {
	// Volunteers is the number of synthetic volunteers; zero means
	// DefaultVolunteers. The fixed demo citizens come on top.
	Volunteers int
	// Now anchors every time in the data (running projects started an hour
	// or two before it, recruiting ones start days after it); it is
	// truncated to the hour. Zero means time.Now().
	Now time.Time
	// Sealer encrypts and indexes ID numbers and phone numbers. Required.
	Sealer Sealer
	// MaskID and MaskPhone make the masked forms stored beside the
	// ciphertexts (sensitive.MaskIDNumber and sensitive.MaskPhone).
	// Required.
	MaskID, MaskPhone func(string) string
	// Log receives one line per Load; nil discards it.
	Log *slog.Logger
}

// Summary counts what the database holds after Load, in the tables the demo
// writes (rows that were there before the demo included).
type Summary struct {
	// Loaded reports whether this call wrote the demo; false means it was
	// already present and Load only counted.
	Loaded bool
	// Orgs by level below the city root.
	Districts, Streets, Communities int
	Projects, Positions             int
	Persons, Accounts               int
	Volunteers, Memberships         int
	SignUps                         int
	// Hired counts the sign-ups with status hired, the rosters.
	Hired int
	// Elapsed is how long Load took.
	Elapsed time.Duration
}

// ErrNoRoot is returned by Load when the database has no root org. The
// program's bootstrap creates it (上海市志愿者协会); the demo builds below it
// and never makes a second one.
var ErrNoRoot = errors.New("demo: no root org (the org without a parent); run the bootstrap first")

// ErrPartial is returned by Load when only some of the demo's district orgs
// exist below the root: the database was changed in a way Load does not
// repair.
var ErrPartial = errors.New("demo: demo data is partly present")

// advisoryLock serializes loaders: nodes starting at once against one
// database wait for each other, and all but the first find the data present.
const advisoryLock = int64(seed)

// Load writes the demo data below the root org, in one transaction, unless it
// is already there: then it only counts, which takes a few milliseconds. The
// demo is present when the 16 district orgs it makes (known by their ids)
// exist; if some but not all do, Load returns ErrPartial. Without a root org
// it returns ErrNoRoot.
//
// Persons whom the database already holds under a demo ID number (say,
// someone signed in as a fixed demo citizen before the first demo load) keep
// their rows, and the demo's accounts and roster entries attach to them.
//
// The data stays as loaded: a later start does not move the projects' times
// to the new clock.
func Load(ctx context.Context, pool *pgxpool.Pool, opt Options) (Summary, error) {
	began := time.Now()
	if err := opt.check(); err != nil {
		return Summary{}, err
	}
	if opt.Volunteers == 0 {
		opt.Volunteers = DefaultVolunteers
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("begin demo load: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit; the error that matters is returned below

	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryLock); err != nil {
		return Summary{}, fmt.Errorf("lock demo load: %w", err)
	}
	root, err := findRoot(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	present, err := districtsPresent(ctx, tx, root)
	if err != nil {
		return Summary{}, err
	}
	loaded := false
	switch present {
	case len(districts):
	case 0:
		ds := generate(opt.Volunteers, opt.Now)
		if err := write(ctx, tx, root, ds, opt); err != nil {
			return Summary{}, fmt.Errorf("load demo data: %w", err)
		}
		loaded = true
	default:
		return Summary{}, fmt.Errorf("%w: %d of %d district orgs exist", ErrPartial, present, len(districts))
	}
	sum, err := count(ctx, tx, root)
	if err != nil {
		return Summary{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Summary{}, fmt.Errorf("commit demo load: %w", err)
	}
	sum.Loaded, sum.Elapsed = loaded, time.Since(began)
	msg := "demo data already present"
	if loaded {
		msg = "demo data loaded"
	}
	log.InfoContext(ctx, msg, "orgs", sum.Districts+sum.Streets+sum.Communities, "projects", sum.Projects,
		"volunteers", sum.Volunteers, "sign_ups", sum.SignUps, "elapsed", sum.Elapsed.Round(time.Millisecond))
	return sum, nil
}

// check reports options Load cannot work with.
func (o Options) check() error {
	switch {
	case o.Volunteers < 0:
		return fmt.Errorf("demo: options: Volunteers is %d, want zero (the default) or more", o.Volunteers)
	case o.Sealer == nil:
		return errors.New("demo: options: Sealer is required")
	case o.MaskID == nil || o.MaskPhone == nil:
		return errors.New("demo: options: MaskID and MaskPhone are required")
	}
	return nil
}

// findRoot returns the id of the org without a parent.
func findRoot(ctx context.Context, tx pgx.Tx) (uuid, error) {
	var id pgtype.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM org.org WHERE parent_id IS NULL`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid{}, ErrNoRoot
	}
	if err != nil {
		return uuid{}, fmt.Errorf("find root org: %w", err)
	}
	return id.Bytes, nil
}

// districtsPresent counts the demo's district orgs below root.
func districtsPresent(ctx context.Context, tx pgx.Tx, root uuid) (int, error) {
	ids := make([]pgtype.UUID, len(districts))
	for i, d := range districts {
		ids[i] = pgID(idFor("org/" + d.code))
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM org.org WHERE parent_id = $1 AND id = ANY($2)`, pgID(root), ids).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("look for demo districts: %w", err)
	}
	return n, nil
}

// count fills a Summary from the database.
func count(ctx context.Context, tx pgx.Tx, root uuid) (Summary, error) {
	var s Summary
	err := tx.QueryRow(ctx, `
		SELECT
			count(*) FILTER (WHERE o.level = 'district'),
			count(*) FILTER (WHERE o.level = 'street'),
			count(*) FILTER (WHERE o.level = 'community'),
			(SELECT count(*) FROM project.project),
			(SELECT count(*) FROM project.position),
			(SELECT count(*) FROM identity.person),
			(SELECT count(*) FROM identity.account),
			(SELECT count(*) FROM volunteer.volunteer),
			(SELECT count(*) FROM volunteer.membership),
			(SELECT count(*) FROM project.sign_up),
			(SELECT count(*) FROM project.sign_up WHERE status = 'hired')
		FROM org.org o
		WHERE $1 = ANY(o.path)`, pgID(root)).Scan(
		&s.Districts, &s.Streets, &s.Communities, &s.Projects, &s.Positions, &s.Persons, &s.Accounts,
		&s.Volunteers, &s.Memberships, &s.SignUps, &s.Hired)
	if err != nil {
		return Summary{}, fmt.Errorf("count demo data: %w", err)
	}
	return s, nil
}
