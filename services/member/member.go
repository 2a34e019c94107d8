// Package member owns an org's members (O2): who belongs to an org and how
// they came to (added by the org by ID number, or applying and being
// admitted), leaving, the org's personal tags on its members, and member
// groups with their service statistics; and a volunteer's side of it —
// applying to join, quitting, their memberships.
//
// An org's own leader or admin manages its members. Listing is open also to
// the leaders and admins of orgs above it and to staff whose data scope
// covers it or an org above it.
package member

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/sensitive"
	"yima/services/identity/idnumber"
	"yima/store"
	"yima/store/db"
)

// Status is where a volunteer stands with an org, as volunteer.membership
// stores it.
type Status string

// The membership statuses.
const (
	StatusPending  Status = "pending"
	StatusMember   Status = "member"
	StatusRejected Status = "rejected"
	StatusLeft     Status = "left"
)

// Source is how a membership began.
type Source string

// The sources.
const (
	SourceApplied    Source = "applied"
	SourceAddedByOrg Source = "added_by_org"
)

// Limits on what people type, in characters, and on counts.
const (
	MaxTags         = 10
	MaxTagLength    = 12
	maxReason       = 200
	maxFeedback     = 200
	maxGroupName    = 20
	maxDescription  = 200
	MaxGroups       = 100
	MaxAssign       = 200
	maxTagsListed   = 200
	orgStatusActive = "active"
)

// OrgScope tells whether an org is in a principal's scope; *org.Service
// is the one the program passes, so members follow the org tree's scope.
type OrgScope interface {
	Sees(ctx context.Context, p *access.Principal, org uuid.UUID) error
}

// Options configure a Service.
type Options struct {
	Store *store.Store
	Now   func() time.Time
	// IDNumberIndex returns the blind index under which identity stores a
	// normalized ID number (person.id_number_idx).
	IDNumberIndex func(normalized string) []byte
	// Orgs decides who may view an org's members: its own accounts, those
	// of orgs above it and staff whose data scope covers it.
	Orgs OrgScope
}

// Service is the member use cases.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service { return &Service{opt: opt} }

// GroupRef names a group a member is in.
type GroupRef struct {
	ID   uuid.UUID
	Name string
}

// Member is a volunteer's membership of an org as the org sees it, with
// personal data masked.
type Member struct {
	OrgID             uuid.UUID
	VolunteerID       uuid.UUID
	VolunteerNo       string
	NameMasked        string
	IDNumberMasked    string
	PhoneMasked       string
	PoliticalStatus   string
	ServiceCategories []string
	Status            Status
	Source            Source
	JoinedAt          time.Time // zero for one who never was a member
	AppliedAt         time.Time // zero when the org added them
	DecidedAt         time.Time
	Feedback          string
	LeftAt            time.Time
	LeftReason        string
	Tags              []string
	Groups            []GroupRef
	// ServiceSeconds is the volunteer's credited service everywhere;
	// OrgServiceSeconds the part in the org's own projects.
	ServiceSeconds    int64
	OrgServiceSeconds int64
	RecordCount       int64
}

// ListFilter narrows List; zero fields match everything, except Status,
// whose zero value means members.
type ListFilter struct {
	OrgID           uuid.UUID
	Status          Status
	NameContains    string
	GroupID         uuid.UUID
	Tag             string
	PoliticalStatus string
	ServiceCategory string
	PageSize        int32
	PageToken       string
}

