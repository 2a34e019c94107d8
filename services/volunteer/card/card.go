// Package card owns the electronic 上海市志愿者证 (V1): the card every
// registered volunteer holds. A card is issued in the transaction that
// registers the volunteer (Issue, through volunteer.Options.Cards), or by
// Backfill for volunteers who came another way, such as the demo data.
// It states fixed fields as they were at issue — number, name, gender and
// birth date from the ID number, the ID number, registration day, issuer
// and day of issue — and carries the platform's SM2 signature over them
// (Fields.Canonical). Issuing enqueues the card's push to the city
// e-license library (package elicense), which reads it back through
// Service.Card. The card is shown on the phone, downloaded as PNG or PDF
// through ticketed links, verified publicly from its QR code, and listed
// for the back office in the staff's data scope.
package card

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/image/font/opentype"

	"yima/access"
	"yima/docsign"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/services/certificate/pdf"
	"yima/services/elicense"
	"yima/services/identity/idnumber"
	"yima/store"
	"yima/store/db"
	"yima/ticket"
)

// Sealed field names: what ID numbers are sealed for (sensitive.Box binds
// a ciphertext to its field). personIDField must equal
// identity.FieldIDNumber.
const (
	personIDField = "person.id_number"
	cardIDField   = "card.id_number"
)

// Card is a card as issued.
type Card struct {
	VolunteerID uuid.UUID
	VolunteerNo string
	// Name is in full unless Masked was applied.
	Name           string
	Gender         string
	IDNumberMasked string
	// BirthDate, RegisteredOn and IssuedOn are days, YYYY-MM-DD.
	BirthDate    string
	RegisteredOn string
	Issuer       string
	IssuedOn     string
	IssuedAt     time.Time
	KeyID        byte
	Signature    []byte
	// CheckCode is the signature's short digest, printed and in the QR.
	CheckCode string
	// VerifyURL is the public verification page, what the QR code holds.
	VerifyURL string
}

// Masked returns c with the name masked, as verification shows it.
func (c Card) Masked() Card {
	c.Name = sensitive.MaskName(c.Name)
	return c
}

// document is what the PNG and PDF of c show.
func (c Card) document() pdf.CardDocument {
	return pdf.CardDocument{
		VolunteerNo: c.VolunteerNo, Name: c.Name, Gender: c.Gender, IDNumberMasked: c.IDNumberMasked,
		BirthDate: c.BirthDate, RegisteredOn: c.RegisteredOn, Issuer: c.Issuer, IssuedOn: c.IssuedOn,
		CheckCode: c.CheckCode, VerifyURL: c.VerifyURL,
	}
}

// Scoper resolves the back office's data scope over volunteers;
// *volunteer.Service is the one the program passes, so that the archive
// of cards covers exactly the volunteers ListVolunteers does.
type Scoper interface {
	// StaffScope returns all, or the org subtrees (roots) and districts
	// whose volunteers p sees. Errors: permission_denied (NOT_STAFF,
	// NO_ORG_SCOPE).
	StaffScope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, districts []string, err error)
}

// Options configure a Service.
type Options struct {
	Store *store.Store
	// Box seals the ID numbers cards keep and opens persons'.
	Box *sensitive.Box
	// Signer signs cards; Verifier checks them (the signer's own key when
	// nil).
	Signer   *docsign.Signer
	Verifier *docsign.Verifier
	// Renderer draws the PDFs; its font also sets the PNGs.
	Renderer *pdf.Renderer
	Scope    Scoper
	// Kick, when set, tells the e-license sweeper that cards were
	// enqueued, so it pushes them now rather than at its next sweep.
	Kick func()
	// TicketKey signs download links; at least 16 bytes.
	TicketKey []byte
	// VerifyBase is the absolute URL verification links start with, as
	// printed in QR codes.
	VerifyBase string
	Now        func() time.Time
	Log        *slog.Logger
}

// Service is the volunteer card use cases.
type Service struct {
	opt     Options
	tickets *ticket.Issuer
	// cjk is the parsed CJK font for the PNGs, parsed once.
	cjkOnce sync.Once
	cjk     *opentype.Font
	cjkErr  error
}

