package actors

import (
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"yima/config"
)

// counter is a grain that counts the messages it received, so the test can
// see that calls to one identity reach one activation.
type counter struct{ n int64 }

func (c *counter) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*wrapperspb.StringValue); ok {
		c.n++
		ctx.Respond(wrapperspb.Int64(c.n))
	}
}

func TestLocalClusterRoutesToOneActivation(t *testing.T) {
	cfg := config.Default(config.ModeDev).Cluster
	cfg.Port = 0
	kind := cluster.NewKind("counter", actor.PropsFromProducer(func() actor.Actor { return &counter{} }))
	c, err := Start(cfg, slog.New(slog.DiscardHandler), kind)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()

	for i := int64(1); i <= 3; i++ {
		res, err := c.Request("project-1", "counter", wrapperspb.String("scan"), cluster.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := res.(*wrapperspb.Int64Value).Value; got != i {
			t.Fatalf("reply %d = %d, want %d (one activation per identity)", i, got, i)
		}
	}
	res, err := c.Request("project-2", "counter", wrapperspb.String("scan"), cluster.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.(*wrapperspb.Int64Value).Value; got != 1 {
		t.Errorf("other identity's first reply = %d, want 1", got)
	}
}