// List returns one page of an org's memberships that match f, most recent
// change first, and the next page's token. Errors: invalid_argument
// (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_IN_SCOPE).
func (s *Service) List(ctx context.Context, p *access.Principal, f ListFilter) ([]Member, string, error) {
	pg, err := paging.Parse(f.PageSize, f.PageToken)
	if err != nil {
		return nil, "", err
	}
	if err := s.sees(ctx, p, f.OrgID); err != nil {
		return nil, "", err
	}
	if f.Status == "" {
		f.Status = StatusMember
	}
	rows, err := s.opt.Store.Q.ListOrgMembers(ctx, db.ListOrgMembersParams{
		OrgID: f.OrgID, Status: string(f.Status), NameContains: strings.TrimSpace(f.NameContains),
		ByGroup: f.GroupID != uuid.Nil, GroupID: f.GroupID, Tag: strings.TrimSpace(f.Tag),
		PoliticalStatus: strings.TrimSpace(f.PoliticalStatus), ServiceCategory: strings.TrimSpace(f.ServiceCategory),
		Off: pg.Offset, Lim: pg.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Member, len(rows))
	for i, r := range rows {
		out[i] = memberFromRow(r)
	}
	return out, next, nil
}

// Add makes the registered volunteer whose ID number this is a member of
// org, which p leads or administers and which is active. The person is
// found by the blind index of the normalized number. Someone who left or
// was rejected becomes a member again. Errors: invalid_argument
// (ID_NUMBER_FORMAT, ID_NUMBER_CHECKSUM, ID_NUMBER_BIRTH_DATE,
// ID_NUMBER_REGION), permission_denied (NOT_ORG_MEMBER), not_found
// (PERSON_NOT_FOUND, ORG_NOT_FOUND), failed_precondition (NOT_A_VOLUNTEER,
// ORG_INACTIVE), already_exists (ALREADY_MEMBER, APPLICATION_PENDING).
func (s *Service) Add(ctx context.Context, p *access.Principal, org uuid.UUID, idNumber string) (Member, error) {
	if err := manages(p, org); err != nil {
		return Member{}, err
	}
	now := s.opt.Now()
	n, err := idnumber.ParseAt(idNumber, now)
	if err != nil {
		return Member{}, idNumberFault(err)
	}
	found, err := s.opt.Store.Q.FindVolunteerByIDNumber(ctx, s.opt.IDNumberIndex(n.String()))
	if store.IsNotFound(err) {
		return Member{}, fault.New(fault.NotFound, "PERSON_NOT_FOUND", "平台上没有该身份证号码的人员，请其先登录并注册志愿者")
	}
	if err != nil {
		return Member{}, fmt.Errorf("find person: %w", err)
	}
	if !found.VolunteerID.Valid {
		return Member{}, fault.New(fault.FailedPrecondition, "NOT_A_VOLUNTEER", "该人员尚未注册志愿者，注册后才能加入组织")
	}
	if err := s.active(ctx, org); err != nil {
		return Member{}, err
	}
	vol := found.VolunteerID.UUID
	_, err = s.opt.Store.Q.AddMembership(ctx, db.AddMembershipParams{
		OrgID: org, VolunteerID: vol, At: ts(now), DecidedBy: store.NullUUID(p.PersonID),
	})
	if store.IsNotFound(err) {
		return Member{}, s.already(ctx, org, vol, "该志愿者已申请加入本组织，请在入会申请中审核", "该志愿者已是本组织成员")
	}
	if err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	return s.member(ctx, org, vol)
}

// already explains, with the message for each case, why a membership could
// not begin: the volunteer is applying (APPLICATION_PENDING) or a member
// (ALREADY_MEMBER) already.
func (s *Service) already(ctx context.Context, org, vol uuid.UUID, pending, member string) error {
	m, err := s.opt.Store.Q.GetMembership(ctx, db.GetMembershipParams{OrgID: org, VolunteerID: vol})
	if err != nil {
		return fmt.Errorf("load membership: %w", err)
	}
	if Status(m.Status) == StatusPending {
		return fault.New(fault.Conflict, "APPLICATION_PENDING", pending)
	}
	return fault.New(fault.Conflict, "ALREADY_MEMBER", member)
}

// Remove ends a member's membership of org, which p leads or administers,
// with a reason, and takes them out of the org's groups. Errors:
// invalid_argument (REASON_REQUIRED, REASON_TOO_LONG), permission_denied
// (NOT_ORG_MEMBER), failed_precondition (NOT_A_MEMBER).
func (s *Service) Remove(ctx context.Context, p *access.Principal, org, vol uuid.UUID, reason string) (Member, error) {
	if err := manages(p, org); err != nil {
		return Member{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Member{}, fault.InvalidField("reason", "REASON_REQUIRED", "请填写移除原因")
	}
	if err := leaveReason(reason); err != nil {
		return Member{}, err
	}
	if err := s.leave(ctx, org, vol, reason, false); err != nil {
		return Member{}, err
	}
	return s.member(ctx, org, vol)
}

// leave ends a membership (or, with fromPending, withdraws an application)
// and empties the volunteer's places in the org's groups, in one
// transaction. Errors: failed_precondition (NOT_A_MEMBER).
func (s *Service) leave(ctx context.Context, org, vol uuid.UUID, reason string, fromPending bool) error {
	now := s.opt.Now()
	return s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		_, err := q.LeaveMembership(ctx, db.LeaveMembershipParams{
			OrgID: org, VolunteerID: vol, At: ts(now), Reason: reason, FromPending: fromPending,
		})
		if store.IsNotFound(err) {
			return notAMember()
		}
		if err != nil {
			return fmt.Errorf("leave membership: %w", err)
		}
		if err := q.RemoveFromOrgGroups(ctx, db.RemoveFromOrgGroupsParams{OrgID: org, VolunteerID: vol}); err != nil {
			return fmt.Errorf("remove from groups: %w", err)
		}
		return nil
	})
}

