package checkin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/engine/codes"
	"yima/engine/ledger"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// This file is the attendance desk of org staff (O6): a project's scan log
// and sessions, the review of sessions, manual hours, scanner devices and
// the links to a project's printable code; and the activation of
// volunteer codes by activity (M1).
//
// Who may: a leader or admin account of the project's (or device's) org,
// or of an org above it — the org's path holds the caller's org.

// Limits of the attendance desk.
const (
	maxReviewReason = 500
	maxDeviceName   = 50
	// DeviceCacheTTL bounds how long a node trusts what it cached of a
	// scanner device: a revocation on another node takes effect here
	// within this time (on the node that revoked it, at once).
	DeviceCacheTTL = 30 * time.Second
	// maxCachedDevices bounds the device cache; scans name device ids the
	// client chooses.
	maxCachedDevices = 10_000
	// CodeTicketTTL is how long the links of GetProjectCodeLinks work.
	CodeTicketTTL = 10 * time.Minute
	// deactivateBatch is how many codes one statement deactivates.
	deactivateBatch = 500
)

// Stored values of a session's review_action.
const (
	ReviewApproved    = "approved"
	ReviewAdjusted    = "adjusted"
	ReviewInvalidated = "invalidated"
	// ReviewManual marks a session entered by staff (AddManualHours): a
	// staff decision with a reason, counted like a reviewed session.
	ReviewManual = "manual"
)

// ReviewAction is what a reviewer does with a session.
type ReviewAction uint8

// The review actions.
const (
	ActionApprove ReviewAction = iota + 1
	ActionAdjust
	ActionInvalidate
)

// StaffOptions configure a Staff.
type StaffOptions struct {
	Store *store.Store
	Codes *codes.Codes
	// Grains hears of projects whose grains cache something a change here
	// made stale (code epochs); nil tells no one. Reloader is declared in
	// close.go; *actors.Engine is the one the program passes.
	Grains Reloader
	Now    func() time.Time
	Log    *slog.Logger
	// TicketKey signs the tickets of project code links; at least 16 bytes.
	TicketKey []byte
	// Scopes resolves back-office staff's data scopes, so that staff see
	// the codes of projects in their scope (S7); nil lets no staff in.
	// *org.Service is the one the program passes.
	Scopes StaffScopes
}

// StaffScopes answers which orgs' subtrees a principal sees: all, or those
// under roots.
type StaffScopes interface {
	Scope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, err error)
}

// Staff is the attendance desk and the code activation use cases.
type Staff struct {
	opt StaffOptions

	mu      sync.Mutex
	devices map[uuid.UUID]cachedDevice
}

type cachedDevice struct {
	known   bool
	org     uuid.UUID
	revoked bool
	at      time.Time
}

// NewStaff returns a Staff.
func NewStaff(opt StaffOptions) (*Staff, error) {
	if len(opt.TicketKey) < 16 {
		return nil, errors.New("checkin staff: ticket key shorter than 16 bytes")
	}
	return &Staff{opt: opt, devices: map[uuid.UUID]cachedDevice{}}, nil
}

// manages returns nil when p leads or administers the org whose path (root
// first, the org last) is path, or an org above it.
func manages(p *access.Principal, path []uuid.UUID) error {
	if p == nil || (p.Kind != access.KindOrgLeader && p.Kind != access.KindOrgAdmin) || !slices.Contains(path, p.OrgID) {
		return fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有项目所属组织（或上级组织）的负责人或管理员可以操作")
	}
	return nil
}

// staffProject loads a project p manages.
func (s *Staff) staffProject(ctx context.Context, p *access.Principal, id uuid.UUID) (db.GetStaffProjectRow, error) {
	row, err := s.opt.Store.Q.GetStaffProject(ctx, id)
	if store.IsNotFound(err) {
		return row, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return row, fmt.Errorf("load project: %w", err)
	}
	return row, manages(p, row.OrgPath)
}

// approved reports whether a project in stored status st has passed review.
func approved(st string) bool { return st == "recruiting" || st == "running" || st == "closed" }

func notApproved() error {
	return fault.New(fault.FailedPrecondition, "PROJECT_NOT_APPROVED", "项目通过审核后才能进行此操作")
}

// ---- scans and sessions ----

