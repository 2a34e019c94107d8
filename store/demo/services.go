package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// serviceRow is a volunteer's service on a closed project: a closed
// check-in session and the service record made from it, as closing the
// project would have left them, so that rosters, hours and certificate
// applications have something to show.
type serviceRow struct {
	session, record uuid
	signUp          int // index in dataset.signUps
	start, end      time.Time
}

// services gives every volunteer hired on a closed project one session
// within the project's time: arriving up to 10 minutes early or 15 late,
// leaving up to 20 minutes before the end. A volunteer never serves twice
// at once (the ledger's no-overlap rule), so a session that would overlap
// an earlier one of the same volunteer is left out.
func (g *generator) services(r *rand.Rand) {
	ds := g.ds
	served := map[int][][2]time.Time{} // volunteer → intervals
	for i, s := range ds.signUps {
		p := ds.projects[s.project]
		if s.status != signUpHired || p.status != statusClosed {
			continue
		}
		start := p.start.Add(time.Duration(r.IntN(26)-10) * time.Minute)
		end := p.end.Add(-time.Duration(r.IntN(21)) * time.Minute)
		overlaps := false
		for _, iv := range served[s.volunteer] {
			overlaps = overlaps || (start.Before(iv[1]) && iv[0].Before(end))
		}
		if overlaps || !end.After(start) {
			continue
		}
		served[s.volunteer] = append(served[s.volunteer], [2]time.Time{start, end})
		ds.services = append(ds.services, serviceRow{
			session: idFor(fmt.Sprintf("session/%x", s.id)),
			record:  idFor(fmt.Sprintf("record/%x", s.id)),
			signUp:  i, start: start, end: end,
		})
	}
}

// sessions writes the services' closed sessions, then their records.
func (w *writer) sessions(ctx context.Context) error {
	ds := w.ds
	cols := []string{"id", "project_id", "position_id", "volunteer_id", "started_at", "ended_at", "duration_seconds", "status", "closed_by"}
	err := w.copy(ctx, pgx.Identifier{"checkin", "session"}, cols, len(ds.services), func(i int) ([]any, error) {
		sv := ds.services[i]
		s := ds.signUps[sv.signUp]
		return []any{pgID(sv.session), pgID(ds.projects[s.project].id), pgID(ds.positions[s.position].id),
			pgID(w.volunteerID[s.volunteer]), sv.start, sv.end, int32(sv.end.Sub(sv.start) / time.Second), "closed", "scan"}, nil
	})
	if err != nil {
		return err
	}
	cols = []string{"id", "volunteer_id", "project_id", "position_id", "session_id", "started_at", "ended_at", "duration_seconds", "created_at"}
	return w.copy(ctx, pgx.Identifier{"record", "service_record"}, cols, len(ds.services), func(i int) ([]any, error) {
		sv := ds.services[i]
		s := ds.signUps[sv.signUp]
		p := ds.projects[s.project]
		return []any{pgID(sv.record), pgID(w.volunteerID[s.volunteer]), pgID(p.id), pgID(ds.positions[s.position].id),
			pgID(sv.session), sv.start, sv.end, int32(sv.end.Sub(sv.start) / time.Second), *p.closed}, nil
	})
}
