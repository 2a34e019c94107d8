package ledger

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The ledger's statements are written here rather than through sqlc because
// they are pipelined: several go to the server in one round trip, which
// sqlc's generated methods cannot express. Every statement takes columns as
// arrays and unnests them, so a batch of any size is one statement (and one
// prepared plan). Types that have pgx fast paths ([]string, []time.Time,
// [][16]byte, []int32, []float64) carry the columns; NULL travels as a
// sentinel the statement turns back with NULLIF: the nil uuid, the zero
// time (year 1), -1 for durations and NaN for coordinates.

const (
	nilUUID  = `'00000000-0000-0000-0000-000000000000'::uuid`
	zeroTime = `'0001-01-01 00:00:00+00'::timestamptz`
)

// sqlInsertKeys claims scan_ids. A key already present (written before, or
// by a transaction of another node, which this waits for) is skipped: that
// scan is a duplicate. Keys go in scan_id order so that two nodes claiming
// overlapping sets cannot deadlock.
const sqlInsertKeys = `
INSERT INTO checkin.scan_key (scan_id, received_at)
SELECT u.scan_id, u.received_at
FROM unnest($1::text[], $2::timestamptz[]) AS u(scan_id, received_at)
ORDER BY u.scan_id
ON CONFLICT DO NOTHING
RETURNING scan_id`

// sqlDeleteKeys releases the keys of decisions refused as stale, so that the
// re-decided scan can be written under the same scan_id.
const sqlDeleteKeys = `DELETE FROM checkin.scan_key WHERE scan_id = ANY($1::text[])`

// sqlCloseOther closes each volunteer's open session in another project at
// the moment of the sign-in, flagged for review. A volunteer with nothing
// open (or whose open session started later) is not returned: there was
// nothing to close, and the sign-in's insert decides whether that is fine.
const sqlCloseOther = `
UPDATE checkin.session s
SET ended_at = u.at,
    duration_seconds = floor(extract(epoch FROM u.at - s.started_at))::int,
    status = 'closed', closed_by = 'scan', end_scan_id = u.scan_id,
    flagged = true, flag_reason = 'OTHER_PROJECT_SIGN_IN'
FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[])
     AS u(ord, volunteer_id, session_id, project_id, at, scan_id)
WHERE s.volunteer_id = u.volunteer_id AND s.status = 'open'
  AND s.project_id <> u.project_id
  AND (u.session_id = ` + nilUUID + ` OR s.id = u.session_id)
  AND s.started_at <= u.at
RETURNING u.ord, s.id, s.project_id, s.started_at, s.duration_seconds`

// sqlSignOut ends open sessions; the duration comes from the stored start.
// A session that is not open (any more), belongs to someone else, or began
// after the sign-out is not returned: the decision is stale.
const sqlSignOut = `
UPDATE checkin.session s
SET ended_at = u.at,
    duration_seconds = floor(extract(epoch FROM u.at - s.started_at))::int,
    status = 'closed', closed_by = 'scan', end_scan_id = u.scan_id
FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[])
     AS u(ord, session_id, volunteer_id, project_id, at, scan_id)
WHERE s.id = u.session_id AND s.volunteer_id = u.volunteer_id AND s.project_id = u.project_id
  AND s.status = 'open' AND s.started_at <= u.at
RETURNING u.ord, s.started_at, s.duration_seconds, s.position_id`

// sqlSignIn opens sessions. A session refused by the primary key,
// session_one_open or the session_no_overlap exclusion constraint fails the
// statement; the batch is then written again carefully.
const sqlSignIn = `
INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, start_scan_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[])`

// sqlSignInCareful opens sessions, skipping the ones that conflict. ON
// CONFLICT DO NOTHING without a target covers the primary key,
// session_one_open and the exclusion constraint alike: a session refused by
// any of them is not returned, and its decision is stale.
const sqlSignInCareful = sqlSignIn + `
ON CONFLICT DO NOTHING
RETURNING id`

