// Package audit keeps the append-only log of administrative actions. Each
// entry is chained to the one before by an SM3 hash over its fields, so that
// Verify finds any entry changed or deleted after the fact.
package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/store"
	"yima/store/db"
)

// Entry is one audited action.
type Entry struct {
	Seq        int64
	At         time.Time
	PersonID   uuid.UUID // uuid.Nil when unauthenticated
	AccountID  uuid.UUID
	Procedure  string
	Target     string
	Result     string
	RequestID  string
	ClientAddr string
	// Detail is a JSON object with extra facts; "{}" when empty.
	Detail []byte
}

// Log writes and verifies the audit chain.
type Log struct {
	st  *store.Store
	now func() time.Time
}

// New returns a Log over st.
func New(st *store.Store, now func() time.Time) *Log {
	return &Log{st: st, now: now}
}

// EnsurePartitions creates the monthly partitions for this month and the
// next, so entries never pile up in the default partition. Run at start and
// daily.
func (l *Log) EnsurePartitions(ctx context.Context) error {
	t := l.now().UTC()
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []time.Time{first, first.AddDate(0, 1, 0)} {
		if err := l.st.Q.EnsureAuditPartition(ctx, pgtype.Date{Time: m, Valid: true}); err != nil {
			return fmt.Errorf("ensure audit partition %s: %w", m.Format("2006-01"), err)
		}
	}
	return nil
}

// Append writes e at the end of the chain. The chain head is locked for the
// transaction, which orders concurrent writers on every node.
func (l *Log) Append(ctx context.Context, e Entry) error {
	// PostgreSQL keeps microseconds; hash what will be read back.
	e.At = l.now().UTC().Truncate(time.Microsecond)
	if len(e.Detail) == 0 {
		e.Detail = []byte("{}")
	}
	return l.st.InTx(ctx, func(q *db.Queries) error {
		head, err := q.LockAuditHead(ctx)
		if err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		e.Seq = head.Seq + 1
		h := Hash(head.Hash, e)
		if err := q.InsertAuditEntry(ctx, db.InsertAuditEntryParams{
			Seq: e.Seq, At: e.At,
			PersonID:   store.NullUUID(e.PersonID),
			AccountID:  store.NullUUID(e.AccountID),
			Procedure:  e.Procedure,
			Target:     e.Target,
			Result:     e.Result,
			RequestID:  e.RequestID,
			ClientAddr: e.ClientAddr,
			Detail:     e.Detail,
			PrevHash:   head.Hash,
			Hash:       h,
		}); err != nil {
			return fmt.Errorf("insert audit entry: %w", err)
		}
		if err := q.SetAuditHead(ctx, db.SetAuditHeadParams{Seq: e.Seq, Hash: h}); err != nil {
			return fmt.Errorf("advance audit head: %w", err)
		}
		return nil
	})
}

// Hash is the chain hash of e following prev: SM3 over prev and every field
// of e, each length-prefixed so that no two entries encode alike.
func Hash(prev []byte, e Entry) []byte {
	h := sm3.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field(prev)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	field(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMicro()))
	field(n[:])
	field(e.PersonID[:])
	field(e.AccountID[:])
	for _, s := range []string{e.Procedure, e.Target, e.Result, e.RequestID, e.ClientAddr} {
		field([]byte(s))
	}
	field(canonicalJSON(e.Detail))
	return h.Sum(nil)
}

// canonicalJSON returns the JSON value of b in one spelling. The detail
// column is jsonb, which gives back neither the key order, the white space
// nor the number forms it was given, so the chain hashes the value rather
// than the bytes written: reading an entry back must not look like
// tampering, while any change of a key or a value still does.
func canonicalJSON(b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return out
}

// Problem is one break in the chain found by Verify.
type Problem struct {
	Seq    int64
	Detail string
}

// Report is the outcome of Verify.
type Report struct {
	Entries  int64
	Problems []Problem
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify walks the whole chain in order and reports every entry whose hash
// does not match its fields (changed), every gap in the sequence or broken
// link (deleted or inserted), and a head that does not match the last entry
// (deleted at the end).
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var r Report
	prev := make([]byte, sm3.Size)
	var last int64
	const page = 5000
	for {
		rows, err := l.st.Q.ListAuditChain(ctx, db.ListAuditChainParams{After: last, Lim: page})
		if err != nil {
			return r, fmt.Errorf("read audit chain: %w", err)
		}
		for _, row := range rows {
			r.Entries++
			if row.Seq != last+1 {
				r.Problems = append(r.Problems, Problem{Seq: row.Seq, Detail: fmt.Sprintf("entries %d–%d missing", last+1, row.Seq-1)})
			}
			if !bytes.Equal(row.PrevHash, prev) {
				r.Problems = append(r.Problems, Problem{Seq: row.Seq, Detail: "link to previous entry broken"})
			}
			e := fromRow(row)
			if want := Hash(row.PrevHash, e); !bytes.Equal(want, row.Hash) {
				r.Problems = append(r.Problems, Problem{Seq: row.Seq, Detail: "entry changed: hash " + hex.EncodeToString(row.Hash[:8]) + "… does not match its fields"})
			}
			prev, last = row.Hash, row.Seq
		}
		if len(rows) < page {
			break
		}
	}
	head, err := l.st.Q.GetAuditHead(ctx)
	if err != nil {
		return r, fmt.Errorf("read audit head: %w", err)
	}
	if head.Seq != last || (last > 0 && !bytes.Equal(head.Hash, prev)) {
		r.Problems = append(r.Problems, Problem{Seq: head.Seq, Detail: fmt.Sprintf("chain head is at %d but the last entry is %d", head.Seq, last)})
	}
	return r, nil
}

// Page lists entries newest first, before seq (0 = from the newest).
func (l *Log) Page(ctx context.Context, procedure string, person uuid.UUID, before int64, limit int32) ([]Entry, error) {
	rows, err := l.st.Q.ListAuditEntries(ctx, db.ListAuditEntriesParams{
		Procedure: procedure, PersonID: store.NullUUID(person), Before: before, Lim: limit,
	})
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	out := make([]Entry, len(rows))
	for i, row := range rows {
		out[i] = fromRow(row)
	}
	return out, nil
}

func fromRow(row db.AuditEntry) Entry {
	return Entry{
		Seq: row.Seq, At: row.At.UTC(),
		PersonID: row.PersonID.UUID, AccountID: row.AccountID.UUID,
		Procedure: row.Procedure, Target: row.Target, Result: row.Result,
		RequestID: row.RequestID, ClientAddr: row.ClientAddr, Detail: row.Detail,
	}
}

// ErrTampered is returned by callers that treat a broken chain as an error.
var ErrTampered = errors.New("audit chain broken")
