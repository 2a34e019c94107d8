package codes

import (
	"crypto/subtle"
	"encoding/binary"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// StepSeconds is how often a volunteer code changes.
const StepSeconds = 30

// The window of time steps Verify accepts around the verifier's clock. One
// step behind lets a code shown just before a step boundary be scanned and
// sent just after it; one step ahead absorbs clock skew between the node that
// issued the code and the node that checks it (NTP keeps nodes far closer
// than 30 s). A code thus stays valid for 30 to 60 s after it was issued,
// short enough that a screenshot passed around is soon useless.
const (
	StepsBehind = 1
	StepsAhead  = 1
)

// VolunteerPrefix starts every volunteer code of this format.
const VolunteerPrefix = "YV1."

// Layout of the binary body of a volunteer code. Every field has a fixed
// size, so a body has exactly one valid length and needs no parser beyond
// slicing.
const (
	vOffKID   = 0
	vOffID    = vOffKID + 1
	vOffEpoch = vOffID + 16
	vOffStep  = vOffEpoch + 4
	vOffMAC   = vOffStep + 4
	// macSize is the MAC length kept in a code. A code lives at most a
	// minute and is only ever checked online, where each guess is a scan
	// request we rate-limit and log, so a forger's 2⁻⁸⁰ per guess is far out
	// of reach. 10 bytes also make the body 35 bytes, a multiple of 5, so its
	// base32 has no padding bits (one spelling per code), and the whole code
	// 60 characters: QR version 3 (29×29 modules) at level M holds 61
	// alphanumeric characters, while a 16-byte MAC would need version 4.
	macSize = 10
	vSize   = vOffMAC + macSize // 35 bytes
)

// VolunteerCodeLen is the length of every volunteer code.
const VolunteerCodeLen = len(VolunteerPrefix) + (vSize*8+4)/5 // 60

// VolunteerClaim is what an authentic volunteer code asserts.
type VolunteerClaim struct {
	// VolunteerID is the volunteer's UUID as 16 raw bytes.
	VolunteerID [16]byte
	// Epoch is the volunteer's code epoch when the code was issued.
	Epoch uint32
	// Step is the time step (Unix seconds / StepSeconds) it was issued in.
	Step uint32
}

// CheckEpoch compares the claim's epoch with the volunteer's current epoch.
// It returns nil when they are equal, ErrRevoked when the claim's is older
// (the volunteer was deactivated or their codes revoked since), and
// ErrEpochAhead when the claim's is newer, which means the caller's epoch is
// a stale copy.
func (c VolunteerClaim) CheckEpoch(current uint32) error {
	switch {
	case c.Epoch == current:
		return nil
	case c.Epoch < current:
		return ErrRevoked
	default:
		return ErrEpochAhead
	}
}

// Issue returns the volunteer code of volunteer in epoch for the time step of
// now, and the moment Verify stops accepting it. A new code exists from the
// next step on, so pages should fetch one every StepSeconds; expiresAt is
// the deadline, StepSeconds × (1 + StepsBehind) after the step began. now
// must lie between 1970 and the year 6053 (steps are 32-bit); codes issued
// outside that range never verify.
func (c *Codes) Issue(volunteer [16]byte, epoch uint32, now time.Time) (payload string, expiresAt time.Time) {
	step := stepAt(now)
	var b [vSize]byte
	b[vOffKID] = c.codeKID
	copy(b[vOffID:], volunteer[:])
	binary.BigEndian.PutUint32(b[vOffEpoch:], epoch)
	binary.BigEndian.PutUint32(b[vOffStep:], uint32(step))
	mac := c.codeKeys[c.codeKID].mac(b[:vOffMAC])
	copy(b[vOffMAC:], mac[:macSize])

	var out [VolunteerCodeLen]byte
	n := copy(out[:], VolunteerPrefix)
	encodeBase32(out[n:], b[:])
	return string(out[:]), time.Unix((step+1+StepsBehind)*StepSeconds, 0).UTC()
}

// Verify checks a volunteer code at time now (the scan time: the moment a
// scanner read the code, which for a scan queued offline is earlier than the
// upload) and returns what it asserts. It returns ErrInvalid for anything
// that is not an authentic volunteer code under a key this Codes holds, or
// whose step is more than StepsAhead ahead of now, and ErrExpired for an
// authentic code more than StepsBehind steps old. It never does SM2 work and
// does not check the epoch: compare it with VolunteerClaim.CheckEpoch. On
// error the claim is zero.
func (c *Codes) Verify(payload string, now time.Time) (VolunteerClaim, error) {
	var b [vSize]byte
	if len(payload) != VolunteerCodeLen || payload[:len(VolunteerPrefix)] != VolunteerPrefix ||
		!decodeBase32(b[:], payload[len(VolunteerPrefix):]) {
		return VolunteerClaim{}, shapeError(payload)
	}
	k := c.codeKeys[b[vOffKID]]
	if k == nil {
		return VolunteerClaim{}, errUnknownKID
	}
	want := k.mac(b[:vOffMAC])
	if subtle.ConstantTimeCompare(want[:macSize], b[vOffMAC:]) != 1 {
		return VolunteerClaim{}, errBadMAC
	}
	// Time is judged only after the MAC, so an unauthenticated step can
	// never earn a forged payload the friendlier "expired" answer.
	step := binary.BigEndian.Uint32(b[vOffStep:])
	cur := stepAt(now)
	switch {
	case int64(step) < cur-StepsBehind:
		return VolunteerClaim{}, ErrExpired
	case int64(step) > cur+StepsAhead:
		return VolunteerClaim{}, errFuture
	}
	return VolunteerClaim{
		VolunteerID: [16]byte(b[vOffID:vOffEpoch]),
		Epoch:       binary.BigEndian.Uint32(b[vOffEpoch:]),
		Step:        step,
	}, nil
}

// stepAt is floor(Unix seconds / StepSeconds), rounding down before 1970 too.
func stepAt(t time.Time) int64 {
	s := t.Unix()
	q := s / StepSeconds
	if s%StepSeconds < 0 {
		q--
	}
	return q
}

// mac returns HMAC-SM3(K_v, VolunteerPrefix | body) with
// K_v = HMAC-SM3(K_c, volunteer id | epoch). Per-volunteer keys mean a key
// handed to one volunteer's device (to show codes offline) can make that
// volunteer's codes only, and only in that epoch.
func (k *codeKey) mac(body []byte) [sm3.Size]byte {
	d := k.derive.Get().(*deriver)
	// Hashing a copy in the pooled deriver, not body itself, keeps the
	// caller's stack array from escaping through the hash.Hash interface.
	copy(d.in[:], body[vOffID:vOffStep])
	d.h.Reset()
	d.h.Write(d.in[:])
	kv := [sm3.Size]byte(d.h.Sum(d.sum[:0]))
	k.derive.Put(d)

	// HMAC (RFC 2104) by hand: K_v differs per call, and crypto/hmac would
	// allocate a fresh keyed state each time. K_v is shorter than a block,
	// so it is padded with zeros, which XOR to the bare pad bytes. sm3.Sum
	// on stack buffers allocates nothing.
	var in [sm3.BlockSize + len(VolunteerPrefix) + vOffMAC]byte
	for i := range sm3.BlockSize {
		in[i] = 0x36
	}
	for i, x := range kv {
		in[i] ^= x
	}
	n := copy(in[sm3.BlockSize:], VolunteerPrefix)
	copy(in[sm3.BlockSize+n:], body)
	inner := sm3.Sum(in[:])

	var out [sm3.BlockSize + sm3.Size]byte
	for i := range sm3.BlockSize {
		out[i] = 0x5c
	}
	for i, x := range kv {
		out[i] ^= x
	}
	copy(out[sm3.BlockSize:], inner[:])
	return sm3.Sum(out[:])
}
