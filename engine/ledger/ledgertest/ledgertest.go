// Package ledgertest seeds check-in data at scale and drives the ledger
// with a storm of realistic decisions, for the ledger's tests and
// benchmarks and for the load driver's in-process scenario.
package ledgertest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/engine/ledger"
)

// SeedOptions size a fixture.
type SeedOptions struct {
	// Projects to create (default 1), each with PositionsPerProject
	// positions (default 2).
	Projects            int
	PositionsPerProject int
	// Volunteers to create (default 10), each hired onto one project, round
	// robin.
	Volunteers int
	// Start and End bound the projects (default one hour ago to eight hours
	// on).
	Start, End time.Time
}

// Fixture is what Seed created.
type Fixture struct {
	OrgID    uuid.UUID
	Projects []Project
	// Members are the roster entries, one per volunteer.
	Members []Member
}

// Project is a seeded project.
type Project struct {
	ID        uuid.UUID
	Positions []uuid.UUID
}

// Member is a volunteer on a project's roster.
type Member struct {
	VolunteerID uuid.UUID
	PersonID    uuid.UUID
	ProjectID   uuid.UUID
	PositionID  uuid.UUID
}

// Seed loads an org, running projects with positions, and volunteers hired
// onto them, by COPY, in one transaction. It works on an empty database
// (creating the root org) and beside existing data.
func Seed(ctx context.Context, pool *pgxpool.Pool, opt SeedOptions) (*Fixture, error) {
	if opt.Projects <= 0 {
		opt.Projects = 1
	}
	if opt.PositionsPerProject <= 0 {
		opt.PositionsPerProject = 2
	}
	if opt.Volunteers <= 0 {
		opt.Volunteers = 10
	}
	now := time.Now().UTC()
	if opt.Start.IsZero() {
		opt.Start = now.Add(-time.Hour)
	}
	if opt.End.IsZero() {
		opt.End = now.Add(8 * time.Hour)
	}
	run := strings.ToLower(rand.Text()[:8])
	fx := &Fixture{OrgID: uuid.New()}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var root uuid.UUID
		err := tx.QueryRow(ctx, `SELECT id FROM org.org WHERE parent_id IS NULL`).Scan(&root)
		if err == pgx.ErrNoRows {
			root = uuid.New()
			_, err = tx.Exec(ctx, `INSERT INTO org.org (id, path, level, name, status) VALUES ($1, ARRAY[$1::uuid], 'city', '上海市', 'active')`, root)
		}
		if err != nil {
			return fmt.Errorf("root org: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, ARRAY[$2::uuid, $1::uuid], 'other', $3, 'active')`,
			fx.OrgID, root, "压测组织-"+run); err != nil {
			return fmt.Errorf("org: %w", err)
		}
		var projects, positions [][]any
		for i := 0; i < opt.Projects; i++ {
			p := Project{ID: uuid.New()}
			projects = append(projects, []any{p.ID, fx.OrgID, fmt.Sprintf("压测项目 %s-%d", run, i), "running", opt.Start, opt.End})
			for j := 0; j < opt.PositionsPerProject; j++ {
				pos := uuid.New()
				p.Positions = append(p.Positions, pos)
				positions = append(positions, []any{pos, p.ID, fmt.Sprintf("岗位 %d", j), int32(opt.Volunteers + 1), j})
			}
			fx.Projects = append(fx.Projects, p)
		}
		var persons, volunteers, signUps [][]any
		for i := 0; i < opt.Volunteers; i++ {
			p := fx.Projects[i%len(fx.Projects)]
			m := Member{VolunteerID: uuid.New(), PersonID: uuid.New(), ProjectID: p.ID, PositionID: p.Positions[(i/len(fx.Projects))%len(p.Positions)]}
			fx.Members = append(fx.Members, m)
			persons = append(persons, []any{m.PersonID, fmt.Sprintf("志愿者%d", i)})
			volunteers = append(volunteers, []any{m.VolunteerID, m.PersonID, fmt.Sprintf("T%s%08d", run, i)})
			signUps = append(signUps, []any{m.ProjectID, m.PositionID, m.VolunteerID, "hired"})
		}
		for _, c := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"project.project", []string{"id", "org_id", "title", "status", "start_time", "end_time"}, projects},
			{"project.position", []string{"id", "project_id", "name", "quota", "sort"}, positions},
			{"identity.person", []string{"id", "name"}, persons},
			{"volunteer.volunteer", []string{"id", "person_id", "volunteer_no"}, volunteers},
			{"project.sign_up", []string{"project_id", "position_id", "volunteer_id", "status"}, signUps},
		} {
			name := strings.Split(c.table, ".")
			if _, err := tx.CopyFrom(ctx, pgx.Identifier(name), c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return fx, nil
}

// Appender is what a storm drives: a *ledger.Ledger, or the engine in front
// of it.
type Appender interface {
	Append(d ledger.Decision, done func(ledger.Result)) error
}

// StormOptions shape a storm.
type StormOptions struct {
	// Scans to send in all (default 10000), retries included.
	Scans int
	// Clients send concurrently (default 256); each waits for its answer
	// before its next scan, like a scanner.
	Clients int
	// RetryEvery makes every n-th scan a retry of the client's previous
	// scan, with its scan_id (default 50; negative for none).
	RetryEvery int
	// RejectEvery makes every n-th scan a rejection (default 40; negative
	// for none).
	RejectEvery int
}

// StormResult is what a storm saw.
type StormResult struct {
	Sent       int
	Acked      int // SIGNED_IN or SIGNED_OUT answers, not duplicates
	Duplicates int
	Rejected   int
	Stale      int
	Errors     int
	// Refused counts Append errors (busy, closed).
	Refused int
	Elapsed time.Duration
	// P50 and P99 are of the time from Append to done.
	P50, P99 time.Duration
	// AckedScanIDs are the scan_ids acknowledged as signed in or out.
	AckedScanIDs []string
	// FirstError is the first Err or Append error seen.
	FirstError error
}

// Storm sends scans from many clients, each toggling its volunteers in and
// out of their projects, and waits for every answer.
func Storm(ctx context.Context, a Appender, fx *Fixture, opt StormOptions) StormResult {
	if opt.Scans <= 0 {
		opt.Scans = 10000
	}
	if opt.Clients <= 0 {
		opt.Clients = 256
	}
	if opt.Clients > len(fx.Members) {
		opt.Clients = len(fx.Members)
	}
	if opt.RetryEvery == 0 {
		opt.RetryEvery = 50
	}
	if opt.RejectEvery == 0 {
		opt.RejectEvery = 40
	}
	var (
		left   atomic.Int64
		mu     sync.Mutex
		res    StormResult
		lat    []time.Duration
		wg     sync.WaitGroup
		prefix = strings.ToLower(rand.Text()[:10])
	)
	left.Store(int64(opt.Scans))
	start := time.Now()
	for c := 0; c < opt.Clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var mine []Member
			for i := c; i < len(fx.Members); i += opt.Clients {
				mine = append(mine, fx.Members[i])
			}
			open := make([]uuid.UUID, len(mine)) // each volunteer's open session
			var (
				local    StormResult
				times    []time.Duration
				prev     ledger.Decision
				havePrev bool
				answer   = make(chan ledger.Result, 1)
			)
			for n := 0; left.Add(-1) >= 0 && ctx.Err() == nil; n++ {
				k := n % len(mine)
				m := mine[k]
				now := time.Now()
				var d ledger.Decision
				switch {
				case havePrev && opt.RetryEvery > 0 && n%opt.RetryEvery == opt.RetryEvery-1:
					d = prev
					d.ReceivedAt, d.ScannedAt = now, now
				case opt.RejectEvery > 0 && n%opt.RejectEvery == opt.RejectEvery-1:
					d = ledger.Decision{ProjectID: m.ProjectID, VolunteerID: m.VolunteerID, Method: ledger.MethodStaff,
						Outcome: ledger.Rejected, Reason: "CODE_EXPIRED"}
				case open[k] == uuid.Nil:
					d = ledger.Decision{ProjectID: m.ProjectID, VolunteerID: m.VolunteerID, PositionID: m.PositionID,
						Method: ledger.MethodStaff, Outcome: ledger.SignedIn, Session: ledger.Session{ID: ledger.NewSessionID()}}
				default:
					d = ledger.Decision{ProjectID: m.ProjectID, VolunteerID: m.VolunteerID, PositionID: m.PositionID,
						Method: ledger.MethodStaff, Outcome: ledger.SignedOut, Session: ledger.Session{ID: open[k]}}
				}
				if d.ScanID == "" {
					d.ScanID = fmt.Sprintf("%s-%d-%d", prefix, c, n)
					d.ReceivedAt, d.ScannedAt = now, now
				}
				local.Sent++
				t0 := time.Now()
				if err := a.Append(d, func(r ledger.Result) { answer <- r }); err != nil {
					local.Refused++
					if local.FirstError == nil {
						local.FirstError = err
					}
					continue
				}
				r := <-answer
				times = append(times, time.Since(t0))
				switch {
				case r.Err != nil:
					local.Errors++
					if local.FirstError == nil {
						local.FirstError = r.Err
					}
				case r.Stale:
					local.Stale++
				case r.Duplicate:
					local.Duplicates++
				case r.Decision.Outcome == ledger.Rejected:
					local.Rejected++
				default:
					local.Acked++
					local.AckedScanIDs = append(local.AckedScanIDs, r.Decision.ScanID)
				}
				if r.Err == nil && !r.Stale && r.Decision.VolunteerID == m.VolunteerID {
					switch r.Decision.Outcome {
					case ledger.SignedIn:
						open[k] = r.Decision.Session.ID
					case ledger.SignedOut:
						open[k] = uuid.Nil
					}
				}
				prev, havePrev = d, true
			}
			mu.Lock()
			res.Sent += local.Sent
			res.Acked += local.Acked
			res.Duplicates += local.Duplicates
			res.Rejected += local.Rejected
			res.Stale += local.Stale
			res.Errors += local.Errors
			res.Refused += local.Refused
			res.AckedScanIDs = append(res.AckedScanIDs, local.AckedScanIDs...)
			if res.FirstError == nil {
				res.FirstError = local.FirstError
			}
			lat = append(lat, times...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		res.P50 = lat[len(lat)/2]
		res.P99 = lat[len(lat)*99/100]
	}
	return res
}

// Check counts, in PostgreSQL, how many of the acknowledged scan_ids are
// committed as sign-ins or sign-outs, and how many pairs of one volunteer's
// sessions overlap (the constraints make that 0; the count proves it).
func Check(ctx context.Context, pool *pgxpool.Pool, acked []string) (committed, doubleSessions int, err error) {
	err = pool.QueryRow(ctx, `
SELECT count(*) FROM checkin.scan_key k
JOIN checkin.scan s ON s.received_at = k.received_at AND s.scan_id = k.scan_id
WHERE k.scan_id = ANY($1::text[]) AND s.outcome IN ('signed_in', 'signed_out')`, acked).Scan(&committed)
	if err != nil {
		return 0, 0, fmt.Errorf("count committed scans: %w", err)
	}
	err = pool.QueryRow(ctx, `
SELECT count(*) FROM checkin.session a
JOIN checkin.session b ON a.volunteer_id = b.volunteer_id AND a.id < b.id
 AND tstzrange(a.started_at, a.ended_at, '[)') && tstzrange(b.started_at, b.ended_at, '[)')
WHERE a.status <> 'invalidated' AND b.status <> 'invalidated'`).Scan(&doubleSessions)
	if err != nil {
		return 0, 0, fmt.Errorf("count overlapping sessions: %w", err)
	}
	return committed, doubleSessions, nil
}

// CloseOpen closes every open session at at, so that a new storm, which
// starts with everyone signed out, agrees with the database.
func CloseOpen(ctx context.Context, pool *pgxpool.Pool, at time.Time) error {
	_, err := pool.Exec(ctx, `
UPDATE checkin.session SET status = 'closed', ended_at = greatest($1, started_at),
       duration_seconds = floor(extract(epoch FROM greatest($1, started_at) - started_at))::int,
       closed_by = 'staff'
WHERE status = 'open'`, at)
	if err != nil {
		return fmt.Errorf("close open sessions: %w", err)
	}
	return nil
}
