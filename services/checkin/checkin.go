// Package checkin is the scan use case: it verifies the code of a scan
// without any actor hop, checks who may scan what, and asks the project's
// grain to decide; it also hands out volunteer and project codes.
package checkin

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/directory"
	"yima/engine/actors/grainpb"
	"yima/engine/codes"
	"yima/fault"
	"yima/store"
)

// Limits on what a scan request may carry.
const (
	maxScanIDLen = 64
	// maxOfflineAge bounds how late a registered device may upload a scan
	// it queued offline.
	maxOfflineAge = 24 * time.Hour
)

// Grains decides scans in the project's grain.
type Grains interface {
	Scan(ctx context.Context, project uuid.UUID, s *grainpb.Scan) (*grainpb.ScanResult, error)
}

// Trail records what never reaches a grain: codes shown, and scans refused
// before any project state was consulted (bad or expired codes).
type Trail interface {
	CodeShown(ctx context.Context, volunteer uuid.UUID, at time.Time)
	Refused(ctx context.Context, r Refusal) (*grainpb.ScanResult, error)
}

// Refusal is a scan refused on its code alone.
type Refusal struct {
	ScanID     string
	Project    uuid.UUID
	Method     grainpb.Method
	Reason     string
	ReceivedAt time.Time
	ScannedAt  time.Time
	Device     uuid.UUID
	Gate       string
	ByAccount  uuid.UUID
}

// Devices judges the scanner device a scan names.
type Devices interface {
	// DeviceRefusal returns "" for a device registered to an org on the
	// project's org path and not revoked, else the rejection reason.
	DeviceRefusal(ctx context.Context, device uuid.UUID, projectOrgPath []uuid.UUID) (string, error)
}

// Directory names volunteers and positions from a cache, for answers that
// would otherwise carry only ids; *directory.Directory is the one the
// program passes, shared with the live pages.
type Directory interface {
	// VolunteerName returns the volunteer's name, masked.
	VolunteerName(ctx context.Context, volunteer uuid.UUID) (string, error)
	// Position returns a position's name and its project's title.
	Position(ctx context.Context, position uuid.UUID) (directory.PositionLabel, error)
}

// Options are a Service's parts.
type Options struct {
	Store   *store.Store
	Codes   *codes.Codes
	Grains  Grains
	Trail   Trail
	Devices Devices
	// Directory names what answers show; nil leaves names empty.
	Directory Directory
	Now       func() time.Time
	Log       *slog.Logger
}

// Service is the check-in use cases.
type Service struct {
	st      *store.Store
	codes   *codes.Codes
	grains  Grains
	trail   Trail
	devices Devices
	dir     Directory
	now     func() time.Time
	log     *slog.Logger

	volunteers sync.Map // person → uuid.UUID volunteer id; never changes once set
	projects   sync.Map // project → projectInfo
}

type projectInfo struct {
	org     uuid.UUID
	orgPath []uuid.UUID
	at      time.Time
}

// projectTTL bounds how long a project's org is cached; projects do not
// move between orgs, so this only limits memory staleness after deletion.
const projectTTL = time.Minute

// New returns a Service.
func New(o Options) *Service {
	return &Service{st: o.Store, codes: o.Codes, grains: o.Grains, trail: o.Trail, devices: o.Devices, dir: o.Directory, now: o.Now, log: o.Log}
}

// ScanRequest is a scan as the API receives it.
type ScanRequest struct {
	ScanID    string
	Project   uuid.UUID // uuid.Nil when a volunteer scans a project code
	Payload   string
	Device    uuid.UUID
	Gate      string
	ScannedAt time.Time // zero: now
	Location  *struct{ Lat, Lng float64 }
}

