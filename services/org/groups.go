package org

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
	"yima/sensitive"
	"yima/store"
	"yima/store/db"
)

// This file is the groups of orgs an overseer keeps (O9): a group belongs
// to an owner org and holds orgs below it. Groups are created, renamed,
// given and relieved of orgs, and merged: the orgs of one go into the
// other, which remains and records the merge. Whoever sees the owner org
// (its leader or admin, an org above it, staff in scope) manages its
// groups; a child org never manages its parent's.

// Limits on groups.
const (
	maxGroupName        = 30
	maxGroupDescription = 200
	// MaxGroupChange bounds the orgs one call adds or removes.
	MaxGroupChange = 500
)

// Group is a group of orgs below its owner.
type Group struct {
	ID          uuid.UUID
	OwnerOrgID  uuid.UUID
	Name        string
	Description string
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Members and Merges are filled by GetGroup and the edits only.
	Members []GroupMember
	Merges  []GroupMerge
}

// GroupMember is an org in a group.
type GroupMember struct {
	OrgID   uuid.UUID
	Name    string
	Level   Level
	Status  Status
	AddedAt time.Time
}

// GroupMerge is a group merged into another.
type GroupMerge struct {
	FromGroupID  uuid.UUID
	FromName     string
	OrgsAdded    int
	ByNameMasked string
	At           time.Time
}

// GroupInput is a group's editable text.
type GroupInput struct {
	Name        string
	Description string
}

// CreateGroup creates a group of orgs below owner, with members as its
// first orgs, and returns it whole. Errors: invalid_argument
// (GROUP_NAME_REQUIRED, GROUP_NAME_TOO_LONG, DESCRIPTION_TOO_LONG,
// ORG_NOT_SUBORDINATE, TOO_MANY_ORGS), not_found (ORG_NOT_FOUND),
// permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE), already_exists
// (GROUP_NAME_TAKEN).
func (s *Service) CreateGroup(ctx context.Context, p *access.Principal, owner uuid.UUID, in GroupInput, members []uuid.UUID) (Group, error) {
	in, err := checkGroup(in)
	if err != nil {
		return Group{}, err
	}
	members = uniqueIDs(members)
	if len(members) > MaxGroupChange {
		return Group{}, tooManyOrgs()
	}
	if err := s.ownsGroups(ctx, p, owner); err != nil {
		return Group{}, err
	}
	now := s.opt.Now()
	id := uuid.New()
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		if err := subordinates(ctx, q, owner, members); err != nil {
			return err
		}
		if _, err := q.CreateOrgGroup(ctx, db.CreateOrgGroupParams{
			ID: id, OwnerOrgID: owner, Name: in.Name, Description: in.Description, CreatedBy: store.NullUUID(p.PersonID), At: now,
		}); err != nil {
			return groupErr("create group", err)
		}
		if _, err := q.AddOrgGroupMembers(ctx, db.AddOrgGroupMembersParams{GroupID: id, OrgIds: members, At: now}); err != nil {
			return fmt.Errorf("add group members: %w", err)
		}
		return nil
	})
	if err != nil {
		return Group{}, err
	}
	return s.group(ctx, s.opt.Store.Q, id)
}

// UpdateGroup renames a group and replaces its description. Errors: as
// CreateGroup, not_found (GROUP_NOT_FOUND).
func (s *Service) UpdateGroup(ctx context.Context, p *access.Principal, id uuid.UUID, in GroupInput) (Group, error) {
	in, err := checkGroup(in)
	if err != nil {
		return Group{}, err
	}
	if _, err := s.managedGroup(ctx, p, id); err != nil {
		return Group{}, err
	}
	_, err = s.opt.Store.Q.UpdateOrgGroup(ctx, db.UpdateOrgGroupParams{ID: id, Name: in.Name, Description: in.Description, At: s.opt.Now()})
	if store.IsNotFound(err) {
		return Group{}, groupNotFound()
	}
	if err != nil {
		return Group{}, groupErr("update group", err)
	}
	return s.group(ctx, s.opt.Store.Q, id)
}

// SetGroupMembers adds orgs below the group's owner to a group and
// removes others (an org in both lists ends up removed). Errors: not_found
// (GROUP_NOT_FOUND), permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE),
// invalid_argument (ORG_NOT_SUBORDINATE, TOO_MANY_ORGS).
func (s *Service) SetGroupMembers(ctx context.Context, p *access.Principal, id uuid.UUID, add, remove []uuid.UUID) (Group, error) {
	add, remove = uniqueIDs(add), uniqueIDs(remove)
	if len(add) > MaxGroupChange || len(remove) > MaxGroupChange {
		return Group{}, tooManyOrgs()
	}
	g, err := s.managedGroup(ctx, p, id)
	if err != nil {
		return Group{}, err
	}
	now := s.opt.Now()
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		if _, err := q.LockOrgGroup(ctx, id); store.IsNotFound(err) {
			return groupNotFound()
		} else if err != nil {
			return fmt.Errorf("lock group: %w", err)
		}
		if err := subordinates(ctx, q, g.OwnerOrgID, add); err != nil {
			return err
		}
		if _, err := q.AddOrgGroupMembers(ctx, db.AddOrgGroupMembersParams{GroupID: id, OrgIds: add, At: now}); err != nil {
			return fmt.Errorf("add group members: %w", err)
		}
		if err := q.RemoveOrgGroupMembers(ctx, db.RemoveOrgGroupMembersParams{GroupID: id, OrgIds: remove}); err != nil {
			return fmt.Errorf("remove group members: %w", err)
		}
		return q.TouchOrgGroup(ctx, db.TouchOrgGroupParams{ID: id, At: now})
	})
	if err != nil {
		return Group{}, err
	}
	return s.group(ctx, s.opt.Store.Q, id)
}