// sqlInsertScans appends the scan log.
const sqlInsertScans = `
INSERT INTO checkin.scan (scan_id, received_at, scanned_at, project_id, volunteer_id, position_id, method, outcome,
                          reason, session_id, session_started_at, session_ended_at, duration_seconds,
                          other_session_id, device_id, gate, by_account, lat, lng)
SELECT u.scan_id, u.received_at, u.scanned_at, NULLIF(u.project_id, ` + nilUUID + `),
       NULLIF(u.volunteer_id, ` + nilUUID + `), NULLIF(u.position_id, ` + nilUUID + `),
       NULLIF(u.method, ''), u.outcome, u.reason, NULLIF(u.session_id, ` + nilUUID + `),
       NULLIF(u.session_started_at, ` + zeroTime + `), NULLIF(u.session_ended_at, ` + zeroTime + `),
       NULLIF(u.duration_seconds, -1), NULLIF(u.other_session_id, ` + nilUUID + `),
       NULLIF(u.device_id, ` + nilUUID + `), u.gate, NULLIF(u.by_account, ` + nilUUID + `),
       NULLIF(u.lat, 'NaN'::float8), NULLIF(u.lng, 'NaN'::float8)
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[],
            $8::text[], $9::text[], $10::uuid[], $11::timestamptz[], $12::timestamptz[], $13::int[], $14::uuid[],
            $15::uuid[], $16::text[], $17::uuid[], $18::float8[], $19::float8[])
     AS u(scan_id, received_at, scanned_at, project_id, volunteer_id, position_id, method, outcome, reason,
          session_id, session_started_at, session_ended_at, duration_seconds, other_session_id, device_id, gate,
          by_account, lat, lng)`

// sqlSelectScans reads the first answers of stored scan_ids.
const sqlSelectScans = `
SELECT s.scan_id, s.received_at, s.scanned_at, s.project_id, s.volunteer_id, s.position_id, s.method, s.outcome,
       s.reason, s.session_id, s.session_started_at, s.session_ended_at, s.duration_seconds, s.other_session_id,
       s.device_id, s.gate, s.by_account, s.lat, s.lng
FROM checkin.scan_key k
JOIN checkin.scan s ON s.received_at = k.received_at AND s.scan_id = k.scan_id
WHERE k.scan_id = ANY($1::text[])`

// sqlEnsurePartition creates the scan log's partition for a month.
const sqlEnsurePartition = `SELECT checkin.ensure_month_partition($1, $2::date)`

// scanColumns are sqlInsertScans' arguments, one slice per column.
type scanColumns struct {
	scanID, method, outcome, reason, gate                            []string
	receivedAt, scannedAt, startedAt, endedAt                        []time.Time
	projectID, volunteerID, positionID, sessionID, otherID, deviceID [][16]byte
	byAccount                                                        [][16]byte
	duration                                                         []int32
	lat, lng                                                         []float64
}

func newScanColumns(n int) *scanColumns {
	return &scanColumns{
		scanID: make([]string, 0, n), method: make([]string, 0, n), outcome: make([]string, 0, n),
		reason: make([]string, 0, n), gate: make([]string, 0, n),
		receivedAt: make([]time.Time, 0, n), scannedAt: make([]time.Time, 0, n),
		startedAt: make([]time.Time, 0, n), endedAt: make([]time.Time, 0, n),
		projectID: make([][16]byte, 0, n), volunteerID: make([][16]byte, 0, n), positionID: make([][16]byte, 0, n),
		sessionID: make([][16]byte, 0, n), otherID: make([][16]byte, 0, n), deviceID: make([][16]byte, 0, n),
		byAccount: make([][16]byte, 0, n), duration: make([]int32, 0, n),
		lat: make([]float64, 0, n), lng: make([]float64, 0, n),
	}
}