// Scan records one scan and returns the committed answer. Business
// rejections are answers; errors are for bad requests and failures.
func (s *Service) Scan(ctx context.Context, p *access.Principal, req ScanRequest) (*grainpb.ScanResult, error) {
	if req.ScanID == "" {
		return nil, fault.InvalidField("scan_id", "SCAN_ID_REQUIRED", "缺少扫码编号 scan_id")
	}
	if len(req.ScanID) > maxScanIDLen {
		return nil, fault.InvalidField("scan_id", "SCAN_ID_INVALID", "扫码编号过长")
	}
	if req.Payload == "" {
		return nil, fault.InvalidField("payload", "PAYLOAD_REQUIRED", "缺少二维码内容")
	}
	now := s.now()
	at, err := s.scanTime(now, req)
	if err != nil {
		return nil, err
	}
	kind, perr := codes.Parse(req.Payload)
	cmd := &grainpb.Scan{
		ScanId: req.ScanID, ReceivedAt: now.UnixMicro(), ScannedAt: at.UnixMicro(),
		Gate: req.Gate, ByAccount: p.AccountID[:],
	}
	if req.Device != uuid.Nil {
		cmd.DeviceId = req.Device[:]
	}
	if req.Location != nil {
		cmd.HasLocation, cmd.Lat, cmd.Lng = true, req.Location.Lat, req.Location.Lng
	}
	switch {
	case perr == nil && kind == codes.KindVolunteer:
		return s.staffScan(ctx, p, req, cmd, at)
	case perr == nil && kind == codes.KindProject:
		return s.selfScan(ctx, p, req, cmd, at)
	}
	// Not a code of ours, or an org code (which opens the org's page, not a
	// check-in): refuse it on its face, before any project is touched.
	method := grainpb.Method_METHOD_SELF_SCAN
	if p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin {
		method = grainpb.Method_METHOD_STAFF_SCAN
	}
	return s.refuse(ctx, req, cmd, method, codes.Reason(codes.ErrInvalid))
}

func (s *Service) staffScan(ctx context.Context, p *access.Principal, req ScanRequest, cmd *grainpb.Scan, at time.Time) (*grainpb.ScanResult, error) {
	if p.Kind != access.KindOrgLeader && p.Kind != access.KindOrgAdmin {
		return nil, fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有项目所属组织的负责人或管理员可以扫志愿者码")
	}
	if req.Project == uuid.Nil {
		return nil, fault.InvalidField("project_id", "PROJECT_ID_REQUIRED", "扫志愿者码需指定项目")
	}
	info, err := s.project(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(info.orgPath, p.OrgID) {
		return nil, fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "您不是该项目所属组织的负责人或管理员")
	}
	cmd.Method = grainpb.Method_METHOD_STAFF_SCAN
	if reason, err := s.deviceRefusal(ctx, req.Device, info); err != nil || reason != "" {
		if err != nil {
			return nil, err
		}
		return s.refuse(ctx, req, cmd, cmd.Method, reason)
	}
	claim, err := s.codes.Verify(req.Payload, at)
	if err != nil {
		return s.refuse(ctx, req, cmd, cmd.Method, codes.Reason(err))
	}
	cmd.VolunteerId = claim.VolunteerID[:]
	cmd.CodeEpoch = claim.Epoch
	return s.grains.Scan(ctx, req.Project, cmd)
}

func (s *Service) selfScan(ctx context.Context, p *access.Principal, req ScanRequest, cmd *grainpb.Scan, at time.Time) (*grainpb.ScanResult, error) {
	vol, err := s.volunteerOf(ctx, p)
	if err != nil {
		return nil, err
	}
	cmd.Method = grainpb.Method_METHOD_SELF_SCAN
	claim, err := s.codes.VerifyStatic(req.Payload)
	if err != nil {
		return s.refuse(ctx, req, cmd, cmd.Method, codes.Reason(err))
	}
	if req.Project != uuid.Nil && req.Project != claim.ID {
		return s.refuse(ctx, req, cmd, cmd.Method, "PROJECT_MISMATCH")
	}
	req.Project = claim.ID
	info, err := s.project(ctx, claim.ID)
	if err != nil {
		return nil, err
	}
	if reason, err := s.deviceRefusal(ctx, req.Device, info); err != nil || reason != "" {
		if err != nil {
			return nil, err
		}
		return s.refuse(ctx, req, cmd, cmd.Method, reason)
	}
	cmd.VolunteerId = vol[:]
	return s.grains.Scan(ctx, claim.ID, cmd)
}