// ScanFilter selects scans of a project.
type ScanFilter struct {
	Project uuid.UUID
	// Outcome is "signed_in", "signed_out", "rejected", or "" for all.
	Outcome   string
	Volunteer uuid.UUID // uuid.Nil: everyone
	// Since and Until bound received_at: [Since, Until); zero is open.
	Since, Until time.Time
	Page         paging.Page
}

// ScanEntry is a line of the scan log.
type ScanEntry struct {
	ScanID              string
	ReceivedAt          time.Time
	ScannedAt           time.Time
	Volunteer           uuid.UUID
	VolunteerNameMasked string
	Position            uuid.UUID
	PositionName        string
	Method              string // "staff", "self" or ""
	Outcome             string
	Reason              string
	Session             uuid.UUID
	DurationSeconds     int64
	Device              uuid.UUID
	DeviceName          string
	Gate                string
	ByAccount           uuid.UUID
}

// ListScans pages through a project's scan log, newest first, returning
// the next page's token ("" on the last). Errors: invalid_argument
// (OUTCOME_INVALID, TIME_RANGE_INVALID), not_found (PROJECT_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER).
func (s *Staff) ListScans(ctx context.Context, p *access.Principal, f ScanFilter) ([]ScanEntry, string, error) {
	switch f.Outcome {
	case "", "signed_in", "signed_out", "rejected":
	default:
		return nil, "", fault.InvalidField("outcome", "OUTCOME_INVALID", "扫码结果筛选无效")
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return nil, "", fault.InvalidField("until", "TIME_RANGE_INVALID", "结束时间须晚于开始时间")
	}
	if _, err := s.staffProject(ctx, p, f.Project); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListProjectScans(ctx, db.ListProjectScansParams{
		ProjectID: f.Project, Outcome: store.Text(f.Outcome), VolunteerID: store.NullUUID(f.Volunteer),
		Since: nullTime(f.Since), Until: nullTime(f.Until), Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list scans: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]ScanEntry, len(rows))
	for i, r := range rows {
		out[i] = ScanEntry{
			ScanID: r.ScanID, ReceivedAt: r.ReceivedAt, ScannedAt: r.ScannedAt,
			Volunteer: r.VolunteerID.UUID, VolunteerNameMasked: sensitive.MaskName(r.VolunteerName),
			Position: r.PositionID.UUID, PositionName: r.PositionName, Method: r.Method.String,
			Outcome: r.Outcome, Reason: r.Reason, Session: r.SessionID.UUID,
			DurationSeconds: int64(r.DurationSeconds.Int32), Device: r.DeviceID.UUID, DeviceName: r.DeviceName,
			Gate: r.Gate, ByAccount: r.ByAccount.UUID,
		}
	}
	return out, next, nil
}

// SessionFilter selects sessions of a project.
type SessionFilter struct {
	Project uuid.UUID
	// Status is "open", "closed", "invalidated", or "" for all.
	Status         string
	FlaggedOnly    bool
	UnreviewedOnly bool
	Volunteer      uuid.UUID // uuid.Nil: everyone
	Page           paging.Page
}

// AttendanceSession is a session as the desk shows it.
type AttendanceSession struct {
	ID                   uuid.UUID
	Project              uuid.UUID
	Volunteer            uuid.UUID
	VolunteerNameMasked  string
	Position             uuid.UUID
	PositionName         string
	StartedAt            time.Time
	EndedAt              time.Time // zero while open
	DurationSeconds      int64
	Status               string // open, closed, invalidated
	ClosedBy             string // scan, auto, close, staff; "" while open
	Flagged              bool
	FlagReason           string
	ReviewAction         string // approved, adjusted, invalidated, manual; "" before a review
	ReviewReason         string
	ReviewedAt           time.Time
	ReviewedByNameMasked string
}

// ListSessions pages through a project's sessions, newest start first.
// Errors: invalid_argument (STATUS_INVALID), not_found
// (PROJECT_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Staff) ListSessions(ctx context.Context, p *access.Principal, f SessionFilter) ([]AttendanceSession, string, error) {
	switch f.Status {
	case "", "open", "closed", "invalidated":
	default:
		return nil, "", fault.InvalidField("status", "STATUS_INVALID", "状态筛选无效")
	}
	if _, err := s.staffProject(ctx, p, f.Project); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListProjectSessions(ctx, db.ListProjectSessionsParams{
		ProjectID: f.Project, Status: store.Text(f.Status), FlaggedOnly: f.FlaggedOnly,
		UnreviewedOnly: f.UnreviewedOnly, VolunteerID: store.NullUUID(f.Volunteer),
		Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list sessions: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]AttendanceSession, len(rows))
	for i, r := range rows {
		out[i] = attendanceSession(db.GetAttendanceSessionRow(r))
	}
	return out, next, nil
}

