//go:build !k8s

package actors

import (
	"errors"

	"github.com/asynkron/protoactor-go/cluster"
)

// kubernetesProvider is only in builds tagged k8s, which keeps the client-go
// dependency tree out of the default binary.
func kubernetesProvider() (cluster.ClusterProvider, error) {
	return nil, errors.New("cluster: this yima was built without the k8s provider; rebuild with -tags k8s")
}
