// Package elicense pushes every volunteer's electronic volunteer
// certificate (电子志愿者证, V1) to the city e-license library
// (市电子证照库). Issuing or reissuing a card enqueues its volunteer in
// the same transaction (Enqueue); a sweeper on every node claims due rows
// with a lease, composes the license from the card at the moment of
// sending (Cards), and submits it through package library, retrying with
// backoff until the library takes it. Staff see the outbox on the console
// and retry a failed row by hand.
package elicense

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"yima/store"
	"yima/store/db"
)

// The states of a volunteer's push.
const (
	// Pending: not yet taken by the library; the sweeper is on it.
	Pending = "pending"
	// Synced: the library holds the card under Status.LicenseID.
	Synced = "synced"
	// Failed: refused for good (waits for a staff member's retry), or
	// still failing after many attempts (retried slowly).
	Failed = "failed"
)

// Status is where the push of a volunteer's card stands.
type Status struct {
	// State is Pending, Synced or Failed; "" when never enqueued.
	State string
	// LicenseID is the library's id of the card once synced.
	LicenseID string
	// Attempts counts the failed attempts since the last enqueue or
	// manual retry.
	Attempts int
	// LastError is the last failure, for operators.
	LastError string
	// SyncedAt is zero until synced.
	SyncedAt time.Time
}

// License is one card as the library receives it.
type License struct {
	VolunteerID uuid.UUID
	VolunteerNo string
	Name        string
	// IDNumber is in clear and must not be logged.
	IDNumber  string
	Gender    string
	BirthDate time.Time
	IssuedAt  time.Time
	// Issuer is the issuing authority printed on the card.
	Issuer string
	// Payload is the card's signed content and Signature its SM2
	// signature under the key KeyID.
	Payload   []byte
	Signature []byte
	KeyID     string
}

// Cards gives the current card of a volunteer. The sweeper asks at the
// moment of sending, so the outbox holds no personal data.
type Cards interface {
	// Card returns the volunteer's current card; an error wrapping
	// pgx.ErrNoRows (store.IsNotFound) when the volunteer has none.
	Card(ctx context.Context, volunteer uuid.UUID) (License, error)
}

// Enqueue records in the caller's transaction that the volunteer's card
// must be pushed, and is idempotent per volunteer: enqueuing again (after
// a reissue) sets the push back to pending. Call Service.Kick after the
// commit to push it at once; otherwise the next sweep does.
func Enqueue(ctx context.Context, q *db.Queries, volunteer uuid.UUID) error {
	if err := q.EnqueueElicense(ctx, volunteer); err != nil {
		return fmt.Errorf("enqueue e-license of volunteer %s: %w", volunteer, err)
	}
	return nil
}

// StatusOf returns where the push of the volunteer's card stands, the zero
// Status when it was never enqueued.
func StatusOf(ctx context.Context, q *db.Queries, volunteer uuid.UUID) (Status, error) {
	r, err := q.GetElicenseSubmission(ctx, volunteer)
	if store.IsNotFound(err) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("e-license status of volunteer %s: %w", volunteer, err)
	}
	return statusOf(r), nil
}

func statusOf(r db.ElicenseSubmission) Status {
	s := Status{State: r.State, LicenseID: r.LicenseID, Attempts: int(r.Attempts), LastError: r.LastError}
	if r.SyncedAt.Valid {
		s.SyncedAt = r.SyncedAt.Time
	}
	return s
}