func attendanceSession(r db.GetAttendanceSessionRow) AttendanceSession {
	return AttendanceSession{
		ID: r.ID, Project: r.ProjectID, Volunteer: r.VolunteerID, VolunteerNameMasked: sensitive.MaskName(r.VolunteerName),
		Position: r.PositionID, PositionName: r.PositionName, StartedAt: r.StartedAt, EndedAt: r.EndedAt.Time,
		DurationSeconds: int64(r.DurationSeconds.Int32), Status: r.Status, ClosedBy: r.ClosedBy.String,
		Flagged: r.Flagged, FlagReason: r.FlagReason, ReviewAction: r.ReviewAction.String,
		ReviewReason: r.ReviewReason, ReviewedAt: r.ReviewedAt.Time, ReviewedByNameMasked: sensitive.MaskName(r.ReviewerName),
	}
}

func (s *Staff) session(ctx context.Context, id uuid.UUID) (AttendanceSession, error) {
	r, err := s.opt.Store.Q.GetAttendanceSession(ctx, id)
	if err != nil {
		return AttendanceSession{}, fmt.Errorf("load session: %w", err)
	}
	return attendanceSession(r), nil
}

// ---- reviews and manual hours ----

// Review is a reviewer's decision on a session.
type Review struct {
	Session uuid.UUID
	Action  ReviewAction
	Reason  string
	// StartedAt and EndedAt are the corrected times of ActionAdjust; they
	// are kept to the second.
	StartedAt, EndedAt time.Time
}

