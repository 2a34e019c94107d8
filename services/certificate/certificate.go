// Package certificate owns service certificates (O10) and their register
// (S5): a volunteer applies for a certificate of their service on a closed
// project; the project's org reviews the application with a preview and
// issues or rejects it. An issued certificate is numbered per year without
// gaps (FormatNumber), states the fields the national rules ask for as
// they stand at issue, and carries the platform's SM2 signature over them
// (Fields.Canonical). The register is the table of issued certificates;
// verification checks a registered certificate's signature over its
// stored fields, so a changed field shows.
package certificate

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/services/certificate/pdf"
	"yima/store"
	"yima/store/db"
	"yima/ticket"
)

// Status is where an application stands, as certificate.application
// stores it.
type Status string

// The application statuses.
const (
	StatusPending  Status = "pending"
	StatusIssued   Status = "issued"
	StatusRejected Status = "rejected"
)

// IDTypeResident is the ID document every person here has: the resident
// identity card whose number the city identity provider vouches for.
const IDTypeResident = "居民身份证"

// Sealed field names: what the ID numbers are sealed for (sensitive.Box
// binds a ciphertext to its field). personIDField must equal
// identity.FieldIDNumber, under which identity seals a person's number.
const (
	personIDField      = "person.id_number"
	certificateIDField = "certificate.id_number"
)

// Limits on text, in characters.
const (
	maxNote         = 200
	maxReason       = 500
	maxNamedPosts   = 5
	maxNumberPrefix = 32
)

// Application is an application as lists show it.
type Application struct {
	ID          uuid.UUID
	VolunteerID uuid.UUID
	// VolunteerNameMasked is the applicant's name, masked.
	VolunteerNameMasked string
	ProjectID           uuid.UUID
	ProjectTitle        string
	OrgID               uuid.UUID
	OrgName             string
	Status              Status
	Note                string
	RejectReason        string
	CreatedAt           time.Time
	DecidedAt           time.Time // zero while pending
	// RecordCount and ServiceSeconds sum the volunteer's service records
	// on the project now.
	RecordCount       int32
	ServiceSeconds    int64
	CertificateID     uuid.UUID // uuid.Nil unless issued
	CertificateNumber string
}

// Line is one service record a certificate counts.
type Line struct {
	PositionName    string
	StartedAt       time.Time
	EndedAt         time.Time
	DurationSeconds int64
}

// Rating is one rating of a volunteer's service on a project.
type Rating struct {
	Dimension string
	Score     int32
}

// Ratings looks up how a volunteer was rated on a project. Ratings live
// with the closed-project tools; without them the review shows none.
type Ratings interface {
	VolunteerRatings(ctx context.Context, volunteer, project uuid.UUID) ([]Rating, error)
}

// Detail is the review detail of an application.
type Detail struct {
	Application
	VolunteerName  string
	VolunteerNo    string
	IDType         string
	IDNumberMasked string
	ProjectStart   time.Time
	ProjectEnd     time.Time
	ProjectAddress string
	Records        []Line
	// Positions served in, in order of first service.
	Positions []string
	Ratings   []Rating
	// CanIssue tells whether the caller may issue or reject it now.
	CanIssue bool
}

// Certificate is an issued certificate as the register holds it.
type Certificate struct {
	ID            uuid.UUID
	ApplicationID uuid.UUID
	VolunteerID   uuid.UUID
	ProjectID     uuid.UUID
	OrgID         uuid.UUID
	Number        string
	// VolunteerName is in full unless Masked was applied.
	VolunteerName  string
	IDType         string
	IDNumberMasked string
	VolunteerNo    string
	ServiceSeconds int64
	ServiceContent string
	// ServiceFrom, ServiceUntil and IssuedOn are days, YYYY-MM-DD.
	ServiceFrom  string
	ServiceUntil string
	IssuerName   string
	HandlerName  string
	IssuedOn     string
	IssuedAt     time.Time
	KeyID        byte
	// CheckCode is the signature's short digest, printed and in the QR.
	CheckCode string
	// VerifyURL is the public verification page.
	VerifyURL string
}

// Masked returns c with the volunteer's name masked, as the register and
// verification show it.
func (c Certificate) Masked() Certificate {
	c.VolunteerName = sensitive.MaskName(c.VolunteerName)
	return c
}

