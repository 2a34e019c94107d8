package certificate_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/access"
	"yima/engine/ledger/ledgertest"
	"yima/fault"
	"yima/keyring"
	"yima/paging"
	"yima/sensitive"
	"yima/services/certificate"
	"yima/services/identity"
	"yima/services/identity/idnumber"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// The fixture's project ran 08:00–12:00 China time on 1 May 2026; it is
// issued on 6 May.
var (
	start = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	end   = start.Add(4 * time.Hour)
	now   = time.Date(2026, 5, 6, 2, 0, 0, 0, time.UTC)
)

// notAbove refuses every overseer check: only the org itself acts here.
type notAbove struct{}

func (notAbove) Oversees(context.Context, *access.Principal, uuid.UUID) error {
	return fault.New(fault.PermissionDenied, "NOT_PARENT", "no")
}

type fixture struct {
	pool   *pgxpool.Pool
	svc    *certificate.Service
	fx     *ledgertest.Fixture
	leader *access.Principal
	// ids are the volunteers' ID numbers, by member.
	ids []string
	// later moves the service's clock on from now.
	later atomic.Int64
}

// setup seeds a closed project with volunteers, each with one service
// record of an hour, and ID numbers sealed as identity seals them.
func setup(t *testing.T, volunteers int) *fixture {
	t.Helper()
	pool := storetest.Open(t, schema)
	fx, err := ledgertest.Seed(t.Context(), pool, ledgertest.SeedOptions{Volunteers: volunteers, PositionsPerProject: 1, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	box, err := sensitive.NewBox(keys.Data(), keys.Index())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := certificate.NewSigner(keys.Sign())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	f := &fixture{pool: pool, fx: fx}
	for i, m := range fx.Members {
		id := idnumber.Generate(r, "310104", time.Date(1990, 1, 1+i, 0, 0, 0, 0, time.UTC), i%2 == 0)
		f.ids = append(f.ids, id)
		enc, err := box.Seal(identity.FieldIDNumber, id)
		if err != nil {
			t.Fatal(err)
		}
		session := uuid.New()
		if _, err := pool.Exec(t.Context(), `
WITH p AS (UPDATE identity.person SET id_number_enc = $2, id_number_masked = $3 WHERE id = $1),
     s AS (INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
           VALUES ($4, $5, $6, $7, $8::timestamptz, $8::timestamptz + interval '1 hour', 3600, 'closed', 'scan'))
INSERT INTO record.service_record (volunteer_id, project_id, position_id, session_id, started_at, ended_at, duration_seconds)
VALUES ($7, $5, $6, $4, $8::timestamptz, $8::timestamptz + interval '1 hour', 3600)`,
			m.PersonID, enc, sensitive.MaskIDNumber(id), session, m.ProjectID, m.PositionID, m.VolunteerID,
			start.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(t.Context(), `UPDATE project.project SET status = 'closed', closed_at = $2 WHERE id = $1`, fx.Projects[0].ID, end); err != nil {
		t.Fatal(err)
	}
	// The first volunteer also leads the org, and issues.
	f.leader = &access.Principal{Kind: access.KindOrgLeader, OrgID: fx.OrgID, PersonID: fx.Members[0].PersonID}
	f.svc, err = certificate.New(certificate.Options{
		Store: store.New(pool), Box: box, Signer: signer, Orgs: notAbove{}, TicketKey: make([]byte, 32),
		VerifyBase: "https://yima.example/", Now: func() time.Time { return now.Add(time.Duration(f.later.Load())) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func volunteer(m ledgertest.Member) *access.Principal {
	return &access.Principal{Kind: access.KindVolunteer, PersonID: m.PersonID}
}

// TestIssueConcurrently issues many certificates at once: the numbers are
// the year's first ones, each once, without gaps, and every certificate
// verifies.
func TestIssueConcurrently(t *testing.T) {
	t.Parallel()
	const n = 12
	f := setup(t, n)
	apps := make([]uuid.UUID, n)
	for i, m := range f.fx.Members {
		a, err := f.svc.Apply(t.Context(), volunteer(m), m.ProjectID, "")
		if err != nil {
			t.Fatalf("Apply %d: %v", i, err)
		}
		apps[i] = a.ID
	}
	certs := make([]certificate.Certificate, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range apps {
		wg.Go(func() { certs[i], errs[i] = f.svc.Issue(t.Context(), f.leader, apps[i]) })
	}
	wg.Wait()
	var numbers, want []string
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Issue %d: %v", i, err)
		}
		numbers = append(numbers, certs[i].Number)
		want = append(want, fmt.Sprintf("SH-ZY-2026-%06d", i+1))
	}
	slices.Sort(numbers)
	if !slices.Equal(numbers, want) {
		t.Errorf("numbers = %v, want %v", numbers, want)
	}
	for i, c := range certs {
		if c.IssuedOn != "2026-05-06" || c.ServiceFrom != "2026-05-01" || c.ServiceSeconds != 3600 ||
			c.HandlerName != "志愿者0" || c.IDNumberMasked != sensitive.MaskIDNumber(f.ids[i]) {
			t.Errorf("certificate %d = %+v", i, c)
		}
		v, err := f.svc.Verify(t.Context(), c.Number, c.CheckCode)
		if err != nil || !v.Valid {
			t.Errorf("Verify(%s) = %+v, %v", c.Number, v, err)
		}
	}
}

// TestFailedIssueLeavesNoGap: an issue that fails inside its transaction
// takes no number.
func TestFailedIssueLeavesNoGap(t *testing.T) {
	t.Parallel()
	f := setup(t, 3)
	var apps []uuid.UUID
	for _, m := range f.fx.Members {
		a, err := f.svc.Apply(t.Context(), volunteer(m), m.ProjectID, "")
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a.ID)
	}
	first, err := f.svc.Issue(t.Context(), f.leader, apps[0])
	if err != nil {
		t.Fatal(err)
	}
	// The second volunteer's ID number is gone: the issue fails.
	if _, err := f.pool.Exec(t.Context(), `UPDATE identity.person SET id_number_enc = NULL WHERE id = $1`, f.fx.Members[1].PersonID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Issue(t.Context(), f.leader, apps[1]); fault.ReasonOf(err) != "ID_NUMBER_MISSING" {
		t.Fatalf("Issue without an ID number = %v, want ID_NUMBER_MISSING", err)
	}
	third, err := f.svc.Issue(t.Context(), f.leader, apps[2])
	if err != nil {
		t.Fatal(err)
	}
	if first.Number != "SH-ZY-2026-000001" || third.Number != "SH-ZY-2026-000002" {
		t.Errorf("numbers %s, %s; want 000001 then 000002", first.Number, third.Number)
	}
	// The failed application is still pending.
	rows, _, err := f.svc.ListOrg(t.Context(), f.leader, uuid.Nil, certificate.StatusPending, paging.Page{Limit: 10})
	if err != nil || len(rows) != 1 || rows[0].ID != apps[1] {
		t.Errorf("pending after the failed issue = %v, %v", rows, err)
	}
}

func TestTickets(t *testing.T) {
	t.Parallel()
	f := setup(t, 1)
	m := f.fx.Members[0]
	a, err := f.svc.Apply(t.Context(), volunteer(m), m.ProjectID, "")
	if err != nil {
		t.Fatal(err)
	}
	link, exp, err := f.svc.PreviewLink(t.Context(), f.leader, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(certificate.TicketTTL)) {
		t.Errorf("expires %v, want %v", exp, now.Add(certificate.TicketTTL))
	}
	c, err := f.svc.Issue(t.Context(), f.leader, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	pdfURL, _, _, err := f.svc.Links(t.Context(), volunteer(m), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	ticket := func(url string) string {
		for i := range url {
			if url[i:min(len(url), i+8)] == "?ticket=" {
				return url[i+8:]
			}
		}
		t.Fatalf("no ticket in %s", url)
		return ""
	}
	preview, certTicket := ticket(link), ticket(pdfURL)
	expired := func() error {
		f.later.Store(int64(certificate.TicketTTL))
		defer f.later.Store(0)
		_, _, err := f.svc.PDFByTicket(t.Context(), c.ID, certTicket)
		return err
	}
	for _, tc := range []struct {
		name   string
		check  func() error
		reason string
	}{
		{"证明的票据不能预览", func() error { _, err := f.svc.PreviewByTicket(t.Context(), a.ID, certTicket); return err }, "TICKET_INVALID"},
		{"预览的票据不能下载证明", func() error { _, _, err := f.svc.PDFByTicket(t.Context(), c.ID, preview); return err }, "TICKET_INVALID"},
		{"其他证明", func() error { _, _, err := f.svc.PDFByTicket(t.Context(), uuid.New(), certTicket); return err }, "TICKET_INVALID"},
		{"被改过", func() error {
			_, _, err := f.svc.PDFByTicket(t.Context(), c.ID, certTicket[:len(certTicket)-2]+"AA")
			return err
		}, "TICKET_INVALID"},
		{"过期", expired, "TICKET_EXPIRED"},
		{"不是票据", func() error { _, _, err := f.svc.PDFByTicket(t.Context(), c.ID, "x"); return err }, "TICKET_INVALID"},
		{"已签发后预览", func() error { _, err := f.svc.PreviewByTicket(t.Context(), a.ID, preview); return err }, "APPLICATION_NOT_PENDING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.ReasonOf(tc.check()); got != tc.reason {
				t.Errorf("reason = %q, want %q", got, tc.reason)
			}
		})
	}
}
