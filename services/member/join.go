package member

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// Membership is a volunteer's membership of an org as they see it.
type Membership struct {
	OrgID      uuid.UUID
	OrgName    string
	Status     Status
	Source     Source
	JoinedAt   time.Time
	AppliedAt  time.Time
	DecidedAt  time.Time
	Feedback   string
	LeftAt     time.Time
	LeftReason string
}

// Join files the calling volunteer's application to join an active org,
// for the org to review; someone who left or was rejected may apply again.
// Errors: permission_denied (NOT_VOLUNTEER), not_found (ORG_NOT_FOUND),
// failed_precondition (ORG_INACTIVE), already_exists (ALREADY_MEMBER,
// APPLICATION_PENDING).
func (s *Service) Join(ctx context.Context, p *access.Principal, org uuid.UUID) (Membership, error) {
	vol, err := s.volunteerOf(ctx, p)
	if err != nil {
		return Membership{}, err
	}
	o, err := s.org(ctx, org)
	if err != nil {
		return Membership{}, err
	}
	if o.Status != orgStatusActive {
		return Membership{}, fault.New(fault.FailedPrecondition, "ORG_INACTIVE", "该组织尚未通过审核或已停用，暂不能申请加入")
	}
	row, err := s.opt.Store.Q.ApplyMembership(ctx, db.ApplyMembershipParams{OrgID: org, VolunteerID: vol, At: ts(s.opt.Now())})
	if store.IsNotFound(err) {
		return Membership{}, s.already(ctx, org, vol, "您已申请加入该组织，请等待审核", "您已是该组织成员")
	}
	if err != nil {
		return Membership{}, fmt.Errorf("apply to join: %w", err)
	}
	return membershipFromRow(row, o.Name), nil
}

// Quit ends the calling volunteer's membership of an org, or withdraws
// their pending application, with an optional reason; they leave the org's
// groups. Errors: invalid_argument (REASON_TOO_LONG), permission_denied
// (NOT_VOLUNTEER), not_found (ORG_NOT_FOUND), failed_precondition
// (NOT_A_MEMBER).
func (s *Service) Quit(ctx context.Context, p *access.Principal, org uuid.UUID, reason string) (Membership, error) {
	vol, err := s.volunteerOf(ctx, p)
	if err != nil {
		return Membership{}, err
	}
	reason = strings.TrimSpace(reason)
	if err := leaveReason(reason); err != nil {
		return Membership{}, err
	}
	o, err := s.org(ctx, org)
	if err != nil {
		return Membership{}, err
	}
	if err := s.leave(ctx, org, vol, reason, true); err != nil {
		if fault.ReasonOf(err) == "NOT_A_MEMBER" {
			err = fault.New(fault.FailedPrecondition, "NOT_A_MEMBER", "您不是该组织成员，也没有待审核的申请")
		}
		return Membership{}, err
	}
	row, err := s.opt.Store.Q.GetMembership(ctx, db.GetMembershipParams{OrgID: org, VolunteerID: vol})
	if err != nil {
		return Membership{}, fmt.Errorf("load membership: %w", err)
	}
	return membershipFromRow(row, o.Name), nil
}

// Mine returns one page of the calling volunteer's memberships and
// applications (of status, or any when empty), most recent change first.
// Errors: invalid_argument (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID),
// permission_denied (NOT_VOLUNTEER).
func (s *Service) Mine(ctx context.Context, p *access.Principal, status Status, size int32, token string) ([]Membership, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	vol, err := s.volunteerOf(ctx, p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListMyMemberships(ctx, db.ListMyMembershipsParams{
		VolunteerID: vol, Status: string(status), Off: pg.Offset, Lim: pg.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list memberships: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Membership, len(rows))
	for i, r := range rows {
		out[i] = Membership{
			OrgID: r.OrgID, OrgName: r.OrgName, Status: Status(r.Status), Source: Source(r.Source),
			JoinedAt: timeOf(r.JoinedAt), AppliedAt: timeOf(r.AppliedAt), DecidedAt: timeOf(r.DecidedAt),
			Feedback: r.Feedback, LeftAt: timeOf(r.LeftAt), LeftReason: r.LeftReason,
		}
	}
	return out, next, nil
}

// volunteerOf returns the volunteer p acts as. Errors: permission_denied
// (NOT_VOLUNTEER).
func (s *Service) volunteerOf(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	notVolunteer := fault.New(fault.PermissionDenied, "NOT_VOLUNTEER", "请以志愿者身份操作")
	if p.Kind != access.KindVolunteer {
		return uuid.Nil, notVolunteer
	}
	id, err := s.opt.Store.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return uuid.Nil, notVolunteer
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find volunteer: %w", err)
	}
	return id, nil
}

func membershipFromRow(r db.VolunteerMembership, orgName string) Membership {
	return Membership{
		OrgID: r.OrgID, OrgName: orgName, Status: Status(r.Status), Source: Source(r.Source),
		JoinedAt: timeOf(r.JoinedAt), AppliedAt: timeOf(r.AppliedAt), DecidedAt: timeOf(r.DecidedAt),
		Feedback: r.Feedback, LeftAt: timeOf(r.LeftAt), LeftReason: r.LeftReason,
	}
}