// Review approves or rejects a volunteer's pending application to join org,
// which p leads or administers; a rejection needs feedback, which the
// volunteer sees. Errors: invalid_argument (FEEDBACK_REQUIRED,
// FEEDBACK_TOO_LONG), permission_denied (NOT_ORG_MEMBER), not_found
// (APPLICATION_NOT_FOUND), failed_precondition (APPLICATION_NOT_PENDING).
func (s *Service) Review(ctx context.Context, p *access.Principal, org, vol uuid.UUID, approve bool, feedback string) (Member, error) {
	if err := manages(p, org); err != nil {
		return Member{}, err
	}
	feedback = strings.TrimSpace(feedback)
	switch {
	case !approve && feedback == "":
		return Member{}, fault.InvalidField("feedback", "FEEDBACK_REQUIRED", "拒绝申请时请填写反馈意见")
	case utf8.RuneCountInString(feedback) > maxFeedback:
		return Member{}, fault.InvalidField("feedback", "FEEDBACK_TOO_LONG", fmt.Sprintf("反馈意见不能超过%d个字", maxFeedback))
	}
	to := StatusRejected
	if approve {
		to = StatusMember
	}
	_, err := s.opt.Store.Q.DecideMembership(ctx, db.DecideMembershipParams{
		OrgID: org, VolunteerID: vol, Status: string(to), At: ts(s.opt.Now()),
		DecidedBy: store.NullUUID(p.PersonID), Feedback: feedback,
	})
	if store.IsNotFound(err) {
		_, err := s.opt.Store.Q.GetMembership(ctx, db.GetMembershipParams{OrgID: org, VolunteerID: vol})
		if store.IsNotFound(err) {
			return Member{}, fault.New(fault.NotFound, "APPLICATION_NOT_FOUND", "没有该志愿者的入会申请")
		}
		if err != nil {
			return Member{}, fmt.Errorf("load membership: %w", err)
		}
		return Member{}, fault.New(fault.FailedPrecondition, "APPLICATION_NOT_PENDING", "该申请已处理或已撤回")
	}
	if err != nil {
		return Member{}, fmt.Errorf("decide application: %w", err)
	}
	return s.member(ctx, org, vol)
}

// SetTags replaces the personal tags org keeps on one of its members; p
// leads or administers org. Tags are trimmed, and blanks and repeats
// dropped. Errors: invalid_argument (TOO_MANY_TAGS, TAG_TOO_LONG),
// permission_denied (NOT_ORG_MEMBER), failed_precondition (NOT_A_MEMBER).
func (s *Service) SetTags(ctx context.Context, p *access.Principal, org, vol uuid.UUID, tags []string) (Member, error) {
	if err := manages(p, org); err != nil {
		return Member{}, err
	}
	tags, err := normalizeTags(tags)
	if err != nil {
		return Member{}, err
	}
	_, err = s.opt.Store.Q.SetMembershipTags(ctx, db.SetMembershipTagsParams{OrgID: org, VolunteerID: vol, Tags: tags})
	if store.IsNotFound(err) {
		return Member{}, notAMember()
	}
	if err != nil {
		return Member{}, fmt.Errorf("set tags: %w", err)
	}
	return s.member(ctx, org, vol)
}

// normalizeTags trims tags, drops blanks and repeats, and checks the
// limits.
func normalizeTags(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLength {
			return nil, fault.InvalidField("tags", "TAG_TOO_LONG", fmt.Sprintf("标签“%s”超过%d个字", t, MaxTagLength))
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fault.InvalidField("tags", "TOO_MANY_TAGS", fmt.Sprintf("每位成员最多%d个标签", MaxTags))
	}
	return out, nil
}

// TagCount is a personal tag in use and how many members carry it.
type TagCount struct {
	Tag     string
	Members int64
}

