package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"yima/engine/actors/grainpb"
	"yima/engine/ledger"
	"yima/store"
	"yima/store/db"
)

// KindProject is the cluster kind of ProjectGrain.
const KindProject = "project"

// Grain tuning.
const (
	// idleTimeout passivates a grain nobody scanned for this long; its state
	// is in PostgreSQL and reloads on the next scan.
	idleTimeout = 10 * time.Minute
	// rememberScans bounds the committed answers a grain keeps for retries;
	// older retries are answered from the ledger's store.
	rememberScans = 4096
	// loadTimeout bounds a grain's (re)load from PostgreSQL.
	loadTimeout = 10 * time.Second
	// maxRedecide bounds how often one scan is decided again after the
	// ledger found the grain's state stale.
	maxRedecide = 2
)

// GrainDeps is what ProjectGrains need from their node.
type GrainDeps struct {
	Store  *store.Store
	Ledger *ledger.Ledger
	Log    *slog.Logger
	// Events hears of every newly committed scan; nil hears nothing.
	Events Events
}

// Event is a committed scan, for the live pages.
type Event struct {
	ProjectID   uuid.UUID
	VolunteerID uuid.UUID // uuid.Nil for a refusal before the code was read
	ScanID      string
	Result      *grainpb.ScanResult
	// OnSite is how many volunteers are signed in at the project now.
	OnSite int
	At     time.Time
}

// Events receives committed scans. Publish is called from the grain and
// must not block: queue, or publish asynchronously.
type Events interface {
	Publish(Event)
}

// Kinds returns the grain kinds of the check-in engine, to register on
// every member.
func Kinds(deps GrainDeps) []*cluster.Kind {
	return []*cluster.Kind{ProjectKind(deps), VolunteerKind(deps)}
}

// ProjectKind returns the cluster kind for ProjectGrains on this node.
func ProjectKind(deps GrainDeps) *cluster.Kind {
	return cluster.NewKind(KindProject, actor.PropsFromProducer(func() actor.Actor {
		return &projectGrain{deps: deps}
	}))
}

// projectGrain is the hot path of the check-in engine: one per project,
// holding the roster, the window and rules, the open sessions and the
// debounce, deciding each scan in memory and handing the decision to the
// ledger without waiting. Callers are answered once the ledger committed.
type projectGrain struct {
	deps    GrainDeps
	id      uuid.UUID
	cluster *cluster.Cluster
	self    *actor.PID
	root    *actor.RootContext
	st      *state
	loaded  bool

	// elsewhere holds open sessions of roster volunteers in other projects,
	// learned when the ledger refused a sign-in as stale.
	elsewhere map[uuid.UUID]uuid.UUID // volunteer → session elsewhere

	inflight map[string]*inflightScan
	seen     map[string]*grainpb.ScanResult
	seenRing []string
}

// inflightScan is a decision handed to the ledger and not yet committed.
type inflightScan struct {
	scan      *grainpb.Scan
	volunteer uuid.UUID
	at        time.Time
	waiters   []waiter
	tries     int
}

type waiter struct {
	pid       *actor.PID
	duplicate bool
}

// committed is the ledger's answer, sent by the ledger goroutine to the
// grain so that all state changes happen inside Receive.
type committed struct {
	scanID string
	result ledger.Result
}

func (g *projectGrain) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *cluster.ClusterInit:
		g.self, g.root, g.cluster = ctx.Self(), ctx.ActorSystem().Root, m.Cluster
		id, err := uuid.Parse(m.Identity.Identity)
		if err != nil {
			g.deps.Log.Error("project grain with a bad identity", "identity", m.Identity.Identity)
			ctx.Stop(ctx.Self())
			return
		}
		g.id = id
		g.inflight = map[string]*inflightScan{}
		g.seen = map[string]*grainpb.ScanResult{}
		g.elsewhere = map[uuid.UUID]uuid.UUID{}
		ctx.SetReceiveTimeout(idleTimeout)
	case *grainpb.Scan:
		g.scan(ctx, m)
	case *committed:
		g.committed(ctx, m)
	case *grainpb.Reload:
		g.reload(m.VolunteerId)
		ctx.Respond(&grainpb.Ack{})
	case *actor.ReceiveTimeout:
		if len(g.inflight) == 0 {
			ctx.Stop(ctx.Self())
		}
	}
}

