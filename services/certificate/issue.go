package certificate

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/sensitive"
	"yima/services/certificate/pdf"
	"yima/store"
	"yima/store/db"
)

// Issue issues the certificate of a pending application: in one
// transaction it takes the year's next number, states the fields as they
// stand now with p's person as handler, signs them and enters the
// certificate in the register. Callers: the leader or admin of the
// project's org only; overseers may read, not issue. Errors: not_found
// (APPLICATION_NOT_FOUND), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (APPLICATION_NOT_PENDING, NO_SERVICE_RECORDS,
// ID_NUMBER_MISSING).
func (s *Service) Issue(ctx context.Context, p *access.Principal, id uuid.UUID) (Certificate, error) {
	if _, err := s.decidable(ctx, p, id); err != nil {
		return Certificate{}, err
	}
	now := s.opt.Now()
	var row db.CertificateCertificate
	err := s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		app, err := q.LockCertificateApplication(ctx, id)
		if err != nil {
			return fmt.Errorf("lock application: %w", err)
		}
		if Status(app.Status) != StatusPending {
			return notPending()
		}
		f, err := s.compose(ctx, q, app, p.PersonID, now)
		if err != nil {
			return err
		}
		year := now.In(chinaTime).Year()
		// The counter row stays locked until commit: numbers follow the
		// order of issue, and a failed issue leaves no gap.
		seq, err := q.NextCertificateSeq(ctx, int32(year))
		if err != nil {
			return fmt.Errorf("next certificate number: %w", err)
		}
		f.Number = FormatNumber(year, seq)
		kid, sig, err := s.opt.Signer.Sign(f)
		if err != nil {
			return err
		}
		enc, err := s.opt.Box.Seal(certificateIDField, f.IDNumber)
		if err != nil {
			return fmt.Errorf("seal id number: %w", err)
		}
		row, err = q.InsertCertificate(ctx, db.InsertCertificateParams{
			ID: uuid.New(), ApplicationID: id, Number: f.Number, Year: int32(year), Seq: seq,
			VolunteerID: app.VolunteerID, ProjectID: app.ProjectID, OrgID: app.OrgID,
			VolunteerName: f.VolunteerName, IDType: f.IDType, IDNumberEnc: enc, IDNumberMasked: sensitive.MaskIDNumber(f.IDNumber),
			VolunteerNo: f.VolunteerNo, ServiceSeconds: f.ServiceSeconds, ServiceContent: f.ServiceContent,
			ServiceFrom: date(f.ServiceFrom), ServiceUntil: date(f.ServiceUntil),
			IssuerName: f.IssuerName, HandlerName: f.HandlerName, HandlerID: p.PersonID,
			IssuedOn: date(f.IssuedOn), IssuedAt: now, KeyID: int16(kid), Signature: sig,
		})
		if err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		if _, err := q.DecideCertificateApplication(ctx, db.DecideCertificateApplicationParams{
			ID: id, Status: string(StatusIssued), At: pgtype.Timestamptz{Time: now, Valid: true}, By: store.NullUUID(p.PersonID),
		}); err != nil {
			return fmt.Errorf("mark application issued: %w", err)
		}
		return nil
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.certificateOf(row), nil
}

// Reject rejects a pending application with a reason the volunteer sees.
// Callers: as Issue. Errors: invalid_argument (REASON_REQUIRED,
// REASON_TOO_LONG), not_found (APPLICATION_NOT_FOUND), permission_denied
// (NOT_ORG_MEMBER), failed_precondition (APPLICATION_NOT_PENDING).
func (s *Service) Reject(ctx context.Context, p *access.Principal, id uuid.UUID, reason string) (Application, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Application{}, fault.InvalidField("reason", "REASON_REQUIRED", "驳回时请填写原因")
	case utf8.RuneCountInString(reason) > maxReason:
		return Application{}, fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReason))
	}
	if _, err := s.decidable(ctx, p, id); err != nil {
		return Application{}, err
	}
	_, err := s.opt.Store.Q.DecideCertificateApplication(ctx, db.DecideCertificateApplicationParams{
		ID: id, Status: string(StatusRejected), RejectReason: reason,
		At: pgtype.Timestamptz{Time: s.opt.Now(), Valid: true}, By: store.NullUUID(p.PersonID),
	})
	if store.IsNotFound(err) {
		return Application{}, notPending()
	}
	if err != nil {
		return Application{}, fmt.Errorf("reject application: %w", err)
	}
	d, err := s.view(ctx, id)
	if err != nil {
		return Application{}, err
	}
	return d.Application, nil
}

