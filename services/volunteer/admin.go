package volunteer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/services/identity/idnumber"
	"yima/services/project"
	"yima/store"
	"yima/store/db"
)

// Scoper resolves the orgs whose subtrees a principal sees; *org.Service
// is the one the program passes.
type Scoper interface {
	Scope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, err error)
}

// The back office's data scope over volunteers (S1). Staff whose scope is
// all see every volunteer. Other staff see a volunteer when the volunteer
// is a member of (or applied to) an org in one of their scope's subtrees,
// was hired on a project of such an org, or lives (volunteer.district_code)
// in the district of a district org at the top of their scope. The first
// two are the rule services/project uses for ratings; the district rule
// lets district staff find the volunteers of their district who have not
// served yet. A staff scope at street level does not reach residents by
// district, only by membership and service.

// ListFilter narrows ListVolunteers.
type ListFilter struct {
	NameContains string
	IDNumber     string
	DistrictCode string
	Category     string
	Tag          string
	PageSize     int32
	PageToken    string
}

// Summary is a row of the back office's volunteer list.
type Summary struct {
	Profile        Profile
	ServiceSeconds int64
}

// SignUp is one of a volunteer's sign-ups with its project.
type SignUp struct {
	ID            uuid.UUID
	ProjectID     uuid.UUID
	ProjectTitle  string
	ProjectStatus project.Status // effective: recruiting becomes running at the start
	Status        string
	PositionName  string
	OrgName       string
	Start, End    time.Time
	CreatedAt     time.Time
}

// Record is one service record.
type Record struct {
	ID              uuid.UUID
	ProjectID       uuid.UUID
	ProjectTitle    string
	PositionName    string
	StartedAt       time.Time
	EndedAt         time.Time
	DurationSeconds int32
}

// Certificate is one issued service certificate.
type Certificate struct {
	ID             uuid.UUID
	Number         string
	ProjectID      uuid.UUID
	ProjectTitle   string
	IssuerName     string
	ServiceSeconds int64
	IssuedOn       time.Time
}

// Detail is a volunteer's archive for the back office.
type Detail struct {
	Center
	SignUpList []SignUp
	Ratings    []project.Rating
	Records    []Record
	// NextRecordToken continues Records; empty on the last page.
	NextRecordToken string
	// Certificate applications awaiting the org, and rejected.
	CertificatesPending, CertificatesRejected int32
	Certificates                              []Certificate
}

// Caps on the detail's lists that do not page.
const (
	detailRatings = 50
)

