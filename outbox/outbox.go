// Package outbox runs the sweepers that drain yima's transactional
// outboxes — rows committed with the work they stand for and handed to an
// outside system later (record checks, e-licenses). It owns what those
// sweepers share: the loop woken by a ticker or a kick that sweeps until a
// short batch, the backoff between attempts, and the failure text kept on
// a row. Claiming rows with a lease is SQL of each outbox's own table.
package outbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
	"unicode/utf8"
)

// Loop calls a sweep every interval and whenever kicked.
type Loop struct {
	name  string
	every time.Duration
	batch int
	log   *slog.Logger
	sweep func(context.Context) (int, error)
	kick  chan struct{}
}

// NewLoop returns a loop that calls sweep every interval and on Kick, and
// again at once while a sweep claims a full batch. sweep answers how many
// rows it claimed; its error is logged under name.
func NewLoop(name string, every time.Duration, batch int, log *slog.Logger, sweep func(context.Context) (int, error)) *Loop {
	return &Loop{name: name, every: every, batch: batch, log: log, sweep: sweep, kick: make(chan struct{}, 1)}
}

// Kick wakes the loop without waiting; kicks while it sweeps fold into
// one more sweep.
func (l *Loop) Kick() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// Run sweeps until ctx ends.
func (l *Loop) Run(ctx context.Context) {
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.kick:
		}
		for {
			n, err := l.sweep(ctx)
			if err != nil && ctx.Err() == nil {
				l.log.ErrorContext(ctx, l.name+" sweep", "err", err)
			}
			if err != nil || n < l.batch {
				break
			}
		}
	}
}

// Backoff is how long to wait after a failed attempt.
type Backoff struct {
	// Steps is the wait after the first, second… failure; the last step
	// repeats, so it is the ceiling.
	Steps []time.Duration
	// Jitter spreads each wait uniformly by up to this fraction either
	// way (0.2: ±20 %), so rows that failed together do not retry
	// together. 0 keeps the waits exact.
	Jitter float64
}

// After is the wait after the failure that follows failed earlier ones.
func (b Backoff) After(failed int) time.Duration {
	wait := b.Steps[min(max(failed, 0), len(b.Steps)-1)]
	if b.Jitter <= 0 {
		return wait
	}
	spread := float64(wait) * b.Jitter
	return wait + time.Duration(spread*(2*rand.Float64()-1))
}

// maxErrorText bounds the failure text kept on a row, in characters.
const maxErrorText = 500

// ErrorText is err as kept on a row for operators: its first 500
// characters.
func ErrorText(err error) string {
	msg := err.Error()
	if utf8.RuneCountInString(msg) > maxErrorText {
		msg = string([]rune(msg)[:maxErrorText])
	}
	return msg
}