// scan decides one scan.
func (g *projectGrain) scan(ctx actor.Context, m *grainpb.Scan) {
	if res, ok := g.seen[m.ScanId]; ok {
		ctx.Respond(asDuplicate(res))
		return
	}
	if in, ok := g.inflight[m.ScanId]; ok {
		in.waiters = append(in.waiters, waiter{pid: ctx.Sender(), duplicate: true})
		return
	}
	if !g.loaded {
		if err := g.load(); err != nil {
			g.deps.Log.Error("load project grain", "project", g.id, "err", err)
			ctx.Respond(&grainpb.ScanResult{Error: "project state unavailable"})
			return
		}
	}
	in := &inflightScan{scan: m, volunteer: uuidOf(m.VolunteerId), at: time.UnixMicro(m.ScannedAt),
		waiters: []waiter{{pid: ctx.Sender()}}}
	g.decideAndAppend(in)
}

// decideAndAppend decides in's scan on the current state and hands the
// decision to the ledger, or answers a duplicate at once.
func (g *projectGrain) decideAndAppend(in *inflightScan) {
	v := g.st.decide(in.scan, in.volunteer, in.at, ledger.NewSessionID)
	if v.reloadEpoch {
		g.reload(in.volunteer[:])
		if v = g.st.decide(in.scan, in.volunteer, in.at, ledger.NewSessionID); v.reloadEpoch {
			// The code names an epoch the database never had.
			v = reject("CODE_INVALID")
		}
	}
	if v.duplicate {
		// A repeat of a scan still being committed waits for that commit,
		// so nobody is told of a sign-in that might not happen.
		if first, ok := g.inflight[g.st.last[in.volunteer].scanID]; ok {
			for _, w := range in.waiters {
				first.waiters = append(first.waiters, waiter{pid: w.pid, duplicate: true})
			}
			return
		}
		g.answer(in.waiters, asDuplicate(v.result))
		return
	}
	d := g.decision(in, v.result)
	if v.result.Outcome == grainpb.Outcome_OUTCOME_SIGNED_IN {
		if other, ok := g.elsewhere[in.volunteer]; ok {
			d.CloseOther = &ledger.OtherClose{SessionID: other}
		}
	}
	g.st.apply(in.volunteer, in.scan.ScanId, in.at, v)
	g.inflight[in.scan.ScanId] = in
	scanID, self, root := in.scan.ScanId, g.self, g.root
	err := g.deps.Ledger.Append(d, func(r ledger.Result) {
		root.Send(self, &committed{scanID: scanID, result: r})
	})
	if err != nil {
		delete(g.inflight, scanID)
		g.reload(in.volunteer[:])
		msg := "ledger unavailable"
		if errors.Is(err, ledger.ErrBusy) {
			msg = "busy"
		}
		g.answer(in.waiters, &grainpb.ScanResult{Error: msg})
	}
}

// committed answers the waiters of a decision the ledger has finished.
func (g *projectGrain) committed(ctx actor.Context, c *committed) {
	in, ok := g.inflight[c.scanID]
	if !ok {
		return
	}
	delete(g.inflight, c.scanID)
	r := c.result
	switch {
	case r.Err != nil:
		// Our optimistic change may not have happened; learn what did.
		g.reload(in.volunteer[:])
		g.deps.Log.Error("ledger refused a scan", "project", g.id, "scan_id", c.scanID, "err", r.Err)
		g.answer(in.waiters, &grainpb.ScanResult{Error: "not recorded, retry"})
	case r.Stale:
		g.reload(in.volunteer[:])
		if in.tries++; in.tries > maxRedecide {
			g.answer(in.waiters, &grainpb.ScanResult{Error: "state changed concurrently, retry"})
			return
		}
		g.decideAndAppend(in)
	default:
		res := ResultOf(r.Decision)
		if r.Duplicate {
			// Written before (another node, or before a restart): our
			// decision was not applied there; learn the true state.
			g.reload(in.volunteer[:])
			res = asDuplicate(res)
		} else if oc := r.Decision.CloseOther; oc != nil && oc.ProjectID != uuid.Nil {
			delete(g.elsewhere, in.volunteer)
			g.tellReload(ctx, oc.ProjectID, in.volunteer)
		}
		g.remember(c.scanID, res)
		g.answer(in.waiters, res)
		if !r.Duplicate && g.deps.Events != nil {
			g.deps.Events.Publish(Event{
				ProjectID: g.id, VolunteerID: in.volunteer, ScanID: c.scanID, Result: res,
				OnSite: len(g.st.open), At: in.at,
			})
		}
	}
}