// ReviewSession approves, adjusts or invalidates a closed session. An
// approved or adjusted flagged session then counts towards service
// records; on a closed project the record is made at once. A session whose
// record was made already cannot be reviewed. Sessions that are open are
// the grain's to end, so they are refused, and no grain state changes
// here. Errors: invalid_argument (ACTION_INVALID, REASON_REQUIRED,
// REASON_TOO_LONG, TIMES_NOT_ALLOWED, TIME_REQUIRED, END_BEFORE_START,
// TIME_IN_FUTURE, TIME_OUTSIDE_PROJECT), not_found (SESSION_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), failed_precondition (SESSION_OPEN,
// SESSION_INVALIDATED, RECORD_ISSUED, SESSION_OVERLAP).
func (s *Staff) ReviewSession(ctx context.Context, p *access.Principal, r Review) (AttendanceSession, error) {
	if r.Action < ActionApprove || r.Action > ActionInvalidate {
		return AttendanceSession{}, fault.InvalidField("action", "ACTION_INVALID", "请选择审核操作：通过、调整或作废")
	}
	reason, err := checkReason(r.Reason)
	if err != nil {
		return AttendanceSession{}, err
	}
	now := s.opt.Now()
	if r.Action == ActionAdjust {
		if r.StartedAt, r.EndedAt, err = checkTimes(r.StartedAt, r.EndedAt, now, false); err != nil {
			return AttendanceSession{}, err
		}
	} else if !r.StartedAt.IsZero() || !r.EndedAt.IsZero() {
		return AttendanceSession{}, fault.InvalidField("started_at", "TIMES_NOT_ALLOWED", "只有调整操作可以修改时间")
	}
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		row, err := q.LockSessionForReview(ctx, r.Session)
		if store.IsNotFound(err) {
			return fault.New(fault.NotFound, "SESSION_NOT_FOUND", "考勤记录不存在")
		}
		if err != nil {
			return fmt.Errorf("lock session: %w", err)
		}
		if err := manages(p, row.OrgPath); err != nil {
			return err
		}
		switch {
		case row.Status == "open":
			return fault.New(fault.FailedPrecondition, "SESSION_OPEN", "志愿者尚未签退，签退后才能审核")
		case row.Status == "invalidated":
			return fault.New(fault.FailedPrecondition, "SESSION_INVALIDATED", "该考勤记录已作废")
		case row.HasRecord:
			return fault.New(fault.FailedPrecondition, "RECORD_ISSUED", "该考勤已生成服务记录，不能再修改")
		}
		up := db.ReviewSessionParams{
			ID: row.ID, StartedAt: row.StartedAt, EndedAt: row.EndedAt.Time, DurationSeconds: row.DurationSeconds.Int32,
			Status: row.Status, ReviewedAt: now, ReviewedBy: store.NullUUID(p.PersonID), ReviewReason: reason,
		}
		switch r.Action {
		case ActionApprove:
			up.ReviewAction = ReviewApproved
		case ActionAdjust:
			if err := inWindow(r.StartedAt, r.EndedAt, row.StartTime, row.EndTime, row.ScanBeforeSeconds, row.ScanAfterSeconds); err != nil {
				return err
			}
			up.StartedAt, up.EndedAt = r.StartedAt, r.EndedAt
			up.DurationSeconds = int32(r.EndedAt.Sub(r.StartedAt) / time.Second)
			up.ReviewAction = ReviewAdjusted
		case ActionInvalidate:
			up.Status, up.ReviewAction = "invalidated", ReviewInvalidated
		}
		if err := q.ReviewSession(ctx, up); err != nil {
			return sessionWriteFault(err, "review session")
		}
		if row.ProjectStatus == "closed" && r.Action != ActionInvalidate {
			// The project's records were made at its close; this session
			// counts now.
			if _, err := q.GenerateServiceRecords(ctx, db.GenerateServiceRecordsParams{Now: now, ProjectID: row.ProjectID}); err != nil {
				return fmt.Errorf("generate service records: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return AttendanceSession{}, err
	}
	return s.session(ctx, r.Session)
}

// ManualHours is service entered by hand.
type ManualHours struct {
	Project   uuid.UUID
	Volunteer uuid.UUID
	// Position served in; uuid.Nil means the one the volunteer is hired for.
	Position           uuid.UUID
	StartedAt, EndedAt time.Time
	Reason             string
}

// AddManualHours enters service by hand for a volunteer hired on the
// project: a closed session with closed_by 'staff' and review_action
// 'manual' (reviewed at once by the caller, so it counts without a further
// review; not flagged). On a closed project its service record is made at
// once. Times are kept to the second, must lie within the project's scan
// window and may not overlap another session of the volunteer. Errors:
// invalid_argument (REASON_REQUIRED, REASON_TOO_LONG, TIME_REQUIRED,
// END_BEFORE_START, TIME_IN_FUTURE, TIME_OUTSIDE_PROJECT), not_found
// (PROJECT_NOT_FOUND, POSITION_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER), failed_precondition (PROJECT_NOT_APPROVED,
// NOT_ON_ROSTER, SESSION_OVERLAP).
func (s *Staff) AddManualHours(ctx context.Context, p *access.Principal, m ManualHours) (AttendanceSession, error) {
	reason, err := checkReason(m.Reason)
	if err != nil {
		return AttendanceSession{}, err
	}
	now := s.opt.Now()
	if m.StartedAt, m.EndedAt, err = checkTimes(m.StartedAt, m.EndedAt, now, true); err != nil {
		return AttendanceSession{}, err
	}
	pr, err := s.staffProject(ctx, p, m.Project)
	if err != nil {
		return AttendanceSession{}, err
	}
	if !approved(pr.Status) {
		return AttendanceSession{}, notApproved()
	}
	if err := inWindow(m.StartedAt, m.EndedAt, pr.StartTime, pr.EndTime, pr.ScanBeforeSeconds, pr.ScanAfterSeconds); err != nil {
		return AttendanceSession{}, err
	}
	id := ledger.NewSessionID()
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		hired, err := q.GetHiredPosition(ctx, db.GetHiredPositionParams{ProjectID: m.Project, VolunteerID: m.Volunteer})
		if store.IsNotFound(err) {
			return fault.New(fault.FailedPrecondition, "NOT_ON_ROSTER", "该志愿者未被录用于本项目")
		}
		if err != nil {
			return fmt.Errorf("load roster entry: %w", err)
		}
		pos := hired
		if m.Position != uuid.Nil && m.Position != hired {
			ok, err := q.ProjectHasPosition(ctx, db.ProjectHasPositionParams{PositionID: m.Position, ProjectID: m.Project})
			if err != nil {
				return fmt.Errorf("check position: %w", err)
			}
			if !ok {
				return fault.New(fault.NotFound, "POSITION_NOT_FOUND", "本项目没有这个岗位")
			}
			pos = m.Position
		}
		if err := q.InsertManualSession(ctx, db.InsertManualSessionParams{
			ID: id, ProjectID: m.Project, PositionID: pos, VolunteerID: m.Volunteer,
			StartedAt: m.StartedAt, EndedAt: m.EndedAt, DurationSeconds: int32(m.EndedAt.Sub(m.StartedAt) / time.Second),
			ReviewedAt: now, ReviewedBy: store.NullUUID(p.PersonID), ReviewReason: reason,
		}); err != nil {
			return sessionWriteFault(err, "insert manual session")
		}
		if pr.Status == "closed" {
			if _, err := q.GenerateServiceRecords(ctx, db.GenerateServiceRecordsParams{Now: now, ProjectID: m.Project}); err != nil {
				return fmt.Errorf("generate service records: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return AttendanceSession{}, err
	}
	return s.session(ctx, id)
}

// checkReason trims a reason and requires one of bounded length.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", fault.InvalidField("reason", "REASON_REQUIRED", "修改服务时长须填写原因")
	case utf8.RuneCountInString(reason) > maxReviewReason:
		return "", fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReviewReason))
	}
	return reason, nil
}

