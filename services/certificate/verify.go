package certificate

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// RegisterFilter selects from the register.
type RegisterFilter struct {
	// OrgID keeps certificates of this org and those below it; uuid.Nil
	// keeps every org in scope.
	OrgID        uuid.UUID
	NumberPrefix string
	// From and Until bound the time of issue, [From, Until); zero is open.
	From, Until time.Time
	Page        paging.Page
}

// Register returns a page of the register of issued certificates in p's
// scope, newest first, names masked, and the next page's token. An org's
// leader or admin sees its subtree, staff their data scope. Errors:
// invalid_argument (NUMBER_PREFIX_TOO_LONG), not_found (ORG_NOT_FOUND),
// permission_denied (NO_ORG_SCOPE, NOT_IN_SCOPE).
func (s *Service) Register(ctx context.Context, p *access.Principal, f RegisterFilter) ([]Certificate, string, error) {
	f.NumberPrefix = strings.ToUpper(strings.TrimSpace(f.NumberPrefix))
	if utf8.RuneCountInString(f.NumberPrefix) > maxNumberPrefix {
		return nil, "", fault.InvalidField("number_prefix", "NUMBER_PREFIX_TOO_LONG", "证明编号过长")
	}
	all, roots, err := s.scope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	if f.OrgID != uuid.Nil && !all {
		o, err := s.opt.Store.Q.GetOrg(ctx, f.OrgID)
		if store.IsNotFound(err) {
			return nil, "", fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
		}
		if err != nil {
			return nil, "", fmt.Errorf("load org: %w", err)
		}
		if !slices.ContainsFunc(o.Path, func(id uuid.UUID) bool { return slices.Contains(roots, id) }) {
			return nil, "", fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "该组织不在您的管理范围内")
		}
	}
	rows, err := s.opt.Store.Q.ListIssuedCertificates(ctx, db.ListIssuedCertificatesParams{
		AllOrgs: all, Roots: roots, ByOrg: f.OrgID != uuid.Nil, OrgID: f.OrgID, NumberPrefix: f.NumberPrefix,
		ByFrom: !f.From.IsZero(), IssuedFrom: f.From, ByUntil: !f.Until.IsZero(), IssuedUntil: f.Until,
		Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list certificates: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]Certificate, len(rows))
	for i, r := range rows {
		out[i] = s.certificateOf(r).Masked()
	}
	return out, next, nil
}

// scope returns the orgs whose subtrees p sees in the register: every
// org (all), or those under roots. Errors: permission_denied
// (NO_ORG_SCOPE).
func (s *Service) scope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, err error) {
	switch {
	case isOrgAccount(p):
		return false, []uuid.UUID{p.OrgID}, nil
	case p.Kind == access.KindStaff && s.opt.Staff != nil:
		all, depts, err := s.opt.Staff.Visible(ctx, p)
		if err != nil || all {
			return all, nil, err
		}
		if len(depts) == 0 {
			return false, nil, nil
		}
		orgs, err := s.opt.Store.Q.ListDepartmentOrgs(ctx, depts)
		if err != nil {
			return false, nil, fmt.Errorf("list department orgs: %w", err)
		}
		return false, orgs, nil
	}
	return false, nil, fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "当前账号不能查看证明登记簿")
}

// Get returns a certificate p may see: the volunteer it was issued to,
// the issuing org's leader or admin, or an overseer of that org. The name
// is in full. Errors: not_found (CERTIFICATE_NOT_FOUND),
// permission_denied (CERTIFICATE_NOT_YOURS).
func (s *Service) Get(ctx context.Context, p *access.Principal, id uuid.UUID) (Certificate, error) {
	r, err := s.opt.Store.Q.GetCertificateView(ctx, id)
	if store.IsNotFound(err) {
		return Certificate{}, notFound()
	}
	if err != nil {
		return Certificate{}, fmt.Errorf("load certificate: %w", err)
	}
	if p.PersonID != r.VolunteerPersonID && !actsFor(p, r.OrgID) {
		if err := s.opt.Orgs.Oversees(ctx, p, r.OrgID); err != nil {
			if fault.KindOf(err) == fault.PermissionDenied {
				return Certificate{}, fault.New(fault.PermissionDenied, "CERTIFICATE_NOT_YOURS", "只有本人、出具组织及其上级可以查看该证明")
			}
			return Certificate{}, err
		}
	}
	return s.certificateOf(db.CertificateCertificate{
		ID: r.ID, ApplicationID: r.ApplicationID, Number: r.Number, Year: r.Year, Seq: r.Seq,
		VolunteerID: r.VolunteerID, ProjectID: r.ProjectID, OrgID: r.OrgID, VolunteerName: r.VolunteerName,
		IDType: r.IDType, IDNumberEnc: r.IDNumberEnc, IDNumberMasked: r.IDNumberMasked, VolunteerNo: r.VolunteerNo,
		ServiceSeconds: r.ServiceSeconds, ServiceContent: r.ServiceContent, ServiceFrom: r.ServiceFrom,
		ServiceUntil: r.ServiceUntil, IssuerName: r.IssuerName, HandlerName: r.HandlerName, HandlerID: r.HandlerID,
		IssuedOn: r.IssuedOn, IssuedAt: r.IssuedAt, KeyID: r.KeyID, Signature: r.Signature,
	}), nil
}

