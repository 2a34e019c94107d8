package actors

import (
	"math"
	"time"

	"github.com/google/uuid"

	"yima/engine/actors/grainpb"
)

// Rejection reasons a ProjectGrain answers with. Pages translate them.
const (
	ReasonProjectNotOpen   = "PROJECT_NOT_OPEN"
	ReasonOutsideWindow    = "OUTSIDE_WINDOW"
	ReasonNotOnRoster      = "NOT_ON_ROSTER"
	ReasonMethodNotAllowed = "METHOD_NOT_ALLOWED"
	ReasonCodeRevoked      = "CODE_REVOKED"
	ReasonTooFar           = "TOO_FAR"
	ReasonLocationRequired = "LOCATION_REQUIRED"
)

// debounce is how long a repeated scan of the same volunteer answers the
// earlier result instead of toggling: people scan twice by accident.
const debounce = 60 * time.Second

// Rules are a project's check-in settings.
type Rules struct {
	Status          string // stored status: scans need recruiting or running
	Start, End      time.Time
	ScanBefore      time.Duration // window opens this long before Start
	ScanAfter       time.Duration // and closes this long after End
	MaxSession      time.Duration // 0: none
	RoundTo         time.Duration // 0: exact seconds
	RoundNearest    bool          // round to nearest instead of down
	MinSharePercent int           // of the shift; 0: none
	GeofenceMeters  int           // self scans only; 0: off
	Lat, Lng        float64
	HasLocation     bool
}

// position is what the grain needs of a position.
type position struct {
	staff, self bool // allowed methods; both true when the position sets none
}

// openSession is a session open in this project.
type openSession struct {
	id       uuid.UUID
	position uuid.UUID
	started  time.Time
}

// lastScan is the last accepted scan of a volunteer here, for the debounce.
type lastScan struct {
	at     time.Time
	scanID string
	result *grainpb.ScanResult
}

// state is a ProjectGrain's memory, loaded from PostgreSQL on activation.
type state struct {
	rules     Rules
	positions map[uuid.UUID]position
	roster    map[uuid.UUID]uuid.UUID // volunteer → position
	epochs    map[uuid.UUID]uint32    // volunteer → current code epoch
	open      map[uuid.UUID]openSession
	last      map[uuid.UUID]lastScan
}

// verdict is what decide concluded.
type verdict struct {
	result *grainpb.ScanResult
	// duplicate answers are not written again.
	duplicate bool
	// reloadEpoch: the code carries a newer epoch than cached; reload the
	// volunteer and decide again.
	reloadEpoch bool
}

// decide applies the scan rules of ARCHITECTURE §3 and §10, in order, to a
// verified scan. It does not change the state; apply does, once the
// decision is handed to the ledger.
func (s *state) decide(sc *grainpb.Scan, volunteer uuid.UUID, at time.Time, newSession func() uuid.UUID) verdict {
	r := s.rules
	if r.Status != "recruiting" && r.Status != "running" {
		return reject(ReasonProjectNotOpen)
	}
	if at.Before(r.Start.Add(-r.ScanBefore)) || at.After(r.End.Add(r.ScanAfter)) {
		return reject(ReasonOutsideWindow)
	}
	pos, ok := s.roster[volunteer]
	if !ok {
		return reject(ReasonNotOnRoster)
	}
	if sc.Method == grainpb.Method_METHOD_STAFF_SCAN {
		cur := s.epochs[volunteer]
		switch {
		case sc.CodeEpoch < cur:
			return reject(ReasonCodeRevoked)
		case sc.CodeEpoch > cur:
			return verdict{reloadEpoch: true}
		}
	}
	p := s.positions[pos]
	if (sc.Method == grainpb.Method_METHOD_STAFF_SCAN && !p.staff) || (sc.Method == grainpb.Method_METHOD_SELF_SCAN && !p.self) {
		return reject(ReasonMethodNotAllowed)
	}
	if sc.Method == grainpb.Method_METHOD_SELF_SCAN && r.GeofenceMeters > 0 && r.HasLocation {
		if !sc.HasLocation {
			return reject(ReasonLocationRequired)
		}
		if distanceMeters(r.Lat, r.Lng, sc.Lat, sc.Lng) > float64(r.GeofenceMeters) {
			return reject(ReasonTooFar)
		}
	}
	if l, ok := s.last[volunteer]; ok && at.Sub(l.at) < debounce && at.Sub(l.at) > -debounce {
		return verdict{result: l.result, duplicate: true}
	}
	if o, ok := s.open[volunteer]; ok {
		end := at
		if end.Before(o.started) {
			end = o.started // a late offline scan never yields a negative session
		}
		// Sessions keep exact whole seconds; rounding and minimum-share
		// rules apply when service records are made from them.
		d := end.Sub(o.started).Truncate(time.Second)
		return verdict{result: &grainpb.ScanResult{
			Outcome: grainpb.Outcome_OUTCOME_SIGNED_OUT, SessionId: o.id[:], VolunteerId: volunteer[:], PositionId: o.position[:],
			StartedAt: o.started.UnixMicro(), EndedAt: end.UnixMicro(), DurationSeconds: int64(d / time.Second),
		}}
	}
	id := newSession()
	return verdict{result: &grainpb.ScanResult{
		Outcome: grainpb.Outcome_OUTCOME_SIGNED_IN, SessionId: id[:], VolunteerId: volunteer[:], PositionId: pos[:], StartedAt: at.UnixMicro(),
	}}
}

// apply records an accepted verdict of scan scanID in memory.
func (s *state) apply(volunteer uuid.UUID, scanID string, at time.Time, v verdict) {
	res := v.result
	switch res.Outcome {
	case grainpb.Outcome_OUTCOME_SIGNED_IN:
		s.open[volunteer] = openSession{id: uuidOf(res.SessionId), position: uuidOf(res.PositionId), started: time.UnixMicro(res.StartedAt)}
	case grainpb.Outcome_OUTCOME_SIGNED_OUT:
		delete(s.open, volunteer)
	default:
		return
	}
	s.last[volunteer] = lastScan{at: at, scanID: scanID, result: res}
}

func reject(reason string) verdict {
	return verdict{result: &grainpb.ScanResult{Outcome: grainpb.Outcome_OUTCOME_REJECTED, Reason: reason}}
}

// distanceMeters is the great-circle distance between two WGS84 points.
func distanceMeters(lat1, lng1, lat2, lng2 float64) float64 {
	const earth = 6371000.0
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(a)))
}