// List returns the volunteers in the staff p's scope that match f, newest
// first, masked, with the next page's token. Errors: invalid_argument
// (ID_NUMBER_FORMAT and the other idnumber reasons,
// SERVICE_CATEGORY_INVALID, PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID),
// permission_denied (NOT_STAFF, NO_ORG_SCOPE).
func (s *Service) List(ctx context.Context, p *access.Principal, f ListFilter) ([]Summary, string, error) {
	pg, err := paging.Parse(f.PageSize, f.PageToken)
	if err != nil {
		return nil, "", err
	}
	arg := db.ListVolunteersInScopeParams{
		NameContains: strings.TrimSpace(f.NameContains), DistrictCode: strings.TrimSpace(f.DistrictCode),
		Category: strings.TrimSpace(f.Category), Tag: strings.TrimSpace(f.Tag),
		Off: pg.Offset, Lim: pg.Fetch(),
	}
	if arg.Category != "" {
		if _, bad, ok := catalog.NormalizeCategories([]string{arg.Category}); !ok {
			return nil, "", fault.InvalidField("service_category", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
		}
	}
	if n := strings.TrimSpace(f.IDNumber); n != "" {
		num, err := idnumber.ParseAt(n, s.now())
		if err != nil {
			return nil, "", idNumberFault(err)
		}
		if s.opt.IDNumberIndex == nil {
			return nil, "", nil
		}
		arg.IDNumberIdx = s.opt.IDNumberIndex(num.String())
	}
	if arg.AllVolunteers, arg.Roots, arg.Districts, err = s.staffScope(ctx, p); err != nil {
		return nil, "", err
	}
	rows, err := s.st.Q.ListVolunteersInScope(ctx, arg)
	if err != nil {
		return nil, "", fmt.Errorf("list volunteers: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = Summary{
			Profile: Profile{
				Volunteer: Volunteer{
					ID: r.ID, No: r.VolunteerNo, Name: r.Name, IDNumberMasked: r.IDNumberMasked,
					PoliticalStatus: r.PoliticalStatus, ServiceCategories: r.ServiceCategories, RegisteredAt: r.RegisteredAt,
				},
				PhoneMasked: r.PhoneMasked, DistrictCode: r.DistrictCode, Tags: r.Tags,
			},
			ServiceSeconds: r.Seconds,
		}
	}
	return out, next, nil
}

// Detail returns the archive of a volunteer in the staff p's scope, with
// the page of service records records asks for. Errors: invalid_argument
// (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID), not_found
// (VOLUNTEER_NOT_FOUND), permission_denied (NOT_STAFF, NOT_IN_SCOPE,
// NO_ORG_SCOPE).
func (s *Service) Detail(ctx context.Context, p *access.Principal, id uuid.UUID, recordSize int32, recordToken string) (Detail, error) {
	pg, err := paging.Parse(recordSize, recordToken)
	if err != nil {
		return Detail{}, err
	}
	if err := s.checkStaff(p); err != nil {
		return Detail{}, err
	}
	ok, err := s.st.Q.VolunteerExists(ctx, id)
	if err != nil {
		return Detail{}, fmt.Errorf("find volunteer: %w", err)
	}
	if !ok {
		return Detail{}, fault.New(fault.NotFound, "VOLUNTEER_NOT_FOUND", "志愿者不存在")
	}
	if err := s.checkInScope(ctx, p, id); err != nil {
		return Detail{}, err
	}
	c, err := s.center(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Center: c}
	if d.SignUpList, err = s.signUps(ctx, id); err != nil {
		return Detail{}, err
	}
	ratings, err := s.st.Q.ListVolunteerRatings(ctx, db.ListVolunteerRatingsParams{VolunteerID: id, Lim: detailRatings})
	if err != nil {
		return Detail{}, fmt.Errorf("list ratings: %w", err)
	}
	for _, r := range ratings {
		d.Ratings = append(d.Ratings, project.Rating{
			ProjectID: r.ProjectID, VolunteerID: r.VolunteerID,
			Punctuality: int32(r.Punctuality), Attitude: int32(r.Attitude), Skill: int32(r.Skill),
			Comment: r.Comment, UpdatedAt: r.UpdatedAt, ProjectTitle: r.ProjectTitle,
		})
	}
	recs, err := s.st.Q.ListVolunteerServiceRecords(ctx, db.ListVolunteerServiceRecordsParams{VolunteerID: id, Off: pg.Offset, Lim: pg.Fetch()})
	if err != nil {
		return Detail{}, fmt.Errorf("list service records: %w", err)
	}
	recs, d.NextRecordToken = paging.Next(pg, recs)
	for _, r := range recs {
		d.Records = append(d.Records, Record{
			ID: r.ID, ProjectID: r.ProjectID, ProjectTitle: r.ProjectTitle, PositionName: r.PositionName,
			StartedAt: r.StartedAt, EndedAt: r.EndedAt, DurationSeconds: r.DurationSeconds,
		})
	}
	counts, err := s.st.Q.VolunteerCertificateCounts(ctx, id)
	if err != nil {
		return Detail{}, fmt.Errorf("count certificate applications: %w", err)
	}
	d.CertificatesPending, d.CertificatesRejected = counts.Pending, counts.Rejected
	certs, err := s.st.Q.ListVolunteerCertificates(ctx, id)
	if err != nil {
		return Detail{}, fmt.Errorf("list certificates: %w", err)
	}
	for _, r := range certs {
		d.Certificates = append(d.Certificates, Certificate{
			ID: r.ID, Number: r.Number, ProjectID: r.ProjectID, ProjectTitle: r.ProjectTitle,
			IssuerName: r.IssuerName, ServiceSeconds: r.ServiceSeconds, IssuedOn: r.IssuedOn.Time,
		})
	}
	return d, nil
}

func (s *Service) signUps(ctx context.Context, id uuid.UUID) ([]SignUp, error) {
	rows, err := s.st.Q.ListVolunteerProjectSignUps(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("list sign-ups: %w", err)
	}
	now := s.now()
	out := make([]SignUp, len(rows))
	for i, r := range rows {
		out[i] = SignUp{
			ID: r.ID, ProjectID: r.ProjectID, ProjectTitle: r.ProjectTitle,
			ProjectStatus: project.EffectiveStatus(project.Status(r.ProjectStatus), r.StartTime, now),
			Status:        r.Status, PositionName: r.PositionName, OrgName: r.OrgName,
			Start: r.StartTime, End: r.EndTime, CreatedAt: r.CreatedAt,
		}
	}
	return out, nil
}

// RecordScan is the scan that began or ended a session.
type RecordScan struct {
	ScannedAt, ReceivedAt time.Time
	Method                string // staff or self
	DeviceName, Gate      string
	ByNameMasked          string
}

// RecordDetail is a service record and the session it was made from.
type RecordDetail struct {
	Record
	OrgName string
	// The session: its times before rounding, what closed it, why it was
	// flagged and how it was reviewed (see checkin.session).
	SessionStart, SessionEnd   time.Time
	SessionSeconds             int64
	ClosedBy, FlagReason       string
	ReviewAction, ReviewReason string
	ReviewedAt                 time.Time // zero when not reviewed
	ReviewerNameMasked         string
	SignIn, SignOut            *RecordScan // nil when not made by a scan
}

// RecordDetail returns how the service record id of a volunteer in the
// staff p's scope came about. Errors: not_found (RECORD_NOT_FOUND),
// permission_denied (NOT_STAFF, NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) RecordDetail(ctx context.Context, p *access.Principal, id uuid.UUID) (RecordDetail, error) {
	if err := s.checkStaff(p); err != nil {
		return RecordDetail{}, err
	}
	r, err := s.st.Q.GetServiceRecordSession(ctx, id)
	if store.IsNotFound(err) {
		return RecordDetail{}, fault.New(fault.NotFound, "RECORD_NOT_FOUND", "服务记录不存在")
	}
	if err != nil {
		return RecordDetail{}, fmt.Errorf("find service record: %w", err)
	}
	if err := s.checkInScope(ctx, p, r.VolunteerID); err != nil {
		return RecordDetail{}, err
	}
	d := RecordDetail{
		Record: Record{
			ID: r.ID, ProjectID: r.ProjectID, ProjectTitle: r.ProjectTitle, PositionName: r.PositionName,
			StartedAt: r.StartedAt, EndedAt: r.EndedAt, DurationSeconds: r.DurationSeconds,
		},
		OrgName:      r.OrgName,
		SessionStart: r.SessionStartedAt, SessionEnd: r.SessionEndedAt, SessionSeconds: int64(r.SessionSeconds),
		ClosedBy: r.ClosedBy, FlagReason: r.FlagReason, ReviewAction: r.ReviewAction, ReviewReason: r.ReviewReason,
		ReviewedAt: r.ReviewedAt.Time, ReviewerNameMasked: sensitive.MaskName(r.ReviewerName),
	}
	ids := slices.DeleteFunc([]string{r.StartScanID, r.EndScanID}, func(id string) bool { return id == "" })
	if len(ids) == 0 {
		return d, nil
	}
	scans, err := s.st.Q.GetScansByID(ctx, ids)
	if err != nil {
		return RecordDetail{}, fmt.Errorf("find scans of session: %w", err)
	}
	for _, sc := range scans {
		rs := &RecordScan{
			ScannedAt: sc.ScannedAt, ReceivedAt: sc.ReceivedAt, Method: sc.Method,
			DeviceName: sc.DeviceName, Gate: sc.Gate, ByNameMasked: sensitive.MaskName(sc.ByName),
		}
		// One scan both ends a session elsewhere and begins this one, so
		// a scan id may be either end.
		if sc.ScanID == r.StartScanID {
			d.SignIn = rs
		}
		if sc.ScanID == r.EndScanID {
			d.SignOut = rs
		}
	}
	return d, nil
}