// Verdict is the answer of Verify.
type Verdict struct {
	Valid bool
	// Reason explains an invalid verdict: CERTIFICATE_NOT_FOUND or
	// SIGNATURE_INVALID.
	Reason string
	// Certificate as registered, masked; nil when not found.
	Certificate *Certificate
}

// Verify checks the certificate numbered number whose check code is code:
// valid when the register holds it and the SM2 signature holds over its
// stored fields. Whoever holds the printed number and code may ask;
// without the right code a number is answered as not found, so the
// register cannot be walked. Only internal failures are errors.
func (s *Service) Verify(ctx context.Context, number, code string) (Verdict, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	code = strings.ToLower(strings.TrimSpace(code))
	missing := Verdict{Reason: "CERTIFICATE_NOT_FOUND"}
	if _, _, ok := ParseNumber(number); !ok || len(code) != checkCodeLen {
		return missing, nil
	}
	r, err := s.opt.Store.Q.GetCertificateByNumber(ctx, number)
	if store.IsNotFound(err) {
		return missing, nil
	}
	if err != nil {
		return Verdict{}, fmt.Errorf("load certificate: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(CheckCode(r.Signature)), []byte(code)) != 1 {
		return missing, nil
	}
	c := s.certificateOf(r).Masked()
	v := Verdict{Certificate: &c, Reason: "SIGNATURE_INVALID"}
	f, err := s.fieldsOf(r)
	if err != nil {
		// A sealed ID number that does not open was altered or moved.
		s.opt.Log.WarnContext(ctx, "certificate id number does not open", "certificate", r.ID, "err", err)
		return v, nil
	}
	if s.opt.Verifier.Verify(f, byte(r.KeyID), r.Signature) {
		v.Valid, v.Reason = true, ""
	} else {
		s.opt.Log.WarnContext(ctx, "certificate signature invalid", "certificate", r.ID, "number", r.Number)
	}
	return v, nil
}

// PDF renders the certificate id for p (see Get).
func (s *Service) PDF(ctx context.Context, p *access.Principal, id uuid.UUID) ([]byte, Certificate, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, Certificate{}, err
	}
	out, err := s.opt.Renderer.Render(document(c))
	return out, c, err
}

// TicketTTL is how long the links of Links and PreviewLink work.
const TicketTTL = 10 * time.Minute

// Paths of the download routes.
const (
	PDFPath     = "/certificates/"
	PreviewPath = "/certificates/applications/"
)

// Links returns a link to certificate id's PDF for p (see Get), working
// for TicketTTL, its verification URL and when the link expires.
func (s *Service) Links(ctx context.Context, p *access.Principal, id uuid.UUID) (pdfURL, verifyURL string, exp time.Time, err error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return "", "", time.Time{}, err
	}
	t, exp := s.tickets.Issue(ticketCertificate, id, p.PersonID)
	return PDFPath + id.String() + ".pdf?ticket=" + t, c.VerifyURL, exp, nil
}

