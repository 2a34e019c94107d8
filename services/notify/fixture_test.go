package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"yima/access"
	"yima/keyring"
	"yima/natsbus"
	"yima/sensitive"
	"yima/services/notify"
	"yima/services/notify/sms"
	"yima/services/org"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// clock is a time the test moves; dispatcher goroutines read it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// gateway is a fake SMS gateway of the documented behaviour: one text per
// out_id, a repeat answered with the first id.
type gateway struct {
	mu    sync.Mutex
	ids   map[string]string // out_id → gateway id
	texts []sms.Message     // what was really sent, in order
	calls int
	// before runs before a call is taken; an error refuses it.
	before func(m sms.Message, call int) error
	// after runs once a call was taken; an error is what the caller sees
	// (the text went out nonetheless: a lost answer).
	after func(m sms.Message, call int) error
}

func newGateway() *gateway { return &gateway{ids: map[string]string{}} }

func (g *gateway) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	g.mu.Lock()
	g.calls++
	call, before, after := g.calls, g.before, g.after
	g.mu.Unlock()
	if before != nil {
		if err := before(m, call); err != nil {
			return sms.Receipt{}, err
		}
	}
	g.mu.Lock()
	id, dup := g.ids[m.OutID]
	if !dup {
		id = fmt.Sprintf("gw-%d", len(g.ids)+1)
		g.ids[m.OutID] = id
		g.texts = append(g.texts, m)
	}
	g.mu.Unlock()
	if after != nil {
		if err := after(m, call); err != nil {
			return sms.Receipt{}, err
		}
	}
	return sms.Receipt{ID: id, Duplicate: dup}, nil
}

func (g *gateway) sent() []sms.Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.texts)
}

func (g *gateway) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// fixture is a database with an org tree, people with and without phones,
// a project with sign-ups, an embedded NATS and a notify service.
//
//	root ─ 测试区 (district, leader: districtLeader)
//	         ├─ 甲街道 (street A, leader: leaderA; members: vol1, vol2, noPhone; project with sign-ups)
//	         └─ 乙街道 (street B, admin: adminB; member: volB)
//	       另一区 (district E, leader: leaderE)
type fixture struct {
	st    *store.Store
	box   *sensitive.Box
	clock *clock
	bus   *natsbus.Bus
	queue *notify.Queue
	svc   *notify.Service
	gw    *gateway
	log   *slog.Logger
	// limits are the service's and every dispatcher's.
	limits notify.Limits

	district, a, b, e uuid.UUID
	dept              uuid.UUID // a department mapped to the district
	project, projectB uuid.UUID

	leaderA, adminB, districtLeader, leaderE, staffDistrict, staffAll *access.Principal
	// Persons: vol1 and vol2 hired on project, noPhone hired too, pending
	// and rejected signed up; volB is B's member.
	vol1, vol2, noPhone, pending, rejected, volB person
	// volunteer ids by person
	volunteers map[uuid.UUID]uuid.UUID
	people     int
}

type person struct {
	ID    uuid.UUID
	Phone string
}

