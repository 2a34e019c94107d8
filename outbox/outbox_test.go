package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"yima/outbox"
)

func TestBackoff(t *testing.T) {
	steps := []time.Duration{time.Second, time.Minute, time.Hour}
	for _, tc := range []struct {
		name   string
		failed int
		jitter float64
		lo, hi time.Duration
	}{
		{"首次失败", 0, 0, time.Second, time.Second},
		{"第二次失败", 1, 0, time.Minute, time.Minute},
		{"封顶", 7, 0, time.Hour, time.Hour},
		{"负数按首次", -1, 0, time.Second, time.Second},
		{"抖动在范围内", 2, 0.2, 48 * time.Minute, 72 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := outbox.Backoff{Steps: steps, Jitter: tc.jitter}
			for range 100 {
				if got := b.After(tc.failed); got < tc.lo || got > tc.hi {
					t.Fatalf("After(%d) = %v, want within [%v, %v]", tc.failed, got, tc.lo, tc.hi)
				}
			}
		})
	}
}

// TestLoop: a kick sweeps at once, and full batches sweep again without
// waiting for the ticker.
func TestLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sweeps := make(chan int)
	// The first sweep after the kick claims two full batches, then a
	// short one.
	claims := []int{10, 10, 3}
	n := 0
	l := outbox.NewLoop("test", time.Hour, 10, slog.New(slog.DiscardHandler), func(context.Context) (int, error) {
		c := claims[min(n, len(claims)-1)]
		n++
		sweeps <- c
		return c, nil
	})
	go l.Run(ctx)
	l.Kick()
	for i, want := range claims {
		select {
		case got := <-sweeps:
			if got != want {
				t.Fatalf("sweep %d claimed %d, want %d", i+1, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("sweep %d never came", i+1)
		}
	}
	select {
	case got := <-sweeps:
		t.Fatalf("a short batch was followed by another sweep (%d)", got)
	case <-time.After(100 * time.Millisecond):
	}
}

func ExampleBackoff() {
	b := outbox.Backoff{Steps: []time.Duration{30 * time.Second, time.Minute, time.Hour}}
	for failed := range 5 {
		fmt.Println(b.After(failed))
	}
	// Output:
	// 30s
	// 1m0s
	// 1h0m0s
	// 1h0m0s
	// 1h0m0s
}
