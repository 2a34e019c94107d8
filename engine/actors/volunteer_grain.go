package actors

import (
	"context"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/google/uuid"

	"yima/engine/actors/grainpb"
	"yima/store"
)

// KindVolunteer is the cluster kind of VolunteerGrain.
const KindVolunteer = "volunteer"

// VolunteerKind returns the cluster kind for VolunteerGrains on this node.
func VolunteerKind(deps GrainDeps) *cluster.Kind {
	return cluster.NewKind(KindVolunteer, actor.PropsFromProducer(func() actor.Actor {
		return &volunteerGrain{deps: deps}
	}))
}

// volunteerGrain holds one volunteer's code epoch and activation state and
// where the volunteer's open session is. It is off the hot path: a
// ProjectGrain caches epochs for its roster and asks here only in the rare
// case — a code newer than its cache, or the ledger finding its view of the
// volunteer stale because a session is open in another project. Asking one
// grain per volunteer orders those rare decisions per volunteer across
// projects and nodes.
type volunteerGrain struct {
	deps  GrainDeps
	id    uuid.UUID
	state *grainpb.VolunteerState
}

func (g *volunteerGrain) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *cluster.ClusterInit:
		id, err := uuid.Parse(m.Identity.Identity)
		if err != nil {
			ctx.Stop(ctx.Self())
			return
		}
		g.id = id
		ctx.SetReceiveTimeout(idleTimeout)
	case *grainpb.VolunteerQuery:
		if m.Fresh || g.state == nil {
			g.load()
		}
		if g.state == nil {
			ctx.Respond(&grainpb.VolunteerState{Error: "volunteer state unavailable"})
			return
		}
		ctx.Respond(g.state)
	case *grainpb.Reload:
		g.state = nil
		ctx.Respond(&grainpb.Ack{})
	case *actor.ReceiveTimeout:
		ctx.Stop(ctx.Self())
	}
}

// load reads the volunteer's state; a failure is answered as such and not
// cached.
func (g *volunteerGrain) load() {
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	row, err := g.deps.Store.Q.GetVolunteerState(ctx, g.id)
	switch {
	case store.IsNotFound(err):
		g.state = &grainpb.VolunteerState{}
		return
	case err != nil:
		g.deps.Log.Error("load volunteer grain", "volunteer", g.id, "err", err)
		g.state = nil
		return
	}
	st := &grainpb.VolunteerState{Found: true, CodeEpoch: uint32(row.CodeEpoch), CodeActive: row.CodeActive}
	if row.OpenSessionID.Valid {
		st.OpenSessionId = row.OpenSessionID.UUID[:]
		st.OpenProjectId = row.OpenProjectID.UUID[:]
		st.OpenPositionId = row.OpenPositionID.UUID[:]
		st.OpenStartedAt = row.OpenStartedAt.Time.UnixMicro()
	}
	g.state = st
}
