package checkin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"yima/engine/actors"
	"yima/engine/actors/grainpb"
	"yima/engine/ledger"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// LedgerTrail records refusals through the ledger, so they are logged with
// every other scan and a retry with the same scan id gets the same answer,
// and codes shown in the code-scene trail.
type LedgerTrail struct {
	Ledger *ledger.Ledger
	Store  *store.Store
	Log    *slog.Logger
}

// CodeShown records that a volunteer fetched a code. A failure is logged,
// not returned: showing the code matters more than its trail entry.
func (t *LedgerTrail) CodeShown(ctx context.Context, volunteer uuid.UUID, at time.Time) {
	if err := t.Store.Q.InsertCodeShown(ctx, db.InsertCodeShownParams{At: at, VolunteerID: store.NullUUID(volunteer)}); err != nil {
		t.Log.WarnContext(ctx, "record code shown", "err", err)
	}
}

// Refused writes a refusal and waits for its commit.
func (t *LedgerTrail) Refused(ctx context.Context, r Refusal) (*grainpb.ScanResult, error) {
	done := make(chan ledger.Result, 1)
	err := t.Ledger.Append(ledger.Decision{
		ScanID: r.ScanID, ReceivedAt: r.ReceivedAt, ScannedAt: r.ScannedAt, ProjectID: r.Project,
		Method: ledger.Method(r.Method), Outcome: ledger.Rejected, Reason: r.Reason,
		DeviceID: r.Device, Gate: r.Gate, ByAccount: r.ByAccount,
	}, func(res ledger.Result) { done <- res })
	if err != nil {
		return nil, ledgerFault(err)
	}
	select {
	case res := <-done:
		if res.Err != nil {
			return nil, fmt.Errorf("record refused scan: %w", res.Err)
		}
		out := actors.ResultOf(res.Decision)
		out.Duplicate = res.Duplicate
		return out, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func ledgerFault(err error) error {
	if errors.Is(err, ledger.ErrBusy) {
		return fault.New(fault.Exhausted, "BUSY", "系统繁忙，请稍后重试")
	}
	return fmt.Errorf("append refusal: %w", err)
}