// deviceRefusal checks the device a scan names, if any: unknown, revoked
// or foreign devices are refused, which also keeps offline scan times to
// registered devices.
func (s *Service) deviceRefusal(ctx context.Context, device uuid.UUID, info projectInfo) (string, error) {
	if device == uuid.Nil {
		return "", nil
	}
	reason, err := s.devices.DeviceRefusal(ctx, device, info.orgPath)
	if err != nil {
		return "", fmt.Errorf("check device: %w", err)
	}
	return reason, nil
}

// refuse answers a scan refused on its code, through the trail so that the
// refusal is recorded and a retry gets the same answer.
func (s *Service) refuse(ctx context.Context, req ScanRequest, cmd *grainpb.Scan, m grainpb.Method, reason string) (*grainpb.ScanResult, error) {
	return s.trail.Refused(ctx, Refusal{
		ScanID: req.ScanID, Project: req.Project, Method: m, Reason: reason,
		ReceivedAt: time.UnixMicro(cmd.ReceivedAt), ScannedAt: time.UnixMicro(cmd.ScannedAt),
		Device: req.Device, Gate: req.Gate, ByAccount: uuid.UUID(cmd.ByAccount),
	})
}

// scanTime is when the scan happened: now, or a bounded earlier time sent
// by a registered device that was offline.
func (s *Service) scanTime(now time.Time, req ScanRequest) (time.Time, error) {
	if req.ScannedAt.IsZero() {
		return now, nil
	}
	if req.Device == uuid.Nil {
		return time.Time{}, fault.InvalidField("scanned_at", "SCANNED_AT_NEEDS_DEVICE", "只有登记的扫码设备可以上传离线扫码时间")
	}
	if req.ScannedAt.After(now.Add(time.Minute)) || now.Sub(req.ScannedAt) > maxOfflineAge {
		return time.Time{}, fault.InvalidField("scanned_at", "SCANNED_AT_OUT_OF_RANGE", "离线扫码时间超出允许范围")
	}
	return req.ScannedAt, nil
}

func (s *Service) project(ctx context.Context, id uuid.UUID) (projectInfo, error) {
	now := s.now()
	if v, ok := s.projects.Load(id); ok && now.Sub(v.(projectInfo).at) < projectTTL {
		return v.(projectInfo), nil
	}
	row, err := s.st.Q.GetProjectOrg(ctx, id)
	if store.IsNotFound(err) {
		return projectInfo{}, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return projectInfo{}, fmt.Errorf("load project org: %w", err)
	}
	info := projectInfo{org: row.OrgID, orgPath: row.OrgPath, at: now}
	s.projects.Store(id, info)
	return info, nil
}

// volunteerOf returns the caller's volunteer id.
func (s *Service) volunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	if v, ok := s.volunteers.Load(p.PersonID); ok {
		return v.(uuid.UUID), nil
	}
	row, err := s.st.Q.GetVolunteerByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return uuid.Nil, fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "请先注册成为志愿者")
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("load volunteer: %w", err)
	}
	s.volunteers.Store(p.PersonID, row.ID)
	return row.ID, nil
}

// VolunteerCode issues the caller's current dynamic code.
func (s *Service) VolunteerCode(ctx context.Context, p *access.Principal) (string, time.Time, error) {
	row, err := s.st.Q.GetVolunteerByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return "", time.Time{}, fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "请先注册成为志愿者")
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("load volunteer: %w", err)
	}
	if !row.CodeActive {
		return "", time.Time{}, fault.New(fault.FailedPrecondition, "CODE_INACTIVE", "请重新登录以激活志愿者码")
	}
	now := s.now()
	payload, exp := s.codes.Issue(row.ID, uint32(row.CodeEpoch), now)
	s.trail.CodeShown(ctx, row.ID, now)
	return payload, exp, nil
}

