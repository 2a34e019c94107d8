package main

import (
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// encodeRevocation packs a revoked session for the bus: 16 bytes of session
// id and 8 of expiry in unix seconds.
func encodeRevocation(id uuid.UUID, until time.Time) []byte {
	b := make([]byte, 24)
	copy(b, id[:])
	binary.BigEndian.PutUint64(b[16:], uint64(until.Unix()))
	return b
}

func decodeRevocation(b []byte) (uuid.UUID, time.Time, bool) {
	if len(b) != 24 {
		return uuid.Nil, time.Time{}, false
	}
	id, _ := uuid.FromBytes(b[:16])
	return id, time.Unix(int64(binary.BigEndian.Uint64(b[16:])), 0), true
}