// MergeGroups moves the orgs of from into into, which remains; from is
// gone afterwards (kept as history, without orgs) and the merge is
// recorded on into. Both must have the same owner. Errors:
// invalid_argument (GROUP_MERGE_SELF, GROUP_OWNER_DIFFERS), not_found
// (GROUP_NOT_FOUND), permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) MergeGroups(ctx context.Context, p *access.Principal, into, from uuid.UUID) (Group, error) {
	if into == from {
		return Group{}, fault.InvalidField("from_group_id", "GROUP_MERGE_SELF", "不能与自身合并")
	}
	g, err := s.managedGroup(ctx, p, into)
	if err != nil {
		return Group{}, err
	}
	now := s.opt.Now()
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		// Lock in id order, so two merges of the same pair cannot deadlock.
		locked := map[uuid.UUID]db.OrgOrgGroup{}
		pair := []uuid.UUID{into, from}
		slices.SortFunc(pair, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		for _, id := range pair {
			row, err := q.LockOrgGroup(ctx, id)
			if store.IsNotFound(err) {
				return groupNotFound()
			}
			if err != nil {
				return fmt.Errorf("lock group: %w", err)
			}
			locked[id] = row
		}
		if locked[from].OwnerOrgID != g.OwnerOrgID {
			return fault.InvalidField("from_group_id", "GROUP_OWNER_DIFFERS", "只能合并同一组织下的分组")
		}
		added, err := q.MoveOrgGroupMembers(ctx, db.MoveOrgGroupMembersParams{IntoGroup: into, FromGroup: from, At: now})
		if err != nil {
			return fmt.Errorf("move group members: %w", err)
		}
		if err := q.ClearOrgGroupMembers(ctx, from); err != nil {
			return fmt.Errorf("clear merged group: %w", err)
		}
		if err := q.MarkOrgGroupMerged(ctx, db.MarkOrgGroupMergedParams{ID: from, IntoGroup: store.NullUUID(into), At: now}); err != nil {
			return fmt.Errorf("mark group merged: %w", err)
		}
		if err := q.RecordOrgGroupMerge(ctx, db.RecordOrgGroupMergeParams{
			IntoGroupID: into, FromGroupID: from, FromName: locked[from].Name, OrgsAdded: int32(added),
			ByPerson: store.NullUUID(p.PersonID), At: now,
		}); err != nil {
			return fmt.Errorf("record merge: %w", err)
		}
		return q.TouchOrgGroup(ctx, db.TouchOrgGroupParams{ID: into, At: now})
	})
	if err != nil {
		return Group{}, err
	}
	return s.group(ctx, s.opt.Store.Q, into)
}

// ListGroups returns a page of the live groups owner has, by name, with
// member counts but no members, and the next page's token. Errors:
// not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE,
// NO_ORG_SCOPE).
func (s *Service) ListGroups(ctx context.Context, p *access.Principal, owner uuid.UUID, nameContains string, pg paging.Page) ([]Group, string, error) {
	if err := s.ownsGroups(ctx, p, owner); err != nil {
		return nil, "", err
	}
	rows, err := s.opt.Store.Q.ListOrgGroups(ctx, db.ListOrgGroupsParams{
		OwnerOrgID: owner, NameContains: strings.TrimSpace(nameContains), Off: pg.Offset, Lim: pg.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	rows, next := paging.Next(pg, rows)
	out := make([]Group, len(rows))
	for i, r := range rows {
		out[i] = groupFromRow(db.OrgOrgGroup{
			ID: r.ID, OwnerOrgID: r.OwnerOrgID, Name: r.Name, Description: r.Description, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		})
		out[i].MemberCount = int(r.MemberCount)
	}
	return out, next, nil
}

// GetGroup returns a group with its orgs and the merges it took in.
// Errors: not_found (GROUP_NOT_FOUND), permission_denied (NOT_IN_SCOPE,
// NO_ORG_SCOPE).
func (s *Service) GetGroup(ctx context.Context, p *access.Principal, id uuid.UUID) (Group, error) {
	if _, err := s.managedGroup(ctx, p, id); err != nil {
		return Group{}, err
	}
	return s.group(ctx, s.opt.Store.Q, id)
}

// ownsGroups returns nil when p may manage the groups of owner: owner is
// in p's scope. Errors: not_found (ORG_NOT_FOUND), permission_denied
// (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) ownsGroups(ctx context.Context, p *access.Principal, owner uuid.UUID) error {
	o, err := s.Get(ctx, owner)
	if err != nil {
		return err
	}
	return s.inScope(ctx, p, o.Path)
}

// managedGroup loads a live group p may manage. Errors: not_found
// (GROUP_NOT_FOUND), permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) managedGroup(ctx context.Context, p *access.Principal, id uuid.UUID) (db.OrgOrgGroup, error) {
	row, err := s.opt.Store.Q.GetOrgGroup(ctx, id)
	if store.IsNotFound(err) {
		return row, groupNotFound()
	}
	if err != nil {
		return row, fmt.Errorf("load group: %w", err)
	}
	if err := s.ownsGroups(ctx, p, row.OwnerOrgID); err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return row, groupNotFound()
		}
		return row, err
	}
	return row, nil
}