// checkInScope checks that the volunteer id is in the staff p's scope
// (see the note above ListFilter). Errors: permission_denied (NOT_STAFF,
// NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) checkInScope(ctx context.Context, p *access.Principal, id uuid.UUID) error {
	all, roots, districts, err := s.staffScope(ctx, p)
	if err != nil || all {
		return err
	}
	covered, err := s.st.Q.VolunteerInScope(ctx, db.VolunteerInScopeParams{VolunteerID: id, Roots: roots, Districts: districts})
	if err != nil {
		return fmt.Errorf("check volunteer scope: %w", err)
	}
	if !covered {
		return fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "该志愿者不在您的管理范围内")
	}
	return nil
}

// checkStaff refuses a principal who is not back-office staff. Errors:
// permission_denied (NOT_STAFF).
func (s *Service) checkStaff(p *access.Principal) error {
	if p.Kind != access.KindStaff {
		return fault.New(fault.PermissionDenied, "NOT_STAFF", "仅后台工作人员可查看志愿者档案")
	}
	return nil
}

// staffScope resolves the staff p's scope over volunteers (see the note
// above ListFilter). Errors: permission_denied (NOT_STAFF, NO_ORG_SCOPE).
func (s *Service) staffScope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, districts []string, err error) {
	if err := s.checkStaff(p); err != nil {
		return false, nil, nil, err
	}
	if s.opt.Orgs == nil {
		return false, nil, nil, noScope()
	}
	all, roots, err = s.opt.Orgs.Scope(ctx, p)
	if err != nil || all {
		return all, nil, nil, err
	}
	if len(roots) == 0 {
		return false, nil, nil, noScope()
	}
	districts, err = s.st.Q.ScopeDistricts(ctx, roots)
	if err != nil {
		return false, nil, nil, fmt.Errorf("scope districts: %w", err)
	}
	return false, roots, districts, nil
}

func noScope() error {
	return fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "当前账号没有可查看的数据范围")
}

func idNumberFault(err error) error {
	var e *idnumber.Error
	if errors.As(err, &e) {
		return fault.InvalidField("id_number", e.Reason, e.Message)
	}
	return fault.InvalidField("id_number", idnumber.ReasonFormat, "身份证号码格式错误")
}