func newFixture(t *testing.T, limits notify.Limits) *fixture {
	t.Helper()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	root, err := org.EnsureRoot(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := keyring.NewKey(1, bytes.Repeat([]byte{0x11}, keyring.KeySize))
	index, _ := keyring.NewKey(1, bytes.Repeat([]byte{0x22}, keyring.KeySize))
	box, err := sensitive.NewBox(data, index)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := natsbus.Embedded(t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	queue, err := notify.NewQueue(ctx, bus.Conn, notify.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		st: st, box: box, bus: bus, queue: queue, gw: newGateway(), log: slog.New(slog.DiscardHandler), limits: limits,
		clock:      &clock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)},
		volunteers: map[uuid.UUID]uuid.UUID{},
	}
	f.district = f.addOrg(t, root.ID, []uuid.UUID{root.ID}, "district", "测试区志愿者协会")
	f.e = f.addOrg(t, root.ID, []uuid.UUID{root.ID}, "district", "另一区志愿者协会")
	up := []uuid.UUID{root.ID, f.district}
	f.a = f.addOrg(t, f.district, up, "street", "甲街道志愿者服务中心")
	f.b = f.addOrg(t, f.district, up, "street", "乙街道志愿者服务中心")

	f.leaderA = f.orgAccount(t, f.a, access.KindOrgLeader, f.person(t, "张甲", true))
	f.adminB = f.orgAccount(t, f.b, access.KindOrgAdmin, f.person(t, "李乙", true))
	f.districtLeader = f.orgAccount(t, f.district, access.KindOrgLeader, f.person(t, "王区", true))
	f.leaderE = f.orgAccount(t, f.e, access.KindOrgLeader, f.person(t, "赵另", true))

	f.vol1, f.vol2 = f.volunteer(t, "钱一", true), f.volunteer(t, "孙二", true)
	f.noPhone, f.pending, f.rejected = f.volunteer(t, "周三", false), f.volunteer(t, "吴四", true), f.volunteer(t, "郑五", true)
	f.volB = f.volunteer(t, "冯六", true)
	for _, p := range []person{f.vol1, f.vol2, f.noPhone} {
		f.member(t, f.a, p)
	}
	f.member(t, f.b, f.volB)
	f.project = f.addProject(t, f.a)
	f.projectB = f.addProject(t, f.b)
	for p, status := range map[person]string{f.vol1: "hired", f.vol2: "hired", f.noPhone: "hired", f.pending: "pending", f.rejected: "rejected"} {
		f.signUp(t, f.project, p, status)
	}
	f.signUp(t, f.projectB, f.volB, "hired")

	f.dept = uuid.New()
	if _, err := st.Pool.Exec(ctx, `INSERT INTO rbac.department (id, path, name, org_id) VALUES ($1, ARRAY[$1::uuid], '测试区民政局', $2)`, f.dept, f.district); err != nil {
		t.Fatal(err)
	}
	staff := f.person(t, "后台", true)
	f.staffDistrict = &access.Principal{PersonID: staff.ID, AccountID: f.account(t, staff.ID, "staff", uuid.Nil), Kind: access.KindStaff, DepartmentID: f.dept}
	super := f.person(t, "超管", true)
	f.staffAll = &access.Principal{PersonID: super.ID, AccountID: f.account(t, super.ID, "staff", uuid.Nil), Kind: access.KindStaff}

	f.svc = notify.New(notify.Options{
		Store: st, Now: f.clock.Now, Log: f.log, Queue: queue, Limits: limits,
		Staff: notify.StaffScopeFunc(func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
			if p == f.staffAll {
				return true, nil, nil
			}
			return false, []uuid.UUID{f.dept}, nil
		}),
	})
	return f
}

