package member

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// Group is a group of an org's members with its statistics, which count
// the members' service records in the org's own projects.
type Group struct {
	ID          uuid.UUID
	OrgID       uuid.UUID
	Name        string
	Description string
	CreatedAt   time.Time
	Members     int64
	// ServiceSeconds, Records and Projects total the members' service
	// records in the org's projects: credited seconds, records, and distinct
	// projects served.
	ServiceSeconds int64
	Records        int64
	Projects       int64
}

// CreateGroup adds a group to org, which p leads or administers. Errors:
// invalid_argument (NAME_REQUIRED, NAME_TOO_LONG, DESCRIPTION_TOO_LONG),
// permission_denied (NOT_ORG_MEMBER), not_found (ORG_NOT_FOUND),
// already_exists (GROUP_NAME_TAKEN), resource_exhausted (TOO_MANY_GROUPS).
func (s *Service) CreateGroup(ctx context.Context, p *access.Principal, org uuid.UUID, name, description string) (Group, error) {
	if err := manages(p, org); err != nil {
		return Group{}, err
	}
	name, description, err := groupText(name, description)
	if err != nil {
		return Group{}, err
	}
	now := s.opt.Now()
	var id uuid.UUID
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		// Locking the org serializes creations, so the count holds.
		if _, err := q.LockOrg(ctx, org); store.IsNotFound(err) {
			return fault.New(fault.NotFound, "ORG_NOT_FOUND", "组织不存在")
		} else if err != nil {
			return fmt.Errorf("lock org: %w", err)
		}
		n, err := q.CountMemberGroups(ctx, org)
		if err != nil {
			return fmt.Errorf("count groups: %w", err)
		}
		if n >= MaxGroups {
			return fault.New(fault.Exhausted, "TOO_MANY_GROUPS", fmt.Sprintf("每个组织最多%d个分组", MaxGroups))
		}
		g, err := q.CreateMemberGroup(ctx, db.CreateMemberGroupParams{
			OrgID: org, Name: name, Description: description, CreatedBy: store.NullUUID(p.PersonID), At: now,
		})
		if err != nil {
			return groupWriteErr("create group", err)
		}
		id = g.ID
		return nil
	})
	if err != nil {
		return Group{}, err
	}
	return s.group(ctx, org, id)
}

// UpdateGroup renames a group and replaces its description; p leads or
// administers the group's org. Errors: invalid_argument (NAME_REQUIRED,
// NAME_TOO_LONG, DESCRIPTION_TOO_LONG), not_found (GROUP_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), already_exists (GROUP_NAME_TAKEN).
func (s *Service) UpdateGroup(ctx context.Context, p *access.Principal, id uuid.UUID, name, description string) (Group, error) {
	g, err := s.managedGroup(ctx, p, id)
	if err != nil {
		return Group{}, err
	}
	name, description, err = groupText(name, description)
	if err != nil {
		return Group{}, err
	}
	_, err = s.opt.Store.Q.UpdateMemberGroup(ctx, db.UpdateMemberGroupParams{ID: id, Name: name, Description: description, At: s.opt.Now()})
	if store.IsNotFound(err) {
		return Group{}, groupNotFound()
	}
	if err != nil {
		return Group{}, groupWriteErr("update group", err)
	}
	return s.group(ctx, g.OrgID, id)
}

// DeleteGroup deletes a group; its members stay members of the org. p
// leads or administers the group's org. Errors: not_found
// (GROUP_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Service) DeleteGroup(ctx context.Context, p *access.Principal, id uuid.UUID) error {
	if _, err := s.managedGroup(ctx, p, id); err != nil {
		return err
	}
	n, err := s.opt.Store.Q.DeleteMemberGroup(ctx, id)
	if err != nil {
		return fmt.Errorf("delete group: %w", err)
	}
	if n == 0 {
		return groupNotFound()
	}
	return nil
}

// Assign puts members of the group's org into the group, returning the
// group and how many were newly put in; those in it already stay. p leads
// or administers the org. The memberships are locked while they are
// assigned, so a concurrent removal either comes first (and the assignment
// fails) or after (and empties the places). Errors: invalid_argument
// (VOLUNTEERS_REQUIRED, TOO_MANY_VOLUNTEERS), not_found (GROUP_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER), failed_precondition (NOT_A_MEMBER).
func (s *Service) Assign(ctx context.Context, p *access.Principal, id uuid.UUID, volunteers []uuid.UUID) (Group, int64, error) {
	volunteers, err := volunteerList(volunteers)
	if err != nil {
		return Group{}, 0, err
	}
	g, err := s.managedGroup(ctx, p, id)
	if err != nil {
		return Group{}, 0, err
	}
	var added int64
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		members, err := q.LockOrgMembers(ctx, db.LockOrgMembersParams{OrgID: g.OrgID, VolunteerIds: volunteers})
		if err != nil {
			return fmt.Errorf("lock members: %w", err)
		}
		if len(members) != len(volunteers) {
			return fault.New(fault.FailedPrecondition, "NOT_A_MEMBER",
				fmt.Sprintf("所选志愿者中有%d位不是本组织成员", len(volunteers)-len(members)))
		}
		added, err = q.AssignGroupMembers(ctx, db.AssignGroupMembersParams{
			GroupID: id, OrgID: g.OrgID, VolunteerIds: volunteers, At: s.opt.Now(),
		})
		if store.ConstraintViolated(err) != "" {
			// The group was deleted meanwhile.
			return groupNotFound()
		}
		if err != nil {
			return fmt.Errorf("assign members: %w", err)
		}
		return nil
	})
	if err != nil {
		return Group{}, 0, err
	}
	out, err := s.group(ctx, g.OrgID, id)
	return out, added, err
}

