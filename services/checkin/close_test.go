package checkin

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/engine/ledger/ledgertest"
	"yima/services/record"
	"yima/store"
	"yima/store/storetest"
)

func TestCloseOverdue(t *testing.T) {
	ctx := context.Background()
	pool := storetest.Open(t, schema)
	st := store.New(pool)
	now := time.Now().UTC()
	overdue, err := ledgertest.Seed(ctx, pool, ledgertest.SeedOptions{Projects: 1, Volunteers: 2, Start: now.Add(-5 * time.Hour), End: now.Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	inGrace, err := ledgertest.Seed(ctx, pool, ledgertest.SeedOptions{Projects: 1, Volunteers: 2, Start: now.Add(-3 * time.Hour), End: now.Add(-30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	m := overdue.Members[0]
	if _, err := pool.Exec(ctx, `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
		VALUES ($1, $2, $3, $4, $5, $6, 3600, 'closed', 'scan')`,
		uuid.New(), m.ProjectID, m.PositionID, m.VolunteerID, now.Add(-4*time.Hour), now.Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	told := &reloads{}
	c := &Closer{Store: st, Records: record.New(st, time.Now, slog.New(slog.DiscardHandler)), Grains: told, Now: time.Now}

	n, err := c.CloseOverdue(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("closed %d projects, want 1 (the other is within its grace)", n)
	}
	status := func(p uuid.UUID) string {
		var s string
		if err := pool.QueryRow(ctx, `SELECT status FROM project.project WHERE id = $1`, p).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := status(overdue.Projects[0].ID); got != "closed" {
		t.Errorf("overdue project status = %s, want closed", got)
	}
	if got := status(inGrace.Projects[0].ID); got != "running" {
		t.Errorf("project within its grace = %s, want running", got)
	}
	var records int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM record.service_record WHERE project_id = $1`, m.ProjectID).Scan(&records); err != nil {
		t.Fatal(err)
	}
	if records != 1 {
		t.Errorf("service records = %d, want 1", records)
	}
	if got := told.got(); len(got) == 0 || got[0] != overdue.Projects[0].ID {
		t.Errorf("grains told = %v, want the closed project", got)
	}
	if n, err := c.CloseOverdue(ctx, now); err != nil || n != 0 {
		t.Errorf("second sweep closed %d (%v), want 0", n, err)
	}
}