// Orgs answers who oversees an org; *org.Service is the one the program
// passes.
type Orgs interface {
	// Oversees returns nil when p may review what org does (an org above
	// it, or staff whose scope covers it), else a permission_denied or
	// not_found fault.
	Oversees(ctx context.Context, p *access.Principal, org uuid.UUID) error
}

// StaffScope resolves the departments a staff principal's data scope
// covers: all of them, or those listed. org.StaffScopeFunc is one.
type StaffScope interface {
	Visible(ctx context.Context, p *access.Principal) (all bool, departments []uuid.UUID, err error)
}

// Options configure a Service.
type Options struct {
	Store *store.Store
	// Box seals the ID numbers certificates keep and opens persons'.
	Box *sensitive.Box
	// Signer signs issued certificates; Verifier checks them (the
	// signer's own key when nil).
	Signer   *Signer
	Verifier *Verifier
	// Renderer draws the PDFs.
	Renderer *pdf.Renderer
	Orgs     Orgs
	Staff    StaffScope
	// Ratings, when set, adds ratings to the review detail.
	Ratings Ratings
	// TicketKey signs download links; at least 16 bytes.
	TicketKey []byte
	// VerifyBase is the absolute URL the verification links start with,
	// e.g. https://yima.example.cn, as printed in QR codes.
	VerifyBase string
	Now        func() time.Time
	Log        *slog.Logger
}

// Service is the certificate use cases.
type Service struct {
	opt     Options
	tickets *ticket.Issuer
}