// checkTimes validates the times of a stretch of service entered by a
// person and truncates them to the second; positive demands a non-empty
// stretch.
func checkTimes(start, end, now time.Time, positive bool) (time.Time, time.Time, error) {
	switch {
	case start.IsZero():
		return start, end, fault.InvalidField("started_at", "TIME_REQUIRED", "请填写开始时间")
	case end.IsZero():
		return start, end, fault.InvalidField("ended_at", "TIME_REQUIRED", "请填写结束时间")
	}
	start, end = start.Truncate(time.Second), end.Truncate(time.Second)
	switch {
	case end.Before(start) || (positive && !end.After(start)):
		return start, end, fault.InvalidField("ended_at", "END_BEFORE_START", "结束时间须晚于开始时间")
	case end.After(now):
		return start, end, fault.InvalidField("ended_at", "TIME_IN_FUTURE", "结束时间不能晚于现在")
	}
	return start, end, nil
}

// inWindow requires a stretch of service to lie within the project's scan
// window: from scan_before before its start to scan_after after its end.
func inWindow(start, end, pStart, pEnd time.Time, before, after int32) error {
	lo := pStart.Add(-time.Duration(before) * time.Second)
	hi := pEnd.Add(time.Duration(after) * time.Second)
	if start.Before(lo) || end.After(hi) {
		return fault.Newf(fault.Invalid, "TIME_OUTSIDE_PROJECT", "服务时间须在项目时间内（%s 至 %s）",
			lo.In(shanghai).Format("2006-01-02 15:04"), hi.In(shanghai).Format("2006-01-02 15:04"))
	}
	return nil
}

// sessionWriteFault maps the session table's constraints to answers.
func sessionWriteFault(err error, what string) error {
	switch store.ConstraintViolated(err) {
	case "session_no_overlap":
		return fault.New(fault.FailedPrecondition, "SESSION_OVERLAP", "与该志愿者的其他服务时段重叠")
	case "session_one_open":
		return fault.New(fault.FailedPrecondition, "SESSION_OPEN", "该志愿者有进行中的签到")
	}
	return fmt.Errorf("%s: %w", what, err)
}

func nullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// shanghai is the time zone people read project times in.
var shanghai = time.FixedZone("CST", 8*3600)

// ---- devices ----

// Device is a scanner device registered to an org.
type Device struct {
	ID        uuid.UUID
	Org       uuid.UUID
	Name      string
	CreatedAt time.Time
	RevokedAt time.Time // zero while usable
}

// RegisterDevice registers a scanner device to org, which p leads or
// administers (or an org above it does). Errors: invalid_argument
// (NAME_REQUIRED, NAME_TOO_LONG), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER).
func (s *Staff) RegisterDevice(ctx context.Context, p *access.Principal, org uuid.UUID, name string) (Device, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return Device{}, fault.InvalidField("name", "NAME_REQUIRED", "请填写设备名称")
	case utf8.RuneCountInString(name) > maxDeviceName:
		return Device{}, fault.InvalidField("name", "NAME_TOO_LONG", fmt.Sprintf("设备名称不能超过%d个字", maxDeviceName))
	}
	if err := s.managesOrg(ctx, p, org); err != nil {
		return Device{}, err
	}
	r, err := s.opt.Store.Q.InsertDevice(ctx, db.InsertDeviceParams{
		OrgID: org, Name: name, CreatedBy: store.NullUUID(p.PersonID), CreatedAt: s.opt.Now(),
	})
	if err != nil {
		return Device{}, fmt.Errorf("insert device: %w", err)
	}
	return device(r.ID, r.OrgID, r.Name, r.CreatedAt, r.RevokedAt), nil
}

