package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// scope is the part of the org tree a caller reaches: org accounts the
// orgs strictly below their own; staff every org (all) or those under
// roots, with the departments their data scope covers.
type scope struct {
	org         uuid.UUID // org accounts
	all         bool
	roots       []uuid.UUID
	departments []uuid.UUID
}

// scopeOf resolves p's scope. Errors: permission_denied (NO_ORG_SCOPE).
func (s *Service) scopeOf(ctx context.Context, p *access.Principal) (scope, error) {
	switch p.Kind {
	case access.KindOrgLeader, access.KindOrgAdmin:
		return scope{org: p.OrgID}, nil
	case access.KindStaff:
		if s.opt.Staff == nil {
			break
		}
		all, depts, err := s.opt.Staff.Visible(ctx, p)
		if err != nil {
			return scope{}, err
		}
		sc := scope{all: all, departments: depts}
		if !all && len(depts) > 0 {
			if sc.roots, err = s.opt.Store.Q.ListDepartmentOrgs(ctx, depts); err != nil {
				return scope{}, fmt.Errorf("list department orgs: %w", err)
			}
		}
		return sc, nil
	}
	return scope{}, fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "当前账号不能查看消息")
}

// reaches reports whether an org at path is one whose leaders and admins
// the scope may message.
func (sc scope) reaches(path []uuid.UUID) bool {
	if sc.org != uuid.Nil {
		return slices.Contains(path, sc.org) && path[len(path)-1] != sc.org
	}
	return sc.all || slices.ContainsFunc(path, func(id uuid.UUID) bool { return slices.Contains(sc.roots, id) })
}

func notInScope() error {
	return fault.New(fault.PermissionDenied, "NOT_IN_SCOPE", "只能给本组织的下级组织或管辖范围内的组织发送消息")
}