func (c *scanColumns) add(d *Decision) {
	c.scanID = append(c.scanID, d.ScanID)
	c.receivedAt = append(c.receivedAt, d.ReceivedAt)
	c.scannedAt = append(c.scannedAt, d.ScannedAt)
	c.projectID = append(c.projectID, d.ProjectID)
	c.volunteerID = append(c.volunteerID, d.VolunteerID)
	c.positionID = append(c.positionID, d.PositionID)
	c.method = append(c.method, d.Method.String())
	c.outcome = append(c.outcome, d.Outcome.String())
	c.reason = append(c.reason, d.Reason)
	c.sessionID = append(c.sessionID, d.Session.ID)
	c.startedAt = append(c.startedAt, d.Session.StartedAt)
	c.endedAt = append(c.endedAt, d.Session.EndedAt)
	dur := int32(-1)
	if d.Outcome == SignedOut {
		dur = int32(d.Session.DurationSeconds)
	}
	c.duration = append(c.duration, dur)
	var other uuid.UUID
	if d.CloseOther != nil {
		other = d.CloseOther.SessionID
	}
	c.otherID = append(c.otherID, other)
	c.deviceID = append(c.deviceID, d.DeviceID)
	c.gate = append(c.gate, d.Gate)
	c.byAccount = append(c.byAccount, d.ByAccount)
	c.lat = append(c.lat, orNaN(d.Lat))
	c.lng = append(c.lng, orNaN(d.Lng))
}

func (c *scanColumns) args() []any {
	return []any{c.scanID, c.receivedAt, c.scannedAt, c.projectID, c.volunteerID, c.positionID, c.method,
		c.outcome, c.reason, c.sessionID, c.startedAt, c.endedAt, c.duration, c.otherID, c.deviceID, c.gate,
		c.byAccount, c.lat, c.lng}
}

func orNaN(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

// querier is a connection or a pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// lookupScans reads the stored first answers of ids, by scan_id.
func lookupScans(ctx context.Context, q querier, ids []string) (map[string]Decision, error) {
	rows, err := q.Query(ctx, sqlSelectScans, ids)
	if err != nil {
		return nil, fmt.Errorf("read stored scans: %w", err)
	}
	return readScans(rows)
}

// readScans decodes sqlSelectScans' rows.
func readScans(rows pgx.Rows) (map[string]Decision, error) {
	defer rows.Close()
	out := make(map[string]Decision)
	for rows.Next() {
		var (
			d                                                        Decision
			method, outcome                                          pgtype.Text
			project, volunteer, position, session, other, device, by pgtype.UUID
			started, ended                                           pgtype.Timestamptz
			duration                                                 pgtype.Int4
			lat, lng                                                 pgtype.Float8
		)
		if err := rows.Scan(&d.ScanID, &d.ReceivedAt, &d.ScannedAt, &project, &volunteer, &position, &method,
			&outcome, &d.Reason, &session, &started, &ended, &duration, &other, &device, &d.Gate, &by,
			&lat, &lng); err != nil {
			return nil, fmt.Errorf("read stored scan: %w", err)
		}
		d.ReceivedAt, d.ScannedAt = d.ReceivedAt.UTC(), d.ScannedAt.UTC()
		d.ProjectID, d.VolunteerID, d.PositionID = project.Bytes, volunteer.Bytes, position.Bytes
		d.Method, d.Outcome = parseMethod(method.String), parseOutcome(outcome.String)
		d.Session.ID = session.Bytes
		if started.Valid {
			d.Session.StartedAt = started.Time.UTC()
		}
		if ended.Valid {
			d.Session.EndedAt = ended.Time.UTC()
		}
		d.Session.DurationSeconds = int64(duration.Int32)
		if other.Valid {
			d.CloseOther = &OtherClose{SessionID: other.Bytes}
		}
		d.DeviceID, d.ByAccount = device.Bytes, by.Bytes
		if lat.Valid {
			d.Lat = &lat.Float64
		}
		if lng.Valid {
			d.Lng = &lng.Float64
		}
		out[d.ScanID] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored scans: %w", err)
	}
	return out, nil
}