// ListDevices pages through org's devices, oldest first. Errors: not_found
// (ORG_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Staff) ListDevices(ctx context.Context, p *access.Principal, org uuid.UUID, page paging.Page) ([]Device, string, error) {
	if err := s.managesOrg(ctx, p, org); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListDevicesOfOrg(ctx, db.ListDevicesOfOrgParams{OrgID: org, Off: page.Offset, Lim: page.Fetch()})
	if err != nil {
		return nil, "", fmt.Errorf("list devices: %w", err)
	}
	rows, next := paging.Next(page, rows)
	out := make([]Device, len(rows))
	for i, r := range rows {
		out[i] = device(r.ID, r.OrgID, r.Name, r.CreatedAt, r.RevokedAt)
	}
	return out, next, nil
}

// RevokeDevice revokes a device; its scans are refused from then on (see
// DeviceOK). Errors: not_found (DEVICE_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER), failed_precondition (DEVICE_REVOKED).
func (s *Staff) RevokeDevice(ctx context.Context, p *access.Principal, id uuid.UUID) (Device, error) {
	d, err := s.opt.Store.Q.GetDeviceWithOrgPath(ctx, id)
	if store.IsNotFound(err) {
		return Device{}, fault.New(fault.NotFound, "DEVICE_NOT_FOUND", "设备不存在")
	}
	if err != nil {
		return Device{}, fmt.Errorf("load device: %w", err)
	}
	if err := manages(p, d.OrgPath); err != nil {
		return Device{}, err
	}
	r, err := s.opt.Store.Q.MarkDeviceRevoked(ctx, db.MarkDeviceRevokedParams{ID: id, RevokedAt: s.opt.Now()})
	if store.IsNotFound(err) {
		return Device{}, fault.New(fault.FailedPrecondition, "DEVICE_REVOKED", "设备已停用")
	}
	if err != nil {
		return Device{}, fmt.Errorf("revoke device: %w", err)
	}
	s.mu.Lock()
	delete(s.devices, id)
	s.mu.Unlock()
	return device(r.ID, r.OrgID, r.Name, r.CreatedAt, r.RevokedAt), nil
}

func device(id, org uuid.UUID, name string, created time.Time, revoked pgtype.Timestamptz) Device {
	return Device{ID: id, Org: org, Name: name, CreatedAt: created, RevokedAt: revoked.Time}
}

func (s *Staff) managesOrg(ctx context.Context, p *access.Principal, org uuid.UUID) error {
	path, err := s.opt.Store.Q.GetOrgPath(ctx, org)
	if store.IsNotFound(err) {
		return fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
	}
	if err != nil {
		return fmt.Errorf("load org: %w", err)
	}
	return manages(p, path)
}

// Reasons a scan from a device is refused, as ScanResponse.reason.
const (
	ReasonDeviceUnknown  = "DEVICE_UNKNOWN"   // no device has this id
	ReasonDeviceRevoked  = "DEVICE_REVOKED"   // the org revoked it
	ReasonDeviceOtherOrg = "DEVICE_OTHER_ORG" // registered to an org that does not run the project
)

// DeviceOK reports whether device may scan for a project whose org has
// path projectOrgPath (root first): it is registered, not revoked, and
// registered to the project's org or an org above it. See DeviceRefusal.
func (s *Staff) DeviceOK(ctx context.Context, device uuid.UUID, projectOrgPath []uuid.UUID) (bool, error) {
	reason, err := s.DeviceRefusal(ctx, device, projectOrgPath)
	return err == nil && reason == "", err
}

