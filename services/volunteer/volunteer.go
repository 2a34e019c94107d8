// Package volunteer holds the volunteer domain: registering a citizen as a
// formal volunteer (at once, no approval) and the volunteer's profile.
package volunteer

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/catalog"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// Volunteer is a registered volunteer's profile, sensitive fields masked.
type Volunteer struct {
	ID                uuid.UUID
	PersonID          uuid.UUID
	No                string // SH and ten digits, printed on the 上海市志愿者证
	Name              string
	IDNumberMasked    string
	PoliticalStatus   string
	ServiceCategories []string
	RegisteredAt      time.Time
}

// Service is the volunteer use cases.
type Service struct {
	st  *store.Store
	now func() time.Time
	opt Options
}

// Options configure a Service beyond its store and clock.
type Options struct {
	// Orgs resolves the back office's data scope (*org.Service); without
	// it ListVolunteers and Detail answer NO_ORG_SCOPE.
	Orgs Scoper
	// IDNumberIndex returns the blind index under which identity stores a
	// normalized ID number; without it searching by ID number finds no one.
	IDNumberIndex func(normalized string) []byte
	// Cards, when set, issues each new volunteer's card as part of
	// Register.
	Cards Cards
}

// New returns a Service for registration and the user center.
func New(st *store.Store, now func() time.Time) *Service {
	return &Service{st: st, now: now}
}

// NewWith returns a Service that also serves the back office.
func NewWith(st *store.Store, now func() time.Time, opt Options) *Service {
	return &Service{st: st, now: now, opt: opt}
}

// Register makes p's person a volunteer: a volunteer.volunteer row with a
// fresh volunteer number, a volunteer account and (with Options.Cards)
// the volunteer's card, in one transaction, which also moves p's session
// to the volunteer account: from its next request on, the same token acts
// as the volunteer, on every node. Errors: invalid_argument
// (POLITICAL_STATUS_INVALID, SERVICE_CATEGORIES_REQUIRED,
// SERVICE_CATEGORY_INVALID), permission_denied (NOT_CITIZEN),
// already_exists (ALREADY_VOLUNTEER), failed_precondition
// (ID_NUMBER_MISSING, from the card).
func (s *Service) Register(ctx context.Context, p *access.Principal, political string, categories []string) (Volunteer, error) {
	switch p.Kind {
	case access.KindCitizen:
	case access.KindVolunteer:
		return Volunteer{}, alreadyVolunteer()
	default:
		return Volunteer{}, fault.New(fault.PermissionDenied, "NOT_CITIZEN", "请使用市民身份注册志愿者")
	}
	if !catalog.IsPoliticalStatus(political) {
		return Volunteer{}, fault.InvalidField("political_status", "POLITICAL_STATUS_INVALID", "请选择政治面貌（中共党员、中共预备党员、共青团员、民主党派、群众）")
	}
	if len(categories) == 0 {
		return Volunteer{}, fault.InvalidField("service_categories", "SERVICE_CATEGORIES_REQUIRED", "请至少选择一个服务类别")
	}
	cats, bad, ok := catalog.NormalizeCategories(categories)
	if !ok {
		return Volunteer{}, fault.InvalidField("service_categories", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
	}
	err := s.st.InTx(ctx, func(q *db.Queries) error {
		v, err := q.CreateVolunteer(ctx, db.CreateVolunteerParams{
			PersonID: p.PersonID, PoliticalStatus: political, ServiceCategories: cats, RegisteredAt: s.now(),
		})
		if err != nil {
			return fmt.Errorf("create volunteer: %w", err)
		}
		acct, err := q.CreateVolunteerAccount(ctx, p.PersonID)
		if err != nil {
			return fmt.Errorf("create volunteer account: %w", err)
		}
		if _, err := q.ActAsVolunteer(ctx, db.ActAsVolunteerParams{
			VolunteerAccount: acct, SessionID: p.SessionID, PersonID: p.PersonID,
		}); err != nil {
			return fmt.Errorf("move session to the volunteer account: %w", err)
		}
		if s.opt.Cards != nil {
			return s.opt.Cards.Issue(ctx, q, v.ID)
		}
		return nil
	})
	switch store.ConstraintViolated(err) {
	case "":
	case "volunteer_person_id_key", "account_one_per_person":
		// A concurrent Register of the same person won.
		return Volunteer{}, alreadyVolunteer()
	}
	if err != nil {
		return Volunteer{}, err
	}
	if s.opt.Cards != nil {
		s.opt.Cards.Issued()
	}
	return s.ByPerson(ctx, p.PersonID)
}

// Mine returns the profile of p's person. Errors: not_found
// (NOT_A_VOLUNTEER).
func (s *Service) Mine(ctx context.Context, p *access.Principal) (Volunteer, error) {
	return s.ByPerson(ctx, p.PersonID)
}

// ByPerson returns the volunteer a person is. Errors: not_found
// (NOT_A_VOLUNTEER).
func (s *Service) ByPerson(ctx context.Context, person uuid.UUID) (Volunteer, error) {
	r, err := s.st.Q.GetVolunteerProfile(ctx, person)
	if store.IsNotFound(err) {
		return Volunteer{}, fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "尚未注册志愿者")
	}
	if err != nil {
		return Volunteer{}, fmt.Errorf("load volunteer: %w", err)
	}
	return Volunteer{
		ID: r.ID, PersonID: r.PersonID, No: r.VolunteerNo, Name: r.Name, IDNumberMasked: r.IDNumberMasked,
		PoliticalStatus: r.PoliticalStatus, ServiceCategories: r.ServiceCategories, RegisteredAt: r.RegisteredAt,
	}, nil
}

func alreadyVolunteer() error {
	return fault.New(fault.Conflict, "ALREADY_VOLUNTEER", "已经是注册志愿者")
}
