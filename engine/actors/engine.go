package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
	"github.com/google/uuid"

	"yima/engine/actors/grainpb"
)

// grainTimeout bounds a grain call when the caller's context has no
// deadline: long enough for a commit that waits on a slow disk.
const grainTimeout = 10 * time.Second

// ErrUnavailable is returned when a grain could not record a scan; the
// client retries with the same scan id.
var ErrUnavailable = errors.New("check-in engine unavailable")

// Engine is the entry to the grains for the rest of the program.
type Engine struct {
	c *Cluster
}

// NewEngine returns an Engine over a started cluster.
func NewEngine(c *Cluster) *Engine { return &Engine{c: c} }

// Scan asks the project's grain to decide s and waits for the committed
// answer. Retrying is safe: grains and the ledger recognize the scan id.
func (e *Engine) Scan(ctx context.Context, project uuid.UUID, s *grainpb.Scan) (*grainpb.ScanResult, error) {
	res, err := e.c.Request(project.String(), KindProject, s, cluster.WithTimeout(timeout(ctx)), cluster.WithRetryCount(3))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	r, ok := res.(*grainpb.ScanResult)
	if !ok {
		return nil, fmt.Errorf("%w: unexpected reply %T", ErrUnavailable, res)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, r.Error)
	}
	return r, nil
}

// RosterChanged tells the project's grain to reload, so that a change made
// outside it — the roster, or sessions closed by a sweep or the project's
// close — reaches an active grain at once.
func (e *Engine) RosterChanged(ctx context.Context, project uuid.UUID) {
	_, _ = e.c.Request(project.String(), KindProject, &grainpb.Reload{}, cluster.WithTimeout(timeout(ctx)))
}

func timeout(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d > 0 {
			return d
		}
	}
	return grainTimeout
}