// DeviceRefusal is DeviceOK with the reason of a refusal: "" when the
// device may scan for the project, else ReasonDeviceUnknown,
// ReasonDeviceRevoked or ReasonDeviceOtherOrg. It is meant for the scan
// path: answers are cached for DeviceCacheTTL, unknown ids included, so
// the common scan costs no query, and a node learns of a revocation made
// on another node within that time (on this node, at once). An error means
// the database could not be asked; refusing the scan is the safe answer.
func (s *Staff) DeviceRefusal(ctx context.Context, device uuid.UUID, projectOrgPath []uuid.UUID) (string, error) {
	now := s.opt.Now()
	s.mu.Lock()
	c, ok := s.devices[device]
	s.mu.Unlock()
	if !ok || now.Sub(c.at) >= DeviceCacheTTL || now.Before(c.at) {
		r, err := s.opt.Store.Q.GetDeviceWithOrgPath(ctx, device)
		switch {
		case store.IsNotFound(err):
			c = cachedDevice{at: now}
		case err != nil:
			return "", fmt.Errorf("load device: %w", err)
		default:
			c = cachedDevice{known: true, org: r.OrgID, revoked: r.RevokedAt.Valid, at: now}
		}
		s.mu.Lock()
		if len(s.devices) >= maxCachedDevices {
			clear(s.devices)
		}
		s.devices[device] = c
		s.mu.Unlock()
	}
	switch {
	case !c.known:
		return ReasonDeviceUnknown, nil
	case c.revoked:
		return ReasonDeviceRevoked, nil
	case !slices.Contains(projectOrgPath, c.org):
		return ReasonDeviceOtherOrg, nil
	}
	return "", nil
}

// ---- printable project codes ----

// CodeSheet is what a printed project code shows.
type CodeSheet struct {
	Project   uuid.UUID
	Title     string
	OrgName   string
	StartTime time.Time
	EndTime   time.Time
	Address   string
	// Payload is the SM2-signed project code to render as a QR code.
	Payload string
}

