//go:build k8s

package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/k8s"
)

// kubernetesProvider discovers members through the Kubernetes API, from the
// pod's service account.
func kubernetesProvider() (cluster.ClusterProvider, error) {
	p, err := k8s.New()
	if err != nil {
		return nil, fmt.Errorf("cluster: k8s provider: %w", err)
	}
	return p, nil
}