// tellReload tells another project's grain that one of its sessions was
// closed here. Fire and forget: an inactive grain loads fresh anyway.
func (g *projectGrain) tellReload(ctx actor.Context, project, volunteer uuid.UUID) {
	c := cluster.GetCluster(ctx.ActorSystem())
	if pid := c.Get(project.String(), KindProject); pid != nil {
		ctx.Send(pid, &grainpb.Reload{VolunteerId: volunteer[:]})
	}
}

func (g *projectGrain) answer(ws []waiter, res *grainpb.ScanResult) {
	for _, w := range ws {
		out := res
		if w.duplicate && res.Error == "" {
			out = asDuplicate(res)
		}
		g.root.Send(w.pid, out)
	}
}

func (g *projectGrain) remember(scanID string, res *grainpb.ScanResult) {
	if len(g.seenRing) >= rememberScans {
		delete(g.seen, g.seenRing[0])
		g.seenRing = g.seenRing[1:]
	}
	g.seen[scanID] = res
	g.seenRing = append(g.seenRing, scanID)
}

// decision turns a verdict into what the ledger writes.
func (g *projectGrain) decision(in *inflightScan, res *grainpb.ScanResult) ledger.Decision {
	m := in.scan
	d := ledger.Decision{
		ScanID: m.ScanId, ReceivedAt: time.UnixMicro(m.ReceivedAt), ScannedAt: in.at,
		ProjectID: g.id, VolunteerID: in.volunteer, Method: ledger.Method(m.Method),
		Outcome: ledger.Outcome(res.Outcome), Reason: res.Reason, Gate: m.Gate,
		ByAccount: uuidOf(m.ByAccount),
	}
	d.DeviceID = uuidOf(m.DeviceId)
	if m.HasLocation {
		lat, lng := m.Lat, m.Lng
		d.Lat, d.Lng = &lat, &lng
	}
	if res.Outcome != grainpb.Outcome_OUTCOME_REJECTED {
		d.PositionID = uuidOf(res.PositionId)
		d.Session = ledger.Session{ID: uuidOf(res.SessionId), StartedAt: time.UnixMicro(res.StartedAt)}
		if res.Outcome == grainpb.Outcome_OUTCOME_SIGNED_OUT {
			d.Session.EndedAt = time.UnixMicro(res.EndedAt)
		}
	}
	return d
}

// ResultOf is the answer to a committed decision. A retry of a scan first
// accepted gets its session, whatever was appended the second time.
func ResultOf(d ledger.Decision) *grainpb.ScanResult {
	res := &grainpb.ScanResult{Outcome: grainpb.Outcome(d.Outcome), Reason: d.Reason}
	if d.Outcome == ledger.Rejected {
		return res
	}
	res.SessionId = d.Session.ID[:]
	res.VolunteerId = d.VolunteerID[:]
	res.PositionId = d.PositionID[:]
	res.StartedAt = d.Session.StartedAt.UnixMicro()
	if !d.Session.EndedAt.IsZero() {
		res.EndedAt = d.Session.EndedAt.UnixMicro()
		res.DurationSeconds = d.Session.DurationSeconds
	}
	return res
}

func asDuplicate(res *grainpb.ScanResult) *grainpb.ScanResult {
	out := proto.Clone(res).(*grainpb.ScanResult)
	out.Duplicate = true
	return out
}