// dispatcher starts a dispatcher on its own NATS connection, as another
// node would, stopped when the test ends.
func (f *fixture) dispatcher(t *testing.T, gw sms.Gateway, edit func(*notify.DispatcherOptions)) *notify.Dispatcher {
	t.Helper()
	conn, err := natsConnect(f.bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	opt := notify.DispatcherOptions{
		Store: f.st, Box: f.box, Gateway: gw, Conn: conn, Queue: f.queue, Now: f.clock.Now, Log: f.log,
		Limits: f.limits, Workers: 2, AckWait: time.Second, Backoff: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
		NoSweep: true,
	}
	if edit != nil {
		edit(&opt)
	}
	d, err := notify.StartDispatcher(t.Context(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func (f *fixture) addOrg(t *testing.T, parent uuid.UUID, above []uuid.UUID, level, name string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, $3, $4, $5, 'active')`,
		id, parent, append(slices.Clone(above), id), level, name); err != nil {
		t.Fatal(err)
	}
	return id
}

// person inserts a person, with a sealed phone when withPhone.
func (f *fixture) person(t *testing.T, name string, withPhone bool) person {
	t.Helper()
	f.people++
	p := person{ID: uuid.New()}
	var enc, idx []byte
	masked := ""
	if withPhone {
		p.Phone = fmt.Sprintf("1391688%04d", f.people)
		var err error
		if enc, err = f.box.Seal(notify.FieldPhone, p.Phone); err != nil {
			t.Fatal(err)
		}
		idx, masked = f.box.Index(notify.FieldPhone, p.Phone), sensitive.MaskPhone(p.Phone)
	}
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO identity.person (id, name, phone_enc, phone_idx, phone_masked) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, name, enc, idx, masked); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) account(t *testing.T, personID uuid.UUID, kind string, orgID uuid.UUID) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	var username any
	if kind == "staff" {
		username = "staff_" + personID.String()[:8]
	}
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO identity.account (person_id, kind, org_id, username) VALUES ($1, $2, $3, $4) RETURNING id`,
		personID, kind, store.NullUUID(orgID), username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) orgAccount(t *testing.T, orgID uuid.UUID, kind access.Kind, p person) *access.Principal {
	t.Helper()
	return &access.Principal{PersonID: p.ID, AccountID: f.account(t, p.ID, kind.String(), orgID), Kind: kind, OrgID: orgID}
}

func (f *fixture) volunteer(t *testing.T, name string, withPhone bool) person {
	t.Helper()
	p := f.person(t, name, withPhone)
	var v uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, volunteer.next_volunteer_no()) RETURNING id`, p.ID).Scan(&v); err != nil {
		t.Fatal(err)
	}
	f.volunteers[p.ID] = v
	return p
}

func (f *fixture) member(t *testing.T, orgID uuid.UUID, p person) {
	t.Helper()
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO volunteer.membership (org_id, volunteer_id, status) VALUES ($1, $2, 'member')`, orgID, f.volunteers[p.ID]); err != nil {
		t.Fatal(err)
	}
}

// group makes a member group of the org holding the members ps.
func (f *fixture) group(t *testing.T, orgID uuid.UUID, name string, ps ...person) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO volunteer.member_group (org_id, name) VALUES ($1, $2) RETURNING id`, orgID, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO volunteer.member_group_member (group_id, org_id, volunteer_id) VALUES ($1, $2, $3)`, id, orgID, f.volunteers[p.ID]); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func (f *fixture) addProject(t *testing.T, orgID uuid.UUID) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	start := f.clock.Now().Add(24 * time.Hour)
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.project (org_id, title, status, start_time, end_time)
		VALUES ($1, '社区清洁', 'recruiting', $2, $3) RETURNING id`, orgID, start, start.Add(3*time.Hour)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '清洁员', 10)`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) signUp(t *testing.T, projectID uuid.UUID, p person, status string) {
	t.Helper()
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status)
		SELECT $1, id, $2, $3 FROM project.position WHERE project_id = $1`, projectID, f.volunteers[p.ID], status); err != nil {
		t.Fatal(err)
	}
}

// delivery is a recipient row as the database holds it.
type delivery struct {
	Status, Note, GatewayID string
	Attempts                int
	InApp                   bool
}

func (f *fixture) delivery(t *testing.T, message, personID uuid.UUID) delivery {
	t.Helper()
	var d delivery
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT status, note, gateway_msg_id, attempts, in_app FROM notify.recipient
		WHERE message_id = $1 AND person_id = $2`, message, personID).Scan(&d.Status, &d.Note, &d.GatewayID, &d.Attempts, &d.InApp); err != nil {
		t.Fatalf("recipient %s of %s: %v", personID, message, err)
	}
	return d
}

// settled waits until no recipient of message is queued or sending.
func (f *fixture) settled(t *testing.T, message uuid.UUID) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var open int
		if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM notify.recipient WHERE message_id = $1 AND status IN ('queued', 'sending')`, message).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s: %d recipients still open after 15s", message, open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hired is the audience of the project's hired volunteers.
func (f *fixture) hired() notify.Audience {
	return notify.Audience{Kind: notify.AudienceProjectSignUps, ProjectID: f.project}
}

func (f *fixture) send(t *testing.T, p *access.Principal, d notify.Draft) notify.Message {
	t.Helper()
	if d.Body == "" {
		d.Body = "明早8点在小区门口集合，请准时到达。"
	}
	if len(d.Channels) == 0 {
		d.Channels = []notify.Channel{notify.ChannelSMS}
	}
	m, err := f.svc.Send(t.Context(), p, d)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return m
}

func natsConnect(b *natsbus.Bus) (*nats.Conn, error) { return nats.Connect(b.URL()) }