// Tags returns the personal tags on org's members, most used first.
// Errors: not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE).
func (s *Service) Tags(ctx context.Context, p *access.Principal, org uuid.UUID) ([]TagCount, error) {
	if err := s.sees(ctx, p, org); err != nil {
		return nil, err
	}
	rows, err := s.opt.Store.Q.ListOrgMemberTags(ctx, db.ListOrgMemberTagsParams{OrgID: org, Lim: maxTagsListed})
	if err != nil {
		return nil, fmt.Errorf("list member tags: %w", err)
	}
	out := make([]TagCount, len(rows))
	for i, r := range rows {
		out[i] = TagCount{Tag: r.Tag, Members: r.MemberCount}
	}
	return out, nil
}

// member loads one membership of org in the shape List returns.
func (s *Service) member(ctx context.Context, org, vol uuid.UUID) (Member, error) {
	rows, err := s.opt.Store.Q.ListOrgMembers(ctx, db.ListOrgMembersParams{
		OrgID: org, ByVolunteer: true, VolunteerID: vol, Lim: 1,
	})
	if err != nil {
		return Member{}, fmt.Errorf("load member: %w", err)
	}
	if len(rows) == 0 {
		return Member{}, errors.New("load member: membership vanished")
	}
	return memberFromRow(rows[0]), nil
}

// active returns nil when org exists and is active. Errors: not_found
// (ORG_NOT_FOUND), failed_precondition (ORG_INACTIVE).
func (s *Service) active(ctx context.Context, org uuid.UUID) error {
	o, err := s.org(ctx, org)
	if err != nil {
		return err
	}
	if o.Status != orgStatusActive {
		return fault.New(fault.FailedPrecondition, "ORG_INACTIVE", "该组织尚未通过审核或已停用")
	}
	return nil
}

func (s *Service) org(ctx context.Context, id uuid.UUID) (db.OrgOrg, error) {
	o, err := s.opt.Store.Q.GetOrg(ctx, id)
	if store.IsNotFound(err) {
		return o, fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
	}
	if err != nil {
		return o, fmt.Errorf("load org: %w", err)
	}
	return o, nil
}

// sees returns nil when p may view org's members: the org is in p's scope.
// Errors: not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE,
// NO_ORG_SCOPE).
func (s *Service) sees(ctx context.Context, p *access.Principal, id uuid.UUID) error {
	return s.opt.Orgs.Sees(ctx, p, id)
}

// manages returns nil when p is a leader or admin account of org — who may
// change its members. Errors: permission_denied (NOT_ORG_MEMBER).
func manages(p *access.Principal, org uuid.UUID) error {
	if (p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin) && p.OrgID == org {
		return nil
	}
	return fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只有本组织的负责人或管理员可以操作")
}

func leaveReason(reason string) error {
	if utf8.RuneCountInString(reason) > maxReason {
		return fault.InvalidField("reason", "REASON_TOO_LONG", fmt.Sprintf("原因不能超过%d个字", maxReason))
	}
	return nil
}

func notAMember() error {
	return fault.New(fault.FailedPrecondition, "NOT_A_MEMBER", "该志愿者不是本组织成员")
}

func idNumberFault(err error) error {
	var e *idnumber.Error
	if errors.As(err, &e) {
		return fault.InvalidField("id_number", e.Reason, e.Message)
	}
	return fault.InvalidField("id_number", idnumber.ReasonFormat, "身份证号码格式错误")
}

func ts(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: true} }

// timeOf is a nullable timestamp as a time, zero when NULL.
func timeOf(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time
}

func memberFromRow(r db.ListOrgMembersRow) Member {
	m := Member{
		OrgID: r.OrgID, VolunteerID: r.VolunteerID, VolunteerNo: r.VolunteerNo,
		NameMasked: sensitive.MaskName(r.Name), IDNumberMasked: r.IDNumberMasked, PhoneMasked: r.PhoneMasked,
		PoliticalStatus: r.PoliticalStatus, ServiceCategories: r.ServiceCategories,
		Status: Status(r.Status), Source: Source(r.Source),
		JoinedAt: timeOf(r.JoinedAt), AppliedAt: timeOf(r.AppliedAt), DecidedAt: timeOf(r.DecidedAt),
		Feedback: r.Feedback, LeftAt: timeOf(r.LeftAt), LeftReason: r.LeftReason, Tags: r.Tags,
		ServiceSeconds: r.ServiceSeconds, OrgServiceSeconds: r.OrgServiceSeconds, RecordCount: r.RecordCount,
	}
	for i, id := range r.GroupIds {
		if i < len(r.GroupNames) {
			m.Groups = append(m.Groups, GroupRef{ID: id, Name: r.GroupNames[i]})
		}
	}
	return m
}