// resolve turns an audience into persons, deduplicated, with a label for
// the sent list. Errors: see Send.
func (s *Service) resolve(ctx context.Context, p *access.Principal, a Audience, now time.Time) ([]person, string, error) {
	q := s.opt.Store.Q
	org := p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin
	orgOnly := func() error {
		if !org {
			return fault.New(fault.PermissionDenied, "AUDIENCE_NOT_ALLOWED", "后台账号只能给组织负责人和管理员发送消息")
		}
		return nil
	}
	var (
		persons []person
		label   string
	)
	switch a.Kind {
	case AudienceMembers:
		if err := orgOnly(); err != nil {
			return nil, "", err
		}
		label = "全体成员"
		if a.GroupID != uuid.Nil {
			name, err := q.NotifyMemberGroupName(ctx, db.NotifyMemberGroupNameParams{ID: a.GroupID, OrgID: p.OrgID})
			if store.IsNotFound(err) {
				return nil, "", fault.New(fault.NotFound, "GROUP_NOT_FOUND", "本组织没有这个成员分组")
			}
			if err != nil {
				return nil, "", fmt.Errorf("load member group: %w", err)
			}
			label = "成员分组：" + name
		}
		rows, err := q.NotifyOrgMembers(ctx, db.NotifyOrgMembersParams{OrgID: p.OrgID, GroupID: store.NullUUID(a.GroupID)})
		if err != nil {
			return nil, "", fmt.Errorf("list members: %w", err)
		}
		for _, r := range rows {
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
	case AudienceProjectSignUps:
		if err := orgOnly(); err != nil {
			return nil, "", err
		}
		statuses := a.SignUpStatuses
		if len(statuses) == 0 {
			statuses = []string{SignUpHired}
		}
		var names []string
		for _, st := range statuses {
			n, ok := signUpLabel[st]
			if !ok {
				return nil, "", fault.InvalidField("statuses", "STATUS_INVALID", "报名状态无效")
			}
			names = append(names, n)
		}
		pr, err := q.NotifyProjectOrg(ctx, a.ProjectID)
		if store.IsNotFound(err) {
			return nil, "", fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
		}
		if err != nil {
			return nil, "", fmt.Errorf("load project: %w", err)
		}
		if pr.OrgID != p.OrgID {
			return nil, "", fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "只能给本组织项目的报名者发送消息")
		}
		rows, err := q.NotifyProjectSignUps(ctx, db.NotifyProjectSignUpsParams{ProjectID: a.ProjectID, Statuses: statuses})
		if err != nil {
			return nil, "", fmt.Errorf("list sign-ups: %w", err)
		}
		for _, r := range rows {
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
		label = fmt.Sprintf("项目「%s」%s", pr.Title, strings.Join(names, "、"))
	case AudienceVolunteers:
		if err := orgOnly(); err != nil {
			return nil, "", err
		}
		ids := uniq(a.VolunteerIDs)
		if len(ids) == 0 {
			return nil, "", fault.InvalidField("audience", "AUDIENCE_REQUIRED", "请选择接收人")
		}
		if len(ids) > s.opt.Limits.MaxRecipients {
			return nil, "", tooMany(s.opt.Limits.MaxRecipients)
		}
		rows, err := q.NotifyOrgVolunteers(ctx, db.NotifyOrgVolunteersParams{VolunteerIds: ids, OrgID: p.OrgID})
		if err != nil {
			return nil, "", fmt.Errorf("list volunteers: %w", err)
		}
		if len(rows) != len(ids) {
			return nil, "", fault.New(fault.PermissionDenied, "RECIPIENT_NOT_IN_ORG", "只能给本组织的成员或本组织项目的报名者发送消息")
		}
		for _, r := range rows {
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
		label = fmt.Sprintf("指定志愿者%d人", len(ids))
	case AudienceOrgUsers:
		sc, err := s.scopeOf(ctx, p)
		if err != nil {
			return nil, "", err
		}
		ids := uniq(a.OrgIDs)
		if len(ids) == 0 && !a.AllBelow {
			return nil, "", fault.InvalidField("audience", "AUDIENCE_REQUIRED", "请选择组织")
		}
		var orgName string
		if len(ids) > 0 {
			orgs, err := q.NotifyOrgPaths(ctx, ids)
			if err != nil {
				return nil, "", fmt.Errorf("load orgs: %w", err)
			}
			if len(orgs) != len(ids) {
				return nil, "", fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
			}
			for _, o := range orgs {
				if !sc.reaches(o.Path) {
					return nil, "", notInScope()
				}
			}
			orgName = orgs[0].Name
		}
		if a.AllBelow {
			below, err := q.NotifyOrgsBelow(ctx, db.NotifyOrgsBelowParams{
				OrgID: store.NullUUID(sc.org), AllScope: sc.all, Roots: sc.roots, Lim: int32(s.opt.Limits.MaxRecipients) + 1,
			})
			if err != nil {
				return nil, "", fmt.Errorf("list orgs below: %w", err)
			}
			ids = uniq(append(ids, below...))
		}
		rows, err := q.NotifyOrgUsers(ctx, db.NotifyOrgUsersParams{OrgIds: ids, Now: now})
		if err != nil {
			return nil, "", fmt.Errorf("list org users: %w", err)
		}
		for _, r := range rows {
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
		switch {
		case a.AllBelow && org:
			label = "全部下级组织负责人和管理员"
		case a.AllBelow:
			label = "管辖范围内全部组织负责人和管理员"
		case len(ids) == 1:
			label = fmt.Sprintf("「%s」负责人和管理员", orgName)
		default:
			label = fmt.Sprintf("%d个组织的负责人和管理员", len(ids))
		}
	case AudienceAccounts:
		sc, err := s.scopeOf(ctx, p)
		if err != nil {
			return nil, "", err
		}
		ids := uniq(a.AccountIDs)
		if len(ids) == 0 {
			return nil, "", fault.InvalidField("audience", "AUDIENCE_REQUIRED", "请选择组织账号")
		}
		if len(ids) > s.opt.Limits.MaxRecipients {
			return nil, "", tooMany(s.opt.Limits.MaxRecipients)
		}
		rows, err := q.NotifyAccountsPersons(ctx, ids)
		if err != nil {
			return nil, "", fmt.Errorf("load accounts: %w", err)
		}
		if len(rows) != len(ids) {
			return nil, "", fault.New(fault.NotFound, "ACCOUNT_NOT_FOUND", "组织账号不存在")
		}
		for _, r := range rows {
			if !sc.reaches(r.Path) {
				return nil, "", notInScope()
			}
			persons = append(persons, person{r.ID, r.Name, r.PhoneMasked, r.HasPhone})
		}
		label = fmt.Sprintf("指定组织账号%d个", len(ids))
	default:
		return nil, "", fault.InvalidField("audience", "AUDIENCE_REQUIRED", "请选择接收人")
	}
	persons = uniqPersons(persons)
	switch {
	case len(persons) == 0:
		return nil, "", fault.New(fault.FailedPrecondition, "NO_RECIPIENTS", "所选范围内没有可接收消息的人")
	case len(persons) > s.opt.Limits.MaxRecipients:
		return nil, "", tooMany(s.opt.Limits.MaxRecipients)
	}
	return persons, label, nil
}

var signUpLabel = map[string]string{SignUpHired: "已录用", SignUpPending: "待审核", SignUpRejected: "未录用"}

func tooMany(n int) error {
	return fault.InvalidField("audience", "TOO_MANY_RECIPIENTS", fmt.Sprintf("一条消息最多发送给%d人", n))
}

func uniq(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// uniqPersons keeps each person once: one may be the leader of two orgs.
func uniqPersons(ps []person) []person {
	out := ps[:0]
	seen := make(map[uuid.UUID]bool, len(ps))
	for _, r := range ps {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}
