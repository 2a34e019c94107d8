package token_test

import (
	"sync"
	"testing"
	"time"

	"yima/services/identity/token"
)

func TestRevocations(t *testing.T) {
	var r token.Revocations
	a, b, c := [16]byte{1}, [16]byte{2}, [16]byte{3}
	r.Revoke(a, t0.Add(time.Hour))
	r.Revoke(b, t0.Add(2*time.Hour))
	r.Revoke(b, t0.Add(time.Minute)) // a late, older event must not shorten it

	tests := []struct {
		name string
		id   [16]byte
		want bool
	}{
		{"已吊销", a, true},
		{"重复吊销", b, true},
		{"未吊销", c, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Revoked(tt.id); got != tt.want {
				t.Errorf("Revoked(%x) = %t, want %t", tt.id, got, tt.want)
			}
		})
	}

	if got := r.Prune(t0.Add(time.Hour)); got != 1 {
		t.Errorf("Prune at a's expiry removed %d, want 1", got)
	}
	if r.Revoked(a) {
		t.Error("a still revoked after its time was pruned")
	}
	if !r.Revoked(b) {
		t.Error("b pruned early: the later of its two times should hold")
	}
	if got := r.Prune(t0.Add(3 * time.Hour)); got != 1 || r.Revoked(b) {
		t.Errorf("final Prune removed %d (b revoked: %t), want 1 and false", got, r.Revoked(b))
	}
}

// Requests read while NATS events write and a ticker prunes.
func TestRevocationsConcurrent(t *testing.T) {
	var r token.Revocations
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				id := [16]byte{byte(g), byte(i), byte(i >> 8)}
				r.Revoke(id, t0.Add(time.Duration(i)*time.Second))
				r.Revoke(id, t0.Add(time.Duration(i+1000)*time.Second))
				if !r.Revoked(id) {
					t.Errorf("Revoked(%x) = false right after Revoke", id)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			r.Prune(t0.Add(500 * time.Second)) // before every entry's later time
		}
	})
	wg.Wait()
	for g := range 4 {
		for i := range 500 {
			if id := ([16]byte{byte(g), byte(i), byte(i >> 8)}); !r.Revoked(id) {
				t.Fatalf("Revoked(%x) = false; Prune removed an entry whose later time had not passed", id)
			}
		}
	}
}

func BenchmarkRevoked(b *testing.B) {
	var r token.Revocations
	for i := range 10000 {
		r.Revoke([16]byte{byte(i), byte(i >> 8)}, t0)
	}
	id := [16]byte{0xff, 0xff, 0xff}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Revoked(id)
		}
	})
}
