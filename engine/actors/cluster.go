// Package actors runs yima's protoactor-go cluster: the actor system, the
// remote transport, membership (in-memory for one dev node, automanaged for
// a static host list, Kubernetes behind the k8s build tag) and the grain
// kinds the check-in engine registers.
package actors

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/automanaged"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"

	"yima/config"
)

// Cluster is a started cluster member.
type Cluster struct {
	*cluster.Cluster
	System *actor.ActorSystem
	// alone is true for the in-memory one-node membership of `yima dev`.
	alone bool
}

// Start joins (or forms) the cluster as a member hosting kinds.
func Start(cfg config.Cluster, log *slog.Logger, kinds ...*cluster.Kind) (*Cluster, error) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return log.With("component", "actors")
	}))
	provider, err := newProvider(cfg)
	if err != nil {
		return nil, err
	}
	remoteCfg := remote.Configure(cfg.Host, cfg.Port)
	c := cluster.New(system, cluster.Configure(cfg.Name, provider, disthash.New(), remoteCfg,
		cluster.WithKinds(kinds...),
		// Grain calls carry their own deadlines; this is the ceiling.
		cluster.WithRequestTimeout(5*time.Second),
	))
	c.StartMember()
	host, port, err := system.GetHostPort()
	if err != nil {
		c.Shutdown(false)
		return nil, fmt.Errorf("actor remote address: %w", err)
	}
	log.Info("actor cluster member started", "cluster", cfg.Name, "provider", cfg.Provider, "address", fmt.Sprintf("%s:%d", host, port), "member", system.ID)
	return &Cluster{Cluster: c, System: system, alone: cfg.Provider == "local"}, nil
}

// newProvider builds the membership provider named by cfg.
func newProvider(cfg config.Cluster) (cluster.ClusterProvider, error) {
	switch cfg.Provider {
	case "local":
		// One process: membership is an in-memory registry, no ports.
		return test.NewTestProvider(test.NewInMemAgent()), nil
	case "automanaged":
		if len(cfg.Hosts) == 0 {
			return nil, fmt.Errorf("cluster: automanaged needs cluster.hosts")
		}
		return automanaged.NewWithConfig(2*time.Second, cfg.AutoManagePort, cfg.Hosts...), nil
	case "k8s":
		return kubernetesProvider()
	}
	return nil, fmt.Errorf("cluster: unknown provider %q", cfg.Provider)
}

// Stop leaves the cluster. A member of a real cluster leaves gracefully,
// handing its grains over (protoactor-go then waits 2 s for the handover).
// A lone dev node has no one to hand over to, and its graceful path would
// race inside protoactor-go (the gossip loop reads the remote block list
// without its lock while the in-memory provider's deregistration writes it).
func (c *Cluster) Stop() {
	c.Shutdown(!c.alone)
}
