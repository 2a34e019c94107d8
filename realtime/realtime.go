// Package realtime pushes committed check-ins to the live pages. A Publisher
// puts every scan the project grains commit on NATS JetStream, one subject
// per project (yima.checkin.<project>); a Hub on every node holds one NATS
// subscription for all of them and fans each event out to the websocket
// clients that watch its project (the scanner page) or its volunteer (the
// volunteer's H5 page). An event committed on any node thus reaches clients
// on every node.
//
// The websocket protocol, version yima.v1, JSON text frames:
//
//	GET /ws  Sec-WebSocket-Protocol: yima.v1, <bearer token>   (or ?token=<bearer token>)
//	→ {"type":"hello","account_id":"…"}
//	← {"type":"subscribe","topic":"project:<id>","id":"1"}      leader/admin of the project's org or above
//	← {"type":"subscribe","topic":"volunteer:me","id":"2"}      the caller's own scans
//	→ {"type":"subscribed","topic":"project:<id>","id":"1","on_site":3}
//	→ {"type":"error","topic":"project:<id>","id":"1","code":"permission_denied","reason":"NOT_ORG_MEMBER","message":"…"}
//	→ {"type":"scan","topic":"project:<id>","scan":{…}}
//	← {"type":"unsubscribe","topic":"…"} → {"type":"unsubscribed",…}
//	← {"type":"ping"} → {"type":"pong"}
//
// A bad or missing token is refused with 401 before the upgrade; a token
// revoked or expired later closes the socket with code 4401.
package realtime

import (
	"time"

	"github.com/google/uuid"
)

// Subject names.
const (
	// StreamName is the JetStream stream holding recent check-in events.
	StreamName = "YIMA_CHECKIN"
	// SubjectPrefix starts every check-in event's subject; the project id
	// follows.
	SubjectPrefix = "yima.checkin."
	// subjectAll matches every check-in event.
	subjectAll = SubjectPrefix + ">"
)

// Subprotocol is the websocket subprotocol the hub speaks; browsers pass
// the bearer token as a second, fake subprotocol after it.
const Subprotocol = "yima.v1"

// Topics a client may subscribe to.
const (
	// TopicProjectPrefix followed by a project id: every scan committed in
	// the project, for its org's leaders and admins and those of orgs above.
	TopicProjectPrefix = "project:"
	// TopicVolunteerMe: the caller's own sign-ins and sign-outs.
	TopicVolunteerMe = "volunteer:me"
)

// Outcomes as the API spells them.
const (
	OutcomeSignedIn  = "SCAN_OUTCOME_SIGNED_IN"
	OutcomeSignedOut = "SCAN_OUTCOME_SIGNED_OUT"
	OutcomeRejected  = "SCAN_OUTCOME_REJECTED"
)

// event is a committed scan as it travels on NATS: ids and facts, no
// personal data; hubs add names for the clients that watch.
type event struct {
	V               int       `json:"v"`
	ProjectID       uuid.UUID `json:"project_id"`
	VolunteerID     uuid.UUID `json:"volunteer_id,omitzero"`
	ScanID          string    `json:"scan_id"`
	Outcome         string    `json:"outcome"`
	Reason          string    `json:"reason,omitempty"`
	SessionID       uuid.UUID `json:"session_id,omitzero"`
	PositionID      uuid.UUID `json:"position_id,omitzero"`
	StartedAt       time.Time `json:"started_at,omitzero"`
	EndedAt         time.Time `json:"ended_at,omitzero"`
	DurationSeconds int64     `json:"duration_seconds,omitempty"`
	OnSite          int       `json:"on_site"`
	At              time.Time `json:"at"`
}

// eventVersion is the version of event this code writes.
const eventVersion = 1

// Message is what the hub sends to a websocket client.
type Message struct {
	// Type is hello, subscribed, unsubscribed, error, scan or pong.
	Type string `json:"type"`
	// Topic the message is about, as the client named it.
	Topic string `json:"topic,omitempty"`
	// ID echoes the id of the client's request being answered.
	ID string `json:"id,omitempty"`
	// AccountID acting on this connection (hello).
	AccountID string `json:"account_id,omitempty"`
	// Code (a Connect code name), Reason (a stable UPPER_SNAKE code) and
	// Message explain an error.
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// OnSite is how many volunteers are signed in at the project, as of its
	// latest event (subscribed to a project), when known.
	OnSite *int `json:"on_site,omitempty"`
	// Scan is a committed scan (scan).
	Scan *Scan `json:"scan,omitempty"`
}

// Scan is a committed scan as a live page shows it.
type Scan struct {
	ScanID       string `json:"scan_id"`
	ProjectID    string `json:"project_id"`
	ProjectTitle string `json:"project_title,omitempty"`
	VolunteerID  string `json:"volunteer_id,omitempty"`
	// VolunteerName is masked, "李*梅" → "李**".
	VolunteerName string `json:"volunteer_name,omitempty"`
	PositionID    string `json:"position_id,omitempty"`
	PositionName  string `json:"position_name,omitempty"`
	// Outcome is SCAN_OUTCOME_SIGNED_IN, _SIGNED_OUT or _REJECTED.
	Outcome string `json:"outcome"`
	// Reason of a rejection, e.g. NOT_ON_ROSTER.
	Reason string `json:"reason,omitempty"`
	// Duplicate is always false today: repeats change nothing and are not
	// pushed; the field keeps the shape of ScanResponse.
	Duplicate       bool      `json:"duplicate"`
	SessionID       string    `json:"session_id,omitempty"`
	StartedAt       time.Time `json:"started_at,omitzero"`
	EndedAt         time.Time `json:"ended_at,omitzero"`
	DurationSeconds int64     `json:"duration_seconds"`
	// OnSite after this scan; only on project topics.
	OnSite *int `json:"on_site,omitempty"`
	// At is when the scan happened.
	At time.Time `json:"at"`
}

// request is what a client sends.
type request struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
	ID    string `json:"id"`
}
