package token

import (
	"sync"
	"time"
)

// Revocations is the set of revoked session IDs, each kept until the time
// after which its token would fail Verify as expired anyway. The zero value
// is an empty set ready to use; it is safe for concurrent use.
//
// Every request asks Revoked while revocations are rare, so the set is a
// sync.Map: lookups take no lock and write no shared memory, and so do not
// contend across cores.
type Revocations struct {
	m sync.Map // [16]byte → time.Time
}

// Revoke adds id to the set until the given time. Revoking an id again keeps
// the later of the two times, so replayed or reordered events from NATS never
// shorten a revocation.
func (r *Revocations) Revoke(id [16]byte, until time.Time) {
	for {
		old, loaded := r.m.LoadOrStore(id, until)
		if !loaded || !until.After(old.(time.Time)) {
			return
		}
		if r.m.CompareAndSwap(id, old, until) {
			return
		}
	}
}

// Revoked reports whether id is in the set. Entries stay until Prune removes
// them; an entry past its time does no harm, as the token it names has
// expired.
func (r *Revocations) Revoked(id [16]byte) bool {
	_, ok := r.m.Load(id)
	return ok
}

// Prune removes the entries whose time is not after now and returns how many
// it removed. Callers run it periodically to bound the set's size.
func (r *Revocations) Prune(now time.Time) int {
	n := 0
	r.m.Range(func(id, until any) bool {
		if !until.(time.Time).After(now) && r.m.CompareAndDelete(id, until) {
			n++
		}
		return true
	})
	return n
}