// New returns a Service. It fails without a signer, a box or a ticket key.
func New(opt Options) (*Service, error) {
	switch {
	case opt.Signer == nil:
		return nil, fmt.Errorf("certificate service: no signer")
	case opt.Box == nil:
		return nil, fmt.Errorf("certificate service: no sensitive box")
	case len(opt.TicketKey) < 16:
		return nil, fmt.Errorf("certificate service: ticket key shorter than 16 bytes")
	}
	if opt.Verifier == nil {
		opt.Verifier = opt.Signer.Verifier()
	}
	if opt.Renderer == nil {
		opt.Renderer = pdf.New("")
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	opt.VerifyBase = strings.TrimRight(opt.VerifyBase, "/")
	tickets, err := ticket.New(opt.TicketKey, "yima/certificate/ticket/v1", TicketTTL, opt.Now)
	if err != nil {
		return nil, fmt.Errorf("certificate service: %w", err)
	}
	return &Service{opt: opt, tickets: tickets}, nil
}

// Apply applies for a certificate of p's service on a closed project; p
// is a volunteer with service records there and no pending or issued
// application for it. Errors: invalid_argument (NOTE_TOO_LONG),
// permission_denied (NOT_A_VOLUNTEER), not_found (PROJECT_NOT_FOUND),
// failed_precondition (PROJECT_NOT_CLOSED, NO_SERVICE_RECORDS),
// already_exists (ALREADY_APPLIED).
func (s *Service) Apply(ctx context.Context, p *access.Principal, project uuid.UUID, note string) (Application, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxNote {
		return Application{}, fault.InvalidField("note", "NOTE_TOO_LONG", fmt.Sprintf("备注不能超过%d个字", maxNote))
	}
	vid, err := s.volunteerOf(ctx, p)
	if err != nil {
		return Application{}, err
	}
	pr, err := s.opt.Store.Q.GetProject(ctx, project)
	if store.IsNotFound(err) {
		return Application{}, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return Application{}, fmt.Errorf("load project: %w", err)
	}
	if pr.Status != "closed" {
		return Application{}, fault.New(fault.FailedPrecondition, "PROJECT_NOT_CLOSED", "项目结项后才能申请志愿服务证明")
	}
	sum, err := s.opt.Store.Q.SumCertificateService(ctx, db.SumCertificateServiceParams{VolunteerID: vid, ProjectID: project})
	if err != nil {
		return Application{}, fmt.Errorf("sum service records: %w", err)
	}
	if sum.RecordCount == 0 {
		return Application{}, noRecords()
	}
	row, err := s.opt.Store.Q.CreateCertificateApplication(ctx, db.CreateCertificateApplicationParams{
		VolunteerID: vid, ProjectID: project, OrgID: pr.OrgID, Note: note, At: s.opt.Now(),
	})
	if store.ConstraintViolated(err) == "application_live" {
		return Application{}, fault.New(fault.Conflict, "ALREADY_APPLIED", "您已申请过该项目的志愿服务证明")
	}
	if err != nil {
		return Application{}, fmt.Errorf("create application: %w", err)
	}
	d, err := s.view(ctx, row.ID)
	if err != nil {
		return Application{}, err
	}
	return d.Application, nil
}

// ListMine returns a page of p's own applications, newest first, and the
// next page's token. Errors: permission_denied (NOT_A_VOLUNTEER).
func (s *Service) ListMine(ctx context.Context, p *access.Principal, page paging.Page) ([]Application, string, error) {
	vid, err := s.volunteerOf(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListVolunteerCertificateApplications(ctx, db.ListVolunteerCertificateApplicationsParams{
		VolunteerID: vid, Off: page.Offset, Lim: page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list applications: %w", err)
	}
	rows, next := paging.Next(page, rows)
	out := make([]Application, len(rows))
	for i, r := range rows {
		out[i] = applicationOf(db.CertificateApplication{
			ID: r.ID, VolunteerID: r.VolunteerID, ProjectID: r.ProjectID, OrgID: r.OrgID, Status: r.Status,
			Note: r.Note, RejectReason: r.RejectReason, CreatedAt: r.CreatedAt, DecidedAt: r.DecidedAt,
		}, r.VolunteerName, r.ProjectTitle, r.OrgName, r.RecordCount, r.ServiceSeconds, r.CertificateID, r.CertificateNumber)
	}
	return out, next, nil
}

// ListOrg returns a page of org's applications (p's own org when
// uuid.Nil), newest first, of one status or all (""). Callers: the org's
// leader or admin, or an overseer. Errors: invalid_argument
// (ORG_REQUIRED, STATUS_INVALID), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER).
func (s *Service) ListOrg(ctx context.Context, p *access.Principal, org uuid.UUID, status Status, page paging.Page) ([]Application, string, error) {
	switch status {
	case "", StatusPending, StatusIssued, StatusRejected:
	default:
		return nil, "", fault.InvalidField("status", "STATUS_INVALID", "申请状态无效")
	}
	if org == uuid.Nil {
		if !isOrgAccount(p) {
			return nil, "", fault.InvalidField("org_id", "ORG_REQUIRED", "请选择组织")
		}
		org = p.OrgID
	}
	if err := s.mayRead(ctx, p, org); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListOrgCertificateApplications(ctx, db.ListOrgCertificateApplicationsParams{
		OrgID: org, Status: string(status), Off: page.Offset, Lim: page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list applications: %w", err)
	}
	rows, next := paging.Next(page, rows)
	out := make([]Application, len(rows))
	for i, r := range rows {
		out[i] = applicationOf(db.CertificateApplication{
			ID: r.ID, VolunteerID: r.VolunteerID, ProjectID: r.ProjectID, OrgID: r.OrgID, Status: r.Status,
			Note: r.Note, RejectReason: r.RejectReason, CreatedAt: r.CreatedAt, DecidedAt: r.DecidedAt,
		}, r.VolunteerName, r.ProjectTitle, r.OrgName, r.RecordCount, r.ServiceSeconds, r.CertificateID, r.CertificateNumber)
	}
	return out, next, nil
}

// Detail returns the review detail of an application. Callers: as
// ListOrg. Errors: not_found (APPLICATION_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER).
func (s *Service) Detail(ctx context.Context, p *access.Principal, id uuid.UUID) (Detail, error) {
	d, err := s.view(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	if err := s.mayRead(ctx, p, d.OrgID); err != nil {
		return Detail{}, err
	}
	rows, err := s.opt.Store.Q.ListCertificateServiceRecords(ctx, db.ListCertificateServiceRecordsParams{
		VolunteerID: d.VolunteerID, ProjectID: d.ProjectID,
	})
	if err != nil {
		return Detail{}, fmt.Errorf("list service records: %w", err)
	}
	for _, r := range rows {
		d.Records = append(d.Records, Line{
			PositionName: r.PositionName, StartedAt: r.StartedAt, EndedAt: r.EndedAt, DurationSeconds: int64(r.DurationSeconds),
		})
	}
	d.Positions = positionsOf(rows)
	if s.opt.Ratings != nil {
		if d.Ratings, err = s.opt.Ratings.VolunteerRatings(ctx, d.VolunteerID, d.ProjectID); err != nil {
			return Detail{}, fmt.Errorf("load ratings: %w", err)
		}
	}
	d.CanIssue = actsFor(p, d.OrgID) && d.Status == StatusPending
	return d, nil
}

// view loads an application with its volunteer, project and org. Errors:
// not_found (APPLICATION_NOT_FOUND).
func (s *Service) view(ctx context.Context, id uuid.UUID) (Detail, error) {
	r, err := s.opt.Store.Q.GetCertificateApplicationView(ctx, id)
	if store.IsNotFound(err) {
		return Detail{}, fault.New(fault.NotFound, "APPLICATION_NOT_FOUND", "证明申请不存在")
	}
	if err != nil {
		return Detail{}, fmt.Errorf("load application: %w", err)
	}
	return Detail{
		Application: applicationOf(db.CertificateApplication{
			ID: r.ID, VolunteerID: r.VolunteerID, ProjectID: r.ProjectID, OrgID: r.OrgID, Status: r.Status,
			Note: r.Note, RejectReason: r.RejectReason, CreatedAt: r.CreatedAt, DecidedAt: r.DecidedAt,
		}, r.VolunteerName, r.ProjectTitle, r.OrgName, r.RecordCount, r.ServiceSeconds, r.CertificateID, r.CertificateNumber),
		VolunteerName: r.VolunteerName, VolunteerNo: r.VolunteerNo, IDType: IDTypeResident, IDNumberMasked: r.IDNumberMasked,
		ProjectStart: r.ProjectStart, ProjectEnd: r.ProjectEnd, ProjectAddress: r.ProjectAddress,
	}, nil
}

// volunteerOf returns the volunteer p acts as. Errors: permission_denied
// (NOT_A_VOLUNTEER).
func (s *Service) volunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	notVolunteer := fault.New(fault.PermissionDenied, "NOT_A_VOLUNTEER", "请以志愿者身份操作")
	if p.Kind != access.KindVolunteer {
		return uuid.Nil, notVolunteer
	}
	vid, err := s.opt.Store.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return uuid.Nil, notVolunteer
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find volunteer: %w", err)
	}
	return vid, nil
}

// mayRead returns nil when p may read org's applications: p leads or
// administers it, or oversees it. Errors: not_found (ORG_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER).
func (s *Service) mayRead(ctx context.Context, p *access.Principal, org uuid.UUID) error {
	if actsFor(p, org) {
		return nil
	}
	err := s.opt.Orgs.Oversees(ctx, p, org)
	if fault.KindOf(err) == fault.PermissionDenied {
		return fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有本组织或上级组织的负责人、管理员可以查看")
	}
	return err
}

// actsFor reports whether p is a leader or admin account of org.
func actsFor(p *access.Principal, org uuid.UUID) bool {
	return isOrgAccount(p) && p.OrgID == org
}

func isOrgAccount(p *access.Principal) bool {
	return p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin
}

func applicationOf(a db.CertificateApplication, name, title, org string, records int32, seconds int64, cert uuid.NullUUID, number string) Application {
	out := Application{
		ID: a.ID, VolunteerID: a.VolunteerID, VolunteerNameMasked: sensitive.MaskName(name),
		ProjectID: a.ProjectID, ProjectTitle: title, OrgID: a.OrgID, OrgName: org, Status: Status(a.Status),
		Note: a.Note, RejectReason: a.RejectReason, CreatedAt: a.CreatedAt,
		RecordCount: records, ServiceSeconds: seconds, CertificateID: cert.UUID, CertificateNumber: number,
	}
	if a.DecidedAt.Valid {
		out.DecidedAt = a.DecidedAt.Time
	}
	return out
}

// positionsOf lists the positions of records in order of first service.
func positionsOf(rows []db.ListCertificateServiceRecordsRow) []string {
	var out []string
	seen := map[uuid.UUID]bool{}
	for _, r := range rows {
		if !seen[r.PositionID] {
			seen[r.PositionID] = true
			out = append(out, r.PositionName)
		}
	}
	return out
}

func noRecords() error {
	return fault.New(fault.FailedPrecondition, "NO_SERVICE_RECORDS", "您在该项目没有服务记录，不能申请志愿服务证明")
}
