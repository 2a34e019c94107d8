// Package record owns standard service records (V5) and the end of
// sessions nobody signed out of: closing a project's open sessions when the
// project closes, the durable deadline sweep that closes forgotten sign-outs
// at the project's end or after a maximum length, and turning a closed
// project's sessions into records.
//
// Hour rules applied here, per project (project.project columns): sessions
// closed by the sweep or by a project's close are flagged for review and
// count once reviewed; a session shorter than min_share_percent of the shift
// (end_time − start_time) earns no record; a record credits the session's
// duration rounded to round_seconds (round_mode down, nearest or up), and a
// session crediting nothing earns none.
package record

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// sweepBatch bounds the sessions one sweep statement closes.
const sweepBatch = 500

// Service makes and lists service records and closes overdue sessions.
type Service struct {
	st  *store.Store
	now func() time.Time
	log *slog.Logger
}

// New returns a Service over st.
func New(st *store.Store, now func() time.Time, log *slog.Logger) *Service {
	return &Service{st: st, now: now, log: log}
}

// Record is one standard record of service.
type Record struct {
	ID              uuid.UUID
	ProjectID       uuid.UUID
	PositionID      uuid.UUID
	StartedAt       time.Time
	EndedAt         time.Time
	DurationSeconds int64
	ProjectTitle    string
	PositionName    string
}

// Closed is a session closed by the sweep or by its project's close, for
// telling the grains that hold it.
type Closed struct {
	SessionID       uuid.UUID
	ProjectID       uuid.UUID
	PositionID      uuid.UUID
	VolunteerID     uuid.UUID
	StartedAt       time.Time
	EndedAt         time.Time
	DurationSeconds int64
	// Reason is the session's flag: PROJECT_ENDED, MAX_LENGTH or
	// PROJECT_CLOSED.
	Reason string
}

// GenerateRecords makes a service record of every closed session of the
// project that counts (see the package comment) and has none yet, and
// returns how many it made. Running it again makes only the records of
// sessions reviewed since.
func (s *Service) GenerateRecords(ctx context.Context, projectID uuid.UUID) (int, error) {
	n, err := s.st.Q.GenerateServiceRecords(ctx, db.GenerateServiceRecordsParams{Now: s.now(), ProjectID: projectID})
	if err != nil {
		return 0, fmt.Errorf("generate service records of project %s: %w", projectID, err)
	}
	return int(n), nil
}

// CloseOpenSessions closes every open session of the project at at (a
// session begun later is closed with no duration), flagged PROJECT_CLOSED
// for review, and returns how many it closed. CloseProject calls it before
// GenerateRecords; a ledger decision on one of these sessions still in
// flight is answered stale and re-decided by its grain.
func (s *Service) CloseOpenSessions(ctx context.Context, projectID uuid.UUID, at time.Time) (int, error) {
	rows, err := s.st.Q.CloseProjectSessions(ctx, db.CloseProjectSessionsParams{ProjectID: projectID, At: at})
	if err != nil {
		return 0, fmt.Errorf("close open sessions of project %s: %w", projectID, err)
	}
	return len(rows), nil
}

// SweepOverdue closes every open session that is overdue at now: its
// project has ended (end_time + scan_after_seconds has passed) — closed at
// end_time — or it has run longer than the project's max_session_seconds —
// closed at started_at + max_session_seconds; whichever comes first. Each is
// flagged for review. The deadlines live in PostgreSQL, so the sweep works
// after restarts and while grains are passivated; run it every minute or
// so, on any number of nodes (rows locked by another sweep are skipped). It
// returns what it closed, so that the caller can tell active grains.
func (s *Service) SweepOverdue(ctx context.Context, now time.Time) ([]Closed, error) {
	var out []Closed
	for {
		rows, err := s.st.Q.SweepOverdueSessions(ctx, db.SweepOverdueSessionsParams{Now: now, Lim: sweepBatch})
		if err != nil {
			return out, fmt.Errorf("sweep overdue sessions: %w", err)
		}
		for _, r := range rows {
			out = append(out, Closed{
				SessionID: r.ID, ProjectID: r.ProjectID, PositionID: r.PositionID, VolunteerID: r.VolunteerID,
				StartedAt: r.StartedAt.UTC(), EndedAt: r.EndedAt.UTC(), DurationSeconds: int64(r.DurationSeconds),
				Reason: r.FlagReason,
			})
		}
		if len(rows) < sweepBatch {
			break
		}
	}
	if len(out) > 0 {
		s.log.InfoContext(ctx, "closed overdue sessions", "sessions", len(out))
	}
	return out, nil
}

// ErrNotVolunteer is what ListForPerson answers a person who is not a
// registered volunteer.
var ErrNotVolunteer = fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "您还不是注册志愿者")

// ListForPerson lists the service records of the volunteer that person is,
// newest first, one page: pg.Fetch() rows from pg.Offset, so that
// paging.Next can tell whether another page follows. Errors: not_found
// (NOT_A_VOLUNTEER).
func (s *Service) ListForPerson(ctx context.Context, person uuid.UUID, pg paging.Page) ([]Record, error) {
	vol, err := s.st.Q.RecordVolunteerOfPerson(ctx, person)
	if store.IsNotFound(err) {
		return nil, ErrNotVolunteer
	}
	if err != nil {
		return nil, fmt.Errorf("find volunteer of person: %w", err)
	}
	rows, err := s.st.Q.ListVolunteerServiceRecords(ctx, db.ListVolunteerServiceRecordsParams{
		VolunteerID: vol, Off: pg.Offset, Lim: pg.Fetch(),
	})
	if err != nil {
		return nil, fmt.Errorf("list service records: %w", err)
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = Record{
			ID: r.ID, ProjectID: r.ProjectID, PositionID: r.PositionID,
			StartedAt: r.StartedAt.UTC(), EndedAt: r.EndedAt.UTC(), DurationSeconds: int64(r.DurationSeconds),
			ProjectTitle: r.ProjectTitle, PositionName: r.PositionName,
		}
	}
	return out, nil
}