// Unassign takes volunteers out of a group, returning the group and how
// many were in it. p leads or administers the group's org. Errors:
// invalid_argument (VOLUNTEERS_REQUIRED, TOO_MANY_VOLUNTEERS), not_found
// (GROUP_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Service) Unassign(ctx context.Context, p *access.Principal, id uuid.UUID, volunteers []uuid.UUID) (Group, int64, error) {
	volunteers, err := volunteerList(volunteers)
	if err != nil {
		return Group{}, 0, err
	}
	g, err := s.managedGroup(ctx, p, id)
	if err != nil {
		return Group{}, 0, err
	}
	removed, err := s.opt.Store.Q.UnassignGroupMembers(ctx, db.UnassignGroupMembersParams{GroupID: id, VolunteerIds: volunteers})
	if err != nil {
		return Group{}, 0, fmt.Errorf("unassign members: %w", err)
	}
	out, err := s.group(ctx, g.OrgID, id)
	return out, removed, err
}

// Groups returns one page of org's groups by name with their statistics.
// Errors: invalid_argument (PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID),
// not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE).
func (s *Service) Groups(ctx context.Context, p *access.Principal, org uuid.UUID, size int32, token string) ([]Group, string, error) {
	pg, err := paging.Parse(size, token)
	if err != nil {
		return nil, "", err
	}
	if err := s.sees(ctx, p, org); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListMemberGroupStats(ctx, db.ListMemberGroupStatsParams{OrgID: org, Off: pg.Offset, Lim: pg.Fetch()})
	if err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Group, len(rows))
	for i, r := range rows {
		out[i] = groupFromRow(r)
	}
	return out, next, nil
}

// group loads one group with its statistics.
func (s *Service) group(ctx context.Context, org, id uuid.UUID) (Group, error) {
	rows, err := s.opt.Store.Q.ListMemberGroupStats(ctx, db.ListMemberGroupStatsParams{OrgID: org, ByID: true, ID: id, Lim: 1})
	if err != nil {
		return Group{}, fmt.Errorf("load group: %w", err)
	}
	if len(rows) == 0 {
		return Group{}, groupNotFound()
	}
	return groupFromRow(rows[0]), nil
}

// managedGroup loads a group whose org p leads or administers. Errors:
// not_found (GROUP_NOT_FOUND), permission_denied (NOT_ORG_MEMBER).
func (s *Service) managedGroup(ctx context.Context, p *access.Principal, id uuid.UUID) (db.VolunteerMemberGroup, error) {
	g, err := s.opt.Store.Q.GetMemberGroup(ctx, id)
	if store.IsNotFound(err) {
		return g, groupNotFound()
	}
	if err != nil {
		return g, fmt.Errorf("load group: %w", err)
	}
	return g, manages(p, g.OrgID)
}

// groupText trims and checks a group's name and description.
func groupText(name, description string) (string, string, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	switch {
	case name == "":
		return "", "", fault.InvalidField("name", "NAME_REQUIRED", "请填写分组名称")
	case utf8.RuneCountInString(name) > maxGroupName:
		return "", "", fault.InvalidField("name", "NAME_TOO_LONG", fmt.Sprintf("分组名称不能超过%d个字", maxGroupName))
	case utf8.RuneCountInString(description) > maxDescription:
		return "", "", fault.InvalidField("description", "DESCRIPTION_TOO_LONG", fmt.Sprintf("分组说明不能超过%d个字", maxDescription))
	}
	return name, description, nil
}

// volunteerList dedupes the volunteers of an assignment and checks their
// number.
func volunteerList(ids []uuid.UUID) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	switch {
	case len(out) == 0:
		return nil, fault.InvalidField("volunteer_ids", "VOLUNTEERS_REQUIRED", "请选择成员")
	case len(out) > MaxAssign:
		return nil, fault.InvalidField("volunteer_ids", "TOO_MANY_VOLUNTEERS", fmt.Sprintf("一次最多选择%d位成员", MaxAssign))
	}
	return out, nil
}

func groupWriteErr(what string, err error) error {
	if store.ConstraintViolated(err) == "member_group_name" {
		return fault.New(fault.Conflict, "GROUP_NAME_TAKEN", "本组织已有同名分组")
	}
	return fmt.Errorf("%s: %w", what, err)
}

func groupNotFound() error {
	return fault.New(fault.NotFound, "GROUP_NOT_FOUND", "分组不存在")
}

func groupFromRow(r db.ListMemberGroupStatsRow) Group {
	return Group{
		ID: r.ID, OrgID: r.OrgID, Name: r.Name, Description: r.Description, CreatedAt: r.CreatedAt,
		Members: r.MemberCount, ServiceSeconds: r.ServiceSeconds, Records: r.RecordCount, Projects: r.ProjectCount,
	}
}