// ProjectCode returns a project's printed code, for a leader or admin of
// its org (or an org above it).
func (s *Service) ProjectCode(ctx context.Context, p *access.Principal, project uuid.UUID) (string, error) {
	row, err := s.st.Q.GetProjectOrg(ctx, project)
	if store.IsNotFound(err) {
		return "", fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return "", fmt.Errorf("load project: %w", err)
	}
	if (p.Kind != access.KindOrgLeader && p.Kind != access.KindOrgAdmin) || !slices.Contains(row.OrgPath, p.OrgID) {
		return "", fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "您不是该项目所属组织的负责人或管理员")
	}
	switch row.Status {
	case "recruiting", "running", "closed":
	default:
		return "", fault.New(fault.FailedPrecondition, "PROJECT_NOT_APPROVED", "项目通过审核后才有项目码")
	}
	payload, err := s.codes.IssueProjectCode(project)
	if err != nil {
		return "", fmt.Errorf("issue project code: %w", err)
	}
	return payload, nil
}

// Labels are the names an answer shows beside the ids it carries.
type Labels struct {
	// VolunteerName is masked (sensitive.MaskName).
	VolunteerName string
	PositionName  string
	ProjectTitle  string
}

// labelWait bounds how long an answer waits for names on a cache miss; the
// lookup goes on and fills the cache for the next answer.
const labelWait = 250 * time.Millisecond

// Label names a volunteer and a position (either may be uuid.Nil) through
// the directory's cache, so that the scan path pays a database read only
// on a miss, and waits for it at most labelWait. A name that cannot be
// looked up in time is left empty and logged: the answer it decorates is
// committed already and must not fail, nor linger, for it.
func (s *Service) Label(ctx context.Context, volunteer, position uuid.UUID) Labels {
	var l Labels
	if s.dir == nil {
		return l
	}
	ctx, cancel := context.WithTimeout(ctx, labelWait)
	defer cancel()
	if volunteer != uuid.Nil {
		name, err := s.dir.VolunteerName(ctx, volunteer)
		if err != nil {
			s.log.Warn("checkin: volunteer name", "volunteer", volunteer, "err", err)
		}
		l.VolunteerName = name
	}
	if position != uuid.Nil {
		pl, err := s.dir.Position(ctx, position)
		if err != nil {
			s.log.Warn("checkin: position name", "position", position, "err", err)
		}
		l.PositionName, l.ProjectTitle = pl.Name, pl.ProjectTitle
	}
	return l
}

// Status is where a volunteer is signed in now.
type Status struct {
	// Open is false when the volunteer has no open session; the rest is
	// then unset.
	Open        bool
	SessionID   uuid.UUID
	VolunteerID uuid.UUID
	ProjectID   uuid.UUID
	PositionID  uuid.UUID
	StartedAt   time.Time
	Labels
}

// MyStatus returns the caller's open session, if any, with the names the
// code page shows. PostgreSQL holds every acknowledged sign-in (a scan is
// answered only after its commit), so this agrees with the scans the
// volunteer saw answered. Errors: not_found (NOT_A_VOLUNTEER).
func (s *Service) MyStatus(ctx context.Context, p *access.Principal) (Status, error) {
	vol, err := s.volunteerOf(ctx, p)
	if err != nil {
		return Status{}, err
	}
	row, err := s.st.Q.GetVolunteerOpenSession(ctx, vol)
	if store.IsNotFound(err) {
		return Status{VolunteerID: vol}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("load open session: %w", err)
	}
	return Status{
		Open: true, SessionID: row.ID, VolunteerID: vol, ProjectID: row.ProjectID,
		PositionID: row.PositionID, StartedAt: row.StartedAt,
		Labels: s.Label(ctx, vol, row.PositionID),
	}, nil
}