// PDFByTicket renders certificate id for the holder of a ticket from
// Links. Errors: permission_denied (TICKET_INVALID, TICKET_EXPIRED),
// not_found (CERTIFICATE_NOT_FOUND).
func (s *Service) PDFByTicket(ctx context.Context, id uuid.UUID, ticket string) ([]byte, Certificate, error) {
	if _, err := s.tickets.Check(ticketCertificate, id, ticket); err != nil {
		return nil, Certificate{}, err
	}
	r, err := s.opt.Store.Q.GetCertificateView(ctx, id)
	if store.IsNotFound(err) {
		return nil, Certificate{}, notFound()
	}
	if err != nil {
		return nil, Certificate{}, fmt.Errorf("load certificate: %w", err)
	}
	c := s.certificateOf(db.CertificateCertificate{
		ID: r.ID, ApplicationID: r.ApplicationID, Number: r.Number, VolunteerID: r.VolunteerID, ProjectID: r.ProjectID,
		OrgID: r.OrgID, VolunteerName: r.VolunteerName, IDType: r.IDType, IDNumberMasked: r.IDNumberMasked,
		VolunteerNo: r.VolunteerNo, ServiceSeconds: r.ServiceSeconds, ServiceContent: r.ServiceContent,
		ServiceFrom: r.ServiceFrom, ServiceUntil: r.ServiceUntil, IssuerName: r.IssuerName, HandlerName: r.HandlerName,
		IssuedOn: r.IssuedOn, IssuedAt: r.IssuedAt, KeyID: r.KeyID, Signature: r.Signature,
	})
	out, err := s.opt.Renderer.Render(document(c))
	return out, c, err
}

// PreviewLink returns a link to the preview PDF of a pending application,
// working for TicketTTL, and when it expires. Callers: as Detail. Errors:
// not_found (APPLICATION_NOT_FOUND), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (APPLICATION_NOT_PENDING).
func (s *Service) PreviewLink(ctx context.Context, p *access.Principal, id uuid.UUID) (string, time.Time, error) {
	d, err := s.view(ctx, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.mayRead(ctx, p, d.OrgID); err != nil {
		return "", time.Time{}, err
	}
	if d.Status != StatusPending {
		return "", time.Time{}, notPending()
	}
	t, exp := s.tickets.Issue(ticketPreview, id, p.PersonID)
	return PreviewPath + id.String() + "/preview.pdf?ticket=" + t, exp, nil
}

// Preview renders the certificate a pending application would get now,
// with p as handler: marked as a preview, unnumbered and unsigned.
// Callers: as Detail. Errors: as PreviewLink, and failed_precondition
// (NO_SERVICE_RECORDS, ID_NUMBER_MISSING).
func (s *Service) Preview(ctx context.Context, p *access.Principal, id uuid.UUID) ([]byte, error) {
	if _, _, err := s.PreviewLink(ctx, p, id); err != nil {
		return nil, err
	}
	return s.preview(ctx, id, p.PersonID)
}

// PreviewByTicket renders the preview for the holder of a ticket from
// PreviewLink, with the person who asked for the link as handler. Errors:
// permission_denied (TICKET_INVALID, TICKET_EXPIRED), and as Preview.
func (s *Service) PreviewByTicket(ctx context.Context, id uuid.UUID, ticket string) ([]byte, error) {
	person, err := s.tickets.Check(ticketPreview, id, ticket)
	if err != nil {
		return nil, err
	}
	return s.preview(ctx, id, person)
}

func (s *Service) preview(ctx context.Context, id, handler uuid.UUID) ([]byte, error) {
	q := s.opt.Store.Q
	app, err := q.GetCertificateApplicationView(ctx, id)
	if store.IsNotFound(err) {
		return nil, fault.New(fault.NotFound, "APPLICATION_NOT_FOUND", "证明申请不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("load application: %w", err)
	}
	if Status(app.Status) != StatusPending {
		return nil, notPending()
	}
	f, err := s.compose(ctx, q, db.CertificateApplication{
		ID: app.ID, VolunteerID: app.VolunteerID, ProjectID: app.ProjectID, OrgID: app.OrgID,
	}, handler, s.opt.Now())
	if err != nil {
		return nil, err
	}
	doc := document(Certificate{
		VolunteerName: f.VolunteerName, IDType: f.IDType, IDNumberMasked: sensitive.MaskIDNumber(f.IDNumber), VolunteerNo: f.VolunteerNo,
		ServiceSeconds: f.ServiceSeconds, ServiceContent: f.ServiceContent,
		ServiceFrom: f.ServiceFrom.Format(time.DateOnly), ServiceUntil: f.ServiceUntil.Format(time.DateOnly),
		IssuerName: f.IssuerName, HandlerName: f.HandlerName, IssuedOn: f.IssuedOn.Format(time.DateOnly),
	})
	doc.Preview = true
	return s.opt.Renderer.Render(doc)
}

// Ticket kinds: what a ticket opens.
const (
	ticketCertificate byte = 1
	ticketPreview     byte = 2
)

func notFound() error {
	return fault.New(fault.NotFound, "CERTIFICATE_NOT_FOUND", "证明不存在")
}