// decidable loads a pending application p may issue or reject. Errors:
// not_found (APPLICATION_NOT_FOUND), permission_denied (NOT_ORG_MEMBER),
// failed_precondition (APPLICATION_NOT_PENDING).
func (s *Service) decidable(ctx context.Context, p *access.Principal, id uuid.UUID) (Detail, error) {
	d, err := s.view(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	if !actsFor(p, d.OrgID) {
		return Detail{}, fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有项目所属组织的负责人或管理员可以出具证明")
	}
	if d.Status != StatusPending {
		return Detail{}, notPending()
	}
	return d, nil
}

// compose states the fields of app's certificate as they stand now, with
// handler as handler, unnumbered. Errors: failed_precondition
// (NO_SERVICE_RECORDS, ID_NUMBER_MISSING).
func (s *Service) compose(ctx context.Context, q *db.Queries, app db.CertificateApplication, handler uuid.UUID, now time.Time) (Fields, error) {
	subject, err := q.GetCertificateSubject(ctx, app.VolunteerID)
	if err != nil {
		return Fields{}, fmt.Errorf("load volunteer: %w", err)
	}
	if len(subject.IDNumberEnc) == 0 {
		return Fields{}, fault.New(fault.FailedPrecondition, "ID_NUMBER_MISSING", "志愿者未登记身份证件号码，不能出具证明")
	}
	idNumber, err := s.opt.Box.Open(personIDField, subject.IDNumberEnc)
	if err != nil {
		return Fields{}, fmt.Errorf("open id number: %w", err)
	}
	sum, err := q.SumCertificateService(ctx, db.SumCertificateServiceParams{VolunteerID: app.VolunteerID, ProjectID: app.ProjectID})
	if err != nil {
		return Fields{}, fmt.Errorf("sum service records: %w", err)
	}
	if sum.RecordCount == 0 || sum.ServiceSeconds <= 0 {
		return Fields{}, noRecords()
	}
	records, err := q.ListCertificateServiceRecords(ctx, db.ListCertificateServiceRecordsParams{VolunteerID: app.VolunteerID, ProjectID: app.ProjectID})
	if err != nil {
		return Fields{}, fmt.Errorf("list service records: %w", err)
	}
	pr, err := q.GetProject(ctx, app.ProjectID)
	if err != nil {
		return Fields{}, fmt.Errorf("load project: %w", err)
	}
	org, err := q.GetOrg(ctx, app.OrgID)
	if err != nil {
		return Fields{}, fmt.Errorf("load org: %w", err)
	}
	handlerName, err := q.GetCertificatePersonName(ctx, handler)
	if err != nil {
		return Fields{}, fmt.Errorf("load handler: %w", err)
	}
	return Fields{
		VolunteerName: subject.Name, IDType: IDTypeResident, IDNumber: idNumber, VolunteerNo: subject.VolunteerNo,
		ServiceSeconds: sum.ServiceSeconds, ServiceContent: ServiceContent(pr.Title, positionsOf(records)),
		ServiceFrom: day(sum.FirstStarted), ServiceUntil: day(sum.LastEnded),
		IssuerName: org.Name, HandlerName: handlerName, IssuedOn: day(now),
	}, nil
}

// ServiceContent states what the volunteer did: the project, and the
// positions served in (the first few, then how many in all).
func ServiceContent(title string, positions []string) string {
	s := "参加“" + title + "”志愿服务项目"
	switch {
	case len(positions) == 0:
	case len(positions) > maxNamedPosts:
		s += "，担任" + strings.Join(positions[:maxNamedPosts], "、") + "等" + strconv.Itoa(len(positions)) + "个岗位"
	default:
		s += "，担任" + strings.Join(positions, "、")
	}
	return s
}

// day is t's day in China time, as midnight UTC of that date: the form
// dates take in and out of PostgreSQL.
func day(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func date(t time.Time) pgtype.Date { return pgtype.Date{Time: t, Valid: true} }

// certificateOf turns a stored certificate into a Certificate, name in
// full.
func (s *Service) certificateOf(r db.CertificateCertificate) Certificate {
	c := Certificate{
		ID: r.ID, ApplicationID: r.ApplicationID, VolunteerID: r.VolunteerID, ProjectID: r.ProjectID, OrgID: r.OrgID,
		Number: r.Number, VolunteerName: r.VolunteerName, IDType: r.IDType, IDNumberMasked: r.IDNumberMasked,
		VolunteerNo: r.VolunteerNo, ServiceSeconds: r.ServiceSeconds, ServiceContent: r.ServiceContent,
		ServiceFrom: r.ServiceFrom.Time.Format(time.DateOnly), ServiceUntil: r.ServiceUntil.Time.Format(time.DateOnly),
		IssuerName: r.IssuerName, HandlerName: r.HandlerName, IssuedOn: r.IssuedOn.Time.Format(time.DateOnly),
		IssuedAt: r.IssuedAt, KeyID: byte(r.KeyID), CheckCode: CheckCode(r.Signature),
	}
	c.VerifyURL = s.VerifyURL(c.Number, c.CheckCode)
	return c
}

// VerifyPath is where the public verification pages live.
const VerifyPath = "/verify/certificate/"

// VerifyURL is the public verification page of a certificate.
func (s *Service) VerifyURL(number, checkCode string) string {
	return s.opt.VerifyBase + VerifyPath + number + "?s=" + checkCode
}

// fieldsOf states a stored certificate's fields, its ID number opened.
func (s *Service) fieldsOf(r db.CertificateCertificate) (Fields, error) {
	idNumber, err := s.opt.Box.Open(certificateIDField, r.IDNumberEnc)
	if err != nil {
		return Fields{}, err
	}
	return Fields{
		Number: r.Number, VolunteerName: r.VolunteerName, IDType: r.IDType, IDNumber: idNumber,
		VolunteerNo: r.VolunteerNo, ServiceSeconds: r.ServiceSeconds, ServiceContent: r.ServiceContent,
		ServiceFrom: r.ServiceFrom.Time, ServiceUntil: r.ServiceUntil.Time,
		IssuerName: r.IssuerName, HandlerName: r.HandlerName, IssuedOn: r.IssuedOn.Time,
	}, nil
}

// document is what the PDF of c shows.
func document(c Certificate) pdf.Document {
	return pdf.Document{
		Number: c.Number, VolunteerName: c.VolunteerName, IDType: c.IDType, IDNumberMasked: c.IDNumberMasked,
		VolunteerNo: c.VolunteerNo, ServiceSeconds: c.ServiceSeconds, ServiceContent: c.ServiceContent,
		ServiceFrom: c.ServiceFrom, ServiceUntil: c.ServiceUntil, IssuerName: c.IssuerName, HandlerName: c.HandlerName,
		IssuedOn: dayOf(c.IssuedOn), CheckCode: c.CheckCode, VerifyURL: c.VerifyURL,
	}
}

// dayOf parses a YYYY-MM-DD day; zero when it is not one.
func dayOf(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func notPending() error {
	return fault.New(fault.FailedPrecondition, "APPLICATION_NOT_PENDING", "该申请已处理")
}