// load reads the project's whole state.
func (g *projectGrain) load() error {
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	q := g.deps.Store.Q
	p, err := q.GetProjectRules(ctx, g.id)
	if err != nil {
		if store.IsNotFound(err) {
			// Scans for a project that does not exist are refused by the
			// rules, which need a status: none is open.
			g.st, g.loaded = emptyState(), true
			return nil
		}
		return fmt.Errorf("load project rules: %w", err)
	}
	st := emptyState()
	st.rules = Rules{
		Status: p.Status, Start: p.StartTime, End: p.EndTime,
		ScanBefore:     time.Duration(p.ScanBeforeSeconds) * time.Second,
		ScanAfter:      time.Duration(p.ScanAfterSeconds) * time.Second,
		GeofenceMeters: int(p.GeofenceMeters),
		Lat:            p.Lat.Float64, Lng: p.Lng.Float64, HasLocation: p.Lat.Valid && p.Lng.Valid,
	}
	positions, err := q.ListProjectPositions(ctx, g.id)
	if err != nil {
		return fmt.Errorf("load positions: %w", err)
	}
	for _, pos := range positions {
		st.positions[pos.ID] = methodsOf(pos.SignInMethods)
	}
	roster, err := q.ListProjectRoster(ctx, g.id)
	if err != nil {
		return fmt.Errorf("load roster: %w", err)
	}
	for _, r := range roster {
		st.roster[r.VolunteerID] = r.PositionID
		st.epochs[r.VolunteerID] = uint32(r.CodeEpoch)
	}
	open, err := q.ListOpenSessionsOfProject(ctx, g.id)
	if err != nil {
		return fmt.Errorf("load open sessions: %w", err)
	}
	for _, o := range open {
		st.open[o.VolunteerID] = openSession{id: o.ID, position: o.PositionID, started: o.StartedAt}
	}
	g.st, g.loaded = st, true
	return nil
}

// reload refreshes one volunteer's part of the state, or everything when
// volunteer is empty. On failure the grain forgets its state and loads it
// whole at the next scan.
func (g *projectGrain) reload(volunteer []byte) {
	if len(volunteer) != 16 || !g.loaded {
		g.loaded = false
		if err := g.load(); err != nil {
			g.deps.Log.Error("reload project grain", "project", g.id, "err", err)
		}
		return
	}
	if err := g.reloadVolunteer(uuidOf(volunteer)); err != nil {
		g.deps.Log.Error("reload volunteer in project grain", "project", g.id, "err", err)
		g.loaded = false
	}
}

func (g *projectGrain) reloadVolunteer(v uuid.UUID) error {
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	r, err := g.deps.Store.Q.GetRosterEntry(ctx, db.GetRosterEntryParams{ProjectID: g.id, VolunteerID: v})
	switch {
	case store.IsNotFound(err):
		delete(g.st.roster, v)
		delete(g.st.epochs, v)
	case err != nil:
		return fmt.Errorf("load roster entry: %w", err)
	default:
		g.st.roster[v] = r.PositionID
	}
	// The volunteer's grain knows the epoch and where the open session is,
	// and orders these rare look-ups per volunteer across projects.
	res, err := g.cluster.Request(v.String(), KindVolunteer, &grainpb.VolunteerQuery{Fresh: true}, cluster.WithTimeout(loadTimeout))
	if err != nil {
		return fmt.Errorf("ask volunteer grain: %w", err)
	}
	vs, ok := res.(*grainpb.VolunteerState)
	if !ok || vs.Error != "" {
		return fmt.Errorf("ask volunteer grain: %v %v", res, vs.GetError())
	}
	if _, hired := g.st.roster[v]; hired {
		g.st.epochs[v] = vs.CodeEpoch
	}
	// What this grain believed of v may have been optimistic; start over
	// from what PostgreSQL holds.
	delete(g.st.open, v)
	delete(g.st.last, v)
	delete(g.elsewhere, v)
	switch open := uuidOf(vs.OpenProjectId); {
	case open == uuid.Nil:
	case open == g.id:
		g.st.open[v] = openSession{id: uuidOf(vs.OpenSessionId), position: uuidOf(vs.OpenPositionId), started: time.UnixMicro(vs.OpenStartedAt)}
	default:
		g.elsewhere[v] = uuidOf(vs.OpenSessionId)
	}
	return nil
}

func emptyState() *state {
	return &state{
		positions: map[uuid.UUID]position{}, roster: map[uuid.UUID]uuid.UUID{},
		epochs: map[uuid.UUID]uint32{}, open: map[uuid.UUID]openSession{}, last: map[uuid.UUID]lastScan{},
	}
}

// methodsOf reads a position's sign-in methods; none means both.
func methodsOf(ms []string) position {
	if len(ms) == 0 {
		return position{staff: true, self: true}
	}
	var p position
	for _, m := range ms {
		switch m {
		case "staff_scan":
			p.staff = true
		case "self_scan":
			p.self = true
		}
	}
	return p
}

// uuidOf reads a 16-byte id from a grain message; anything else is
// uuid.Nil, never a panic.
func uuidOf(b []byte) uuid.UUID {
	if len(b) != 16 {
		return uuid.Nil
	}
	return uuid.UUID(b)
}