// ProjectCodeTicket issues a ticket for the code pages of a project that p
// manages, or that is in the data scope of p as back-office staff, and
// that has passed review, and when it expires. Errors: not_found
// (PROJECT_NOT_FOUND), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (PROJECT_NOT_APPROVED).
func (s *Staff) ProjectCodeTicket(ctx context.Context, p *access.Principal, project uuid.UUID) (string, time.Time, error) {
	pr, err := s.staffProject(ctx, p, project)
	if err != nil && fault.KindOf(err) == fault.PermissionDenied {
		if sees, serr := s.staffSees(ctx, p, pr.OrgPath); serr != nil {
			err = serr
		} else if sees {
			err = nil
		}
	}
	if err != nil {
		return "", time.Time{}, err
	}
	if !approved(pr.Status) {
		return "", time.Time{}, notApproved()
	}
	exp := s.opt.Now().Add(CodeTicketTTL).Truncate(time.Second)
	var b [16 + 8]byte
	copy(b[:16], project[:])
	binary.BigEndian.PutUint64(b[16:], uint64(exp.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(b[:], s.ticketMAC(b[:])...)), exp, nil
}

const ticketMACLen = 16

// staffSees reports whether p is back-office staff whose data scope covers
// the org at path.
func (s *Staff) staffSees(ctx context.Context, p *access.Principal, path []uuid.UUID) (bool, error) {
	if p == nil || p.Kind != access.KindStaff || s.opt.Scopes == nil {
		return false, nil
	}
	all, roots, err := s.opt.Scopes.Scope(ctx, p)
	if err != nil {
		return false, err
	}
	return all || slices.ContainsFunc(path, func(id uuid.UUID) bool { return slices.Contains(roots, id) }), nil
}

func (s *Staff) ticketMAC(body []byte) []byte {
	m := hmac.New(sm3.New, s.opt.TicketKey)
	m.Write([]byte("yima/checkin/code-ticket/v1\x00"))
	m.Write(body)
	return m.Sum(nil)[:ticketMACLen]
}

// CodeSheetByTicket returns the code sheet of project for the holder of a
// ticket from ProjectCodeTicket. Errors: permission_denied
// (TICKET_INVALID, TICKET_EXPIRED), not_found (PROJECT_NOT_FOUND),
// failed_precondition (PROJECT_NOT_APPROVED).
func (s *Staff) CodeSheetByTicket(ctx context.Context, project uuid.UUID, ticket string) (CodeSheet, error) {
	b, err := base64.RawURLEncoding.DecodeString(ticket)
	if err != nil || len(b) != 16+8+ticketMACLen || !bytes.Equal(b[:16], project[:]) ||
		!hmac.Equal(b[24:], s.ticketMAC(b[:24])) {
		return CodeSheet{}, fault.New(fault.PermissionDenied, "TICKET_INVALID", "链接无效，请从组织端重新打开")
	}
	if exp := time.Unix(int64(binary.BigEndian.Uint64(b[16:24])), 0); !s.opt.Now().Before(exp) {
		return CodeSheet{}, fault.New(fault.PermissionDenied, "TICKET_EXPIRED", "链接已过期，请从组织端重新打开")
	}
	row, err := s.opt.Store.Q.GetStaffProject(ctx, project)
	if store.IsNotFound(err) {
		return CodeSheet{}, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return CodeSheet{}, fmt.Errorf("load project: %w", err)
	}
	return s.codeSheet(row)
}

// CodeSheet returns the code sheet of a project p manages. Errors: as
// ProjectCodeTicket.
func (s *Staff) CodeSheet(ctx context.Context, p *access.Principal, project uuid.UUID) (CodeSheet, error) {
	row, err := s.staffProject(ctx, p, project)
	if err != nil {
		return CodeSheet{}, err
	}
	return s.codeSheet(row)
}

func (s *Staff) codeSheet(row db.GetStaffProjectRow) (CodeSheet, error) {
	if !approved(row.Status) {
		return CodeSheet{}, notApproved()
	}
	payload, err := s.opt.Codes.IssueProjectCode(row.ID)
	if err != nil {
		return CodeSheet{}, fmt.Errorf("issue project code: %w", err)
	}
	return CodeSheet{
		Project: row.ID, Title: row.Title, OrgName: row.OrgName, StartTime: row.StartTime, EndTime: row.EndTime,
		Address: row.Address, Payload: payload,
	}, nil
}

// ---- code activation (M1) ----

// DeactivateIdleCodes deactivates the codes of volunteers idle for idleFor
// before now: no sign-in (or registration), no code shown and no session
// open or ended since. Each gets code_active=false and its epoch bumped,
// which revokes every code outstanding, and a 'deactivated' entry in the
// code-scene trail; grains of projects taking scans with them on the
// roster reload their cached epochs. It works in batches, so it may run on
// several nodes at once, and returns how many it deactivated.
func (s *Staff) DeactivateIdleCodes(ctx context.Context, idleFor time.Duration, now time.Time) (int, error) {
	if idleFor <= 0 {
		return 0, errors.New("deactivate idle codes: idle time must be positive")
	}
	before := now.Add(-idleFor)
	total := 0
	for {
		rows, err := s.opt.Store.Q.DeactivateIdleCodes(ctx, db.DeactivateIdleCodesParams{Before: before, Now: now, Lim: deactivateBatch})
		if err != nil {
			return total, fmt.Errorf("deactivate idle codes: %w", err)
		}
		total += len(rows)
		if len(rows) > 0 && s.opt.Grains != nil {
			ids := make([]uuid.UUID, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			projects, err := s.opt.Store.Q.OpenProjectsOfVolunteers(ctx, ids)
			if err != nil {
				return total, fmt.Errorf("find projects to reload: %w", err)
			}
			for _, pr := range projects {
				s.opt.Grains.RosterChanged(ctx, pr)
			}
		}
		if len(rows) < deactivateBatch {
			return total, nil
		}
	}
}

// ReactivateCode brings back a volunteer's deactivated code, recording the
// activity and, when the code was inactive, an 'activated' entry in the
// code-scene trail. It reports whether the code was inactive. Errors:
// not_found (NOT_A_VOLUNTEER).
func (s *Staff) ReactivateCode(ctx context.Context, volunteer uuid.UUID) (bool, error) {
	r, err := s.opt.Store.Q.ActivateCode(ctx, db.ActivateCodeParams{VolunteerID: volunteer, Now: s.opt.Now(), Reason: "SIGN_IN"})
	if store.IsNotFound(err) {
		return false, fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "志愿者不存在")
	}
	if err != nil {
		return false, fmt.Errorf("activate code: %w", err)
	}
	return r.Activated, nil
}

// SignedIn records that a person signed in: if they are a volunteer, their
// activity time moves to now and a deactivated code comes back. Identity
// calls it on every sign-in; a failure is logged, never returned, as the
// sign-in matters more.
func (s *Staff) SignedIn(ctx context.Context, person uuid.UUID) {
	r, err := s.opt.Store.Q.ActivateCodeOfPerson(ctx, db.ActivateCodeOfPersonParams{PersonID: person, Now: s.opt.Now()})
	switch {
	case store.IsNotFound(err):
	case err != nil:
		s.opt.Log.WarnContext(ctx, "record volunteer sign-in", "err", err)
	case r.Activated:
		s.opt.Log.InfoContext(ctx, "volunteer code reactivated", "volunteer", r.ID)
	}
}