// group loads a live group whole.
func (s *Service) group(ctx context.Context, q *db.Queries, id uuid.UUID) (Group, error) {
	row, err := q.GetOrgGroup(ctx, id)
	if store.IsNotFound(err) {
		return Group{}, groupNotFound()
	}
	if err != nil {
		return Group{}, fmt.Errorf("load group: %w", err)
	}
	g := groupFromRow(row)
	members, err := q.ListOrgGroupMembers(ctx, id)
	if err != nil {
		return Group{}, fmt.Errorf("list group members: %w", err)
	}
	g.Members = make([]GroupMember, len(members))
	for i, m := range members {
		g.Members[i] = GroupMember{OrgID: m.ID, Name: m.Name, Level: Level(m.Level), Status: Status(m.Status), AddedAt: m.AddedAt}
	}
	g.MemberCount = len(members)
	merges, err := q.ListOrgGroupMerges(ctx, id)
	if err != nil {
		return Group{}, fmt.Errorf("list group merges: %w", err)
	}
	g.Merges = make([]GroupMerge, len(merges))
	for i, m := range merges {
		g.Merges[i] = GroupMerge{FromGroupID: m.FromGroupID, FromName: m.FromName, OrgsAdded: int(m.OrgsAdded), At: m.At}
		if m.ByName != "" {
			g.Merges[i].ByNameMasked = sensitive.MaskName(m.ByName)
		}
	}
	return g, nil
}

// subordinates returns nil when every org of ids is below owner. Errors:
// invalid_argument (ORG_NOT_SUBORDINATE).
func subordinates(ctx context.Context, q *db.Queries, owner uuid.UUID, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := q.CountSubordinateOrgs(ctx, db.CountSubordinateOrgsParams{Ids: ids, Owner: owner})
	if err != nil {
		return fmt.Errorf("check group orgs: %w", err)
	}
	if int(n) != len(ids) {
		return fault.InvalidField("org_ids", "ORG_NOT_SUBORDINATE", "只能把本组织的下级组织加入分组")
	}
	return nil
}

// checkGroup trims a group's text and checks its limits. Errors:
// invalid_argument (GROUP_NAME_REQUIRED, GROUP_NAME_TOO_LONG,
// DESCRIPTION_TOO_LONG).
func checkGroup(in GroupInput) (GroupInput, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	switch {
	case in.Name == "":
		return in, fault.InvalidField("name", "GROUP_NAME_REQUIRED", "请填写分组名称")
	case utf8.RuneCountInString(in.Name) > maxGroupName:
		return in, fault.InvalidField("name", "GROUP_NAME_TOO_LONG", fmt.Sprintf("分组名称不能超过%d个字", maxGroupName))
	case utf8.RuneCountInString(in.Description) > maxGroupDescription:
		return in, fault.InvalidField("description", "DESCRIPTION_TOO_LONG", fmt.Sprintf("分组说明不能超过%d个字", maxGroupDescription))
	}
	return in, nil
}

// groupErr turns the unique live name into GROUP_NAME_TAKEN.
func groupErr(what string, err error) error {
	if store.ConstraintViolated(err) == "org_group_live_name" {
		return fault.New(fault.Conflict, "GROUP_NAME_TAKEN", "已有同名分组")
	}
	return fmt.Errorf("%s: %w", what, err)
}

func groupNotFound() error { return fault.New(fault.NotFound, "GROUP_NOT_FOUND", "分组不存在") }

func tooManyOrgs() error {
	return fault.InvalidField("org_ids", "TOO_MANY_ORGS", fmt.Sprintf("一次最多调整%d个组织", MaxGroupChange))
}

func groupFromRow(r db.OrgOrgGroup) Group {
	return Group{
		ID: r.ID, OwnerOrgID: r.OwnerOrgID, Name: r.Name, Description: r.Description,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// uniqueIDs drops repeats, keeping the first order.
func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