// New returns a Service. It fails without a store, a signer, a box or a
// ticket key.
func New(opt Options) (*Service, error) {
	switch {
	case opt.Store == nil:
		return nil, fmt.Errorf("card service: no store")
	case opt.Signer == nil:
		return nil, fmt.Errorf("card service: no signer")
	case opt.Box == nil:
		return nil, fmt.Errorf("card service: no sensitive box")
	}
	if opt.Verifier == nil {
		opt.Verifier = opt.Signer.Verifier()
	}
	if opt.Renderer == nil {
		opt.Renderer = pdf.New("")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	opt.VerifyBase = strings.TrimRight(opt.VerifyBase, "/")
	tickets, err := ticket.New(opt.TicketKey, "yima/card/ticket/v1", TicketTTL, opt.Now)
	if err != nil {
		return nil, fmt.Errorf("card service: %w", err)
	}
	return &Service{opt: opt, tickets: tickets}, nil
}

// Issue issues the volunteer's card in the caller's transaction q, dated
// now, and enqueues its push to the e-license library there too. A
// volunteer who already holds a card keeps it. Errors:
// failed_precondition (ID_NUMBER_MISSING).
func (s *Service) Issue(ctx context.Context, q *db.Queries, volunteer uuid.UUID) error {
	subject, err := q.GetCardSubject(ctx, volunteer)
	if err != nil {
		return fmt.Errorf("load volunteer: %w", err)
	}
	if len(subject.IDNumberEnc) == 0 {
		return fault.New(fault.FailedPrecondition, "ID_NUMBER_MISSING", "未登记身份证件号码，不能发放志愿者证")
	}
	plain, err := s.opt.Box.Open(personIDField, subject.IDNumberEnc)
	if err != nil {
		return fmt.Errorf("open id number: %w", err)
	}
	// The identity provider's numbers were checked at sign-in; Parse
	// (not ParseAt) only reads the birth date and gender back.
	num, err := idnumber.Parse(plain)
	if err != nil {
		return fmt.Errorf("read id number of volunteer %s: %w", volunteer, err)
	}
	now := s.opt.Now()
	gender := "女"
	if num.Male() {
		gender = "男"
	}
	f := Fields{
		VolunteerNo: subject.VolunteerNo, Name: subject.Name, Gender: gender, IDNumber: num.String(),
		BirthDate: num.BirthDate(), RegisteredOn: subject.RegisteredAt, Issuer: Issuer, IssuedOn: now,
	}
	payload := f.Canonical()
	kid, sig, err := s.opt.Signer.Sign(payload)
	if err != nil {
		return err
	}
	enc, err := s.opt.Box.Seal(cardIDField, f.IDNumber)
	if err != nil {
		return fmt.Errorf("seal id number: %w", err)
	}
	n, err := q.InsertVolunteerCard(ctx, db.InsertVolunteerCardParams{
		VolunteerID: volunteer, VolunteerNo: f.VolunteerNo, Name: f.Name, Gender: f.Gender,
		BirthDate: date(f.BirthDate), IDNumberEnc: enc, IDNumberMasked: sensitive.MaskIDNumber(f.IDNumber),
		RegisteredOn: date(f.RegisteredOn), Issuer: f.Issuer, IssuedOn: date(f.IssuedOn), IssuedAt: now,
		Payload: payload, KeyID: int16(kid), Signature: sig,
	})
	if err != nil {
		return fmt.Errorf("insert card: %w", err)
	}
	if n == 0 {
		return nil
	}
	return elicense.Enqueue(ctx, q, volunteer)
}

// Issued tells that cards issued in a transaction were committed: the
// e-license sweeper may push them now.
func (s *Service) Issued() {
	if s.opt.Kick != nil {
		s.opt.Kick()
	}
}

// backfillBatch is how many volunteers Backfill looks up at a time.
const backfillBatch = 500

// Backfill issues a card to every volunteer with an ID number on file who
// has none, each in a transaction of its own, and returns how many it
// issued. It runs at every start, after the demo data: a volunteer
// written by any path other than Register (the demo, an import, a
// restored backup) gets a card the same way Register gives one. A
// volunteer whose card cannot be issued is logged and passed over. Nodes
// starting together may both run it: a card already there is kept.
func (s *Service) Backfill(ctx context.Context) (int, error) {
	issued := 0
	after := uuid.Nil
	for {
		ids, err := s.opt.Store.Q.ListVolunteersWithoutCard(ctx, db.ListVolunteersWithoutCardParams{After: after, Lim: backfillBatch})
		if err != nil {
			return issued, fmt.Errorf("list volunteers without a card: %w", err)
		}
		for _, id := range ids {
			err := s.opt.Store.InTx(ctx, func(q *db.Queries) error { return s.Issue(ctx, q, id) })
			switch {
			case ctx.Err() != nil:
				return issued, ctx.Err()
			case err != nil:
				// One volunteer's bad data must not keep the others from
				// their cards; theirs is tried again at the next start or
				// when they open it.
				s.opt.Log.WarnContext(ctx, "backfill card", "volunteer", id, "err", err)
			default:
				issued++
			}
		}
		// Each batch's cards go out while the next is issued, rather than
		// all after the last.
		if issued > 0 {
			s.Issued()
		}
		if len(ids) < backfillBatch {
			break
		}
		after = ids[len(ids)-1]
	}
	return issued, nil
}

// Mine returns p's card, in full, and its e-license sync. A volunteer
// without a card (registered before cards, and not yet reached by
// Backfill) gets it now. Errors: permission_denied (NOT_A_VOLUNTEER),
// failed_precondition (ID_NUMBER_MISSING).
func (s *Service) Mine(ctx context.Context, p *access.Principal) (Card, elicense.Status, error) {
	vid, err := s.volunteerOf(ctx, p)
	if err != nil {
		return Card{}, elicense.Status{}, err
	}
	c, err := s.ensure(ctx, vid)
	if err != nil {
		return Card{}, elicense.Status{}, err
	}
	st, err := elicense.StatusOf(ctx, s.opt.Store.Q, vid)
	if err != nil {
		return Card{}, elicense.Status{}, err
	}
	return c, st, nil
}

// ensure returns the volunteer's card, issuing it first when missing.
func (s *Service) ensure(ctx context.Context, volunteer uuid.UUID) (Card, error) {
	r, err := s.opt.Store.Q.GetCard(ctx, volunteer)
	if store.IsNotFound(err) {
		if err := s.opt.Store.InTx(ctx, func(q *db.Queries) error { return s.Issue(ctx, q, volunteer) }); err != nil {
			return Card{}, err
		}
		s.Issued()
		r, err = s.opt.Store.Q.GetCard(ctx, volunteer)
	}
	if err != nil {
		return Card{}, fmt.Errorf("load card: %w", err)
	}
	return s.cardOf(r), nil
}

// volunteerOf returns the volunteer p acts as. Errors: permission_denied
// (NOT_A_VOLUNTEER).
func (s *Service) volunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	notVolunteer := fault.New(fault.PermissionDenied, "NOT_A_VOLUNTEER", "注册志愿者后才有志愿者证")
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

// Card returns the volunteer's card as the e-license library receives
// it, ID number in full (elicense.Cards). Errors: one wrapping
// pgx.ErrNoRows when the volunteer has no card.
func (s *Service) Card(ctx context.Context, volunteer uuid.UUID) (elicense.License, error) {
	r, err := s.opt.Store.Q.GetCard(ctx, volunteer)
	if err != nil {
		return elicense.License{}, fmt.Errorf("load card of volunteer %s: %w", volunteer, err)
	}
	id, err := s.opt.Box.Open(cardIDField, r.IDNumberEnc)
	if err != nil {
		return elicense.License{}, fmt.Errorf("open card id number of volunteer %s: %w", volunteer, err)
	}
	return elicense.License{
		VolunteerID: r.VolunteerID, VolunteerNo: r.VolunteerNo, Name: r.Name, IDNumber: id, Gender: r.Gender,
		BirthDate: r.BirthDate.Time, IssuedAt: r.IssuedAt, Issuer: r.Issuer,
		Payload: r.Payload, Signature: r.Signature, KeyID: fmt.Sprint(r.KeyID),
	}, nil
}

// Verdict is the answer of Verify.
type Verdict struct {
	Valid bool
	// Reason explains an invalid verdict: CARD_NOT_FOUND or
	// SIGNATURE_INVALID.
	Reason string
	// Card as on file, masked; nil when not found.
	Card *Card
}

// Verify checks the card numbered number whose check code is code: valid
// when it is on file and the SM2 signature holds over its stored fields,
// rebuilt (so a changed field shows) and equal to the signed payload.
// Whoever holds the card may ask; without the right code a number is
// answered as not found, so the register cannot be walked. Only internal
// failures are errors.
func (s *Service) Verify(ctx context.Context, number, code string) (Verdict, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	code = strings.ToLower(strings.TrimSpace(code))
	missing := Verdict{Reason: "CARD_NOT_FOUND"}
	if number == "" || len(code) != docsign.CheckCodeLen {
		return missing, nil
	}
	r, err := s.opt.Store.Q.GetCardByNumber(ctx, number)
	if store.IsNotFound(err) {
		return missing, nil
	}
	if err != nil {
		return Verdict{}, fmt.Errorf("load card: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(docsign.CheckCode(r.Signature)), []byte(code)) != 1 {
		return missing, nil
	}
	c := s.cardOf(r).Masked()
	v := Verdict{Card: &c, Reason: "SIGNATURE_INVALID"}
	id, err := s.opt.Box.Open(cardIDField, r.IDNumberEnc)
	if err != nil {
		// A sealed ID number that does not open was altered or moved.
		s.opt.Log.WarnContext(ctx, "card id number does not open", "volunteer", r.VolunteerID, "err", err)
		return v, nil
	}
	payload := Fields{
		VolunteerNo: r.VolunteerNo, Name: r.Name, Gender: r.Gender, IDNumber: id, BirthDate: r.BirthDate.Time,
		RegisteredOn: r.RegisteredOn.Time, Issuer: r.Issuer, IssuedOn: r.IssuedOn.Time,
	}.Canonical()
	if subtle.ConstantTimeCompare(payload, r.Payload) == 1 && s.opt.Verifier.Verify(payload, byte(r.KeyID), r.Signature) {
		v.Valid, v.Reason = true, ""
	} else {
		s.opt.Log.WarnContext(ctx, "card signature invalid", "volunteer", r.VolunteerID)
	}
	return v, nil
}

// ListFilter narrows List.
type ListFilter struct {
	NameContains string
	// VolunteerNo keeps numbers starting with it.
	VolunteerNo  string
	DistrictCode string
	Page         paging.Page
}

// Row is a card in the back office's archive.
type Row struct {
	Card
	DistrictCode string
	Sync         elicense.Status
}

// maxNumberFilter bounds the number filter: SH and ten digits.
const maxNumberFilter = 12

// List returns a page of the cards of the volunteers in the staff p's
// data scope (Scoper) that match f, newest volunteer first, names in full
// as the volunteer archive shows them, with their e-license sync and the
// next page's token. Errors: invalid_argument (VOLUNTEER_NO_INVALID),
// permission_denied (NOT_STAFF, NO_ORG_SCOPE).
func (s *Service) List(ctx context.Context, p *access.Principal, f ListFilter) ([]Row, string, error) {
	no := strings.ToUpper(strings.TrimSpace(f.VolunteerNo))
	if len(no) > maxNumberFilter {
		return nil, "", fault.InvalidField("volunteer_no", "VOLUNTEER_NO_INVALID", "志愿者编号为 SH 加 10 位数字")
	}
	if s.opt.Scope == nil {
		return nil, "", fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "当前账号没有可查看的数据范围")
	}
	all, roots, districts, err := s.opt.Scope.StaffScope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListCardsInScope(ctx, db.ListCardsInScopeParams{
		AllVolunteers: all, Roots: roots, Districts: districts,
		NameContains: strings.TrimSpace(f.NameContains), VolunteerNo: no, DistrictCode: strings.TrimSpace(f.DistrictCode),
		Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list cards: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = Row{
			Card: s.cardOf(db.VolunteerCard{
				VolunteerID: r.VolunteerID, VolunteerNo: r.VolunteerNo, Name: r.Name, Gender: r.Gender,
				BirthDate: r.BirthDate, IDNumberMasked: r.IDNumberMasked, RegisteredOn: r.RegisteredOn,
				Issuer: r.Issuer, IssuedOn: r.IssuedOn, IssuedAt: r.IssuedAt, KeyID: r.KeyID, Signature: r.Signature,
			}),
			DistrictCode: r.DistrictCode,
			Sync: elicense.Status{
				State: r.SyncState, LicenseID: r.LicenseID, Attempts: int(r.SyncAttempts), LastError: r.SyncError,
			},
		}
		if r.SyncedAt.Valid {
			out[i].Sync.SyncedAt = r.SyncedAt.Time
		}
	}
	return out, next, nil
}

// VerifyPath is where the public verification pages of cards live.
const VerifyPath = "/verify/card/"

// VerifyURL is the public verification page of a card.
func (s *Service) VerifyURL(number, checkCode string) string {
	return s.opt.VerifyBase + VerifyPath + number + "?s=" + checkCode
}

// cardOf turns a stored card into a Card, name in full.
func (s *Service) cardOf(r db.VolunteerCard) Card {
	c := Card{
		VolunteerID: r.VolunteerID, VolunteerNo: r.VolunteerNo, Name: r.Name, Gender: r.Gender,
		IDNumberMasked: r.IDNumberMasked, BirthDate: r.BirthDate.Time.Format(time.DateOnly),
		RegisteredOn: r.RegisteredOn.Time.Format(time.DateOnly), Issuer: r.Issuer,
		IssuedOn: r.IssuedOn.Time.Format(time.DateOnly), IssuedAt: r.IssuedAt, KeyID: byte(r.KeyID),
		Signature: r.Signature, CheckCode: docsign.CheckCode(r.Signature),
	}
	c.VerifyURL = s.VerifyURL(c.VolunteerNo, c.CheckCode)
	return c
}
